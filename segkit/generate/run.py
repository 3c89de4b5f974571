"""One generation run: the people, then every source table with its dirt, and the
manifest's bookkeeping."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from . import lifecycle
from .common import (
    DAY,
    OFFSETS,
    PRE_SIGNUP_BROWSING_DAYS,
    Calendar,
    block_count,
    categorical,
    stream,
    take,
)
from .config import GeneratorConfig
from .consent import consent_table
from .customers import customer_columns, customer_dirt
from .deletions import deletion_table
from .dirt import apply_dirt
from .email import email_block
from .experiment import effect_orders
from .events import event_block
from .orders import order_columns, order_counts, order_dirt, order_facts, order_line_table
from .people import draw_people
from .schemas import TABLES


class Run:
    """One generation run: the small tables eagerly, the big ones as block iterators,
    and the manifest counts."""

    def __init__(self, config: GeneratorConfig) -> None:
        if config.customers < 1:
            raise ValueError("customers must be at least 1")
        if config.lifecycle_days < 1:
            raise ValueError("lifecycle_days must be at least 1")
        self.config = config
        self.calendar = Calendar(config.start - PRE_SIGNUP_BROWSING_DAYS * DAY, config.end)
        self.people = draw_people(config, self.calendar)
        self.plan: lifecycle.Plan | None = None
        if config.lifecycle:
            self.people, self.plan = lifecycle.plan_people(config, self.people)
        self.injected: dict[str, dict[str, int]] = {}
        self.planted_orders = 0
        self.rows: dict[str, int] = dict.fromkeys(TABLES, 0)
        span = (self.people.churn - self.people.signup) / DAY + 1 + PRE_SIGNUP_BROWSING_DAYS
        self.mean_span = float(span.mean())

    def small_tables(self) -> dict[str, pa.Table]:
        """customers, orders, order_lines, consent_events, deletion_requests."""
        config, people, plan = self.config, self.people, self.plan
        # every source has its own random stream, so the people's orders can be drawn
        # before the CRM export, whose life-cycle arrival times depend on them
        rng = stream(config.seed, 3)
        owner = np.repeat(np.arange(people.size), order_counts(config, people, rng))
        facts = order_facts(
            owner, people.signup[owner], people.churn[owner], people, rng, self.calendar, config.end
        )
        crm = customer_columns(config, people)
        if plan is not None:
            crm = lifecycle.crm_arrivals(config, people, crm, facts, plan)
        customers, self.injected["customers"], second = customer_dirt(config, people, crm)
        del crm
        # second identities place 1-3 orders of their own after their sign-up
        persons = second["persons"]
        per = 1 + categorical(rng, len(persons), np.array([0.5, 0.3, 0.2]))
        which = np.repeat(np.arange(len(persons)), per)
        second_facts = order_facts(
            persons[which],
            second["signup"][which],
            np.maximum(people.churn[persons[which]], second["signup"][which] + DAY),
            people,
            rng,
            self.calendar,
            config.end,
        )
        # order_facts sorts by person; persons are ascending with one second identity
        # each, so after the sort the k-th order still belongs to second identity which[k]
        second_facts["guest"][:] = False
        main = order_columns(facts, 0, people.customer_id, people.email, people.offset)
        extra = order_columns(
            {**second_facts, "owner": which},
            len(owner),
            second["customer_id"],
            take(people.email, persons),
            people.offset[persons],
        )
        columns = {name: pa.concat_arrays([main[name], extra[name]]) for name in main}
        keys = ("amount", "updated", "loaded") + (("status", "ordered") if plan else ())
        all_facts = {key: np.concatenate([facts[key], second_facts[key]]) for key in keys}
        orders_count = len(all_facts["amount"])
        line_loaded = all_facts["loaded"]
        if plan is not None:
            columns, versions, line_loaded = lifecycle.order_versions(
                config, columns, all_facts, len(owner)
            )
            all_facts.update(versions)
        del main, extra, facts, second_facts, owner  # bounds peak memory at 1M customers
        # clean tables go straight into apply_dirt, holding no other reference, so
        # their clean columns are freed as soon as the dirty copies exist
        order_lines, self.injected["order_lines"] = apply_dirt(
            "order_lines",
            order_line_table(
                columns["order_id"].slice(0, orders_count),
                all_facts["amount"],
                line_loaded,
                stream(config.seed, 4),
            ),
            config,
        )
        orders, self.injected["orders"] = order_dirt(config, columns, all_facts)
        if config.planted_effect is not None:
            # clean rows after the dirt: the effect is what the read-out must find
            planted = effect_orders(config.planted_effect, people, config.seed, config.end)
            orders = pa.concat_tables([orders, planted])
            self.planted_orders = planted.num_rows
        del columns, all_facts, line_loaded
        consent, self.injected["consent_events"] = apply_dirt(
            "consent_events", consent_table(config, people), config
        )
        deletions, self.injected["deletion_requests"] = apply_dirt(
            "deletion_requests", deletion_table(config, people, plan), config
        )
        tables = {
            "customers": customers,
            "orders": orders,
            "order_lines": order_lines,
            "consent_events": consent,
            "deletion_requests": deletions,
        }
        for name, table in tables.items():
            self.rows[name] = table.num_rows
        return tables

    def event_blocks(self) -> Iterator[pa.Table]:
        counts: dict[str, int] = {}
        for block in range(block_count(self.config.customers)):
            table, block_counts = event_block(
                self.config, self.people, self.calendar, block, self.mean_span
            )
            for kind, count in block_counts.items():
                counts[kind] = counts.get(kind, 0) + count
            self.injected["events"] = dict(counts)
            self.rows["events"] += table.num_rows
            yield table

    def email_blocks(self) -> Iterator[pa.Table]:
        counts: dict[str, int] = {}
        for block in range(block_count(self.config.customers)):
            table, block_counts = apply_dirt(
                "email_events",
                email_block(self.config, self.people, block, self.plan),
                self.config,
                block,
            )
            for kind, count in block_counts.items():
                counts[kind] = counts.get(kind, 0) + count
            self.injected["email_events"] = dict(counts)
            self.rows["email_events"] += table.num_rows
            yield table

    def manifest(self) -> dict:
        config = self.config
        manifest = {
            "seed": config.seed,
            "end_date": config.end_date,
            "customers": config.customers,
            "orders_per_customer": config.orders_per_customer,
            "events_per_customer": config.events_per_customer,
            "dirt_rates": dataclasses.asdict(config.dirt),
            "injected": {
                table: dict(sorted(self.injected.get(table, {}).items())) for table in TABLES
            },
            "rows": dict(self.rows),
            "utc_offsets_minutes": OFFSETS.tolist(),
        }
        if config.planted_effect is not None:  # absent otherwise, as lifecycle below
            manifest["planted_effect"] = {
                **dataclasses.asdict(config.planted_effect),
                "orders": self.planted_orders,
            }
        if config.lifecycle:  # absent otherwise, so the classic manifest is unchanged
            manifest["lifecycle"] = True
            manifest["lifecycle_days"] = config.lifecycle_days
        return manifest


def generate_with_manifest(config: GeneratorConfig) -> tuple[dict[str, pa.Table], dict]:
    """All seven tables in memory, plus the manifest (seed, sizes, rates, injected counts)."""
    run = Run(config)
    tables = run.small_tables()
    tables["events"] = pa.concat_tables(list(run.event_blocks()))
    tables["email_events"] = pa.concat_tables(list(run.email_blocks()))
    return {name: tables[name] for name in TABLES}, run.manifest()


def generate(config: GeneratorConfig) -> dict[str, pa.Table]:
    """All seven raw tables of the contract, in memory. Deterministic for ``config``."""
    return generate_with_manifest(config)[0]
