"""Shared plotting rules of the report's figures (matplotlib, embedded as PNG).

Legibility rules every figure follows, checked by segkit/tests/test_report.py:
text at least MIN_FONT_POINTS (at the page's 100 CSS px per figure inch that is
at least 12.5 px), tick labels through formatting.tick_label (thousands
separators, never scientific notation), annotation colour chosen per cell by
contrast, legends inside the figure so a chart keeps its width.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.dates import AutoDateLocator, DateFormatter  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from segkit.report.formatting import text_colour, tick_label  # noqa: E402

Marts = dict[str, pd.DataFrame]

# The page shows a figure at 100 CSS px per inch; the PNG has PNG_DPI pixels per
# inch so it stays sharp on high-density screens.
CSS_PX_PER_INCH = 100
PNG_DPI = 150
MIN_FONT_POINTS = 9
STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": MIN_FONT_POINTS,
    "ytick.labelsize": MIN_FONT_POINTS,
    "legend.fontsize": MIN_FONT_POINTS,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.formatter.useoffset": False,
}

@dataclass(frozen=True)
class Chart:
    """One figure: the marts it needs, why it cannot be drawn yet (if so), how to draw it."""

    key: str
    title: str
    marts: tuple[str, ...]
    draw: Callable[[Marts, Figure], None]
    note: str = ""
    size: tuple[float, float] = (9.0, 4.5)
    unavailable: Callable[[Marts], str | None] = lambda marts: None


def plain_ticks(ax: plt.Axes, axis: str = "both") -> None:
    """Thousands separators and no scientific notation or offset on the axis ticks."""
    formatter = FuncFormatter(lambda value, _position: tick_label(value))
    if axis in ("x", "both"):
        ax.xaxis.set_major_formatter(formatter)
        ax.xaxis.set_minor_formatter(NullFormatter())
    if axis in ("y", "both"):
        ax.yaxis.set_major_formatter(formatter)
        ax.yaxis.set_minor_formatter(NullFormatter())


def annotate_cells(ax: plt.Axes, image: AxesImage, labels: np.ndarray) -> None:
    """Writes each cell's label in black or white, whichever contrasts more with the cell."""
    colours = image.cmap(image.norm(np.ma.masked_invalid(image.get_array())))
    for (row, column), label in np.ndenumerate(labels):
        if label:
            ax.text(column, row, label, ha="center", va="center", fontsize=MIN_FONT_POINTS,
                    color=text_colour(colours[row, column]))

def legend_outside(ax: plt.Axes) -> None:
    """The legend right of the plot, inside the figure (constrained layout makes room)."""
    ax.figure.legend(*ax.get_legend_handles_labels(), loc="outside right center", frameon=False)


def date_axis(ax: plt.Axes, dates: pd.Index) -> None:
    """Dates as YYYY-MM-DD ticks: every date when there are few, else matplotlib's choice."""
    if len(dates) <= 10:
        ax.set_xticks(pd.to_datetime(dates))
    else:
        ax.xaxis.set_major_locator(AutoDateLocator())
    ax.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")

def build_figure(chart: Chart, marts: Marts) -> Figure:
    """The chart's figure, drawn in the report's style (the caller closes it)."""
    with plt.rc_context(STYLE):
        fig = plt.figure(figsize=chart.size, layout="constrained")
        chart.draw(marts, fig)
        fig.canvas.draw()
    return fig


def visible_texts(fig: Figure) -> list[Text]:
    """Every text a reader sees in the figure (tick labels, annotations, legends, titles)."""
    return [text for text in fig.findobj(Text) if text.get_visible() and text.get_text().strip()
            and text.get_window_extent().width > 0 and fig.bbox.overlaps(text.get_window_extent())]


def figure_png(fig: Figure) -> str:
    """The figure as a base64 PNG; text that would fall outside the figure is kept by a tight box."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PNG_DPI, bbox_inches="tight", pad_inches=0.1)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def png_size_css(png: str) -> tuple[int, int]:
    """The CSS size a PNG is shown at: PNG pixels scaled from PNG_DPI to CSS_PX_PER_INCH."""
    header = base64.b64decode(png[:64])
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    return round(width * CSS_PX_PER_INCH / PNG_DPI), round(height * CSS_PX_PER_INCH / PNG_DPI)
