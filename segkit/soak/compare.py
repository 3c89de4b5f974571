"""Compare one table between two DuckDB files, in SQL, row by row.

Both files are attached read-only to one connection as the catalogs ``nightly`` and
``reference``; every count is one aggregate query, so it scales with DuckDB, not Python.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from segkit.soak.tables import TableSpec

# History tables hold one slice per night; a from-scratch build holds only D.
AS_OF_COLUMN = "as_of_date"
FLOAT_TYPES = frozenset({"DOUBLE", "FLOAT", "REAL", "FLOAT4", "FLOAT8", "DOUBLE PRECISION"})
# Parallel float sums differ in the last bits between runs; 1e-9 relative is far
# below any difference a user of the marts could see.
RELATIVE_TOLERANCE = 1e-9
EXAMPLES_PER_TABLE = 5
PRESENT = "__soak_present"  # marks a side's rows through the full outer join
# Columns that count this database's own history, not its data: model_version is 1 in
# a from-scratch build and the number of refits so far in the nightly one;
# segment_offer_history.first_assigned_date is D in a from-scratch build and the first
# stored night the customer got the offer in the nightly one. The history refresh,
# rebuilt from the same stored history, compares every column.
UNCOMPARED_COLUMNS = frozenset({"model_version", "first_assigned_date"})


@dataclass
class TableDiff:
    table: str
    key: list[str] | None
    rows_nightly: int = 0
    rows_reference: int = 0
    rows_compared: int = 0
    rows_only_nightly: int = 0
    rows_only_reference: int = 0
    rows_differing: int = 0
    rows_duplicate_key: int = 0
    columns_differing: dict[str, int] = field(default_factory=dict)
    schema_differences: list[str] = field(default_factory=list)
    examples: list[dict] = field(default_factory=list)

    @property
    def differences(self) -> int:
        """Rows that differ in any way (a row repeating a key included), plus one for a
        schema difference."""
        return (
            self.rows_only_nightly
            + self.rows_only_reference
            + self.rows_differing
            + self.rows_duplicate_key
            + (1 if self.schema_differences else 0)
        )


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def is_cluster_column(column: str) -> bool:
    """cluster_id and its relatives (previous_cluster_id, ...): arbitrary labels."""
    return column == "cluster_id" or column.endswith("_cluster_id")


def differs_sql(
    left: str, right: str, data_type: str, tolerance: float = RELATIVE_TOLERANCE
) -> str:
    """SQL that is true when two values differ: floats beyond the relative tolerance
    (both null = equal; infinities and NaN only equal to themselves), everything else
    exactly, null equal to null."""
    if data_type.upper() not in FLOAT_TYPES:
        return f"({left} is distinct from {right})"
    return (
        f"(case when {left} is null and {right} is null then false"
        f" when {left} is null or {right} is null then true"
        f" when {left} = {right} then false"
        f" when not (isfinite({left}) and isfinite({right})) then true"
        f" else coalesce(abs({left} - {right})"
        f" > {tolerance!r} * greatest(1.0, abs({left}), abs({right})), true) end)"
    )


def table_columns(
    con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str
) -> dict[str, str]:
    """Column name -> data type, in table order; empty when the table does not exist."""
    rows = con.execute(
        "select column_name, data_type from duckdb_columns()"
        " where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [catalog, schema, table],
    ).fetchall()
    return dict(rows)


def relation_sql(catalog: str, schema: str, table: str) -> str:
    return f"{quote(catalog)}.{quote(schema)}.{quote(table)}"


def cluster_labels_sql(
    catalog: str, relation: tuple[str, str], as_of: str | None, sliced: bool
) -> str:
    """Each cluster id's canonical label: the smallest customer_id assigned to it.
    Two databases that partition customers alike get the same labels, whatever numbers
    their fits gave the clusters."""
    where = f" where {quote(AS_OF_COLUMN)} = date {literal(as_of)}" if sliced and as_of else ""
    return (
        "select cluster_id, min(customer_id) as cluster_label"
        f" from {relation_sql(catalog, *relation)}{where} group by cluster_id"
    )


def side_sql(
    catalog: str,
    spec: TableSpec,
    columns: list[str],
    as_of: str | None,
    labels_table: str | None,
) -> str:
    """One side of a comparison: the compared columns, cluster ids replaced by their
    canonical label, sliced to as_of_date = D when the table has that column."""
    selects, joins = [], []
    for index, column in enumerate(columns):
        if labels_table and is_cluster_column(column):
            alias = f"labels_{index}"
            value = f"source.{quote(column)}"
            joins.append(f"left join {labels_table} as {alias} on {alias}.cluster_id = {value}")
            selects.append(
                f"coalesce({alias}.cluster_label, 'unmapped ' || cast({value} as varchar))"
                f" as {quote(column)}"
            )
        else:
            selects.append(f"source.{quote(column)}")
    selects.append(f"true as {PRESENT}")
    where = ""
    if as_of and AS_OF_COLUMN in columns:
        where = f" where source.{quote(AS_OF_COLUMN)} = date {literal(as_of)}"
    return (
        f"select {', '.join(selects)} from {relation_sql(catalog, spec.schema, spec.identifier)}"
        f" as source {' '.join(joins)}{where}"
    )


def keyed_joined_sql(
    nightly: str,
    reference: str,
    key: tuple[str, ...],
    compared: Mapping[str, str],
    tolerance: float,
) -> str:
    """Full outer join on the key (null-safe); per compared column both values and a
    differs flag named d_<i>."""
    on = " and ".join(f"n.{quote(k)} is not distinct from r.{quote(k)}" for k in key)
    parts = [
        f"case when n.{PRESENT} then n.{quote(k)} else r.{quote(k)} end as {quote('k_' + k)}"
        for k in key
    ]
    parts += [f"n.{PRESENT} is not null as in_nightly", f"r.{PRESENT} is not null as in_reference"]
    for index, (column, data_type) in enumerate(compared.items()):
        left, right = f"n.{quote(column)}", f"r.{quote(column)}"
        parts += [
            f"{left} as n_{index}",
            f"{right} as r_{index}",
            f"{differs_sql(left, right, data_type, tolerance)} as d_{index}",
        ]
    return (
        f"with n as ({nightly}), r as ({reference}) "
        f"select {', '.join(parts)} from n full outer join r on {on}"
    )


def compare_keyed(
    con: duckdb.DuckDBPyConnection,
    result: TableDiff,
    nightly: str,
    reference: str,
    key: tuple[str, ...],
    compared: Mapping[str, str],
    tolerance: float,
) -> None:
    joined = keyed_joined_sql(nightly, reference, key, compared, tolerance)
    # a key repeated on one side would join each copy to the same row of the other and
    # pass the column checks: repeats are differences of their own
    keys = ", ".join(quote(k) for k in key)
    for side, relation in (("nightly", nightly), ("reference", reference)):
        repeated = con.execute(
            f"select {keys}, count(*) - 1 from ({relation}) as side_rows"
            f" group by {keys} having count(*) > 1 order by all"
        ).fetchall()
        result.rows_duplicate_key += sum(row[-1] for row in repeated)
        result.examples += [
            {
                "key": {k: jsonable(v) for k, v in zip(key, row[:-1], strict=True)},
                "repeated_in": side,
            }
            for row in repeated[:EXAMPLES_PER_TABLE]
        ]
    flags = [f"d_{index}" for index in range(len(compared))]
    any_differs = " or ".join(flags) or "false"
    both = "in_nightly and in_reference"
    counts = con.execute(
        f"select count(*) filter (where in_nightly), count(*) filter (where in_reference),"
        f" count(*) filter (where {both}),"
        f" count(*) filter (where in_nightly and not in_reference),"
        f" count(*) filter (where in_reference and not in_nightly),"
        f" count(*) filter (where {both} and ({any_differs}))"
        + "".join(f", count(*) filter (where {both} and {flag})" for flag in flags)
        + f" from ({joined})"
    ).fetchone()
    (
        result.rows_nightly,
        result.rows_reference,
        result.rows_compared,
        result.rows_only_nightly,
        result.rows_only_reference,
        result.rows_differing,
    ) = counts[:6]
    result.columns_differing = {
        column: count for column, count in zip(compared, counts[6:], strict=True) if count
    }
    if not (result.rows_only_nightly or result.rows_only_reference or result.rows_differing):
        return
    key_names = [quote("k_" + k) for k in key]
    rows = con.execute(
        f"select {', '.join(key_names)}, in_nightly, in_reference"
        + "".join(f", n_{i}, r_{i}, d_{i}" for i in range(len(compared)))
        + f" from ({joined}) where not ({both}) or ({any_differs})"
        f" order by {', '.join(key_names)} limit {EXAMPLES_PER_TABLE}"
    ).fetchall()
    for row in rows:
        key_values = {k: jsonable(value) for k, value in zip(key, row[: len(key)], strict=True)}
        in_nightly, in_reference = row[len(key)], row[len(key) + 1]
        if not (in_nightly and in_reference):
            result.examples.append(
                {"key": key_values, "only_in": "nightly" if in_nightly else "reference"}
            )
            continue
        values = row[len(key) + 2 :]
        result.examples.append(
            {
                "key": key_values,
                "columns": {
                    column: {
                        "nightly": jsonable(values[3 * i]),
                        "reference": jsonable(values[3 * i + 1]),
                    }
                    for i, column in enumerate(compared)
                    if values[3 * i + 2]
                },
            }
        )


def compare_multiset(
    con: duckdb.DuckDBPyConnection,
    result: TableDiff,
    nightly: str,
    reference: str,
    columns: list[str],
) -> None:
    """No key: rows as multisets (except all, both ways). Floats compare exactly here,
    as there is no pairing to apply a tolerance to."""
    listed = ", ".join(quote(column) for column in columns)
    n, r = f"select {listed} from ({nightly})", f"select {listed} from ({reference})"
    only_n, only_r = f"({n} except all {r})", f"({r} except all {n})"
    (
        result.rows_nightly,
        result.rows_reference,
        result.rows_only_nightly,
        result.rows_only_reference,
    ) = con.execute(
        f"select (select count(*) from ({n})), (select count(*) from ({r})),"
        f" (select count(*) from {only_n}), (select count(*) from {only_r})"
    ).fetchone()
    result.rows_compared = min(result.rows_nightly, result.rows_reference)
    for side, query in (("nightly", only_n), ("reference", only_r)):
        remaining = EXAMPLES_PER_TABLE - len(result.examples)
        if remaining <= 0:
            break
        for row in con.execute(f"select * from {query} order by all limit {remaining}").fetchall():
            result.examples.append(
                {
                    "row": {c: jsonable(v) for c, v in zip(columns, row, strict=True)},
                    "only_in": side,
                }
            )


def compare_table(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    as_of: str | None,
    labels: Mapping[str, str | None],
    tolerance: float = RELATIVE_TOLERANCE,
    reference_spec: TableSpec | None = None,
    uncompared: frozenset[str] = UNCOMPARED_COLUMNS,
) -> TableDiff:
    """Compare ``spec`` between the attached catalogs ``nightly`` and ``reference``
    (``reference_spec``: where the reference holds it, when elsewhere), every common
    column but ``uncompared``. ``labels`` names each catalog's cluster label table
    (None: ids compared as they are)."""
    result = TableDiff(spec.name, list(spec.key) if spec.key else None)
    specs = {"nightly": spec, "reference": reference_spec or spec}
    columns = {
        side: table_columns(con, side, specs[side].schema, specs[side].identifier)
        for side in ("nightly", "reference")
    }
    for side, other in (("nightly", "reference"), ("reference", "nightly")):
        if not columns[side]:
            result.schema_differences.append(f"table missing in {side}")
        elif columns[other]:
            missing = [c for c in columns[side] if c not in columns[other]]
            if missing:
                result.schema_differences.append(f"columns only in {side}: {', '.join(missing)}")
    if not (columns["nightly"] and columns["reference"]):
        return result
    common = [c for c in columns["nightly"] if c in columns["reference"] and c not in uncompared]
    cluster_mapped = bool(labels["nightly"] and labels["reference"])
    types: dict[str, str] = {}
    retyped: list[str] = []
    for column in common:
        left, right = columns["nightly"][column], columns["reference"][column]
        if left != right:
            result.schema_differences.append(f"{column}: {left} in nightly, {right} in reference")
            retyped.append(column)
        labelled = cluster_mapped and is_cluster_column(column)
        types[column] = "VARCHAR" if labelled or left != right else left
    nightly, reference = (
        side_sql(side, specs[side], common, as_of, labels[side] if cluster_mapped else None)
        for side in ("nightly", "reference")
    )
    if retyped:
        # the same column typed differently: compare the text of the values
        casts = ", ".join(f"cast({quote(c)} as varchar) as {quote(c)}" for c in retyped)
        nightly, reference = (
            f"select * replace ({casts}) from ({query})" for query in (nightly, reference)
        )
    key = spec.key if spec.key and all(k in common for k in spec.key) else None
    if spec.key and not key:
        result.schema_differences.append(
            f"key {', '.join(spec.key)} not in both tables: compared as multisets"
        )
        result.key = None
    if key:
        compared = {c: types[c] for c in common if c not in key}
        compare_keyed(con, result, nightly, reference, key, compared, tolerance)
    else:
        compare_multiset(con, result, nightly, reference, common)
    return result


def compare_databases(
    nightly_path: Path,
    reference_path: Path,
    specs: list[TableSpec],
    as_of: str | None,
    cluster_relation: tuple[str, str] | None,
    tolerance: float = RELATIVE_TOLERANCE,
    uncompared: frozenset[str] = UNCOMPARED_COLUMNS,
) -> list[TableDiff]:
    """Every table of ``specs``, nightly against reference, as of ``as_of``, every
    common column but ``uncompared``."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {literal(str(nightly_path))} as nightly (read_only)")
        con.execute(f"attach {literal(str(reference_path))} as reference (read_only)")
        labels = {
            side: prepare_cluster_labels(con, side, cluster_relation, as_of)
            for side in ("nightly", "reference")
        }
        return [
            compare_table(con, spec, as_of, labels, tolerance, uncompared=uncompared)
            for spec in specs
        ]
    finally:
        con.close()


def compare_published(
    nightly_path: Path, published_path: Path, pairs: list[tuple[TableSpec, TableSpec]]
) -> list[TableDiff]:
    """Every published mart against the table the nightly build wrote (``pairs``: the
    build's spec, the published file's), on every as_of_date and every column,
    exactly: the publication copies values, so no tolerance, no relabelling and no
    uncompared column (model_version is the same build's on both sides) apply."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {literal(str(nightly_path))} as nightly (read_only)")
        con.execute(f"attach {literal(str(published_path))} as reference (read_only)")
        labels: dict[str, str | None] = {"nightly": None, "reference": None}
        return [
            compare_table(con, built, None, labels, 0.0, published, uncompared=frozenset())
            for built, published in pairs
        ]
    finally:
        con.close()


def prepare_cluster_labels(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    relation: tuple[str, str] | None,
    as_of: str | None,
) -> str | None:
    """A temp table of the catalog's cluster labels, or None when it has no cluster
    assignment to derive them from."""
    if relation is None:
        return None
    columns = table_columns(con, catalog, *relation)
    if not {"cluster_id", "customer_id"} <= columns.keys():
        return None
    name = f"cluster_labels_{catalog}"
    sql = cluster_labels_sql(catalog, relation, as_of, AS_OF_COLUMN in columns)
    con.execute(f"create or replace temp table {name} as {sql}")
    return name


def jsonable(value: object) -> object:
    """A JSON-safe rendering of a DuckDB value for the examples."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)
