"""Holdouts and experiment read-outs (docs/campaigns.md).

One module-scoped pair of dbt builds on generated data with a planted effect
(segkit/generate/experiment.py): a build at as_of = the effect's start date assigns
the arms, a build 31 days later reads the cohort out. The read-out must recover the
planted effect. Then the SAME compiled SQL of segment_experiment_results runs once,
in DuckDB, over thousands of simulated A/A experiments: no more false positives than
alpha, and every statistic equal to scipy's on the same data.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from segkit.experiments import is_holdout
from segkit.generate.config import GeneratorConfig, PlantedEffect
from segkit.generate.writer import generate_to
from segkit.tests.faults.harness import Build, dbt_build

CUSTOMERS = 3000
SEED = 42
END_DATE = "2026-10-31"
# A larger holdout than the default 0.1 gives the planted offer's arms the power
# to reject the null at 3,000 customers (the generator and the build use the same).
HOLDOUT_SHARE = 0.3
EFFECT = PlantedEffect(start_date="2026-09-30", holdout_share=HOLDOUT_SHARE)
ALPHA = 0.05
# one clustering algorithm over a short k range: the clusters are not under test here
BUILD_VARS = {
    "holdout_share": HOLDOUT_SHARE,
    "publish_marts": False,
    "cluster_algorithms": ["kmeans"],
    "cluster_k_max": 4,
}
DECIMALS = 6


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Build, Build]:
    """Arms assigned at the effect's start date, read out at END_DATE (31 days later)."""
    root = tmp_path_factory.mktemp("experiments")
    raw = root / "raw"
    generate_to(
        GeneratorConfig(customers=CUSTOMERS, seed=SEED, end_date=END_DATE, planted_effect=EFFECT),
        raw,
    )
    assign = dbt_build(  # models and seeds only: the read-out build tests
        root / "db", raw,
        dbt_vars={"as_of": EFFECT.start_date, **BUILD_VARS},
        args=["--select", "+int_segments__offer_first_assignments",
              "--exclude-resource-type", "test"],
    )
    assert assign.ok, assign.output[-3000:]
    read_out = dbt_build(
        root / "db", raw,
        dbt_vars={"as_of": END_DATE, **BUILD_VARS},
        args=["--select", "+segment_experiment_results", "assert_offer_arms_stable_over_history",
              "assert_offer_first_assignments_match_the_run_date",
              "--indirect-selection", "cautious"],
    )
    assert read_out.ok, read_out.output[-3000:]
    return assign, read_out


def test_python_holdout_rule_equals_sql(builds: tuple[Build, Build]) -> None:
    offers = builds[1].frame("select customer_id, offer_id, is_holdout from marts.segment_offers")
    assert len(offers) > 500
    for offer_id, group in offers.groupby("offer_id"):
        expected = is_holdout(group["customer_id"], offer_id, HOLDOUT_SHARE)
        assert (expected == group["is_holdout"].to_numpy()).all(), offer_id
    assert 0.2 < offers["is_holdout"].mean() < 0.4  # the share, give or take the sample


def test_arms_are_stable_across_as_of_dates(builds: tuple[Build, Build]) -> None:
    history = builds[1].frame(
        "select customer_id, offer_id, count(distinct is_holdout) as arms,"
        " count(*) as dates, min(first_assigned_date) as first_assigned"
        " from marts.segment_offer_history group by customer_id, offer_id"
    )
    assert history["dates"].max() == 2  # both as_of dates are stored
    assert (history["arms"] == 1).all()
    assert str(history["first_assigned"].min())[:10] == EFFECT.start_date


FIRST_ASSIGNMENT_COLUMNS = [
    "customer_id", "offer_id", "first_assigned_date", "segment_name", "holdout_share",
    "is_holdout",
]
PAIR = ["customer_id", "offer_id"]


def first_assignments_from_history(build: Build) -> pd.DataFrame:
    """The first assignments recomputed from every stored date, in pandas."""
    history = build.frame("select * from marts.segment_offer_history")
    first = history.sort_values("as_of_date").drop_duplicates(PAIR)
    # the history's own first_assigned_date counts in build order; this is over every date
    first = first.drop(columns="first_assigned_date")
    first = first.rename(columns={"as_of_date": "first_assigned_date"})
    return first[FIRST_ASSIGNMENT_COLUMNS].sort_values(PAIR, ignore_index=True)


def stored_first_assignments(build: Build) -> pd.DataFrame:
    stored = build.frame("select * from intermediate.int_segments__offer_first_assignments")
    return stored[FIRST_ASSIGNMENT_COLUMNS].sort_values(PAIR, ignore_index=True)


def first_dates(first_assignments: pd.DataFrame) -> set[str]:
    return set(first_assignments["first_assigned_date"].astype(str).str[:10])


def test_first_assignments_kept_incrementally_equal_the_whole_history(
    builds: tuple[Build, Build],
) -> None:
    """The read-out build appended to the assignment build's table."""
    expected = first_assignments_from_history(builds[1])
    assert first_dates(expected) == {EFFECT.start_date, END_DATE}
    pd.testing.assert_frame_equal(stored_first_assignments(builds[1]), expected)


def test_first_assignments_follow_a_back_dated_build_and_a_history_full_refresh(
    builds: tuple[Build, Build], tmp_path: Path,
) -> None:
    """A back-dated build between the two dates forgets and recomputes the later
    first assignments; a table short of the first assignments of the previous stored
    slice (a build that deleted them and failed before appending, as on Snowflake,
    where the pre-hook commits alone) is recomputed whole; a --full-refresh of
    segment_offer_history alone leaves one stored date, and the next build of the
    first assignments notices."""
    folder = tmp_path / "db"
    folder.mkdir()
    shutil.copy(builds[1].database, folder / "db.duckdb")
    raw = builds[1].folder.parent / "raw"
    middle = (pd.Timestamp(EFFECT.start_date) + pd.Timedelta(days=15)).date().isoformat()
    back_dated = dbt_build(
        folder, raw, dbt_vars={"as_of": middle, **BUILD_VARS},
        args=["--select", "+int_segments__offer_first_assignments,resource_type:model",
              "+int_segments__offer_first_assignments,resource_type:seed",
              "assert_offer_first_assignments_match_the_run_date", "--indirect-selection", "empty"],
    )
    assert back_dated.ok, back_dated.output[-3000:]
    expected = first_assignments_from_history(back_dated)
    dates = first_dates(expected)
    assert middle in dates and EFFECT.start_date in dates  # some pairs start in the middle
    pd.testing.assert_frame_equal(stored_first_assignments(back_dated), expected)

    # three stored dates; the build at END_DATE finds the table short of the first
    # assignments of the slice before it (middle) while it keeps the earlier ones
    con = duckdb.connect(str(folder / "db.duckdb"))
    con.execute(
        "delete from intermediate.int_segments__offer_first_assignments"
        f" where first_assigned_date = date '{middle}'"
    )
    con.close()
    healed = dbt_build(
        folder, raw, dbt_vars={"as_of": END_DATE, **BUILD_VARS},
        args=["--select", "int_as_of_date", "int_segments__offer_first_assignments",
              "--exclude-resource-type", "test"],
    )
    assert healed.ok, healed.output[-3000:]
    pd.testing.assert_frame_equal(
        stored_first_assignments(healed), first_assignments_from_history(healed)
    )

    refreshed = dbt_build(
        folder, raw, dbt_vars={"as_of": middle, **BUILD_VARS},
        args=["--select", "int_as_of_date", "segment_offer_history", "--full-refresh",
              "--exclude-resource-type", "test"],
    )
    assert refreshed.ok, refreshed.output[-3000:]
    after = dbt_build(
        folder, raw, dbt_vars={"as_of": middle, **BUILD_VARS},
        args=["--select", "int_segments__offer_first_assignments",
              "assert_offer_first_assignments_match_the_run_date", "--indirect-selection", "empty"],
    )
    assert after.ok, after.output[-3000:]
    expected = first_assignments_from_history(after)
    assert first_dates(expected) == {middle}
    pd.testing.assert_frame_equal(stored_first_assignments(after), expected)


def test_experiment_results_reject_a_read_out_window_that_is_not_whole_days(tmp_path: Path) -> None:
    for days in (0, 2.5):
        compiled = dbt_build(
            tmp_path / str(days), tmp_path / "raw", command="compile",
            dbt_vars={"experiment_readout_days": days},
            args=["--select", "segment_experiment_results"],
        )
        assert not compiled.ok
        assert f"var experiment_readout_days = {days} is invalid" in compiled.output


def test_read_out_recovers_the_planted_effect(builds: tuple[Build, Build]) -> None:
    results = builds[1].frame(
        "select * from marts.segment_experiment_results"
        f" where offer_id = '{EFFECT.offer_id}' and assigned_date = date '{EFFECT.start_date}'"
    )
    assert len(results) == 1
    row = results.iloc[0]
    assert row["count_holdout_customers"] >= 100 and row["count_treatment_customers"] >= 200
    planted_conversion = EFFECT.expected_conversion_uplift(row["holdout_conversion_rate"])
    lower, upper = row["conversion_uplift_ci_lower"], row["conversion_uplift_ci_upper"]
    assert lower <= planted_conversion <= upper
    assert row["conversion_p_value"] < ALPHA and row["is_conversion_significant"]
    assert row["conversion_uplift_ci_lower"] > 0
    planted_revenue = EFFECT.expected_revenue_uplift
    assert row["revenue_uplift_ci_lower"] <= planted_revenue <= row["revenue_uplift_ci_upper"]
    print(
        f"planted conversion uplift {planted_conversion:.4f},"
        f" recovered {row['conversion_uplift']:.4f}"
        f" [{row['conversion_uplift_ci_lower']:.4f}, {row['conversion_uplift_ci_upper']:.4f}]"
        f" p={row['conversion_p_value']:.2e}; planted revenue uplift {planted_revenue:.2f},"
        f" recovered {row['revenue_uplift']:.2f} [{row['revenue_uplift_ci_lower']:.2f},"
        f" {row['revenue_uplift_ci_upper']:.2f}] p={row['revenue_p_value']:.3g}"
    )


def test_offers_without_effect_are_not_significant(builds: tuple[Build, Build]) -> None:
    """The other offers of the same cohort date had no effect planted."""
    others = builds[1].frame(
        "select offer_id, conversion_p_value from marts.segment_experiment_results"
        f" where offer_id <> '{EFFECT.offer_id}' and assigned_date = date '{EFFECT.start_date}'"
        " and conversion_p_value is not null"
    )
    assert len(others) >= 3
    assert not (others["conversion_p_value"] < ALPHA / len(others)).any(), others


# --- the same SQL over simulated A/A experiments ------------------------------

AA_EXPERIMENTS = 2000
AA_AS_OF = "2026-06-30"
AA_ASSIGNED = "2026-05-01"


def simulate_aa(seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Experiments of 30-600 customers, 30% held out at random, the same
    conversion (0.05-0.5 per experiment) and lognormal revenue in both arms."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(30, 600, AA_EXPERIMENTS)
    rates = rng.uniform(0.05, 0.5, AA_EXPERIMENTS)
    experiment = np.repeat(np.arange(AA_EXPERIMENTS), sizes)
    offer_id = np.char.add("aa_", experiment.astype(str))
    customer_id = np.char.add(np.char.add(offer_id, "_c"), np.arange(len(experiment)).astype(str))
    holdout = rng.random(len(experiment)) < HOLDOUT_SHARE  # the mart reads arms, not the rule
    history = pd.DataFrame({  # int_segments__offer_first_assignments
        "first_assigned_date": pd.Timestamp(AA_ASSIGNED).date(),
        "customer_id": customer_id,
        "offer_id": offer_id,
        "segment_name": "Simulated",
        "is_holdout": holdout,
    })
    converts = rng.random(len(experiment)) < rates[experiment]
    buyers = np.flatnonzero(converts)
    orders_per_buyer = 1 + rng.poisson(0.5, len(buyers))
    owner = np.repeat(buyers, orders_per_buyer)
    day = rng.integers(1, 31, len(owner))  # (assigned, assigned + 30]
    orders = pd.DataFrame({
        "order_id": np.char.add("o", np.arange(len(owner)).astype(str)),
        "customer_id": customer_id[owner],
        "order_status": "completed",
        "ordered_date": (pd.Timestamp(AA_ASSIGNED) + pd.to_timedelta(day, "D")).date,
        "amount": np.round(rng.lognormal(3.9, 0.8, len(owner)), 2),
    })
    return history, orders


def compiled_sql(build: Build) -> str:
    path = next(Path(build.folder, "target", "compiled").rglob("segment_experiment_results.sql"))
    return path.read_text()


def run_compiled(sql: str, history: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """The compiled mart over stand-in input tables of the same names."""
    relations = dict.fromkeys(re.findall(r'"[^"]+"\."[^"]+"\."[^"]+"', sql))
    con = duckdb.connect()
    tables = {
        "int_segments__offer_first_assignments": history,
        "int_orders__resolved": orders,
        "int_as_of_date": pd.DataFrame({"as_of_date": [pd.Timestamp(AA_AS_OF).date()]}),
    }
    for relation in relations:
        name = relation.split(".")[-1].strip('"')
        if name not in tables:  # the pii_gate's depends_on comment
            continue
        con.register(f"frame_{name}", tables[name])
        con.execute(f"create table {name} as select * from frame_{name}")
        sql = sql.replace(relation, name)
    return con.execute(sql).df()


@pytest.fixture(scope="module")
def aa(builds: tuple[Build, Build]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    history, orders = simulate_aa()
    return run_compiled(compiled_sql(builds[1]), history, orders), history, orders


def test_aa_false_positive_rate_is_at_most_alpha(aa) -> None:
    results = aa[0]
    assert len(results) == AA_EXPERIMENTS
    tested = results[results["conversion_p_value"].notna()]
    assert len(tested) > 0.95 * AA_EXPERIMENTS
    se = np.sqrt(ALPHA * (1 - ALPHA) / len(tested))
    for column in ("is_conversion_significant", "is_revenue_significant"):
        rate = tested[column].mean()
        print(f"A/A {column}: {rate:.4f} over {len(tested)} experiments")
        assert rate <= ALPHA + 3 * se, (column, rate)
        assert rate >= ALPHA - 4 * se, (column, rate)  # not a test that never fires


def test_aa_statistics_equal_scipy(aa) -> None:
    """Every statistic against an independent computation (scipy) on the same data."""
    results, history, orders = aa
    per_customer = history.merge(
        orders.groupby("customer_id", as_index=False)["amount"].sum(), on="customer_id", how="left"
    ).fillna({"amount": 0.0})
    per_customer["converted"] = per_customer["amount"] > 0
    z = stats.norm.ppf(1 - ALPHA / 2)
    z_power = stats.norm.ppf(0.8)
    arms = per_customer.groupby(["offer_id", "is_holdout"])
    summary = pd.DataFrame({
        "n": arms.size(), "x": arms["converted"].sum(),
        "mean": arms["amount"].mean(), "var": arms["amount"].var(ddof=1),
    }).unstack("is_holdout")
    n_t, n_c = summary[("n", False)], summary[("n", True)]
    p_t, p_c = summary[("x", False)] / n_t, summary[("x", True)] / n_c
    v_t, v_c = summary[("var", False)] / n_t, summary[("var", True)] / n_c
    pooled = (summary[("x", False)] + summary[("x", True)]) / (n_t + n_c)
    z_score = (p_t - p_c) / np.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
    se = np.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    t_stat = (summary[("mean", False)] - summary[("mean", True)]) / np.sqrt(v_t + v_c)
    df = (v_t + v_c) ** 2 / (v_t**2 / (n_t - 1) + v_c**2 / (n_c - 1))
    tested = np.minimum(n_t, n_c) >= 10
    expected = pd.DataFrame({
        "n_t": n_t,
        "n_c": n_c,
        "conversion_p_value": 2 * stats.norm.sf(np.abs(z_score)),
        "conversion_uplift_ci_lower": p_t - p_c - z * se,
        "conversion_mde": (z + z_power) * np.sqrt(p_c * (1 - p_c) * (1 / n_t + 1 / n_c)),
        "revenue_p_value": 2 * stats.t.sf(np.abs(t_stat), df),
        "revenue_degrees_of_freedom": df,
        "revenue_uplift_ci_upper": t_stat * np.sqrt(v_t + v_c)
        + stats.t.ppf(1 - ALPHA / 2, df) * np.sqrt(v_t + v_c),
    })
    statistics = expected.columns.drop(["n_t", "n_c", "revenue_degrees_of_freedom"])
    expected.loc[~tested, statistics] = np.nan
    got = results.set_index("offer_id").loc[expected.index]
    assert (got["count_treatment_customers"] == expected["n_t"]).all()
    assert (got["count_holdout_customers"] == expected["n_c"]).all()
    assert (got["conversion_p_value"].isna() == expected["conversion_p_value"].isna()).all()
    assert expected.loc[tested, "revenue_degrees_of_freedom"].min() >= 9
    tolerance = {  # rounding to 6 decimals, erfc (1.2e-7 relative), t quantile (1.5e-7 at df 9)
        "conversion_p_value": 1e-6,
        "conversion_uplift_ci_lower": 1e-6,
        "conversion_mde": 1e-6,
        "revenue_p_value": 1e-6,
        "revenue_degrees_of_freedom": 1e-6,
        "revenue_uplift_ci_upper": 1e-5,  # Newton-refined t quantile, SE up to ~30
    }
    for column, atol in tolerance.items():
        error = (got.loc[tested, column] - expected.loc[tested, column]).abs().max()
        print(f"max |SQL - scipy| {column}: {error:.2e}")
        assert error <= atol, (column, error)


def test_planted_effect_is_documented_in_config() -> None:
    effect = PlantedEffect()
    assert dataclasses.asdict(effect)["offer_id"] == "loyalty_double_points"
    assert effect.expected_revenue_uplift == pytest.approx(30.0)
    assert effect.expected_conversion_uplift(0.2) == pytest.approx(0.24)


def test_generator_plants_extra_orders_only_in_the_treatment_arm_and_window() -> None:
    from segkit.generate import generate_with_manifest

    effect = PlantedEffect(start_date="2026-09-30", conversion_share=0.5)
    tables, manifest = generate_with_manifest(
        GeneratorConfig(customers=400, seed=3, end_date=END_DATE, planted_effect=effect)
    )
    orders = tables["orders"].to_pandas()
    planted = orders[orders["order_id"].str.startswith("X", na=False)]
    assert manifest["planted_effect"]["orders"] == len(planted) > 0
    assert not is_holdout(planted["customer_id"], effect.offer_id, effect.holdout_share).any()
    dates = pd.to_datetime(planted["ordered_at"].str.rstrip("Z")).dt.date
    assert dates.min() > pd.Timestamp("2026-09-30").date()
    assert dates.max() <= pd.Timestamp("2026-10-30").date()
    assert (planted["amount"] == effect.order_amount).all()
    # off by default: the classic output has no planted rows and no manifest entry
    classic, classic_manifest = generate_with_manifest(
        GeneratorConfig(customers=400, seed=3, end_date=END_DATE)
    )
    assert "planted_effect" not in classic_manifest
    assert classic["orders"].num_rows == len(orders) - len(planted)
