"""The seven raw tables of docs/raw_contract.md: their names and Arrow schemas."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

TABLES = (
    "customers",
    "orders",
    "order_lines",
    "events",
    "email_events",
    "consent_events",
    "deletion_requests",
)

SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema(
        [
            ("customer_id", pa.string()),
            ("email", pa.string()),
            ("phone", pa.string()),
            ("first_name", pa.string()),
            ("last_name", pa.string()),
            ("birth_date", pa.date32()),
            ("age", pa.int32()),
            ("gender", pa.string()),
            ("income_band", pa.string()),
            ("country_code", pa.string()),
            ("region", pa.string()),
            ("city", pa.string()),
            ("signup_at", pa.string()),
            ("is_loyalty_member", pa.bool_()),
            ("loyalty_tier", pa.string()),
            ("updated_at", pa.timestamp("us")),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
    "orders": pa.schema(
        [
            ("order_id", pa.string()),
            ("customer_id", pa.string()),
            ("customer_email", pa.string()),
            ("ordered_at", pa.string()),
            ("amount", pa.float64()),
            ("currency", pa.string()),
            ("status", pa.string()),
            ("sales_channel", pa.string()),
            ("updated_at", pa.timestamp("us")),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
    "order_lines": pa.schema(
        [
            ("order_line_id", pa.string()),
            ("order_id", pa.string()),
            ("product_id", pa.string()),
            ("category", pa.string()),
            ("quantity", pa.int32()),
            ("unit_price", pa.float64()),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
    "events": pa.schema(
        [
            ("event_id", pa.string()),
            ("anonymous_id", pa.string()),
            ("customer_id", pa.string()),
            ("session_id", pa.string()),
            ("event_type", pa.string()),
            ("page_path", pa.string()),
            ("device", pa.string()),
            ("channel", pa.string()),
            ("campaign", pa.string()),
            ("occurred_at", pa.timestamp("us")),
            ("utc_offset_minutes", pa.int32()),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
    "email_events": pa.schema(
        [
            ("email_event_id", pa.string()),
            ("customer_id", pa.string()),
            ("campaign_id", pa.string()),
            ("event_type", pa.string()),
            ("occurred_at", pa.string()),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
    "consent_events": pa.schema(
        [
            ("consent_event_id", pa.string()),
            ("customer_id", pa.string()),
            ("purpose", pa.string()),
            ("status", pa.string()),
            ("occurred_at", pa.string()),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
    "deletion_requests": pa.schema(
        [
            ("request_id", pa.string()),
            ("customer_id", pa.string()),
            ("email", pa.string()),
            ("requested_at", pa.string()),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
}


def as_table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    """A table in the contract's column order and types."""
    schema = SCHEMAS[name]
    return pa.table([pc.cast(columns[f.name], f.type) for f in schema], schema=schema)
