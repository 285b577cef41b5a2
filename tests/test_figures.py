"""Figures stage (CONTRACT §3): a golden project worked out by hand, and one test per rule."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli import cli
from generator.common.config import Config, Rule, load_config
from generator.common.periods import Period
from generator.federation.words import speak_as
from generator.figures.hierarchy import in_set, index_in
from generator.figures.reduce import (
    INDICATOR_DTYPES,
    Figures,
    PeriodReduction,
    Standing,
    amount_due,
    competition_rank,
    compute_figures,
    judgment_reason,
    project_figures,
    reduce_snapshot,
)
from generator.model.bulletin import UnitFigures
from generator.rosters.specs import (
    BOOK_ROOMS,
    BOOL,
    DATE,
    ENTERPRISES,
    INSPECTIONS,
    INT,
    MODEL_HOMES,
    NUMBER,
    PIONEER_TEAMS,
    TARGETS,
    UNITS,
    VOLUNTEERS,
    Roster,
)

GOLDEN = Path(__file__).parent / "golden"
KIND_ORDER = {"commend": 0, "criticize": 1, "veto": 2}


# --- typed frames as the roster stage produces them ------------------------------------------------

_DTYPES = {INT: "Int64", NUMBER: "Float64", BOOL: "boolean", DATE: "datetime64[ns]"}


def frame(roster: Roster, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A typed roster frame: every spec column (missing ones empty), canonical names, `_row`."""
    data: dict[str, Any] = {}
    for col in roster.columns:
        values = [row.get(col.name) for row in rows]
        dtype = _DTYPES.get(col.kind, "string")
        if dtype == "datetime64[ns]":
            data[col.name] = pd.to_datetime(pd.Series(values, dtype=object)).astype(dtype)
        else:
            data[col.name] = pd.array(values, dtype=dtype)
    out = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    out["_row"] = np.arange(2, len(rows) + 2)
    return out


def units_frame(rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    """Units from (code, level, parent) in official order."""
    return frame(
        UNITS,
        [
            {"code": c, "name": f"单位{c}", "level": lv, "parent": p, "order": i + 1}
            for i, (c, lv, p) in enumerate(rows)
        ],
    )


def ent(uscc: str, unit: str, employees: int, unionized: bool, **more: Any) -> dict[str, Any]:
    row = {"uscc": uscc, "name": f"企业{uscc}", "unit": unit, "employees": employees}
    row["unionized"] = unionized
    if unionized:
        row.setdefault("members", employees)
        row["union_date"] = "2020-01-01"
    row.update(more)
    return row


SMALL_UNITS = [
    ("C", "city", None),
    ("K1", "county", "C"),
    ("T11", "township", "K1"),
    ("T12", "township", "K1"),
    ("K2", "county", "C"),
    ("T21", "township", "K2"),
]


def run(
    snapshots: dict[str, list[dict[str, Any]]],
    config: Config | None = None,
    units: list[tuple[str, str, str | None]] | None = None,
    targets: list[dict[str, Any]] | None = None,
    volunteers: list[dict[str, Any]] | None = None,
    unit_rows: pd.DataFrame | None = None,
    inspections: list[dict[str, Any]] | None = None,
    reporting: dict[str, list[Any]] | None = None,
) -> Figures:
    """Reduce the snapshots in order and compute the figures, as the build does."""
    config = config or Config(root=Path("."))
    units_df = unit_rows if unit_rows is not None else units_frame(units or SMALL_UNITS)
    reductions: list[PeriodReduction] = []
    for key, rows in snapshots.items():
        period = Period.parse(key)
        previous = reductions[-1] if reductions else None
        reductions.append(
            reduce_snapshot(units_df, frame(ENTERPRISES, rows), period, config, previous)
        )
    return compute_figures(
        reductions,
        config,
        units=units_df,
        targets=frame(TARGETS, targets or []),
        volunteers=frame(VOLUNTEERS, volunteers or []),
        campaigns={},
        inspections=frame(INSPECTIONS, inspections or []),
        reporting=reporting,
    )


def value(figures: Figures, period: str, code: str, name: str) -> Any:
    v = figures.indicators.loc[(period, code), name]
    return None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)


def judged(figures: Figures, period: str, code: str) -> list[tuple[str, str]]:
    j = figures.judgments
    rows = j[(j["period"] == period) & (j["code"] == code)]
    return sorted(
        ((str(k), str(r)) for k, r in zip(rows["kind"], rows["reason"], strict=True)),
        key=lambda kr: KIND_ORDER[kr[0]],
    )


# --- the golden project ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def golden_reduced() -> tuple[Any, list[PeriodReduction], list[PeriodReduction], dict[str, Any]]:
    """The golden project read, each period reduced as the build does (with the units the
    reader numbered) and, beside it, hashing the unit column itself."""
    from generator.rosters.load import load_project, read_snapshot

    root = GOLDEN / "project"
    config = load_config(root)
    data = load_project(root, config)
    assert not [p for p in data.problems if p.severity == "error"]
    reductions: list[PeriodReduction] = []
    hashed: list[PeriodReduction] = []
    reviews: dict[str, pd.DataFrame | None] = {}
    state = None
    for period in data.periods:
        snapshot = read_snapshot(data, period, state)
        reviews[str(period)] = snapshot.volunteer_reviews
        assert not [p for p in snapshot.problems if p.severity == "error"], snapshot.problems
        assert snapshot.units_numbered is not None
        state = snapshot.state
        previous = reductions[-1] if reductions else None
        reductions.append(
            reduce_snapshot(
                data.units, snapshot.enterprises, period, config, previous, snapshot.units_numbered
            )
        )
        previous = hashed[-1] if hashed else None
        hashed.append(reduce_snapshot(data.units, snapshot.enterprises, period, config, previous))
    return data, reductions, hashed, reviews


@pytest.fixture(scope="module")
def golden(
    golden_reduced: tuple[Any, list[PeriodReduction], list[PeriodReduction], dict[str, Any]],
) -> Figures:
    data, reductions, _, reviews = golden_reduced
    return project_figures(data, reductions, data.config, reviews)


def _same_reductions(got: list[PeriodReduction], want: list[PeriodReduction]) -> None:
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert (a.period, a.compared) == (b.period, b.compared)
        for name in ("own", "ledger", "groups", "federations", "dormant"):
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def test_units_numbered_by_the_reader_reduce_as_hashed(
    golden_reduced: tuple[Any, list[PeriodReduction], list[PeriodReduction], dict[str, Any]],
) -> None:
    """The build hands reduce_snapshot the units the reader numbered: the same reductions as
    the unit column hashed again."""
    _, reductions, hashed, _ = golden_reduced
    assert any(len(r.ledger) for r in reductions) and any(len(r.groups) for r in reductions)
    _same_reductions(reductions, hashed)


def _expected() -> list[tuple[str, str, str, Any]]:
    out = []
    for name in ("expected.json", "expected_groups_targets.json"):
        out.extend(_expected_in(json.loads((GOLDEN / name).read_text(encoding="utf-8"))))
    return out


def _expected_in(data: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    out = []
    for period, units in data.items():
        if period.startswith("//") or not Period.is_period_name(period):
            continue
        for code, figures in units.items():
            if code.startswith("//"):
                continue
            for name, expected in figures.items():
                if not name.startswith("//"):
                    out.append((period, code, name, expected))
    return out


EXPECTED = _expected()


@pytest.mark.parametrize(
    ("period", "code", "name", "expected"),
    EXPECTED,
    ids=[f"{p}-{c}-{n}" for p, c, n, _ in EXPECTED],
)
def test_golden_figure(golden: Figures, period: str, code: str, name: str, expected: Any) -> None:
    if name == "judgments":
        assert judged(golden, period, code) == [(j["kind"], j["reason"]) for j in expected]
        return
    got = value(golden, period, code, name)
    if expected is None or isinstance(expected, int):  # counts, ranks and flags: exact
        assert got == expected
    else:
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_golden_covers_every_unit_period_and_judgment(golden: Figures) -> None:
    data = json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))
    periods = [p for p in data if not p.startswith("//")]
    assert periods == sorted(set(golden.indicators.index.get_level_values("period")))
    for period in periods:
        codes = {c for c in data[period] if not c.startswith("//")}
        assert codes == set(golden.indicators.loc[period].index)
        # Every judgment made is one the hand-worked file expects.
        made = golden.judgments[golden.judgments["period"] == period]
        listed = sum(len(data[period][c].get("judgments", [])) for c in codes)
        assert len(made) == listed


def test_golden_ledgers_volunteers_and_warnings(golden: Figures) -> None:
    lists = json.loads((GOLDEN / "expected_lists.json").read_text(encoding="utf-8"))
    state_order = {"open": 0, "closed": 1, "left": 2}
    for period, rows in lists["ledgers"].items():
        if period.startswith("//"):
            continue
        ledger = golden.ledgers[period]
        got = [
            {k: (None if pd.isna(v) else v) for k, v in row.items() if k in rows[0]}
            for row in ledger.to_dict("records")
        ]
        got.sort(key=lambda r: (state_order[r["state"]], r["uscc"]))
        assert got == rows
    lacking = {k: v for k, v in lists["lacking_volunteer"].items() if not k.startswith("//")}
    assert golden.lacking_volunteer == lacking
    got_warnings = sorted((w.code, w.file, w.value, w.county) for w in golden.warnings)
    want = sorted((w["code"], w["file"], w["value"], w["county"]) for w in lists["warnings"])
    assert got_warnings == want
    assert all(w.severity == "warning" and w.message for w in golden.warnings)


def test_indicator_columns_are_the_unit_figures_fields(golden: Figures) -> None:
    numeric = [
        f.name
        for f in fields(UnitFigures)
        if f.name not in {"code", "name", "level", "parent", "order", "judgments", "short_name"}
    ]
    assert list(golden.indicators.columns) == numeric
    assert golden.indicators.index.names == ["period", "code"]
    for name, dtype in INDICATOR_DTYPES.items():
        assert str(golden.indicators[name].dtype) == dtype
    # Official order: the city, then each county followed by its townships.
    codes = list(golden.indicators.loc["2025-11"].index)
    assert codes == ["990000", "990100", "990101", "990102", "990103", "990200", "990201", "990202"]


# --- 3.1 union building ----------------------------------------------------------------------------


def test_inactive_enterprises_are_not_counted_and_rates_use_their_denominators() -> None:
    fig = run(
        {
            "2026-10": [
                ent("A", "T11", 100, True, members=60, migrant_workers=50, migrant_members=20),
                ent("B", "T11", 40, True, members=40, migrant_workers=10),  # no migrant_members
                ent("C", "T11", 30, False),
                ent("D", "T11", 500, True, status="注销"),
                ent("E", "T11", 500, False, status="吊销"),
                ent("F", "T11", 10, True, members=5, status="存续", workers_congress=True),
            ]
        }
    )
    get = lambda name: value(fig, "2026-10", "T11", name)  # noqa: E731
    assert get("enterprises") == 4
    assert get("unionized") == 3
    assert get("employees") == 180
    assert get("members") == 105
    assert get("membership_rate") == pytest.approx(105 / 150)
    assert get("migrant_membership_rate") == pytest.approx(20 / 50)
    # one of the three unionized said 是; those that left the cell empty count as not having one
    assert get("congress_rate") == pytest.approx(1 / 3)
    # no enterprise of T11 was given a 工资集体协商 value (the county's form had no such column):
    # nothing is known, so no rate ("—"), never 0 %
    assert get("bargaining_rate") is None
    assert get("priority_open") == 1


def test_new_unions_by_union_date_and_year_to_date() -> None:
    rows = [
        ent("A", "T11", 10, True, union_date="2026-10-01"),
        ent("B", "T11", 10, True, union_date="2026-10-31"),
        ent("C", "T11", 10, True, union_date="2026-09-30"),
        ent("D", "T11", 10, True, union_date="2026-01-01"),
        ent("E", "T11", 10, True, union_date="2025-12-31"),
        ent("F", "T11", 10, True, union_date="2026-10-15", status="迁出"),
    ]
    fig = run({"2026-10": rows})
    assert value(fig, "2026-10", "T11", "new_unions") == 2
    assert value(fig, "2026-10", "T11", "ytd_new_unions") == 4


def test_zero_denominators_give_null_rates() -> None:
    fig = run({"2026-10": [ent("A", "T11", 0, False)]})
    assert value(fig, "2026-10", "T12", "coverage_rate") is None
    assert value(fig, "2026-10", "T11", "coverage_rate") == 0.0
    assert value(fig, "2026-10", "T11", "membership_rate") is None
    assert value(fig, "2026-10", "T11", "congress_rate") is None
    assert value(fig, "2026-10", "T11", "migrant_membership_rate") is None


def test_roll_up_counts_county_registered_enterprises_and_rates_from_sums() -> None:
    fig = run(
        {
            "2026-10": [
                ent("A", "T11", 100, True, members=100),
                ent("B", "T12", 100, False),
                ent("C", "K1", 300, True, members=150),
                ent("D", "T21", 50, True, members=25),
            ]
        }
    )
    assert value(fig, "2026-10", "K1", "enterprises") == 3
    assert value(fig, "2026-10", "K1", "unionized") == 2
    # From sums, never an average of the townships' rates (1.0 and 0.0).
    assert value(fig, "2026-10", "K1", "membership_rate") == pytest.approx(250 / 400)
    assert value(fig, "2026-10", "C", "unionized") == 3
    assert value(fig, "2026-10", "C", "coverage_rate") == pytest.approx(3 / 4)


def test_new_members_and_changes_need_the_previous_period() -> None:
    a = [ent("A", "T11", 100, True, members=50)]
    b = [ent("A", "T11", 100, True, members=70)]
    fig = run({"2026-08": a, "2026-10": b})  # 2026-09 missing: no previous for 2026-10
    assert value(fig, "2026-10", "T11", "new_members") is None
    assert value(fig, "2026-10", "T11", "members_change") is None
    assert value(fig, "2026-10", "T11", "rank_change") is None
    fig = run({"2026-09": a, "2026-10": b})
    assert value(fig, "2026-10", "T11", "new_members") == 20
    assert value(fig, "2026-10", "T11", "members_change") == 20
    assert value(fig, "2026-10", "T11", "membership_rate_change") == pytest.approx(0.2)
    assert value(fig, "2026-10", "T11", "members_yoy_change") is None


def test_same_period_last_year() -> None:
    fig = run(
        {
            "2025-10": [ent("A", "T11", 100, True, members=50), ent("B", "T11", 10, False)],
            "2026-10": [ent("A", "T11", 100, True, members=80), ent("B", "T11", 10, True)],
        }
    )
    assert value(fig, "2026-10", "T11", "unionized_yoy_change") == 1
    assert value(fig, "2026-10", "T11", "coverage_rate_yoy_change") == pytest.approx(0.5)
    assert value(fig, "2026-10", "T11", "members_yoy_change") == 40
    assert value(fig, "2026-10", "T11", "unionized_change") is None  # 2026-09 absent


# --- 3.2 targets -----------------------------------------------------------------------------------


def test_targets_from_children_per_column_and_schedule() -> None:
    rows = [ent(str(i), "T11", 10, True, union_date="2026-05-01") for i in range(3)]
    targets = [
        {"year": 2026, "unit": "T11", "new_unions": 4},
        {"year": 2026, "unit": "T12", "new_unions": 2},
        {"year": 2026, "unit": "K1", "book_rooms": 1},  # a row without new_unions
        {"year": 2025, "unit": "T21", "new_unions": 9},  # another year
    ]
    fig = run({"2026-06": rows}, targets=targets)
    assert value(fig, "2026-06", "K1", "target_new_unions") == 6
    assert value(fig, "2026-06", "K2", "target_new_unions") is None
    assert value(fig, "2026-06", "C", "target_new_unions") == 6
    assert value(fig, "2026-06", "K1", "target_completion") == pytest.approx(0.5)
    assert value(fig, "2026-06", "K1", "schedule_rate") == pytest.approx(0.5 / (6 / 12))
    assert value(fig, "2026-06", "T21", "target_completion") is None
    assert value(fig, "2026-06", "T21", "schedule_rate") is None


def test_quarter_cadence_elapsed_and_new_unions() -> None:
    config = Config(root=Path("."), cadence="quarter")
    rows = [
        ent("A", "T11", 10, True, union_date="2026-07-01"),
        ent("B", "T11", 10, True, union_date="2026-09-30"),
        ent("C", "T11", 10, True, union_date="2026-06-30"),
    ]
    targets = [{"year": 2026, "unit": "T11", "new_unions": 4}]
    fig = run({"2026-Q2": rows[2:], "2026-Q3": rows}, config, targets=targets)
    assert value(fig, "2026-Q3", "T11", "elapsed") == pytest.approx(0.75)
    assert value(fig, "2026-Q3", "T11", "new_unions") == 2
    assert value(fig, "2026-Q3", "T11", "ytd_new_unions") == 3
    assert value(fig, "2026-Q3", "T11", "schedule_rate") == pytest.approx((3 / 4) / 0.75)
    assert value(fig, "2026-Q3", "T11", "new_members") == 20  # Q2 is the previous period


# --- 3.3 priority ledger ---------------------------------------------------------------------------


def test_ledger_closed_added_left_and_missing() -> None:
    before = [
        ent("P1", "T11", 30, False, not_unionized_reason="筹建中"),
        ent("P2", "T11", 30, False),
        ent("P3", "T12", 40, False),
        ent("P4", "T21", 50, False),
        ent("P5", "T21", 24, False),
    ]
    after = [
        ent("P1", "T11", 30, True, members=20),  # closed
        ent("P2", "T11", 30, False, status="注销"),  # left 注销
        ent("P3", "T12", 40, False),  # still open
        # P4 missing: left 未报送
        ent("P5", "T21", 25, False),  # grew to 25: added
    ]
    fig = run({"2026-09": before, "2026-10": after})
    ledger = fig.ledgers["2026-10"].set_index("uscc")
    assert ledger.loc["P1", "state"] == "closed"
    assert ledger.loc["P1", "reason"] == "筹建中"
    assert ledger.loc["P2", "state"] == "left"
    assert ledger.loc["P2", "left_reason"] == "注销"
    assert ledger.loc["P3", "state"] == "open"
    assert not ledger.loc["P3", "added"]
    assert ledger.loc["P4", "state"] == "left"
    assert ledger.loc["P4", "left_reason"] == "未报送"
    assert ledger.loc["P4", "county"] == "K2"
    assert ledger.loc["P5", "state"] == "open"
    assert ledger.loc["P5", "added"]
    get = lambda code, name: value(fig, "2026-10", code, name)  # noqa: E731
    assert get("T11", "priority_closed") == 1
    assert get("T11", "priority_left") == 1
    assert get("T21", "priority_left") == 1
    assert get("T21", "priority_added") == 1
    assert get("C", "priority_open") == 2
    assert get("C", "priority_closed") == 1
    assert get("C", "priority_added") == 1
    assert get("C", "priority_left") == 2
    # The first period has nothing to compare with: nothing is added, closed or left.
    first = fig.ledgers["2026-09"]
    assert set(first["state"]) == {"open"}
    assert not first["added"].any()
    assert value(fig, "2026-09", "C", "priority_added") == 0


def test_ledger_missing_then_back_keeps_its_count_and_a_still_missing_one_is_kept() -> None:
    # P1 is open, then missing for two periods, then back: open again with the period it was
    # open before and this one (the periods it was missing are not counted), not added.
    # P2 is open throughout; P3 goes missing and stays away; P4 is new in the last period.
    p1, p2 = ent("P1", "T11", 30, False), ent("P2", "T12", 40, False)
    p3, p4 = ent("P3", "T21", 50, False), ent("P4", "T21", 60, False)
    other = ent("X", "T11", 5, True)  # not a priority enterprise: a plain row among them
    fig = run(
        {
            "2026-07": [p1, p2, p3, other],
            "2026-08": [p2, p3, other],
            "2026-09": [p2, other],
            "2026-10": [p1, p2, p4, other],
        }
    )
    ledger = fig.ledgers["2026-10"].set_index("uscc")
    assert (ledger.loc["P1", "state"], bool(ledger.loc["P1", "added"])) == ("open", False)
    assert ledger.loc["P1", "open_periods"] == 2
    assert (ledger.loc["P2", "state"], ledger.loc["P2", "open_periods"]) == ("open", 4)
    assert (ledger.loc["P4", "state"], bool(ledger.loc["P4", "added"])) == ("open", True)
    assert ledger.loc["P4", "open_periods"] == 1
    assert "P3" not in ledger.index  # it left in 2026-09 and is not listed again
    assert fig.ledgers["2026-09"].set_index("uscc").loc["P3", "left_reason"] == "未报送"
    assert value(fig, "2026-10", "C", "priority_added") == 1  # P4 alone: P1 came back
    assert value(fig, "2026-10", "C", "priority_open") == 3


def test_a_missing_code_is_never_in_a_set() -> None:
    values = pd.Series(["A", None, "B"], dtype="string")
    known = pd.Series(["A", None], dtype="string")
    assert list(in_set(values, known)) == [True, False, False]
    assert list(index_in(values, known)) == [0, -1, -1]


def test_two_priority_rows_without_a_code_are_not_one_enterprise() -> None:
    # A row without 统一社会信用代码 (an error, but snapshots are reduced before errors stop
    # the build) is not the previous period's row without one: it is added, open one period,
    # and the earlier one has left, not kept to come back.
    nameless = {"uscc": None, "name": "无代码企业", "unit": "T11", "employees": 30}
    first = [{**nameless, "unionized": False}, ent("P1", "T12", 40, False)]
    second = [{**nameless, "unionized": False}, ent("P1", "T12", 40, False)]
    fig = run({"2026-09": first, "2026-10": second, "2026-11": second})
    ledger = fig.ledgers["2026-10"]
    open_rows = ledger[ledger["state"] == "open"]
    coded = open_rows[open_rows["uscc"].notna()].set_index("uscc")
    assert (bool(coded.loc["P1", "added"]), coded.loc["P1", "open_periods"]) == (False, 2)
    uncoded = open_rows[open_rows["uscc"].isna()]
    assert len(uncoded) == 1
    assert bool(uncoded["added"].iloc[0])
    assert uncoded["open_periods"].iloc[0] == 1
    left = ledger[ledger["state"] == "left"]
    assert len(left) == 1 and left["uscc"].isna().all()
    assert list(left["left_reason"]) == ["未报送"]
    assert value(fig, "2026-10", "T11", "priority_added") == 1
    assert value(fig, "2026-10", "T11", "priority_left") == 1
    assert value(fig, "2026-10", "T12", "priority_added") == 0
    # never dormant: the next period has the same one new and one left again, no more
    later = fig.ledgers["2026-11"]
    assert list(later["state"].sort_values()) == ["left", "open", "open"]


def test_priority_threshold_from_config() -> None:
    config = Config(root=Path("."), priority_min_employees=100)
    fig = run({"2026-10": [ent("A", "T11", 99, False), ent("B", "T11", 100, False)]}, config)
    assert list(fig.ledgers["2026-10"]["uscc"]) == ["B"]


# --- 3.4 score, rank, judgments --------------------------------------------------------------------


def test_competition_rank_ties_to_two_decimals() -> None:
    scores = np.array([90.0, 85.004, 84.996, 80.0, 70.0, 70.0])
    groups = np.array(["a", "a", "a", "a", "b", "b"])
    rank, among = competition_rank(scores, groups)
    assert rank.tolist() == [1, 2, 2, 4, 1, 1]
    assert among.tolist() == [4, 4, 4, 4, 2, 2]
    # 85.005 rounds half up to 85.01, 85.0049 to 85.00: not equal.
    rank, _ = competition_rank(np.array([85.005, 85.0049]), np.array(["a", "a"]))
    assert rank.tolist() == [1, 2]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=30))
def test_competition_rank_is_a_valid_competition_ranking(cents: list[int]) -> None:
    scores = np.array(cents, dtype=float) / 4  # quarter points: plenty of ties
    rank, among = competition_rank(scores, np.zeros(len(cents), dtype=int))
    for i, s in enumerate(scores):
        assert rank[i] == 1 + sum(1 for t in scores if round(t, 2) > round(s, 2))
    assert (among == len(cents)).all()
    assert rank.min() == 1


def test_score_caps_components_and_leaves_a_unit_missing_one_unranked() -> None:
    rows = [ent(str(i), "T11", 10, True, union_date="2026-10-01") for i in range(4)]
    rows.append(ent("X", "T11", 10, False))
    targets = [{"year": 2026, "unit": "T11", "new_unions": 2}]
    fig = run({"2026-10": rows}, targets=targets)
    # coverage 0.8; membership 1.0; schedule (4/2)/(10/12) = 2.4 -> capped at 1
    assert value(fig, "2026-10", "T11", "score") == pytest.approx(40 * 0.8 + 30 + 30)
    # T12 has nothing while T11 of its county has every component: no score, 未排名
    assert value(fig, "2026-10", "T12", "score") is None
    assert value(fig, "2026-10", "T12", "rank") is None
    assert value(fig, "2026-10", "T11", "rank") == 1
    assert value(fig, "2026-10", "T11", "ranked_among") == 1
    about_t12 = [w for w in fig.warnings if "T12" in w.message]
    assert {w.file for w in about_t12} == {"data/2026-10/", "data/targets.csv"}
    assert len(about_t12) == 3
    assert all("未排名" in w.message for w in about_t12)
    assert all(w.code == "W-SCORE-NULL" for w in fig.warnings)


def test_a_province_is_told_to_ask_its_city_not_to_fill_its_own_ledgers() -> None:
    """A province holds no ledgers or targets.csv of its own units: a score it cannot compute is
    a gap in what the city sent, and the warning says so (never 'data/targets.csv', '本期台账')."""
    from generator.federation.words import speak_as

    rows = [ent(str(i), "T11", 10, True, union_date="2026-10-01") for i in range(4)]
    rows.append(ent("X", "T11", 10, False))
    targets = [{"year": 2026, "unit": "T11", "new_unions": 2}]
    try:
        speak_as("province")
        fig = run({"2026-10": rows}, targets=targets)
    finally:
        speak_as("city")
    about_t12 = [w for w in fig.warnings if "T12" in w.message]
    assert len(about_t12) == 3 and {w.file for w in about_t12} == {"data/2026-10/"}
    target = next(w for w in about_t12 if "新建会目标" in w.message)
    assert "本级的目标来自各市（州）报来的通报数据" in target.message
    assert "在其 data/targets.csv 中补充2026年度新建会目标，重新印发后再报来" in target.message
    assert all("本期台账" not in w.message for w in about_t12)
    assert sum("报来的本期通报数据" in w.message for w in about_t12) == 2


def test_a_component_no_unit_of_the_group_has_is_left_out_and_the_score_scaled() -> None:
    # No township of K1 has a target: schedule_rate is left out for them, 70 points scaled to 100.
    rows = [ent("A", "T11", 10, True), ent("B", "T11", 10, False)]  # coverage 0.5, members 1.0
    rows += [ent("C", "T12", 10, True, members=5)]  # coverage 1.0, membership 0.5
    targets = [{"year": 2026, "unit": "K1", "new_unions": 4}]
    fig = run({"2026-10": rows}, targets=targets)
    assert value(fig, "2026-10", "T11", "score") == pytest.approx((40 * 0.5 + 30 * 1.0) * 100 / 70)
    assert value(fig, "2026-10", "T12", "score") == pytest.approx((40 * 1.0 + 30 * 0.5) * 100 / 70)
    assert value(fig, "2026-10", "T12", "rank") == 1  # 78.57 against 71.43
    assert value(fig, "2026-10", "T11", "rank") == 2
    left_out = [w for w in fig.warnings if "T1" in w.message and "折算" in w.message]
    # T11 is asked for its target; T12 has every enterprise unionised: it needs none (3.9)
    assert [w.message.split("（")[0] for w in left_out] == ["单位T11"]


def test_an_unranked_unit_is_still_judged_on_the_metrics_it_has() -> None:
    # T12 has a target but no enterprises: coverage null while T11 has it -> 未排名, yet its
    # schedule_rate 0 is below 60%: criticised; never commended (the rule needs a rank).
    rows = [ent(str(i), "T11", 10, True, union_date="2026-10-01") for i in range(3)]
    targets = [
        {"year": 2026, "unit": "T11", "new_unions": 1},
        {"year": 2026, "unit": "T12", "new_unions": 1},
    ]
    fig = run({"2026-10": rows}, targets=targets)
    assert value(fig, "2026-10", "T12", "rank") is None
    assert [k for k, _ in judged(fig, "2026-10", "T12")] == ["criticize"]
    assert [k for k, _ in judged(fig, "2026-10", "T11")] == ["commend"]


def test_score_weights_from_config() -> None:
    config = Config(root=Path("."), score_weights={"coverage_rate": 100.0})
    fig = run({"2026-10": [ent("A", "T11", 10, True), ent("B", "T11", 10, False)]}, config)
    assert value(fig, "2026-10", "T11", "score") == pytest.approx(50.0)
    assert not [w for w in fig.warnings if "T11" in w.message]


def _ranked_project(coverages: dict[str, tuple[int, int]]) -> list[dict[str, Any]]:
    """Enterprises giving each township `unionized` of `total` enterprises, members = employees."""
    rows = []
    for code, (unionized, total) in coverages.items():
        for i in range(total):
            dated = {"union_date": "2026-03-01"} if i < unionized else {}
            rows.append(ent(f"{code}-{i}", code, 10, i < unionized, **dated))
    return rows


FOUR = [
    ("C", "city", None),
    ("K1", "county", "C"),
    ("T1", "township", "K1"),
    ("T2", "township", "K1"),
    ("T3", "township", "K1"),
    ("T4", "township", "K1"),
]


def test_ranks_tie_skip_and_rank_change() -> None:
    sep = _ranked_project({"T1": (4, 4), "T2": (3, 4), "T3": (3, 4), "T4": (1, 4)})
    oct_ = _ranked_project({"T1": (1, 4), "T2": (3, 4), "T3": (4, 4), "T4": (3, 4)})
    fig = run({"2026-09": sep, "2026-10": oct_}, units=FOUR)
    ranks = [value(fig, "2026-09", c, "rank") for c in ("T1", "T2", "T3", "T4")]
    assert ranks == [1, 2, 2, 4]
    ranks = [value(fig, "2026-10", c, "rank") for c in ("T1", "T2", "T3", "T4")]
    assert ranks == [4, 2, 1, 2]
    changes = [value(fig, "2026-10", c, "rank_change") for c in ("T1", "T2", "T3", "T4")]
    assert changes == [-3, 0, 1, 2]
    assert value(fig, "2026-10", "K1", "rank") == 1
    assert value(fig, "2026-10", "K1", "ranked_among") == 1
    assert value(fig, "2026-10", "C", "rank") is None


def _judged_config(**judgments: list[dict[str, Any]]) -> Config:
    return Config(
        root=Path("."),
        judgments={kind: tuple(Rule(**r) for r in rules) for kind, rules in judgments.items()},
    )


def test_criticize_commend_and_veto_only_at_year_end() -> None:
    rows = _ranked_project({"T1": (4, 4), "T2": (3, 4), "T3": (2, 4), "T4": (1, 4)})
    for row in rows:
        if row["unit"] == "T4":
            row["union_date"] = "2025-06-01"  # no new union this year
    targets = [{"year": 2026, "unit": c, "new_unions": 2} for c in ("T1", "T2", "T3", "T4")]
    config = _judged_config(
        criticize=[{"metric": "schedule_rate", "below": 0.6}],
        commend=[{"rank_at_most": 3, "metric": "schedule_rate", "at_least": 1.0}],
        veto=[{"metric": "target_completion", "below": 2.0}],  # no year_end flag
    )
    fig = run({"2026-11": rows, "2026-12": rows}, config, units=FOUR, targets=targets)
    # November: T1 (4 new of 2), T2 (3), T3 (2) commended; T4 (0) criticized; no veto.
    assert [k for k, _ in judged(fig, "2026-11", "T1")] == ["commend"]
    assert [k for k, _ in judged(fig, "2026-11", "T3")] == ["commend"]
    assert [k for k, _ in judged(fig, "2026-11", "T4")] == ["criticize"]
    assert "veto" not in set(fig.judgments[fig.judgments["period"] == "2026-11"]["kind"])
    # December (year end): T3 completes 100% < 200%: vetoed, so not commended; T1 (200%) is.
    assert [k for k, _ in judged(fig, "2026-12", "T1")] == ["commend"]
    assert [k for k, _ in judged(fig, "2026-12", "T3")] == ["veto"]
    # One judgment per unit and bulletin (3.9): the veto, quoting the criticism's rule too; at
    # year end the schedule is the completion, said once.
    assert [k for k, _ in judged(fig, "2026-12", "T4")] == ["veto"]
    assert dict(judged(fig, "2026-12", "T4"))["veto"] == (
        "本年尚未新建会，完成年度目标的0.0%（低于200.0%）"
    )
    reason = dict(judged(fig, "2026-12", "T3"))["veto"]
    assert reason == "已完成年度目标（2家，目标2家），完成年度目标的100.0%（低于200.0%）"


def test_commend_needs_no_criticism() -> None:
    rows = _ranked_project({"T1": (4, 4), "T2": (1, 4), "T3": (1, 4), "T4": (1, 4)})
    config = _judged_config(
        criticize=[{"metric": "coverage_rate", "below": 0.5}],
        commend=[{"rank_at_most": 4}],
        veto=[],
    )
    fig = run({"2026-10": rows}, config, units=FOUR)
    assert [k for k, _ in judged(fig, "2026-10", "T1")] == ["commend"]
    assert [k for k, _ in judged(fig, "2026-10", "T2")] == ["criticize"]
    assert dict(judged(fig, "2026-10", "T2"))["criticize"].endswith("建会率25.0%（低于50.0%）")


def test_rank_from_bottom_rule() -> None:
    rows = _ranked_project({"T1": (4, 4), "T2": (3, 4), "T3": (2, 4), "T4": (1, 4)})
    config = _judged_config(criticize=[{"rank_from_bottom_at_most": 2}], commend=[], veto=[])
    fig = run({"2026-10": rows}, config, units=FOUR)
    criticized = set(fig.judgments[fig.judgments["kind"] == "criticize"]["code"])
    assert criticized == {"K1", "T3", "T4"}  # K1 is the only county: 1st and last
    reason = dict(judged(fig, "2026-10", "T4"))["criticize"]
    assert reason.startswith("综合得分") and "排名第4（共4个，倒数第1）" in reason


def test_judgment_reason_quotes_the_numbers() -> None:
    figures = {
        "score": 96.55,
        "ytd_new_unions": 120,
        "target_new_unions": 104,
        "target_completion": 1.15,
        "schedule_rate": 1.38,
    }
    rule = Rule(rank_at_most=3, metric="schedule_rate", at_least=1.0)
    # Praise says what was done; a completion over 100 % as 已完成 (N家，目标M家), no rate
    assert judgment_reason("commend", rule, figures, 1, 9) == (
        "已完成年度目标（120家，目标104家），综合得分96.6分，排名第1"
    )
    figures |= {"new_unions": 5, "coverage_rate": 0.862, "coverage_rate_change": 0.015}
    figures |= {"ytd_new_unions": 52, "target_completion": 52 / 104, "schedule_rate": 0.6}
    standing = Standing(among_label="松岚县各乡镇（街道）", period_word="本月")
    assert judgment_reason("commend", rule, figures, 1, 9, standing=standing) == (
        "本月新建会5家，本年累计新建会52家，完成年度目标的50.0%，建会率86.2%，"
        "较上期提高1.5个百分点，综合得分96.6分，在松岚县各乡镇（街道）中排名第1"
    )
    no_target = {"score": 50.0, "ytd_new_unions": 3, "target_new_unions": None}
    crit = Rule(metric="score", below=60.0)
    assert judgment_reason("criticize", crit, no_target, 5, 9) == (
        "综合得分50.0分（低于60.0分），本年新建会3家（未下达年度目标）"
    )


# --- 3.9 fair judgments ------------------------------------------------------------------------------


def test_amount_due_is_target_times_elapsed_rounded_half_up() -> None:
    assert amount_due(6, 1 / 12) == 1  # 0.5 rounds up
    assert amount_due(5, 1 / 12) == 0  # 0.42
    assert amount_due(18, 1 / 12) == 2  # 1.5
    assert amount_due(2, 3 / 12) == 1  # 0.5
    assert amount_due(None, 1 / 12) == 0


def _behind(codes: tuple[str, ...]) -> list[dict[str, Any]]:
    """Two enterprises per township, one unionised in 2025: nothing new this year, one left."""
    rows = []
    for code in codes:
        rows.append(ent(f"{code}-a", code, 10, True, union_date="2025-05-01"))
        rows.append(ent(f"{code}-b", code, 10, False))
    return rows


def test_a_schedule_rule_waits_until_one_whole_enterprise_is_due() -> None:
    """January: targets 6, 5, 18, 2 ask for 0.5, 0.42, 1.5, 0.17 enterprises, rounded half up
    1, 0, 2, 0. None has a new union: only T1 and T3 are criticised (CONTRACT 3.9)."""
    targets = [
        {"year": 2026, "unit": code, "new_unions": n}
        for code, n in (("T1", 6), ("T2", 5), ("T3", 18), ("T4", 2))
    ]
    fig = run({"2026-01": _behind(("T1", "T2", "T3", "T4"))}, units=FOUR, targets=targets)
    assert {c: [k for k, _ in judged(fig, "2026-01", c)] for c in ("T1", "T2", "T3", "T4")} == {
        "T1": ["criticize"],
        "T2": [],
        "T3": ["criticize"],
        "T4": [],
    }
    assert judged(fig, "2026-01", "T1") == [
        ("criticize", "本年尚未新建会，序时进度完成率0.0%（低于60.0%）")
    ]
    # K1: target 31 (the sum) asks for 2.58 -> 3: criticised too
    assert [k for k, _ in judged(fig, "2026-01", "K1")] == ["criticize"]


def test_a_unit_with_nothing_left_to_unionise_is_not_judged_on_new_union_targets() -> None:
    """T1 has both enterprises unionised (since 2020) and a target of 5 it cannot meet: its
    schedule counts as met (score 100), it is neither criticised in October nor vetoed in
    December; T2, one enterprise left, is criticised, then vetoed (one judgment)."""
    rows = [ent("T1-a", "T1", 10, True), ent("T1-b", "T1", 10, True), *_behind(("T2",))]
    targets = [{"year": 2026, "unit": c, "new_unions": 5} for c in ("T1", "T2")]
    units = FOUR[:4]
    fig = run({"2026-10": rows, "2026-11": rows, "2026-12": rows}, units=units, targets=targets)
    assert value(fig, "2026-10", "T1", "schedule_rate") == 0.0  # the figure stays what it is
    assert value(fig, "2026-10", "T1", "score") == pytest.approx(100.0)  # 40 + 30 + 30 (met)
    for period in ("2026-10", "2026-12"):
        assert not [k for k, _ in judged(fig, period, "T1") if k != "commend"], period
    assert [k for k, _ in judged(fig, "2026-10", "T2")] == ["criticize"]
    assert judged(fig, "2026-12", "T2") == [
        ("veto", "本年尚未新建会，完成年度目标的0.0%（低于100.0%）")
    ]


def test_no_praise_beside_an_overdue_rectification_or_late_reporting() -> None:
    """T1 leads its county and is ahead of schedule: praised, unless an inspection's
    rectification is past its deadline at the period's end and not done by then."""
    rows = [ent(f"T1-{i}", "T1", 10, True, union_date="2026-03-01") for i in range(3)]
    rows += _behind(("T2",))
    # K1: 3 new of 2 + 1 by October, 120% of its schedule
    targets = [{"year": 2026, "unit": "T1", "new_unions": 2}]
    targets += [{"year": 2026, "unit": "T2", "new_unions": 1}]
    visit = {"date": "2026-08-01", "unit": "T1", "inspectors": "王", "findings": "台账不全"}
    overdue = [{**visit, "deadline": "2026-09-30"}]
    done = [{**visit, "deadline": "2026-09-30", "rectified_on": "2026-09-20"}]
    later = [{**visit, "deadline": "2026-11-30"}]
    units = FOUR[:4]
    for listed, praised in ((overdue, False), (done, True), (later, True), ([], True)):
        fig = run({"2026-10": rows}, units=units, targets=targets, inspections=listed)
        assert [k for k, _ in judged(fig, "2026-10", "T1")] == (["commend"] if praised else [])
    # K1 is first of the counties and ahead of schedule; reporting late it is not praised
    config = _judged_config(commend=[{"rank_at_most": 3, "metric": "schedule_rate", "at_least": 1}])
    from types import SimpleNamespace

    for state, praised in (("late", False), ("on_time", True)):
        report = SimpleNamespace(
            code="K1", state=state, late=state == "late", days_late=2 if state == "late" else 0
        )
        fig = run({"2026-10": rows}, config, units, targets, reporting={"2026-10": [report]})
        assert [k for k, _ in judged(fig, "2026-10", "K1")] == (["commend"] if praised else [])


def test_a_new_members_rule_without_last_years_members_is_a_warning() -> None:
    """The year's new members need the members at the end of last year: without that period
    a members rule cannot judge, and check says so, once per unit and year."""
    config = _judged_config(criticize=[{"metric": "members_schedule_rate", "below": 0.6}])
    rows = _behind(("T1",))
    targets = [{"year": 2026, "unit": "T1", "new_members": 100}]
    fig = run({"2026-09": rows, "2026-10": rows}, config, FOUR[:3], targets)
    undecided = [w for w in fig.warnings if w.code == "W-JUDGMENT-UNDECIDED"]
    assert [(w.value, w.message.split("（")[0]) for w in undecided] == [
        ("2026-09", "单位K1"),
        ("2026-09", "单位T1"),
    ]
    assert "2025年12月的台账" in undecided[0].message


# --- 3.5 volunteers and campaigns ------------------------------------------------------------------


def test_a_member_without_its_gain_this_year_is_a_warning_naming_it_and_its_periods() -> None:
    """A province's members gained this year are its cities' own, summed; a city whose packages
    do not give it (it lacks last year's end) leaves the province's sum and the completion of
    its members target unstated, and check says which city, which periods and why."""
    units = units_frame([("P", "city", None), ("A", "county", "P"), ("B", "county", "P")])
    periods = ["2026-01", "2026-02", "2026-03"]
    nan = np.nan
    # own values per (period, unit): P gives nothing of its own (0), its members their own
    gained = np.array([[0, nan, nan], [0, 30, nan], [0, nan, 20]], dtype=np.float64)
    reductions = [
        reduce_snapshot(
            units, frame(ENTERPRISES, []), Period.parse(p), Config(root=Path(".")), None
        )
        for p in periods
    ]
    targets = [{"year": 2026, "unit": c, "new_members": 100} for c in ("A", "B")]
    fig = compute_figures(
        reductions,
        Config(root=Path("."), level="province"),
        units=units,
        targets=frame(TARGETS, targets),
        volunteers=frame(VOLUNTEERS, []),
        campaigns={},
        given={"ytd_new_members": gained},
    )
    assert value(fig, "2026-02", "A", "ytd_new_members") == 30
    assert value(fig, "2026-02", "P", "target_new_members") == 200
    for period in periods:
        assert value(fig, period, "P", "ytd_new_members") is None
        assert value(fig, period, "P", "members_completion") is None
    found = [w for w in fig.warnings if w.code == "W-MEMBER-YEAR-END"]
    assert [(w.county, w.file, w.severity) for w in found] == [
        ("A", "data/2026-03/", "warning"),
        ("B", "data/2026-02/", "warning"),
    ]
    assert found[0].message.startswith("单位A（A）2026年1月、2026年3月的通报中没有本年新增会员数")
    assert found[1].message == (
        "单位B（B）2026年1月至2026年2月的通报中没有本年新增会员数（单位B（B）没有2025年末的"
        "会员人数）：全省的本年新增会员数和新增会员目标的完成率、进度是各成员之和，缺一个成员就"
        "无法计算，通报中不写。请单位B（B）补上其2025年末的台账。"
    )
    # a city project is given nothing: no such warning
    assert not [w for w in run({"2026-01": []}).warnings if w.code == "W-MEMBER-YEAR-END"]


def _member_package(folder: Path, period: str, unit: dict[str, Any]) -> None:
    """A member's issued package as the level above saves it: its own unit in the internal
    model, vouched for by its register line."""
    (folder / "model").mkdir(parents=True)
    blob = orjson.dumps({"audience": "internal", "period": period, "units": [unit]})
    (folder / "model" / "internal.json").write_bytes(blob)
    with (folder / "register-rows.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["period", "发文字号", "signed_on", "issued_at", "file", "sha256"])
        digest = hashlib.sha256(blob).hexdigest()
        writer.writerow([period, "测工发〔2026〕1号", "", "", "model/internal.json", digest])


def test_province_check_names_the_city_without_last_years_members(tmp_path: Path) -> None:
    """`bulletin check` of a province: 乙市's packages give no members gained this year, so the
    province's gain and members target completion are blank; check says why, naming 乙市."""
    root = tmp_path / "province"
    (root / "data").mkdir(parents=True)
    (root / "bulletin.yml").write_text(
        "organization:\n  name: 测试省总工会\n  doc_prefix: 测省工发\ncadence: month\n"
        "level: province\n",
        encoding="utf-8",
    )
    rows = [["单位代码", "单位名称", "层级", "上级单位代码"], ["800000", "测试省", "省", ""]]
    rows += [["910000", "甲市", "市", "800000"], ["920000", "乙市", "市", "800000"]]
    with (root / "data" / "units.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    for period in ("2026-01", "2026-02"):
        for code, name, gained in (("910000", "甲市", 40), ("920000", "乙市", None)):
            unit = {"code": code, "name": name, "parent": None, "members": 100}
            unit |= {"ytd_new_members": gained, "target_new_members": 50}
            _member_package(root / "data" / period / name, period, unit)

    result = CliRunner().invoke(cli, ["check", str(root)])
    speak_as("city")  # the province's check spoke for it: the tests after these are cities'
    assert result.exit_code == 0, result.output
    with (root / "problems" / "problems.csv").open(encoding="utf-8-sig", newline="") as handle:
        listed = [r for r in csv.DictReader(handle) if r["问题代码"] == "W-MEMBER-YEAR-END"]
    assert [(r["市（州）"], r["文件"], r["级别"], r["内容"]) for r in listed] == [
        ("乙市", "data/2026-02/", "警告", "920000")
    ]
    assert listed[0]["说明"] == (
        "乙市（920000）2026年1月至2026年2月的通报中没有本年新增会员数（乙市（920000）没有2025年末"
        "的会员人数）：全省的本年新增会员数和新增会员目标的完成率、进度是各成员之和，缺一个成员就"
        "无法计算，通报中不写。请乙市（920000）补上其2025年末的台账。"
    )


def test_volunteer_requirement_override_and_activity() -> None:
    units = units_frame(SMALL_UNITS)
    units["volunteer_required"] = pd.array([None, None, False, True, None, None], dtype="boolean")
    rows = [ent(f"A{i}", "T11", 30, False) for i in range(10)]  # T11 qualifies by the rule ...
    rows += [ent(f"B{i}", "T21", 30, False) for i in range(10)]
    volunteers = [
        {"id": "V1", "name": "甲", "unit": "T12", "hired_on": "2026-10-31"},
        {
            "id": "V2",
            "name": "乙",
            "unit": "T21",
            "hired_on": "2026-01-01",
            "left_on": "2026-10-31",
        },
        {"id": "V3", "name": "丙", "unit": "T21", "hired_on": "2026-11-01"},
    ]
    fig = run({"2026-10": rows}, unit_rows=units, volunteers=volunteers)
    get = lambda code, name: value(fig, "2026-10", code, name)  # noqa: E731
    assert get("T11", "volunteer_required") is False  # ... but units.csv says 否
    assert get("T11", "volunteer_coverage") is None
    assert get("T12", "volunteer_required") is True  # 是 without any enterprise
    assert get("T12", "volunteer_coverage") == 1.0  # hired on the last day: active
    assert get("T21", "volunteer_required") is True  # 10 enterprises with >= 25 employees
    assert get("T21", "volunteers_active") == 0  # left on the last day; the other not yet hired
    assert get("T21", "volunteer_coverage") == 0.0
    assert get("C", "volunteer_coverage") == pytest.approx(0.5)
    assert get("C", "volunteer_required") is None
    assert fig.lacking_volunteer["2026-10"] == ["T21"]


def test_campaigns_by_period_end() -> None:
    units = units_frame(SMALL_UNITS)
    teams = frame(
        PIONEER_TEAMS,
        [
            {"name": "a", "unit": "T11", "status": "已命名", "named_on": "2026-10-05"},
            {"name": "b", "unit": "T11", "status": "已命名", "named_on": "2026-11-05"},
            {"name": "c", "unit": "T12", "status": "已撤销", "named_on": "2020-01-01"},
            {"name": "d", "unit": "K1", "status": "创建中"},
        ],
    )
    rooms = frame(
        BOOK_ROOMS,
        [
            {"name": "r1", "unit": "T11", "opened_on": "2026-02-01", "books": 100},
            {"name": "r2", "unit": "T21", "opened_on": "2025-02-01"},
            {"name": "r3", "unit": "T21", "opened_on": "2026-12-01", "books": 7},
        ],
    )
    homes = frame(MODEL_HOMES, [{"name": "h", "unit": "K2", "opened_on": "2026-10-31"}])
    config = Config(root=Path("."))
    reduction = reduce_snapshot(
        units, frame(ENTERPRISES, []), Period.parse("2026-10"), config, None
    )
    targets = frame(TARGETS, [{"year": 2026, "unit": "K1", "pioneer_teams": 2, "book_rooms": 4}])
    fig = compute_figures(
        [reduction],
        config,
        units=units,
        targets=targets,
        volunteers=frame(VOLUNTEERS, []),
        campaigns={"pioneer_teams": teams, "book_rooms": rooms, "model_homes": homes},
    )
    get = lambda code, name: value(fig, "2026-10", code, name)  # noqa: E731
    assert get("C", "pioneer_teams") == 1
    assert get("T11", "pioneer_teams_new") == 1
    assert get("K1", "pioneer_teams_completion") == pytest.approx(0.5)
    assert get("K1", "pioneer_teams_schedule_rate") == pytest.approx(0.5 / (10 / 12))
    assert get("C", "book_rooms") == 2
    assert get("C", "books") == 100
    assert get("K1", "book_rooms_ytd_new") == 1
    assert get("K1", "book_rooms_completion") == pytest.approx(0.25)
    assert get("K2", "book_rooms_completion") is None
    assert get("C", "model_homes") == 1
    assert get("K2", "model_homes_new") == 1


# --- properties and memory -------------------------------------------------------------------------

_UNIT_CODES = [c for c, _, _ in SMALL_UNITS if c != "C"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_UNIT_CODES),
            st.integers(min_value=0, max_value=200),
            st.booleans(),
            st.sampled_from([None, "存续", "注销", "迁出"]),
        ),
        max_size=40,
    )
)
def test_roll_up_sums_match(rows: list[tuple[str, int, bool, str | None]]) -> None:
    snapshot = [
        ent(f"E{i}", unit, emp, union, status=status)
        for i, (unit, emp, union, status) in enumerate(rows)
    ]
    fig = run({"2026-10": snapshot})
    ind = fig.indicators.loc["2026-10"]
    for name in ("enterprises", "unionized", "employees", "members", "priority_open"):
        assert ind.loc["C", name] == ind.loc["K1", name] + ind.loc["K2", name]
        own_k1 = sum(
            1 if name != "employees" else e
            for u, e, un, s in rows
            if u == "K1" and s in (None, "存续") and _counts(name, e, un)
        )
        if name in ("enterprises", "unionized", "priority_open"):
            assert ind.loc["K1", name] == ind.loc["T11", name] + ind.loc["T12", name] + own_k1
    active = [(e, un) for _, e, un, s in rows if s in (None, "存续")]
    assert ind.loc["C", "unionized"] == sum(1 for _, un in active if un)
    rate = ind.loc["C", "coverage_rate"]
    if active:
        assert rate == pytest.approx(sum(1 for _, un in active if un) / len(active))
    else:
        assert pd.isna(rate)


def _counts(name: str, employees: int, unionized: bool) -> bool:
    if name == "unionized":
        return unionized
    if name == "priority_open":
        return not unionized and employees >= 25
    return True


def test_reduction_is_small() -> None:
    rows = [ent(f"E{i}", "T11", 10 + i % 50, i % 3 != 0) for i in range(3000)]
    units = units_frame(SMALL_UNITS)
    config = Config(root=Path("."))
    r = reduce_snapshot(units, frame(ENTERPRISES, rows), Period.parse("2026-10"), config, None)
    assert len(r.own) == len(SMALL_UNITS)
    assert len(r.ledger) == sum(1 for i in range(3000) if i % 3 == 0 and 10 + i % 50 >= 25)
    assert set(r.ledger.columns) == {
        "uscc",
        "name",
        "unit",
        "county",
        "employees",
        "reason",
        "state",
        "added",
        "left_reason",
        "progress",
        "responsible",
        "planned_on",
        "open_periods",
        "overdue",
        "stalled",
    }
    # The key-area breakdowns are per unit and category, not per enterprise.
    assert len(r.groups) <= len(SMALL_UNITS) * 3 * 2


def test_previous_of_another_period_is_not_compared() -> None:
    units = units_frame(SMALL_UNITS)
    config = Config(root=Path("."))
    rows = frame(ENTERPRISES, [ent("A", "T11", 30, False)])
    first = reduce_snapshot(units, rows, Period.parse("2026-08"), config, None)
    second = reduce_snapshot(units, rows, Period.parse("2026-10"), config, first)
    assert not second.compared
    assert not second.ledger["added"].any()
    third = reduce_snapshot(units, rows, Period.parse("2026-11"), config, replace(second))
    assert third.compared


def test_units_numbered_among_other_codes_are_placed() -> None:
    """Numbers made against another ordering of the codes (or with codes the roster lacks, and
    rows of no unit) are placed in the hierarchy: the same reductions as hashing the column, on
    rows with missing and mixed values."""
    units = units_frame(SMALL_UNITS)
    config = Config(root=Path("."))
    rows = [
        ent("A", "T11", 30, False, area_type=" 村（社区） ", industry="制造业"),
        ent("B", "T12", 40, True, union_form="区域性联合会", federation="某联合会 "),
        ent("C", "GONE", 50, False),  # a unit not in the roster
        {"uscc": "D", "name": None, "unit": None, "employees": None, "unionized": None},
        ent("E", "K2", 26, False, status="存续", ownership=""),
        ent("F", "T21", 90, True, union_form="行业性联合会", federation=None, industry="  "),
        ent("G", "T11", 12, True, status="注销", union_form="单独建会"),
    ]
    codes = ["T21", "GONE", "T12", "K2", "T11", "C"]  # another order, one code not a unit
    numbers = np.array([4, 2, 1, -1, 3, 0, 4], dtype=np.int64)
    periods = [Period.parse("2026-09"), Period.parse("2026-10")]
    numbered: list[PeriodReduction] = []
    hashed: list[PeriodReduction] = []
    for period, take in zip(periods, (slice(None), slice(1, None)), strict=True):
        e = frame(ENTERPRISES, rows[take])
        placed = (numbers[take], codes)
        before = numbered[-1] if numbered else None
        numbered.append(reduce_snapshot(units, e, period, config, before, placed))
        hashed.append(reduce_snapshot(units, e, period, config, hashed[-1] if hashed else None))
    _same_reductions(numbered, hashed)
    # worked out by hand: T11 has A (open) and G (gone), K2 has E; GONE and no unit count nowhere
    first = numbered[0].own
    assert first["enterprises"].to_dict() == {
        "C": 0,
        "K1": 0,
        "T11": 1,
        "T12": 1,
        "K2": 1,
        "T21": 1,
    }
    assert first["priority_open"].sum() == 2  # A and E (C's unit is unknown)
    assert first["federation_enterprises"].to_dict()["T21"] == 1
    # the second period compared: A left the ledger (not in it), E stayed open
    assert numbered[1].compared
    assert numbered[1].own["priority_left"].sum() == 1


def test_bad_rows_do_not_stop_the_reduction() -> None:
    """Snapshots are reduced before errors stop the build: bad rows must not raise."""
    units = units_frame(
        [
            ("C", "city", None),
            ("K1", "county", "C"),
            ("K1", "county", "C"),  # duplicate code
            ("X", "township", "Y"),  # cycle X -> Y -> X
            ("Y", "township", "X"),
            ("Z", "township", "NOPE"),  # unknown parent
        ]
    )
    rows = [
        ent("A", "K1", 30, False),
        ent("A", "K1", 30, True),  # duplicate USCC
        {"uscc": None, "name": None, "unit": None, "employees": None, "unionized": None},
        ent("B", "UNKNOWN", 50, True),
        ent("C", "X", 40, False, status="停业"),
    ]
    config = Config(root=Path("."))
    first = reduce_snapshot(units, frame(ENTERPRISES, rows), Period.parse("2026-09"), config, None)
    second = reduce_snapshot(
        units, frame(ENTERPRISES, rows[1:]), Period.parse("2026-10"), config, first
    )
    assert first.own.loc["K1", "enterprises"] == 2
    assert second.own["enterprises"].sum() == 1
    fig = compute_figures(
        [first, second],
        config,
        units=units,
        targets=frame(TARGETS, []),
        volunteers=frame(VOLUNTEERS, []),
        campaigns={},
    )
    assert value(fig, "2026-10", "C", "enterprises") == 1


def test_dispatch_membership_rate_counts_unionized_enterprises_with_both_columns() -> None:
    """劳务派遣工入会率 (CONTRACT §3.7): Σ dispatch_members / Σ dispatch_workers of active
    unionized enterprises that give both columns, rolled up like every sum."""
    rows = [
        ent("A", "T11", 100, True, dispatch_workers=20, dispatch_members=15),
        ent("B", "T11", 50, True, dispatch_workers=10, dispatch_members=3),
        ent("C", "T11", 50, False, dispatch_workers=30, dispatch_members=0),  # not unionized
        ent("D", "T11", 50, True, dispatch_workers=40),  # members not given
        ent("E", "T12", 80, True, dispatch_workers=10, dispatch_members=10, status="注销"),
        ent("F", "T21", 60, True, dispatch_workers=5, dispatch_members=1),
    ]
    fig = run({"2026-10": rows})
    assert value(fig, "2026-10", "T11", "dispatch_membership_rate") == pytest.approx(18 / 30)
    assert value(fig, "2026-10", "T12", "dispatch_membership_rate") is None  # E is not active
    assert value(fig, "2026-10", "K1", "dispatch_membership_rate") == pytest.approx(18 / 30)
    assert value(fig, "2026-10", "C", "dispatch_membership_rate") == pytest.approx(19 / 35)


# --- key areas, the four clear things, inspections (CONTRACT 3.7, 3.8), worked out by hand -------

MORE = json.loads((GOLDEN / "expected_groups_targets.json").read_text(encoding="utf-8"))


def test_key_area_categories_as_written_and_as_left_empty() -> None:
    """Values are counted stripped; empty, blank or missing as 未填写; an area type in NFKC form
    (村（社区） is 村(社区)), any other column as written; federations by name, unnamed as 未填写.
    Rows of unknown units or inactive enterprises are not counted."""
    from generator.figures.key_areas import reduce_groups

    ledger = pd.DataFrame(
        {
            "unit": pd.array(["A", "A", "A", "B", "B", "X"], dtype="string"),
            "employees": pd.array([10, 20, 30, 5, None, 99], dtype="Int64"),
            "area_type": pd.array(
                ["村（社区）", " 村(社区) ", None, "", "开发区", "开发区"], dtype="string"
            ),
            "industry": pd.array(["制造业（金属）", "制造业(金属)", "  ", None, "建筑业", "x"]),
            "ownership": pd.array(["私营", "私营", "私营", "国有", "国有", "国有"], dtype="string"),
            "union_form": pd.array(
                ["区域性联合会", "区域性联合会", "单独组建", "行业性联合会", None, "区域性联合会"],
                dtype="string",
            ),
            "federation": pd.array([" 东区联合会", "东区联合会", None, None, None, "x"]),
        }
    )
    known = np.array([True, True, True, True, True, False])
    active = np.array([True, True, True, True, False, True])
    unionized = np.array([True, True, False, True, False, True])
    groups, federations = reduce_groups(ledger, known, active, unionized)
    got = {
        (r.code, r.dimension, r.category): (r.enterprises, r.unionized, r.employees)
        for r in groups.itertuples()
    }
    assert got == {
        ("A", "area_type", "村(社区)"): (2, 2, 30),
        ("A", "area_type", "未填写"): (1, 0, 30),
        ("A", "industry", "制造业(金属)"): (1, 1, 20),
        ("A", "industry", "制造业（金属）"): (1, 1, 10),
        ("A", "industry", "未填写"): (1, 0, 30),
        ("A", "ownership", "私营"): (3, 2, 60),
        ("A", "union_form", "区域性联合会"): (2, 2, 30),
        ("B", "area_type", "未填写"): (1, 1, 5),
        ("B", "industry", "未填写"): (1, 1, 5),
        ("B", "ownership", "国有"): (1, 1, 5),
        ("B", "union_form", "行业性联合会"): (1, 1, 5),
    }
    feds = {
        (r.code, r.form, r.federation): (r.enterprises, r.employees)
        for r in federations.itertuples()
    }
    assert feds == {
        ("A", "区域性联合会", "东区联合会"): (2, 30),
        ("B", "行业性联合会", "未填写"): (1, 5),
    }


def test_golden_key_area_breakdowns(golden: Figures) -> None:
    from generator.figures.key_areas import display_order

    def ordered_categories(dimension: str, rows: pd.DataFrame) -> pd.DataFrame:
        # the order the pages and documents show: display_order, one dimension of it
        shown = display_order(rows)
        return shown[shown["dimension"] == dimension] if len(shown) else shown

    areas = MORE["key_areas"]
    for period, by_unit in areas.items():
        if period.startswith("//") or not Period.is_period_name(period):
            continue
        frame = golden.key_areas[period]
        for code, dimensions in by_unit.items():
            rows = frame[frame["code"] == code]
            for dimension, categories in dimensions.items():
                got = rows[rows["dimension"] == dimension]
                assert sorted(got["category"]) == sorted(categories), (period, code, dimension)
                for category, want in categories.items():
                    row = got[got["category"] == category].iloc[0]
                    values = [
                        int(row["enterprises"]),
                        int(row["unionized"]),
                        int(row["non_unionized"]),
                        int(row["employees"]),
                        None if pd.isna(row["coverage_rate"]) else float(row["coverage_rate"]),
                        int(row["federations"]),
                    ]
                    assert values[:4] + values[5:] == want[:4] + want[5:], (period, code, category)
                    assert values[4] == pytest.approx(want[4]), (period, code, category)
                # official order of area types, 未填写 last
                if dimension == "area_type":
                    shown = list(ordered_categories(dimension, rows)["category"])
                    assert shown[-1] == "未填写" or "未填写" not in shown
    for period, by_unit in areas["industries"].items():
        if period.startswith("//"):
            continue
        frame = golden.key_areas[period]
        for code, want in by_unit.items():
            top = ordered_categories("industry", frame[frame["code"] == code])
            got = [
                [
                    str(r["category"]),
                    int(r["enterprises"]),
                    int(r["unionized"]),
                    int(r["non_unionized"]),
                ]
                for r in top.to_dict("records")
            ]
            assert got == want, (period, code)


def test_golden_four_clear_things(golden: Figures) -> None:
    for period, rows in MORE["lists"]["ledger_four_clear"].items():
        if period.startswith("//"):
            continue
        ledger = golden.ledgers[period]
        got = {
            str(r["uscc"]): [
                r["progress"],
                r["responsible"],
                r["planned_on"],
                int(r["open_periods"]),
                bool(r["overdue"]),
                bool(r["stalled"]),
            ]
            for r in ledger.to_dict("records")
        }
        assert got == rows, period


def test_golden_inspections() -> None:
    from generator.figures.inspections import held_in, overdue_at
    from generator.rosters.load import load_project

    data = load_project(GOLDEN / "project")
    assert not [p for p in data.problems if p.severity == "error"]
    for period, want in MORE["lists"]["inspections"].items():
        if period.startswith("//"):
            continue
        p = Period.parse(period)
        for name, pick in (("held", held_in), ("overdue", overdue_at)):
            frame = pick(data.inspections, p)
            got = [
                [pd.Timestamp(d).date().isoformat(), str(u)]
                for d, u in zip(frame["date"], frame["unit"], strict=True)
            ]
            assert got == want[name], (period, name)


def test_stalled_after_six_periods_open_and_overdue_by_plan() -> None:
    """久拖未建 from the sixth period open in a row; a gap in the periods starts the count anew."""
    units = [("C", "city", None), ("K1", "county", "C"), ("T11", "township", "K1")]
    late = ent("91990101MA0000001Y", "T11", 30, False, planned_on="2026-03-31", progress="已联系")
    fresh = ent("91990101MA00000022", "T11", 40, False)
    months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    snapshots = {m: [late] + ([fresh] if m >= "2026-04" else []) for m in months}
    figures = run(snapshots, units=units)
    # late: open 1..6 periods; overdue from 2026-03 (planned 03-31 is that period's last day)
    opened = {
        m: dict(zip(figures.ledgers[m]["uscc"], figures.ledgers[m]["open_periods"], strict=True))
        for m in months
    }
    assert [opened[m]["91990101MA0000001Y"] for m in months] == [1, 2, 3, 4, 5, 6]
    assert [opened[m].get("91990101MA00000022") for m in months] == [None, None, None, 1, 2, 3]
    assert [value(figures, m, "T11", "priority_stalled") for m in months] == [0, 0, 0, 0, 0, 1]
    assert [value(figures, m, "C", "priority_overdue") for m in months] == [0, 0, 1, 1, 1, 1]
    # a missing period (2026-07) breaks the run: 2026-08 counts from 1 again
    gap = run({**snapshots, "2026-08": [late]}, units=units)
    assert dict(
        zip(gap.ledgers["2026-08"]["uscc"], gap.ledgers["2026-08"]["open_periods"], strict=True)
    ) == {"91990101MA0000001Y": 1}


def test_members_target_followed_and_usable_in_rules() -> None:
    """ytd_new_members = members now - members at the end of the previous year; rules on it."""
    units = [("C", "city", None), ("K1", "county", "C"), ("K2", "county", "C")]
    dec = [
        ent("91990101MA0000001Y", "K1", 100, True, members=50),
        ent("91990101MA00000022", "K2", 100, True, members=50),
    ]
    mar = [
        ent("91990101MA0000001Y", "K1", 100, True, members=80),
        ent("91990101MA00000022", "K2", 100, True, members=52),
    ]
    config = Config(
        root=Path("."),
        judgments={
            "criticize": (Rule(metric="members_schedule_rate", below=0.6),),
            "commend": (),
            "veto": (),
        },
    )
    targets = [
        {"year": 2026, "unit": "K1", "new_members": 40},
        {"year": 2026, "unit": "K2", "new_members": 40},
    ]
    figures = run({"2025-12": dec, "2026-03": mar}, config=config, units=units, targets=targets)
    # K1: 30 of 40 by March (3/12): completion 0.75, schedule 3.0; K2: 2 of 40: 0.05, 0.2
    assert value(figures, "2026-03", "K1", "ytd_new_members") == 30
    assert value(figures, "2026-03", "K1", "members_schedule_rate") == pytest.approx(3.0)
    assert value(figures, "2026-03", "K2", "members_completion") == pytest.approx(0.05)
    assert value(figures, "2026-03", "K2", "members_schedule_rate") == pytest.approx(0.2)
    assert value(figures, "2025-12", "K1", "ytd_new_members") is None  # no 2024-12 period
    assert judged(figures, "2026-03", "K1") == []
    # criticised for its members target alone: its new unions are not quoted as the reason
    assert judged(figures, "2026-03", "K2") == [("criticize", "新增会员序时进度20.0%（低于60.0%）")]


def test_key_areas_rolled_up_the_hierarchy_by_hand() -> None:
    """Each unit's breakdown adds its own rows and its descendants'; rows of an unknown unit
    are in none; a federation named in two counties is one of the city's; one left unnamed
    (未填写) is not counted. Rows by unit in official order, then dimension and category."""
    from generator.figures.hierarchy import Hierarchy
    from generator.figures.key_areas import federation_counts, roll_groups

    h = Hierarchy(units_frame(SMALL_UNITS))
    groups = pd.DataFrame(
        {
            "code": pd.array(["T11", "T12", "T12", "K1", "T21", "T11", "X"], dtype="string"),
            "dimension": pd.array(
                ["area_type"] * 4 + ["union_form", "union_form", "area_type"], dtype="string"
            ),
            "category": pd.array(
                ["开发区", "开发区", "其他", "开发区", "区域性联合会", "区域性联合会", "开发区"],
                dtype="string",
            ),
            "enterprises": [3, 1, 2, 1, 2, 1, 9],
            "unionized": [2, 1, 0, 0, 2, 1, 9],
            "employees": [30, 10, 8, 5, 20, 7, 9],
        }
    )
    federations = pd.DataFrame(
        {
            "code": pd.array(["T11", "T21", "T21"], dtype="string"),
            "form": pd.array(["区域性联合会"] * 3, dtype="string"),
            "federation": pd.array(["东区联合会", "东区联合会", "未填写"], dtype="string"),
            "enterprises": [1, 1, 1],
            "employees": [7, 12, 8],
        }
    )
    rolled = roll_groups(h, groups, federations)
    columns = ["code", "dimension", "category", "enterprises", "unionized", "non_unionized"]
    got = [tuple(row) for row in rolled[[*columns, "employees", "federations"]].itertuples(False)]
    assert got == [
        ("C", "area_type", "其他", 2, 0, 2, 8, 0),
        ("C", "area_type", "开发区", 5, 3, 2, 45, 0),
        ("C", "union_form", "区域性联合会", 3, 3, 0, 27, 1),
        ("K1", "area_type", "其他", 2, 0, 2, 8, 0),
        ("K1", "area_type", "开发区", 5, 3, 2, 45, 0),
        ("K1", "union_form", "区域性联合会", 1, 1, 0, 7, 1),
        ("T11", "area_type", "开发区", 3, 2, 1, 30, 0),
        ("T11", "union_form", "区域性联合会", 1, 1, 0, 7, 1),
        ("T12", "area_type", "其他", 2, 0, 2, 8, 0),
        ("T12", "area_type", "开发区", 1, 1, 0, 10, 0),
        ("K2", "union_form", "区域性联合会", 2, 2, 0, 20, 1),
        ("T21", "union_form", "区域性联合会", 2, 2, 0, 20, 1),
    ]
    rates = rolled["coverage_rate"].tolist()
    assert rates[:2] == [0.0, 0.6] and rates[6] == 2 / 3 and np.isnan(rates[2])
    assert list(rolled.index) == list(range(12))
    assert [str(t) for t in rolled.dtypes.iloc[3:]] == ["int64"] * 4 + ["float64", "int64"]
    assert federation_counts(h, rolled).tolist() == [1.0, 1.0, 1.0, 0.0, 1.0, 1.0]


def test_forms_and_categories_numbered_through_their_values() -> None:
    """form_numbers and category_codes number a column through its few values, reading the
    dictionary's buffers: the same numbers as looking each row up, on a column with missing
    and blank values, read at an offset (a slice of a longer column)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from generator.figures.key_areas import (
        FEDERATION_FORMS,
        UNFILLED,
        category_codes,
        form_numbers,
    )

    values = ["x", None, "区域性联合会", " 行业性联合会", "行业性联合会", None, "", "区域性联合会 "]
    longer = pa.array(["pad", "pad", *values], pa.large_string()).slice(2)
    assert longer.offset == 2 and longer.null_count == 2
    column = pd.Series(pd.arrays.ArrowStringArray(longer))
    looked_up = pc.fill_null(pc.index_in(longer, value_set=pa.array(FEDERATION_FORMS)), -1)
    assert form_numbers(column).tolist() == looked_up.to_pylist() == [-1, -1, 0, -1, 1, -1, -1, -1]

    at, categories = category_codes(column)
    shown = [str(categories[i]) for i in at]
    # stripped; missing and blank are one category, 未填写; stripped alike, one category
    assert shown == [
        "x",
        UNFILLED,
        "区域性联合会",
        "行业性联合会",
        "行业性联合会",
        UNFILLED,
        UNFILLED,
        "区域性联合会",
    ]
    assert at[3] == at[4] and at[2] == at[7] and at[1] == at[5] == at[6]
    plain = pd.Series(pd.arrays.ArrowStringArray(pa.array(["b", "a", "b"], pa.large_string())))
    at, categories = category_codes(plain)
    assert [str(categories[i]) for i in at] == ["b", "a", "b"]
