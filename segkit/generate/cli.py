"""``python -m segkit.generate``: one Parquet file per table, or with ``--days`` a
timeline of daily deliveries."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from .config import DirtRates, GeneratorConfig, PlantedEffect
from .timeline import generate_timeline
from .writer import generate_to


def planted_effect(start_date: str | None, end_date: str) -> PlantedEffect | None:
    """The --planted-effect option: None when absent; 'auto' = end date - 31 days, so
    a build at the end date reads out the whole window."""
    if start_date is None:
        return None
    if start_date == "auto":
        start_date = str(np.datetime64(end_date, "D") - np.timedelta64(31, "D"))
    return PlantedEffect(start_date=start_date)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m segkit.generate",
        description="Generate deterministic raw sample data (docs/raw_contract.md).",
    )
    defaults = GeneratorConfig()
    parser.add_argument("--customers", type=int, default=defaults.customers)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--out", type=Path, default=Path("data/raw"))
    parser.add_argument(
        "--end-date",
        default=defaults.end_date,
        help="last day of history (YYYY-MM-DD); with --days, the last delivered day",
    )
    parser.add_argument(
        "--orders-per-customer",
        type=float,
        default=defaults.orders_per_customer,
        help="mean orders per customer, over all customers (buyers or not)",
    )
    parser.add_argument(
        "--events-per-customer",
        type=float,
        default=defaults.events_per_customer,
        help="mean web/app events per customer, over all customers",
    )
    parser.add_argument(
        "--dirt",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME=RATE",
        help="override dirt rates; all=0 turns dirt off (later assignments win)",
    )
    parser.add_argument(
        "--days",
        type=int,
        help="timeline mode: write <out>/<table>/<YYYY-MM-DD>.parquet deliveries of the "
        "last DAYS days (after one backfill file per table) and _timeline.json; implies "
        "--lifecycle",
    )
    parser.add_argument(
        "--lifecycle",
        action="store_true",
        help="one-file output with the life-cycle behaviours of timeline mode (status "
        "changes as second versions, late CRM records, planted deletions, unsubscribes "
        "and revocations)",
    )
    parser.add_argument(
        "--lifecycle-days",
        type=int,
        default=defaults.lifecycle_days,
        help="last days of history that get a daily floor of each life-cycle happening",
    )
    parser.add_argument(
        "--planted-effect",
        nargs="?",
        const="auto",
        metavar="START_DATE",
        help="plant a known campaign effect for offer loyalty_double_points: extra orders "
        "of its treatment arm in the 30 days after START_DATE (default: end date - 31 "
        "days), see docs/campaigns.md",
    )
    args = parser.parse_args(argv)
    if args.customers < 1:
        parser.error("--customers must be at least 1")
    if args.days is not None and args.days < 1:
        parser.error("--days must be at least 1")
    if args.lifecycle_days < 1:
        parser.error("--lifecycle-days must be at least 1")
    try:
        dirt = DirtRates().override(args.dirt)
        np.datetime64(args.end_date, "D")
    except ValueError as error:
        parser.error(str(error))
    config = GeneratorConfig(
        customers=args.customers,
        seed=args.seed,
        end_date=args.end_date,
        orders_per_customer=args.orders_per_customer,
        events_per_customer=args.events_per_customer,
        dirt=dirt,
        lifecycle=args.lifecycle or args.days is not None,
        lifecycle_days=args.lifecycle_days,
        planted_effect=planted_effect(args.planted_effect, args.end_date),
    )
    if args.days is not None:
        timeline = generate_timeline(config, args.days, args.out)
        total = timeline["happenings_total"]
        print(
            f"backfill {timeline['backfill_date']} + {args.days} deliveries "
            f"{timeline['delivery_dates'][0]}..{timeline['delivery_dates'][-1]};",
            " ".join(f"{kind}={count:,}" for kind, count in total.items()),
            f"-> {args.out}",
        )
        return 0
    manifest = generate_to(config, args.out)
    print(" ".join(f"{name}={rows:,}" for name, rows in manifest["rows"].items()), f"-> {args.out}")
    return 0
