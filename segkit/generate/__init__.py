"""Deterministic, vectorised sample data for the segmentation project.

Writes the seven raw tables of ``docs/raw_contract.md`` as Parquet files, one per table,
plus ``_manifest.json`` (seed, sizes, dirt rates and how many rows of each dirt kind
were injected into each table), or, with ``--days``, a timeline of daily deliveries::

    python -m segkit.generate --customers 5000 --seed 42 --out data/raw
    python -m segkit.generate --customers 1000000 --out /tmp/raw1m --dirt all=0
    python -m segkit.generate --dirt null_keys=0.05 invalid_emails=0.02
    python -m segkit.generate --customers 2000 --seed 42 --days 30 --out data/timeline
    python -m segkit.generate --planted-effect   # a known campaign effect (docs/campaigns.md)

Why it looks the way it does: the dbt project has to cope with real CRM, order and
clickstream exports, so the data has their shapes (heavy-tailed spend with a few whales,
customers who never buy, repeat purchases that thin out, weekly and November/December
seasonality, churn, a device and channel mix, a page → product → cart → checkout →
purchase funnel with drop-off, low email open and click rates, consent grants and
revocations, deletion requests, customers in several time zones, devices that browse
anonymously before logging in) and their dirt.

Dirt kinds (``DirtRates`` fields; a rate is the chance that an eligible row is hit).
Each kind trips the staging quarantine reason in brackets (docs/staging.md); the
generic kinds are data-driven: ``DIRT_TARGETS`` maps kind -> table -> targets, and a
hit row gets one of its table's targets, drawn uniformly.

========================  =======  ===================================================
kind                      default  tables [quarantine reason]
========================  =======  ===================================================
exact_duplicates          1.5%     customers, orders, events (full-row copies)
near_duplicate_emails     1.0%     customers (later version, email differs in case/space)
invalid_emails            1.0%     customers [invalid_email]
impossible_ages           1.0%     customers (birth_date < 1900 or > end; age < 0 or
                                   > 120) [impossible_age]
non_positive_amounts      1.0%     orders (completed, amount 0 or negative)
                                   [non_positive_amount]; order_lines (quantity 0 or
                                   negative [non_positive_quantity], or unit_price
                                   negative [negative_unit_price])
null_keys                 0.5%     the key or a required reference set to null:
                                   customers.customer_id; orders.order_id, or both
                                   customer_id and customer_email
                                   [missing_customer_reference]; order_lines
                                   order_line_id / order_id / product_id; events
                                   event_id / anonymous_id / session_id; email_events
                                   and consent_events: their id / customer_id;
                                   deletion_requests: request_id, or both customer_id
                                   and email [missing_customer_reference]
future_timestamps         0.5%     business time in 2031, after _loaded_at: customers
                                   signup_at, orders ordered_at, events / email_events
                                   / consent_events occurred_at [future_*]
unparseable_timestamps    0.5%     ISO text no parser accepts ('2026-13-45 25:00:00
                                   +01:00', 'yesterday', '0000-00-00 00:00:00',
                                   '2026-02-30 ...') in customers signup_at, orders
                                   ordered_at, email/consent occurred_at; events:
                                   occurred_at null, or the UTC offset sent in seconds
                                   (beyond ±14 h) [invalid_*]
late_arriving             2.0%     customers, orders, events (_loaded_at 3-30 days late)
multi_identifier_persons  1.0%     customers (+ their own orders): second id, same
                                   email/phone
unknown_enums             0.5%     customers gender; orders status or currency;
                                   events, email_events event_type; consent_events
                                   purpose or status [unknown_*]
========================  =======  ===================================================

Small tables: with a rate above 0, every target of a generic kind hits at least one
row of its table (of each block, for the streamed tables) even when rate × rows < 1,
so every quarantine reason fires on any data set that has the table; on
deletion_requests (~0.5 % of customers, ~15 rows at 3,000) that means 1 row per
target instead of the ~0.1 the rate alone would give. Elsewhere the floor matters
only below a few hundred customers. Kinds are drawn independently, so a row can carry
several (staging reports its first failing rule): per-reason counts in staging can
differ slightly from the manifest's per-kind counts.

Sizes: ``orders_per_customer`` and ``events_per_customer`` are means over all
customers, buyers or not (a quarter never buy, so buyers average ~4/3 as many
orders); dirt copies and second identities add ~2 % on top.

Mixed time zones are always present (offsets -480 … +540 minutes, some 'Z').

Life cycle and timeline mode (``GeneratorConfig.lifecycle``, ``--lifecycle``; always on
with ``--days``): orders change status in a second version, some CRM records land after
the customer's first orders, and deletion requests, unsubscribes and consent
revocations are planted on every one of the last ``lifecycle_days`` days (lifecycle.py).
``generate_timeline`` / ``--days N`` writes ``<out>/<table>/<YYYY-MM-DD>.parquet`` per
load day of the last N days after one backfill file per table, ``_manifest.json`` and
``_timeline.json`` (timeline.py). With the flag off, nothing of this runs.

Determinism: every random draw comes from ``numpy.random.Generator(PCG64(...))``
streams keyed by the seed (and, for the streamed tables, the block number); dates are
relative to ``end_date``, never the wall clock. Same config → byte-identical files.
Events and email events are generated per block of customers and written as Parquet
row groups, which bounds memory at a million customers.

Modules, one per source: common (constants, random streams, Arrow helpers, calendar),
config, schemas, people, customers, orders (orders and order lines), events, email,
consent, deletions, dirt (the DIRT_TARGETS registry, late loads, copies), lifecycle,
run (one generation run), writer (Parquet, manifest), timeline, cli.
"""

from __future__ import annotations

from .cli import main
from .common import BLOCK_CUSTOMERS, DAY, HISTORY_DAYS
from .config import DirtRates, GeneratorConfig
from .dirt import DIRT_TARGETS, Target
from .lifecycle import daily_floor
from .run import generate, generate_with_manifest
from .schemas import SCHEMAS, TABLES
from .timeline import HAPPENINGS, generate_timeline
from .writer import generate_to, write

__all__ = [
    "BLOCK_CUSTOMERS",
    "DAY",
    "DIRT_TARGETS",
    "HAPPENINGS",
    "HISTORY_DAYS",
    "SCHEMAS",
    "TABLES",
    "DirtRates",
    "GeneratorConfig",
    "Target",
    "daily_floor",
    "generate",
    "generate_timeline",
    "generate_to",
    "generate_with_manifest",
    "main",
    "write",
]
