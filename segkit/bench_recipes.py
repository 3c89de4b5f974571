"""The two references the pipeline is benchmarked against, on the same raw files.

* ``pandas``: the recipe of common RFM tutorials — read the raw files with pandas,
  group by customer, days since last purchase, count, sum; then K-Means on
  standardised RFM with k chosen by silhouette over k = 2..9.
* ``floor``: one hand-written DuckDB query computing the same RFM table straight from
  the raw Parquet files: what the engine can do with no modelling layers at all.

Both apply the pipeline's RFM definition so the numbers can be compared: latest
version of each order (by updated_at), completed orders only, amounts converted to
the reporting currency, UTC order date on or before ``as_of``; guest checkouts
belong to the customer with the same (trimmed, lower-cased) email; customers with a
deletion request (by id or email) are left out. The benchmark runs on clean data
(no injected dirt), where that is all identity resolution does.

    python -m segkit.bench_recipes pandas --raw DIR --as-of 2026-10-31 --out rfm.parquet
    python -m segkit.bench_recipes floor  --raw DIR --as-of 2026-10-31 --out rfm.parquet
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

FX_RATES = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27}
RFM_COLUMNS = ["customer_id", "days_since_last_order", "count_orders", "total_revenue"]


def pandas_rfm(raw: Path, as_of: str) -> pd.DataFrame:
    """RFM per customer with pandas, as a notebook would compute it."""
    orders = pd.read_parquet(
        raw / "orders.parquet",
        columns=["order_id", "customer_id", "customer_email", "ordered_at", "amount", "currency", "status",
                 "updated_at"],
    )
    customers = pd.read_parquet(raw / "customers.parquet", columns=["customer_id", "email"])
    customers["email"] = customers["email"].str.strip().str.lower()
    email_owner = customers.dropna(subset=["email"]).groupby("email")["customer_id"].min()
    deletions = pd.read_parquet(raw / "deletion_requests.parquet", columns=["customer_id", "email"])
    deleted = set(deletions["customer_id"].dropna()) | set(
        email_owner.reindex(deletions["email"].dropna().str.strip().str.lower()).dropna())
    orders = orders.sort_values("updated_at").drop_duplicates("order_id", keep="last")
    orders = orders[orders["status"].str.strip().str.lower() == "completed"]
    guest_owner = email_owner.reindex(orders["customer_email"].str.strip().str.lower()).to_numpy()
    orders["customer_id"] = orders["customer_id"].fillna(pd.Series(guest_owner, index=orders.index))
    orders = orders[orders["customer_id"].notna() & ~orders["customer_id"].isin(deleted)]
    orders["ordered_date"] = (
        pd.to_datetime(orders["ordered_at"], utc=True, format="ISO8601").dt.tz_localize(None).dt.normalize()
    )
    as_of_ts = pd.Timestamp(as_of)
    orders = orders[orders["ordered_date"] <= as_of_ts]
    orders["amount_reporting"] = orders["amount"] * orders["currency"].str.strip().str.upper().map(FX_RATES)
    rfm = orders.groupby("customer_id").agg(
        last_order=("ordered_date", "max"),
        count_orders=("order_id", "count"),
        total_revenue=("amount_reporting", "sum"),
    )
    rfm["days_since_last_order"] = (as_of_ts - rfm["last_order"]).dt.days
    return rfm.reset_index()[RFM_COLUMNS]


def pandas_kmeans(rfm: pd.DataFrame, k_values: range = range(2, 10), silhouette_sample: int = 10_000,
                  seed: int = 42) -> int:
    """The tutorial's clustering step: standardise RFM, K-Means for each k, best silhouette.

    Silhouette is exact O(n²); like careful tutorials we score it on a sample, which
    is what makes the recipe finish at all beyond ~100k customers.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    matrix = StandardScaler().fit_transform(rfm[["days_since_last_order", "count_orders", "total_revenue"]])
    scores = {}
    for k in k_values:
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(matrix)
        scores[k] = silhouette_score(matrix, labels, sample_size=min(silhouette_sample, len(matrix)),
                                     random_state=seed)
    return max(scores, key=scores.get)


FLOOR_SQL = """
with latest_orders as (
    select *
    from read_parquet('{raw}/orders.parquet')
    qualify row_number() over (partition by order_id order by updated_at desc) = 1
),
email_owners as (
    select lower(trim(email)) as email, min(customer_id) as customer_id
    from read_parquet('{raw}/customers.parquet')
    where email is not null
    group by 1
),
deleted as (
    select customer_id from read_parquet('{raw}/deletion_requests.parquet') where customer_id is not null
    union
    select email_owners.customer_id
    from read_parquet('{raw}/deletion_requests.parquet') as requests
    join email_owners on lower(trim(requests.email)) = email_owners.email
),
purchases as (
    select
        coalesce(latest_orders.customer_id, email_owners.customer_id) as customer_id,
        cast(cast(ordered_at as timestamptz) at time zone 'UTC' as date) as ordered_date,
        amount * case upper(trim(currency)) {fx_cases} end as amount_reporting
    from latest_orders
    left join email_owners
        on latest_orders.customer_id is null and lower(trim(latest_orders.customer_email)) = email_owners.email
    where lower(trim(status)) = 'completed'
)
select
    customer_id,
    date_diff('day', max(ordered_date), date '{as_of}') as days_since_last_order,
    count(*) as count_orders,
    sum(amount_reporting) as total_revenue
from purchases
where ordered_date <= date '{as_of}'
    and customer_id is not null
    and customer_id not in (select customer_id from deleted)
group by customer_id
"""


def floor_rfm(raw: Path, as_of: str) -> pd.DataFrame:
    """RFM per customer with one DuckDB query over the raw Parquet file."""
    fx_cases = " ".join(f"when '{code}' then {rate}" for code, rate in FX_RATES.items())
    query = FLOOR_SQL.format(raw=raw.as_posix(), as_of=as_of, fx_cases=fx_cases)
    with duckdb.connect() as con:
        return con.execute(query).df()[RFM_COLUMNS]


def compare_rfm(left: pd.DataFrame, right: pd.DataFrame, money_tolerance: float = 0.01) -> list[str]:
    """Differences between two RFM tables (empty when they agree on every customer)."""
    problems: list[str] = []
    merged = left.merge(right, on="customer_id", how="outer", suffixes=("_l", "_r"), indicator=True)
    only = merged["_merge"] != "both"
    if only.any():
        problems.append(f"{int(only.sum())} customers present on one side only")
    both = merged[~only]
    for column in ["days_since_last_order", "count_orders"]:
        bad = (both[f"{column}_l"].astype("int64") != both[f"{column}_r"].astype("int64")).sum()
        if bad:
            problems.append(f"{int(bad)} customers differ in {column}")
    revenue_gap = np.abs(both["total_revenue_l"].astype(float) - both["total_revenue_r"].astype(float))
    if (revenue_gap > money_tolerance).any():
        problems.append(f"{int((revenue_gap > money_tolerance).sum())} customers differ in total_revenue")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reference RFM recipes for the benchmark.")
    parser.add_argument("recipe", choices=["pandas", "floor"])
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-clustering", action="store_true", help="pandas: RFM only")
    args = parser.parse_args(argv)
    if args.recipe == "pandas":
        rfm = pandas_rfm(args.raw, args.as_of)
        if not args.no_clustering:
            print(f"pandas recipe chose k={pandas_kmeans(rfm)}")
    else:
        rfm = floor_rfm(args.raw, args.as_of)
    rfm.to_parquet(args.out, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
