"""Print a short, human-readable summary of a built DuckDB segmentation database.

Used by `make demo` after `dbt build`. It reads only the public marts and the
staging audit tables, so what it prints is what a BI tool would see.

    python -m segkit.summary --database data/segmentation.duckdb
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Section:
    """A titled table of the summary: its query uses {relation} for the mart it reads."""

    title: str
    relation: str
    query: str


SECTIONS: tuple[Section, ...] = (
    Section(
        "Customers and as-of date",
        "customer_features",
        "select count(*) as customers, min(as_of_date) as as_of_date, "
        "sum(case when count_orders > 0 then 1 else 0 end) as buyers, "
        "round(sum(total_revenue), 2) as total_revenue from {relation}",
    ),
    Section(
        "Staging: what happened to every raw row",
        "stg_audit__record_outcomes",
        "select source_table, record_outcome, row_count from {relation} order by 1, 2",
    ),
    Section(
        "Quarantine reasons",
        "stg_audit__quarantined_rows",
        "select source_table, rejection_reason, count(*) as rows from {relation} "
        "group by 1, 2 order by 1, 3 desc",
    ),
    Section(
        "Segments (KPIs)",
        "segment_kpis",
        "select segment_name, segment_kind, count_customers as customers, "
        "round(share_of_customers, 3) as share, round(share_of_revenue, 3) as revenue_share, "
        "round(conversion_rate, 3) as conversion, round(avg_order_value, 2) as aov, "
        "round(repeat_purchase_rate, 3) as repeat_rate, round(avg_engagement_score, 3) as engagement "
        "from {relation} order by segment_priority, segment_name",
    ),
    Section(
        "Primary segment per customer",
        "customer_segments",
        "select primary_segment, count(*) as customers, "
        "round(100.0 * count(*) / sum(count(*)) over (), 1) as share_pct "
        "from {relation} group by 1 order by 2 desc",
    ),
    Section(
        "Cluster profiles",
        "cluster_profiles",
        "select distinct cluster_id, cluster_size as customers, round(cluster_share, 3) as share, "
        "cluster_description from {relation} order by cluster_id",
    ),
)


def find_relation(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """Fully qualified name of the table or view called `name`, in whatever schema dbt put it."""
    rows = con.execute(
        "select table_schema from information_schema.tables where table_name = ? order by 1",
        [name],
    ).fetchall()
    return f'"{rows[0][0]}"."{name}"' if rows else None


def format_table(columns: list[str], rows: list[tuple], max_width: int = 60) -> str:
    """Render rows as a fixed-width text table."""

    def cell(value: object) -> str:
        text = "" if value is None else (f"{value:,.2f}" if isinstance(value, float) else str(value))
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in cells)
    return "\n".join(lines)


def render_summary(con: duckdb.DuckDBPyConnection, max_rows: int = 50) -> str:
    """The whole summary as text. A mart that is missing is reported, not skipped silently."""
    parts: list[str] = []
    for section in SECTIONS:
        relation = find_relation(con, section.relation)
        parts.append(f"== {section.title} ({section.relation})")
        if relation is None:
            parts.append(f"   (not built: run `dbt build` first; {section.relation} is missing)")
            continue
        cursor = con.execute(section.query.format(relation=relation))
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        parts.append(format_table(columns, rows[:max_rows]))
        if len(rows) > max_rows:
            parts.append(f"   … {len(rows) - max_rows} more rows")
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=Path("data/segmentation.duckdb"))
    args = parser.parse_args(argv)
    if not args.database.exists():
        parser.error(f"{args.database} does not exist: run `make demo` (or `dbt build`) first")
    with duckdb.connect(str(args.database), read_only=True) as con:
        print(render_summary(con))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
