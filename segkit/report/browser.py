"""Opens a report in headless Chromium (Debian's `chromium` package, driven by
Playwright for Python) and lists what a reader would trip over.

    python -m segkit.report.browser reports/segment_report.html --screenshot reports/segment_report.png

Playwright never downloads a browser here: it launches the system Chromium through
`executable_path` (env SEG_CHROMIUM, default /usr/bin/chromium; `make browser`
installs it). Checks, at each viewport width:
- no console error, page error or failed request;
- every <img> decodes (img.decode() resolves, naturalWidth > 0);
- every visible text is at least MIN_TEXT_PX (computed font-size), and the labels
  drawn inside each chart too, at the size the image is shown (data-min-label-px);
- text contrast at least MIN_CONTRAST against its background (WCAG ratio);
- nothing is wider than the viewport (no horizontal scrolling, tables fit);
- no number in scientific notation (3.02e+05) and no NaN in the visible text.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path(os.environ.get("SEG_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update"]
VIEWPORTS: tuple[tuple[int, int], ...] = ((1280, 900), (800, 900))
MIN_TEXT_PX = 10.0
MIN_CONTRAST = 4.5

# One pass over the rendered page; returns a list of problems as strings.
CHECK_PAGE_JS = """
async ([minPx, minContrast]) => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    ' "' + (el.innerText || el.alt || '').trim().slice(0, 40) + '"';

  for (const img of document.images) {
    try { await img.decode(); } catch (e) { problems.push('image does not decode: ' + name(img)); continue; }
    if (img.naturalWidth === 0) { problems.push('image has no pixels: ' + name(img)); continue; }
    const designWidth = Number(img.getAttribute('width')) || img.naturalWidth;
    const labelPx = Number(img.dataset.minLabelPx || 'NaN');
    const shownPx = labelPx * img.getBoundingClientRect().width / designWidth;
    if (!(shownPx >= minPx)) problems.push(`chart labels ${shownPx.toFixed(1)} px < ${minPx} px: ` + name(img));
  }

  const rgba = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((c) => { c /= 255; return c <= 0.04045 ? c / 12.92 :
    ((c + 0.055) / 1.055) ** 2.4; }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c.length >= 3 && (c.length === 3 || c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  for (const el of document.body.querySelectorAll('*')) {
    const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!ownText || !visible(el)) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    if (size < minPx) problems.push(`font-size ${size} px < ${minPx} px: ` + name(el));
    const [a, b] = [lum(rgba(style.color)), lum(background(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < minContrast) problems.push(`contrast ${ratio.toFixed(2)} < ${minContrast}: ` + name(el));
  }

  if (document.documentElement.scrollWidth > vw + 1)
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} px > ${vw} px`);
  for (const el of document.body.querySelectorAll('*')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 || r.left < -1)
      problems.push(`wider than the ${vw} px viewport (${Math.round(r.left)}..${Math.round(r.right)}): ` + name(el));
  }

  const text = document.body.innerText;
  for (const m of text.matchAll(/\\b\\d+(?:\\.\\d+)?e[+-]?\\d+\\b/gi))
    problems.push('scientific notation in the text: ' + m[0]);
  for (const m of text.matchAll(/\\bnan\\b/gi)) problems.push('NaN in the text: ' + m[0]);
  return problems;
}
"""


@dataclass
class BrowserCheck:
    """What the check found: problems per viewport, and where the screenshot went."""

    problems: list[str] = field(default_factory=list)
    screenshot: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check_report(report: Path, screenshot: Path | None = None,
                 viewports: tuple[tuple[int, int], ...] = VIEWPORTS) -> BrowserCheck:
    """Opens `report` via file:// at each viewport and checks it; a full-page
    screenshot at the first viewport goes to `screenshot`."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} not found: run `make browser` (apt-get install chromium) "
                                "or set SEG_CHROMIUM to a Chromium binary")
    result = BrowserCheck()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            for index, (width, height) in enumerate(viewports):
                page = browser.new_page(viewport={"width": width, "height": height})
                errors: list[str] = []
                page.on("console", lambda m, e=errors: e.append(f"console {m.type}: {m.text}")
                        if m.type == "error" else None)
                page.on("pageerror", lambda exc, e=errors: e.append(f"page error: {exc}"))
                page.on("requestfailed", lambda r, e=errors: e.append(f"request failed: {r.url[:80]}"))
                page.goto(report.resolve().as_uri(), wait_until="load")
                found = errors + page.evaluate(CHECK_PAGE_JS, [MIN_TEXT_PX, MIN_CONTRAST])
                result.problems += [f"{width} px: {problem}" for problem in found]
                if index == 0 and screenshot is not None:
                    screenshot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshot), full_page=True)
                    result.screenshot = screenshot
                page.close()
        finally:
            browser.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a segment report in headless Chromium.")
    parser.add_argument("report", type=Path)
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args(argv)
    result = check_report(args.report, args.screenshot)
    for problem in result.problems:
        print(problem)
    if result.screenshot:
        print(f"screenshot: {result.screenshot}")
    print(f"{args.report}: {'ok' if result.ok else f'{len(result.problems)} problem(s)'}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
