"""An independent, plain-pandas reading of B2 exports, straight from docs/cleaning-rules.md.

Deliberately shares no code with the warehouse (no loaders, no dbt) nor with the generator: it
reads the written files back, applies the counting rules itself and computes the report's
figures, keyed like the rows of seeds/published_round3_figures.csv.
"""

from __future__ import annotations

import csv
import gettext
import math
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pycountry
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "published_round3_figures.csv"
NOT_APPROVED = "validation_status_not_approved"
GROUP_SECTION = {
    "international_migrant_workers": ("imw", "imw_nat"),
    "return_migrants": ("ret", "ret_cty"),
    "emigrants": ("emi", "emi_cty"),
    "internal_migrants": ("int_in", "int_in_origin"),
    "internal_out_migrants": ("int_out", "int_out_dest"),
}
CITY_OBLASTS = {"bishkek_city", "osh_city"}
STAY = {"imw/imw_stay_short": "less_than_6_months", "imw/imw_stay_long": "6_months_or_more",
        "imw/imw_stay_unknown": "unknown"}
BANDS = ((0, 5, "0-5 km"), (6, 10, "6-10 km"), (11, 15, "11-15 km"), (16, 20, "16-20 km"),
         (21, 25, "21-25 km"), (26, math.inf, "over 25 km"))


# --------------------------------------------------------------------------- reading files

def read_xlsx(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook as text cells (None for empty), header = first row."""
    wb = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python()
        header, body = rows[0], rows[1:]
        out[name] = pd.DataFrame([[_cell_text(v) for v in r] for r in body], columns=header, dtype=object)
    return out


def _cell_text(v: object) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_csv_folder(path: Path) -> dict[str, pd.DataFrame]:
    """Every ``<sheet>.csv`` of a folder (``;``-separated, UTF-8 with BOM) as text cells."""
    out = {}
    for f in sorted(Path(path).glob("*.csv")):
        df = pd.read_csv(f, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        out[f.stem] = df.astype(object).where(df != "", None)
    return out


# --------------------------------------------------------------------------- value rules

def code(v: object) -> str | None:
    """A choice code: trimmed, lower-cased; None when empty."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).strip().lower()
    return s or None


def count(v: object) -> int | None:
    """A count: integer text (``12``, `` 12 ``, ``12.0``); -99 and other negatives are unknown."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).strip()
    try:
        f = float(s)
    except ValueError:
        return None
    if not f.is_integer() or f < 0:
        return None
    return int(f)


def score(v: object) -> int | None:
    n = count(v)
    return n if n is not None and 0 <= n <= 5 else None


@lru_cache(maxsize=1)
def _russian_names() -> dict[str, str]:
    ru = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    return {ru.gettext(c.name).casefold(): c.alpha_3 for c in pycountry.countries}


def resolve_country(choice: object, other: object) -> str:
    """ISO3 of a country answer: the choice upper-cased; ``other`` resolved by pycountry; else UNK."""
    c = code(choice)
    if c is None or c == "dont_know":
        return "UNK"
    if c != "other":
        return c.upper()
    text = str(other or "").strip()
    if not text:
        return "UNK"
    try:
        return pycountry.countries.lookup(text).alpha_3
    except LookupError:
        pass
    if text.casefold() in _russian_names():
        return _russian_names()[text.casefold()]
    try:
        return pycountry.countries.search_fuzzy(text)[0].alpha_3
    except LookupError:
        return "UNK"


@lru_cache(maxsize=1)
def form_choices() -> dict[str, dict[str, dict[str, str]]]:
    """list_name -> choice name -> row of forms/bma/b2_choices.csv."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    with (ROOT / "forms" / "bma" / "b2_choices.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["list_name"], {})[row["name"]] = row
    return out


def oblast_iso(oblast: str) -> str:
    return form_choices()["oblast"][oblast]["iso_3166_2"]


# --------------------------------------------------------------------------- cleaning

class Round:
    """The valid submissions of a B2 export and their counted repeat rows."""

    def __init__(self, sheets: dict[str, pd.DataFrame]) -> None:
        main_name = next(n for n in sheets if n.startswith("BMA"))
        main = sheets[main_name].copy()
        main["cid"] = main["loc/community_id"].map(lambda v: str(v).strip().upper())
        main["status"] = main["_validation_status"].map(code)
        main["t"] = main["_submission_time"].map(lambda v: str(v).strip())
        main["idn"] = main["_id"].map(count)
        main["idx"] = main["_index"].map(count)
        ok = main[main["status"] != NOT_APPROVED].sort_values(["cid", "t", "idn"])
        self.all_main = main
        self.main = ok.groupby("cid", sort=True).tail(1).set_index("cid", drop=False)
        self.valid_idx = set(self.main["idx"])
        self.main_idx = set(main["idx"])
        self.repeats: dict[str, pd.DataFrame] = {}
        self.orphans: dict[str, int] = {}
        for name, df in sheets.items():
            if name == main_name:
                continue
            pidx = df["_parent_index"].map(count)
            self.orphans[name] = int((~pidx.isin(self.main_idx)).sum())
            rows = df[pidx.isin(self.valid_idx)].copy()
            rows["pidx"] = pidx[pidx.isin(self.valid_idx)]
            by_idx = self.main.set_index("idx")
            rows["cid"] = rows["pidx"].map(by_idx["cid"])
            rows["oblast"] = rows["pidx"].map(by_idx["loc/oblast"].map(code))
            rows["rayon"] = rows["pidx"].map(by_idx["loc/rayon"].map(code))
            self.repeats[name] = rows
        self.main["oblast"] = self.main["loc/oblast"].map(code)
        self.main["rayon"] = self.main["loc/rayon"].map(code)
        self.sheets = sheets

    def years(self, sheet: str, section: str) -> list[int]:
        pat = re.compile(rf"^{section}/{sheet}/{section}_n_(\d{{4}})$")
        return sorted(int(m.group(1)) for c in self.sheets[sheet].columns if (m := pat.match(c)))

    def persons(self, group: str) -> pd.DataFrame:
        """One row per counted (repeat row, year): cid, oblast, rayon, key (country or rayon), year, n."""
        section, sheet = GROUP_SECTION[group]
        rows = self.repeats[sheet]
        recs = []
        if section in ("int_in", "int_out"):
            rfield = f"{section}/{sheet}/{section}_{'origin' if section == 'int_in' else 'dest'}_rayon"
            nfield = f"{section}/{sheet}/{section}_n"
            for _, r in rows.iterrows():
                recs.append((r["cid"], r["oblast"], r["rayon"], code(r[rfield]), None, count(r[nfield])))
        else:
            years = self.years(sheet, section)
            cf, of = f"{section}/{sheet}/{section}_country", f"{section}/{sheet}/{section}_country_other"
            for _, r in rows.iterrows():
                iso = resolve_country(r[cf], r[of])
                for y in years:
                    recs.append((r["cid"], r["oblast"], r["rayon"], iso, y, count(r[f"{section}/{sheet}/{section}_n_{y}"])))
        df = pd.DataFrame(recs, columns=["cid", "oblast", "rayon", "key", "year", "n"])
        return df[df["n"].notna()].astype({"n": int})


def _known(values: pd.Series, parse) -> list[int]:
    """The parsed values of a column that are known (unknowns and empty cells left out)."""
    return [x for x in (parse(v) for v in values) if x is not None]


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


def figures(sheets: dict[str, pd.DataFrame]) -> dict[tuple[str, str, str], float]:
    """(population_group, dimension, key) -> unrounded value, for every dimension of the seed."""
    rd = Round(sheets)
    m = rd.main
    f: dict[tuple[str, str, str], float] = {}
    n_comm = len(m)
    f[("", "communities_assessed", "")] = n_comm
    f[("", "oblasts_assessed", "")] = m.loc[~m["oblast"].isin(CITY_OBLASTS), "oblast"].nunique()
    f[("", "cities_assessed", "")] = m.loc[m["oblast"].isin(CITY_OBLASTS), "oblast"].nunique()
    f[("", "rayons_assessed", "")] = m["rayon"].nunique()
    f[("", "rayons_in_oblasts", "")] = m.loc[~m["oblast"].isin(CITY_OBLASTS), "rayon"].nunique()
    for ob, g in m.groupby("oblast"):
        f[("", "rayons_in_oblast", oblast_iso(ob))] = g["rayon"].nunique()
    ki = rd.repeats["ki"]
    f[("", "key_informants", "")] = len(ki)
    for k, v in ki["ki/ki_sex"].map(code).value_counts().items():
        f[("", "ki_sex_pct", k)] = _pct(v, len(ki))
    for k, v in ki["ki/ki_type"].map(code).value_counts().items():
        f[("", "ki_type_pct", k)] = _pct(v, len(ki))
    assess_year = max(int(str(d)[:4]) for d in m["assessment_date"])
    for group, (section, sheet) in GROUP_SECTION.items():
        p = rd.persons(group)
        total = int(p["n"].sum())
        f[(group, "total", "")] = total
        with_persons = set(p.loc[p["n"] > 0, "cid"])
        present_yes = set(m.index[m[f"{section}/{section}_present"].map(code) == "yes"])
        reporting = len(with_persons | present_yes)
        f[(group, "communities_reporting", "")] = reporting
        f[(group, "pct_communities_reporting", "")] = _pct(reporting, n_comm)
        by_oblast = p.groupby("oblast")["n"].sum()
        for ob, v in by_oblast.items():
            f[(group, "oblast_pct", oblast_iso(ob))] = _pct(v, total)
        f[(group, "oblast_pct_combined", "KG-T+KG-GB")] = _pct(by_oblast.get("talas", 0) + by_oblast.get("bishkek_city", 0), total)
        if section in ("int_in", "int_out"):
            ref = {count(v) for v in m[f"{section}/{section}_ref_year"]}
            f[(group, "reference_year", "")] = ref.pop() if len(ref) == 1 else float("nan")
            same = int(p.loc[p["key"] == p["rayon"], "n"].sum())
            f[(group, "same_rayon_pct", "")] = _pct(same, total)
            by_rayon = p.groupby("rayon")["n"].sum().sort_values(ascending=False)
            for rank, (r, v) in enumerate(by_rayon.items(), 1):
                f[(group, "rayon_pct", r)] = _pct(v, total)
                f[(group, "rayon_rank", r)] = rank
            reason_cols = [c for c in m.columns if c.startswith(f"{section}/{section}_reason_")]
            sums = {c.rsplit("_reason_", 1)[1]: sum(_known(m[c], count)) for c in reason_cols}
            all_reasons = sum(sums.values())
            for k, v in sums.items():
                f[(group, "internal_reason_pct", k)] = _pct(v, all_reasons)
        else:
            years = rd.years(sheet, section)
            f[(group, "year_min", "")], f[(group, "year_max", "")] = min(years), max(years)
            f[(group, "partial_year", "")] = assess_year if assess_year in years else float("nan")
            by_year = p.groupby("year")["n"].sum()
            for y in years[1:]:
                f[(group, "year_pct_change", str(y))] = _pct(by_year.get(y, 0) - by_year.get(y - 1, 0), by_year.get(y - 1, 0))
            by_cty = p.groupby("key")["n"].sum().sort_values(ascending=False)
            f[(group, "countries", "")] = int((by_cty.index != "UNK").sum())
            for rank, (k, v) in enumerate(by_cty.items(), 1):
                f[(group, "country_persons", k)] = v
                f[(group, "country_pct", k)] = _pct(v, total)
                f[(group, "country_rank", k)] = rank
        if section in ("ret", "emi"):
            for c in [c for c in m.columns if c.startswith(f"{section}/{section}_reasons/{section}_reason_")]:
                vals = _known(m[c], score)
                f[(group, "reason_mean", c.rsplit("_reason_", 1)[1])] = sum(vals) / len(vals)
    stay = {k: sum(_known(m[c], count)) for c, k in STAY.items()}
    for k, v in stay.items():
        f[("international_migrant_workers", "stay_duration_pct", k)] = _pct(v, sum(stay.values()))
    hh = m["loc/households"].map(count)
    for c in [c for c in m.columns if c.startswith("svc/") and c.endswith("_avail")]:
        svc = c[len("svc/"):-len("_avail")]
        a = m[c].map(code)
        yes, no = int((a == "yes").sum()), int((a == "no").sum())
        f[("", "service_pct_with", svc)] = _pct(yes, yes + no)
        f[("", "service_pct_without", svc)] = _pct(no, yes + no)
        dist = m[f"svc/{svc}_dist_km"].map(count)
        wo = pd.DataFrame({"km": dist[a == "no"], "hh": hh[a == "no"]})
        for lo, hi, band in BANDS:
            f[("", "distance_band_households", f"{svc}|{band}")] = int(wo.loc[(wo.km >= lo) & (wo.km <= hi), "hh"].sum())
        total_hh = int(wo["hh"].sum())
        f[("", "distance_total_households", svc)] = total_hh
        for thr in (">5 km", ">25 km", ">10 km", ">=3 km", ">=40 km", ">30 km"):
            km = int(re.sub(r"[^0-9]", "", thr))
            sel = wo.km >= km if thr.startswith(">=") else wo.km > km
            v = int(wo.loc[sel, "hh"].sum())
            f[("", "distance_threshold_households", f"{svc}|{thr}")] = v
            f[("", "distance_threshold_pct", f"{svc}|{thr}")] = _pct(v, total_hh)
    return f


# --------------------------------------------------------------------------- comparison

def _half_up(x: float, digits: int = 0) -> float:
    q = 10 ** digits
    return math.floor(x * q + 0.5 + 1e-9) / q


def matches(computed: float | None, value: float, rounding: str) -> bool:
    """Whether a computed value prints as the published one under the row's rounding."""
    if computed is None or (isinstance(computed, float) and math.isnan(computed)):
        return False
    if rounding == "exact":
        return computed == value
    if rounding == "integer_percent":
        return _half_up(computed) == value
    if rounding == "one_decimal":
        return _half_up(computed, 1) == value
    if rounding == "less_than_1":
        return 0 < computed < 1
    if rounding == "more_than":
        return computed > value
    raise ValueError(f"unknown rounding {rounding!r}")


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def mismatches(sheets: dict[str, pd.DataFrame]) -> list[str]:
    """Every seed row that the export does not reproduce, with the computed value."""
    f = figures(sheets)
    bad = []
    for row in seed_rows():
        k = (row["population_group"], row["dimension"], row["key"])
        got = f.get(k)
        if not matches(got, float(row["value"]), row["rounding"]):
            bad.append(f"{row['figure_id']}: published {row['value']} ({row['rounding']}), computed {got}")
    return bad
