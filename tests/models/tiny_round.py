"""A hand-made tiny round with every mess of the contract, and its figures worked out by hand.

Round 3 (current load L2; an older load L1 and a `duplicate` attempt L3 must be ignored), B1 of
round 3 (L4), a one-community round 1 (L5) whose export has only the 2020-2022 year fields, and a
round 4 (L6) whose export adds the year field 2025 (it needs only ROUND4_REGISTRY_ROW in the registry).
"""

from __future__ import annotations

from tests.models.raw_fixture import Load

Row = dict[str, str | None]


def b2_main(index: int, row_id: int, community: str | None, time: str, status: str | None,
            **answers: str | None) -> Row:
    """A B2 main-sheet row; answers are given by Kobo path with `/` written as `__`."""
    row: Row = {
        "loc/community_id": community, "loc/community_name": f"name {community}",
        "_id": str(row_id), "_submission_time": time, "_validation_status": status, "_index": str(index),
        "_uuid": f"uuid-{row_id}",
    }
    row.update({k.replace("__", "/"): v for k, v in answers.items()})
    return row


def repeat(parent: int, index: int, **answers: str | None) -> Row:
    """A repeat-sheet row belonging to the main row whose `_index` is ``parent``."""
    row: Row = {"_index": str(index), "_parent_index": str(parent), "_parent_table_name": "main"}
    row.update({k.replace("__", "/"): v for k, v in answers.items()})
    return row


def nat(parent: int, index: int, country: str, other: str | None = None, **years: str | None) -> Row:
    """An `imw_nat` row: years given as y2020='10'."""
    return repeat(parent, index, imw__imw_nat__imw_country=country, imw__imw_nat__imw_country_other=other,
                  **{f"imw__imw_nat__imw_n_{k[1:]}": v for k, v in years.items()})


def cty(section: str, parent: int, index: int, country: str, other: str | None = None, **years: str | None) -> Row:
    """A `ret_cty` / `emi_cty` row."""
    base = f"{section}__{section}_cty__{section}"
    return repeat(parent, index, **{f"{base}_country": country, f"{base}_country_other": other},
                  **{f"{base}_n_{k[1:]}": v for k, v in years.items()})


C1 = {"loc__oblast": " Bishkek_City ", "loc__rayon": "bsk_oktyabrsky", "loc__settlement_type": "city_district",
          "loc__households": "100", "imw__imw_present": "yes", "imw__imw_stay_short": "5", "imw__imw_stay_long": "3",
          "imw__imw_stay_unknown": "-99", "ret__ret_present": "yes", "ret__ret_reasons__ret_reason_family": "5",
          "ret__ret_reasons__ret_reason_patent": "7", "emi__emi_present": "no", "int_in__int_in_present": "yes",
          "int_in__int_in_reason_economic": "7", "int_in__int_in_reason_unknown": "3", "int_out__int_out_present": "no",
          "svc__clinic_avail": "yes", "svc__school_avail": "no", "svc__school_dist_km": "30"}


def round3_b2() -> Load:
    """The current B2 load of round 3."""
    main = [
        b2_main(1, 11, " c00001 ", "2024-03-01T10:00:00", None, **C1),
        # a later correction that was not approved: rejected, its repeat rows not counted
        b2_main(2, 12, "C00001", "2024-03-05T10:00:00", "validation_status_not_approved",
                **{**C1, "loc__households": "999"}),
        # an older approved submission of the same community: superseded
        b2_main(3, 10, "C00001", "2024-02-20T10:00:00", "validation_status_approved",
                **{**C1, "loc__households": "888"}),
        b2_main(4, 13, "C00002", "2024-03-02T09:00:00", "validation_status_on_hold",
                loc__oblast="chui", loc__rayon=" CHU_SOKULUK", loc__settlement_type="village",
                loc__households=" 50 ", imw__imw_present=" YES ", imw__imw_stay_short="1",
                imw__imw_stay_unknown="0", ret__ret_present="yes", ret__ret_reasons__ret_reason_family="0",
                ret__ret_reasons__ret_reason_patent="3", emi__emi_present="yes",
                emi__emi_reasons__emi_reason_low_income="4", int_in__int_in_present="yes",
                int_in__int_in_reason_economic="-99", int_out__int_out_present="no",
                svc__clinic_avail="no", svc__clinic_dist_km="3", svc__school_avail="yes"),
        # same time as the next row: the higher _id (15) wins
        b2_main(5, 14, "C00003", "2024-03-03T08:00:00", None,
                loc__oblast="chui", loc__rayon="chu_sokuluk", loc__households="-5"),
        b2_main(6, 15, "C00003", "2024-03-03T08:00:00", None,
                loc__oblast="chui", loc__rayon="chu_sokuluk", loc__settlement_type="village",
                loc__households="20.0", imw__imw_present="no", ret__ret_present="yes",
                ret__ret_reasons__ret_reason_patent="4", emi__emi_present="yes",
                emi__emi_reasons__emi_reason_low_income="2", emi__emi_reasons__emi_reason_family="1",
                int_in__int_in_present="no", int_out__int_out_present="yes",
                int_out__int_out_reason_economic="2", int_out__int_out_reason_unknown="x",
                svc__clinic_avail=" NO ", svc__clinic_dist_km="12"),
        # no community code: unidentified, never counted
        b2_main(7, 16, "  ", "2024-03-04T08:00:00", None, loc__oblast="chui", loc__rayon="chu_sokuluk"),
    ]
    ki = [
        repeat(1, 1, ki__ki_sex="male", ki__ki_type="local_gov"),
        repeat(1, 2, ki__ki_sex=" Female ", ki__ki_type="OTHER", ki__ki_type_other="teacher"),
        repeat(4, 3, ki__ki_sex="female", ki__ki_type="trader"),
        repeat(6, 4, ki__ki_sex="male", ki__ki_type="local_gov"),
        repeat(2, 5, ki__ki_sex="male", ki__ki_type="trader"),
        repeat(99, 6, ki__ki_sex="male", ki__ki_type="trader"),
    ]
    imw = [
        nat(1, 1, "RUS", y2020="10", y2021="-99", y2022=" 5 ", y2023="2.0", y2024=None),
        nat(1, 2, "other", "Россия", y2023="3"),
        nat(4, 3, "kaz", y2024="4", y2022="abc"),
        nat(4, 4, "other", "Narnia", y2021="1"),
        nat(2, 5, "rus", y2020="1000"),
        nat(99, 6, "rus", y2020="500"),
    ]
    ret = [
        cty("ret", 1, 1, "other", "S. Korea", y2023="6"),
        cty("ret", 6, 2, " tur ", y2024="4", y2020="-3"),
    ]
    emi = [
        cty("emi", 4, 1, "rus", y2022="7"),
        cty("emi", 6, 2, "dont_know", y2023="2"),
    ]
    int_in = [
        repeat(1, 1, **{"int_in/int_in_origin/int_in_origin_rayon": "bsk_oktyabrsky", "int_in/int_in_origin/int_in_n": "8"}),
        repeat(1, 2, **{"int_in/int_in_origin/int_in_origin_rayon": "chu_sokuluk", "int_in/int_in_origin/int_in_n": "2"}),
        repeat(4, 3, **{"int_in/int_in_origin/int_in_origin_rayon": "CHU_SOKULUK", "int_in/int_in_origin/int_in_n": "-99"}),
    ]
    int_out = [
        repeat(6, 1, **{"int_out/int_out_dest/int_out_dest_rayon": "bsk_leninsky", "int_out/int_out_dest/int_out_n": "3"}),
    ]
    return Load("L2", 3, "b2", "2024-05-02 10:00:00", rows={
        "b2_main": main, "b2_ki": ki, "b2_imw_nat": imw, "b2_ret_cty": ret, "b2_emi_cty": emi,
        "b2_int_in_origin": int_in, "b2_int_out_dest": int_out,
    })


def old_round3_b2() -> Load:
    """An earlier B2 load of round 3, replaced by L2: nothing of it may count."""
    return Load("L1", 3, "b2", "2024-05-01 10:00:00", rows={
        "b2_main": [b2_main(1, 1, "C00009", "2024-03-01T10:00:00", None, loc__oblast="chui",
                            loc__rayon="chu_sokuluk", loc__households="10", imw__imw_present="yes")],
        "b2_imw_nat": [nat(1, 1, "rus", y2020="999")],
    })


def round3_b1() -> Load:
    """B1 of round 3: Sokuluk lists C00002, C00004 and an uncoded village; Oktyabrsky lists none."""
    main = [
        {"oblast": "chui", "rayon": "chu_sokuluk", "ki_count": "3", "_id": "1", "_index": "1",
         "_submission_time": "2024-02-01T10:00:00"},
        {"oblast": "bishkek_city", "rayon": "bsk_oktyabrsky", "ki_count": "2", "_id": "2", "_index": "2",
         "_submission_time": "2024-02-01T11:00:00"},
    ]
    villages = [
        repeat(1, 1, **{"villages/community_name": "Kyzyl-Suu", "villages/community_id": "C00002",
                        "villages/flows": "inflow", "villages/est_imw": "10"}),
        repeat(1, 2, **{"villages/community_name": "Ak-Bulak", "villages/community_id": " c00004 ",
                        "villages/flows": "outflow", "villages/est_emi": "-99"}),
        repeat(1, 3, **{"villages/community_name": "Jany-Jer", "villages/community_id": None,
                        "villages/flows": "inflow outflow"}),
        # uncoded, but B2 assessed the only community of that name in the rayon (C00003)
        repeat(1, 5, **{"villages/community_name": "NAME C00003", "villages/community_id": None,
                        "villages/flows": "outflow"}),
        repeat(7, 4, **{"villages/community_name": "Lost", "villages/community_id": "C00005"}),
    ]
    return Load("L4", 3, "b1", "2024-05-02 11:00:00", rows={"b1_main": main, "b1_villages": villages})


def round1_b2() -> Load:
    """Round 1: one community, year fields 2020-2022 only."""
    return Load("L5", 1, "b2", "2023-01-10 10:00:00", rows={
        "b2_main": [b2_main(1, 1, "C00001", "2022-11-20T10:00:00", None, loc__oblast="bishkek_city",
                            loc__rayon="bsk_oktyabrsky", loc__settlement_type="city_district",
                            loc__households="90", imw__imw_present="yes")],
        # 2023 is not a reference year of round 1: unknown, flagged `year_outside_round`
        "b2_imw_nat": [nat(1, 1, "rus", y2020="1", y2021="2", y2022="3"), nat(1, 2, "kaz", y2023="7")],
    })


ROUND4_REGISTRY_ROW = (
    "b2,bma_kgz_b2,BMA Kyrgyzstan B2 village assessment,r4,4,2020 2021 2022 2023 2024 2025,2024,October 2025"
)


def round4_b2() -> Load:
    """Round 4: its export adds the year field 2025 (a new raw column); the models must pick it up."""
    return Load("L6", 4, "b2", "2025-11-01 10:00:00", rows={
        "b2_main": [b2_main(1, 1, "C00001", "2025-10-20T10:00:00", None, loc__oblast="bishkek_city",
                            loc__rayon="bsk_oktyabrsky", loc__households="95", imw__imw_present="yes")],
        "b2_imw_nat": [nat(1, 1, "rus", y2024="1", y2025="2")],
    })


def loads() -> list[Load]:
    """Every load of the tiny warehouse, in attempt order."""
    duplicate = Load("L3", 3, "b2", "2024-05-03 10:00:00", status="duplicate")
    return [round1_b2(), old_round3_b2(), round3_b2(), duplicate, round3_b1(), round4_b2()]
