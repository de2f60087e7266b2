"""Raw B2/B1 loads (rounds 2 and 3) with one field fault per community, for the warning tests.

Every community is clean except for its one fault, so each warning must list exactly the
community (or row) named in ``EXPECTED``. Written with the models' raw-table writer
(``tests/models/raw_fixture.py``), i.e. as `mtm load` lands files.
"""

from __future__ import annotations

from tests.models.raw_fixture import Load

Row = dict[str, str | None]

SOKULUK = {"loc/oblast": "chui", "loc/rayon": "chu_sokuluk", "loc/settlement_type": "village"}
QUIET = {"imw/imw_present": "no", "ret/ret_present": "no", "emi/emi_present": "no",
         "int_in/int_in_present": "no", "int_out/int_out_present": "no"}


def main_row(index: int, row_id: int, community: str, time: str, status: str | None = None,
             **answers: str | None) -> Row:
    """A B2 main-sheet row of a clean community with nothing to report, then ``answers``."""
    row: Row = {**SOKULUK, **QUIET, "loc/community_id": community, "loc/community_name": f"Village {community}",
                "loc/households": "120", "_id": str(row_id), "_index": str(index),
                "_submission_time": time, "_validation_status": status}
    row.update({k.replace("__", "/"): v for k, v in answers.items()})
    return row


def repeat(parent: int, index: int, **answers: str | None) -> Row:
    """A repeat row of the main row with ``_index`` = ``parent``."""
    return {"_index": str(index), "_parent_index": str(parent), **{k.replace("__", "/"): v for k, v in answers.items()}}


def returns(parent: int, index: int, n: str, country: str = "rus", year: str = "2023", **more: str) -> Row:
    """A `ret_cty` row with one per-year count."""
    return repeat(parent, index, **{"ret/ret_cty/ret_country": country, f"ret/ret_cty/ret_n_{year}": n}, **more)


RET_YES = {"ret__ret_present": "yes", "ret__ret_reasons__ret_reason_family": "3"}

# warning -> the communities (or sheets) it must list, and nothing else
EXPECTED: dict[str, set[str]] = {
    "stay_duration_vs_nationality": {"C00011"},
    "internal_reasons_vs_counts": {"C00012"},
    "present_flag_contradictions": {"C00013"},
    "out_of_range_answers": {"C00014"},
    "unknown_answers": {"C00015"},
    "corrections_and_rejections": {"C00016", "C00017"},
    "orphan_repeat_rows": {"ret_cty"},
    "unresolved_country_names": {"C00018"},
    "b1_communities_not_assessed": {"C00019"},
    "population_jumps": {"C00020"},
}


def round3_b2() -> Load:
    """Round 3: a clean community and one community per field fault."""
    t = "2024-03-0{}T10:00:00".format
    main = [
        main_row(1, 101, "C00010", t(1), **RET_YES),
        # stay 3 + 2 + 0 = 5, nationality count 10
        main_row(2, 102, "C00011", t(1), imw__imw_present="yes", imw__imw_stay_short="3",
                 imw__imw_stay_long="2", imw__imw_stay_unknown="0"),
        # 8 internal migrants by rayon of origin, reasons give 5
        main_row(3, 103, "C00012", t(1), int_in__int_in_present="yes", int_in__int_in_reason_economic="5"),
        # emigrants present = no, yet 4 counted
        main_row(4, 104, "C00013", t(1)),
        # a reason score of 7
        main_row(5, 105, "C00014", t(1), ret__ret_present="yes", ret__ret_reasons__ret_reason_family="7"),
        # a -99 count
        main_row(6, 106, "C00015", t(1), **RET_YES),
        # C00016: an older approved submission (superseded) and the valid later one
        main_row(7, 107, "C00016", t(1), **RET_YES),
        main_row(8, 108, "C00016", t(5), "validation_status_approved", **RET_YES),
        # C00017: the valid one and a later one not approved (rejected)
        main_row(9, 109, "C00017", t(1), **RET_YES),
        main_row(10, 110, "C00017", t(6), "validation_status_not_approved", **RET_YES),
        # an 'other' country nobody can resolve
        main_row(11, 111, "C00018", t(1), imw__imw_present="yes", imw__imw_stay_short="6",
                 imw__imw_stay_long="0", imw__imw_stay_unknown="0"),
        # 40 returnees after 5 in round 2
        main_row(12, 112, "C00020", t(1), **RET_YES),
    ]
    ret_cty = [
        returns(1, 1, "12"), returns(5, 2, "4"), returns(6, 3, "-99"), returns(6, 4, "3", year="2022"),
        returns(7, 5, "9"), returns(8, 6, "9"), returns(9, 7, "2"), returns(10, 8, "50"),
        returns(12, 9, "40"),
        returns(99, 10, "5"),  # orphan: no main row has _index 99
    ]
    imw_nat = [
        repeat(2, 1, **{"imw/imw_nat/imw_country": "uzb", "imw/imw_nat/imw_n_2023": "10"}),
        repeat(11, 2, **{"imw/imw_nat/imw_country": "other", "imw/imw_nat/imw_country_other": "Narnia",
                         "imw/imw_nat/imw_n_2023": "6"}),
    ]
    emi_cty = [repeat(4, 1, **{"emi/emi_cty/emi_country": "kaz", "emi/emi_cty/emi_n_2023": "4"})]
    int_in = [repeat(3, 1, **{"int_in/int_in_origin/int_in_origin_rayon": "chu_sokuluk",
                              "int_in/int_in_origin/int_in_n": "8"})]
    return Load("F3", 3, "b2", "2024-05-01 10:00:00", rows={
        "b2_main": main, "b2_ret_cty": ret_cty, "b2_imw_nat": imw_nat, "b2_emi_cty": emi_cty,
        "b2_int_in_origin": int_in,
    })


def round2_b2() -> Load:
    """Round 2: C00010 as in round 3 (no jump), C00020 with 5 returnees."""
    main = [main_row(1, 201, "C00010", "2023-06-01T10:00:00", **RET_YES),
            main_row(2, 202, "C00020", "2023-06-01T10:00:00", **RET_YES)]
    return Load("F2", 2, "b2", "2023-07-01 10:00:00", rows={
        "b2_main": main, "b2_ret_cty": [returns(1, 1, "12"), returns(2, 2, "5")]})


def round3_b1() -> Load:
    """B1 of round 3: Sokuluk lists C00010 (assessed) and C00019 (not assessed)."""
    main = [{"oblast": "chui", "rayon": "chu_sokuluk", "ki_count": "3", "_id": "1", "_index": "1",
             "_submission_time": "2024-02-01T10:00:00"}]
    villages = [
        repeat(1, 1, **{"villages/community_name": "Village C00010", "villages/community_id": "C00010",
                        "villages/flows": "inflow"}),
        repeat(1, 2, **{"villages/community_name": "Kyzyl-Jar", "villages/community_id": "C00019",
                        "villages/flows": "outflow"}),
    ]
    return Load("F4", 3, "b1", "2024-05-02 10:00:00", rows={"b1_main": main, "b1_villages": villages})


def loads() -> list[Load]:
    """Every load of the field-faults warehouse."""
    return [round2_b2(), round3_b2(), round3_b1()]
