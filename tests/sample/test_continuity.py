"""Rounds 1 and 2 continue round 3 community by community (plain pandas on the written exports).

A revisited community keeps its rayon and settlement type, about its households, and its counts
of a calendar year that both rounds cover; only the generator's deliberate jumps (a handful per
round) break the warehouse's jump rule: persons changed more than fivefold, or from zero to over
100, since the previous round.
"""

from __future__ import annotations

import independent_reading as ir
import pandas as pd
import pytest

from mtm.sample.continuity import DELIBERATE_JUMPS, observed_fraction
from mtm.sample.generator import DEFAULT_SEED, generate_round, round_years
from mtm.sample.kobo_export import write_export

GROUPS = tuple(ir.GROUP_SECTION)
INTERNATIONAL = ("international_migrant_workers", "return_migrants", "emigrants")


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> dict[int, ir.Round]:
    d = tmp_path_factory.mktemp("continuity")
    out = {}
    for r in (1, 2, 3):
        write_export(generate_round(r, seed=DEFAULT_SEED)["b2"], d / f"r{r}", "csv")
        out[r] = ir.Round(ir.read_csv_folder(d / f"r{r}"))
    return out


@pytest.fixture(scope="module")
def persons(rounds: dict[int, ir.Round]) -> dict[int, pd.DataFrame]:
    """Round -> counted persons per (cid, group, year); internal groups with year None."""
    out = {}
    for r, rd in rounds.items():
        frames = [rd.persons(g).assign(group=g) for g in GROUPS]
        out[r] = pd.concat(frames, ignore_index=True)
    return out


def _totals(p: pd.DataFrame, main: pd.DataFrame) -> pd.Series:
    """Persons per (community, group), zero for an assessed community without any."""
    s = p.groupby(["cid", "group"])["n"].sum()
    full = pd.MultiIndex.from_product([main.index, GROUPS], names=["cid", "group"])
    return s.reindex(full, fill_value=0)


def _jumps(prev: pd.Series, cur: pd.Series) -> pd.DataFrame:
    both = pd.concat([prev.rename("prev"), cur.rename("cur")], axis=1, join="inner")
    p, c = both["prev"], both["cur"]
    flagged = (((p > 0) & (c > 0) & ((c > 5 * p) | (p > 5 * c)))
               | ((p == 0) & (c > 100)) | ((c == 0) & (p > 100)))
    return both[flagged]


@pytest.mark.parametrize("round_id", [2, 3])
def test_only_the_deliberate_few_jump(rounds, persons, round_id: int) -> None:
    prev = _totals(persons[round_id - 1], rounds[round_id - 1].main)
    cur = _totals(persons[round_id], rounds[round_id].main)
    jumps = _jumps(prev, cur)
    pairs = len(prev.index.intersection(cur.index))
    assert pairs > 0.8 * 5 * 900
    planned = len(DELIBERATE_JUMPS[round_id - 1])
    assert 3 <= len(jumps) <= 8
    assert len(jumps) == planned, jumps
    assert len(jumps) / pairs < 0.002


@pytest.mark.parametrize("round_id", [1, 2])
def test_same_year_counts_are_round3s_with_small_revisions(persons, round_id: int) -> None:
    years, iry = round_years(round_id, None, None)
    full_years = [y for y in years if observed_fraction(round_id, y, iry) == 1.0]
    assert full_years and len(full_years) < len(years)  # the collection year is partial

    def by_year(p: pd.DataFrame) -> pd.Series:
        p = p[p["group"].isin(INTERNATIONAL) & p["year"].isin(full_years)]
        return p.groupby(["cid", "group", "year"])["n"].sum()
    both = pd.concat([by_year(persons[round_id]).rename("early"), by_year(persons[3]).rename("r3")],
                     axis=1, join="inner")
    both = both[(both["early"] > 0) | (both["r3"] > 0)]
    assert len(both) > 1000
    same = (both["early"] == both["r3"]).mean()
    ratio = (both["early"] + 1) / (both["r3"] + 1)
    close = ratio.between(0.75, 1.3).mean()
    assert same > 0.5, same  # mostly identical
    assert close > 0.97, close  # the rest revised by a few tens of percent at most
    assert ((ratio > 5) | (ratio < 0.2)).mean() < 0.005


@pytest.mark.parametrize("round_id", [1, 2])
def test_revisited_communities_keep_their_place_and_size(rounds, round_id: int) -> None:
    early, late = rounds[round_id].main, rounds[3].main
    common = early.index.intersection(late.index)
    assert len(common) > 0.8 * len(early)
    assert (early.loc[common, "rayon"] == late.loc[common, "rayon"]).all()
    stype = "loc/settlement_type"
    assert (early.loc[common, stype].map(ir.code) == late.loc[common, stype].map(ir.code)).all()
    hh_early = early.loc[common, "loc/households"].map(ir.count)
    hh_late = late.loc[common, "loc/households"].map(ir.count)
    ok = hh_early.notna() & hh_late.notna()
    drift = (hh_early[ok].astype(float) / hh_late[ok].astype(float))
    assert drift.between(0.9, 1.1).mean() > 0.98


def test_national_totals_grow_with_the_years_covered(persons) -> None:
    totals = {r: p.groupby("group")["n"].sum() for r, p in persons.items()}
    for g in INTERNATIONAL:
        assert 0.25 * totals[3][g] < totals[1][g] < totals[2][g] < totals[3][g], g
    for g in ("internal_migrants", "internal_out_migrants"):  # one reference year each: similar size
        assert 0.6 * totals[3][g] < totals[1][g] < 1.2 * totals[3][g], g
        assert 0.6 * totals[3][g] < totals[2][g] < 1.2 * totals[3][g], g
