"""`--reconcile`: round 3 must match every published figure at its rounding; other data does not."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from mtm.checks import gate, reconcile

SEED_CSV = Path(__file__).resolve().parents[2] / "seeds" / "published_round3_figures.csv"

# Figures of the hand-built round 3 (tests/checks/marts_fixture.py), worked out by hand.
HAND_FIGURES = [
    # figure_id, population_group, dimension, key, value, unit, rounding
    ("ret_total", "return_migrants", "total", None, 65, "persons", "exact"),  # 44+3+10+8
    ("emi_total", "emigrants", "total", None, 42, "persons", "exact"),  # 35+7
    ("ret_pct_rus", "return_migrants", "country_pct", "RUS", 83, "percent", "integer_percent"),  # 54/65
    ("ret_countries", "return_migrants", "countries", None, 2, "count", "more_than"),  # RUS, TUR, KAZ
    ("ki_female", None, "ki_sex_pct", "female", 17, "percent", "integer_percent"),  # 1 of 6
    ("communities", None, "communities_assessed", None, 4, "communities", "exact"),
    ("chui_rayons", None, "rayons_in_oblast", "KG-C", 1, "count", "exact"),
    ("ret_b_c", "return_migrants", "oblast_pct_combined", "KG-B+KG-C", 100, "percent", "integer_percent"),
    ("emi_low_income", "emigrants", "reason_mean", "low_income", 4.5, "score", "one_decimal"),
]


def _write_seed(path: Path, rows: list[tuple] | None) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists seeds")
        if rows is None:
            con.execute(f"create or replace table seeds.published_round3_figures as "
                        f"select * from read_csv('{SEED_CSV}', header = true, all_varchar = true)")
            con.execute("alter table seeds.published_round3_figures alter value type double")
            return
        con.execute("create or replace table seeds.published_round3_figures (figure_id varchar, "
                    "population_group varchar, dimension varchar, key varchar, value double, unit varchar, "
                    "rounding varchar, report_section varchar)")
        con.executemany("insert into seeds.published_round3_figures values (?, ?, ?, ?, ?, ?, ?, 'test')", rows)


@pytest.mark.parametrize(("computed", "published", "rounding", "expected"), [
    (82.5, 83, "integer_percent", 83.0), (82.49, 83, "integer_percent", 82.0),
    (2.25, 2.3, "one_decimal", 2.3), (0.4, 1, "less_than_1", 1.0), (0.0, 1, "less_than_1", 0.0),
    (1.2, 1, "less_than_1", 1.2), (46, 45, "more_than", 45.0), (45, 45, "more_than", 45.0),
    (7, 7, "exact", 7.0), (None, 7, "exact", None),
])
def test_published_rounding(computed: float | None, published: float, rounding: str, expected: float | None) -> None:
    assert reconcile.as_published(computed, published, rounding) == expected


def test_hand_figures_reconcile_and_a_wrong_one_fails_alone(marts_copy: Path, gx_root: Path) -> None:
    _write_seed(marts_copy, HAND_FIGURES)
    outcome = gate.run_gate(marts_copy, reconcile=True, context_root=gx_root, data_docs=False)
    assert outcome.blocking_failed == []
    result = next(r for r in outcome.results if r.check_name == "reconcile_published_figures")
    assert (result.round_id, result.status, result.rows_checked) == (3, "pass", len(HAND_FIGURES))

    wrong = [(*row[:4], 66, *row[5:]) if row[0] == "ret_total" else row for row in HAND_FIGURES]
    _write_seed(marts_copy, wrong)
    outcome = gate.run_gate(marts_copy, reconcile=True, context_root=gx_root, data_docs=False)
    assert outcome.blocking_failed == ["reconcile_published_figures"]
    result = next(r for r in outcome.results if r.check_name == "reconcile_published_figures")
    assert [row.values["figure_id"] for row in result.offending] == ["ret_total"]
    assert result.offending[0].values["warehouse_value"] == 65


def test_other_round3_data_does_not_reconcile(marts_copy: Path, gx_root: Path) -> None:
    _write_seed(marts_copy, None)
    plain = gate.run_gate(marts_copy, context_root=gx_root, data_docs=False)
    assert plain.blocking_failed == []
    assert all(r.check_name != "reconcile_published_figures" for r in plain.results)
    outcome = gate.run_gate(marts_copy, reconcile=True, context_root=gx_root, data_docs=False)
    assert outcome.blocking_failed == ["reconcile_published_figures"]
    result = next(r for r in outcome.results if r.check_name == "reconcile_published_figures")
    assert result.rows_checked == sum(1 for _ in SEED_CSV.open(encoding="utf-8")) - 1
    assert any(row.values["figure_id"] == "ret_total" for row in result.offending)
