"""Writing the tables: one Parquet file per table (zstd, dictionaries only where
they pay) and ``_manifest.json``, written last so its presence means the folder is
complete."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .config import GeneratorConfig
from .run import Run
from .schemas import SCHEMAS

ROW_GROUP_ROWS = 1 << 20
# Columns worth dictionary-encoding (few distinct values); ids and times are not, and
# trying a dictionary on them first only costs time.
DICTIONARY_COLUMNS = [
    "gender",
    "income_band",
    "country_code",
    "region",
    "city",
    "first_name",
    "last_name",
    "loyalty_tier",
    "currency",
    "status",
    "sales_channel",
    "category",
    "product_id",
    "event_type",
    "page_path",
    "device",
    "channel",
    "campaign",
    "utc_offset_minutes",
    "campaign_id",
    "purpose",
    "quantity",
]


def parquet_writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    """zstd, dictionary-encoding only the low-cardinality columns."""
    return pq.ParquetWriter(
        path,
        schema,
        compression="zstd",
        use_dictionary=[name for name in schema.names if name in DICTIONARY_COLUMNS],
    )


def write_parquet(path: Path, schema: pa.Schema, chunks: Iterable[pa.Table]) -> None:
    """Write chunks as row groups of at most ROW_GROUP_ROWS rows."""
    with parquet_writer(path, schema) as writer:
        for chunk in chunks:
            writer.write_table(chunk, row_group_size=ROW_GROUP_ROWS)


def write_manifest(out: Path, manifest: dict) -> None:
    (out / "_manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def write(tables: dict[str, pa.Table], out_dir: Path | str, manifest: dict | None = None) -> None:
    """One Parquet file per table, plus ``_manifest.json`` when given (written last, so
    its presence means the folder is complete)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        write_parquet(out / f"{name}.parquet", SCHEMAS[name], [table])
    if manifest is not None:
        write_manifest(out, manifest)


def generate_to(config: GeneratorConfig, out_dir: Path | str) -> dict:
    """Generate and write, streaming events and email events block by block into
    Parquet row groups so peak memory stays bounded. Same files as ``write(generate())``.

    Encoding and compressing Parquet costs about as much as generating, so one
    background thread writes chunk k while the main thread draws chunk k+1 (both
    release the GIL in Arrow/numpy); at most two chunks wait, bounding memory."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "_manifest.json").unlink(missing_ok=True)
    run = Run(config)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: deque[Future] = deque()

        def submit(function: Callable[..., object], *args: object) -> None:
            pending.append(pool.submit(function, *args))
            while len(pending) > 2:
                pending.popleft().result()

        for name, table in run.small_tables().items():
            submit(write_parquet, out / f"{name}.parquet", SCHEMAS[name], [table])
        for name, blocks in (("events", run.event_blocks()), ("email_events", run.email_blocks())):
            writer = parquet_writer(out / f"{name}.parquet", SCHEMAS[name])
            for block in blocks:
                submit(writer.write_table, block, ROW_GROUP_ROWS)
            submit(writer.close)
        while pending:
            pending.popleft().result()
    manifest = run.manifest()
    write_manifest(out, manifest)
    return manifest
