"""Reading and validating rosters: every §2 rule broken once, in CSV (UTF-8, GB18030) and XLSX."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import Project, rows_of, uscc, write_roster
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.common.periods import Period
from generator.common.problems import Problem
from generator.rosters.load import check_project, load_project, read_snapshot
from generator.rosters.read import read_table
from generator.rosters.specs import ENTERPRISES, ROSTERS, UNITS

OCT = "2026-10"


def problems_of(root: Path, period: str | None = None) -> list[Problem]:
    """The problems of reading the rosters (the ledgers saved by hand have no receipt time,
    W-RECEIPT-MISSING, which is the month's record, tests/test_record.py)."""
    result = check_project(root, Period.parse(period) if period else None)
    return [p for p in result.problems if p.code != "W-RECEIPT-MISSING"]


def find(problems: list[Problem], code: str) -> list[Problem]:
    return [p for p in problems if p.code == code]


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- the valid project -----------------------------------------------------------------------


def test_the_small_project_is_clean(any_project: Project) -> None:
    assert problems_of(any_project.root) == []


def test_frames_follow_the_dataframe_contract(any_project: Project) -> None:
    data = load_project(any_project.root)
    assert [str(p) for p in data.periods] == ["2026-09", "2026-10"]
    units = data.units
    assert list(units.columns) == [c.name for c in UNITS.columns] + ["_row"]
    assert units["code"].dtype == pd.StringDtype("pyarrow")
    assert list(units["level"]) == ["city", "county", "township", "township", "county", "township"]
    assert units["order"].dtype == "Int64"
    assert list(units["order"]) == [1, 2, 3, 4, 5, 6]  # the missing order is the file order
    assert units["volunteer_required"].dtype == "boolean"
    assert units["volunteer_required"].isna().all()
    assert list(units["_row"]) == [2, 3, 4, 5, 6, 7]
    assert data.campaigns["book_rooms"]["books"].tolist() == [1200]
    assert data.volunteers["left_on"].dtype == "datetime64[ns]"
    assert data.volunteers["left_on"].iloc[1] == pd.Timestamp("2026-08-31")
    assert pd.isna(data.volunteers["left_on"].iloc[0])
    assert data.campaigns["model_homes"].empty and "opened_on" in data.campaigns["model_homes"]

    snapshot = read_snapshot(data, Period.parse(OCT))
    ent = snapshot.enterprises
    assert list(ent.columns) == [c.name for c in ENTERPRISES.columns] + ["_row", "_file"]
    # Each row knows its file: a period's ledger may come in several (CONTRACT 1.1).
    assert set(ent["_file"]) == {any_project.rel("enterprises", OCT)}
    assert ent["employees"].dtype == "Int64"
    assert ent["unionized"].dtype == "boolean"
    assert ent["union_date"].dtype == "datetime64[ns]"
    assert ent["status"].tolist() == ["存续"] * 4
    assert ent["employees"].tolist() == [120, 30, 10, 200]
    assert pd.isna(ent["members"].iloc[1])
    assert ent["unionized"].tolist() == [True, False, False, True]
    assert ent["not_unionized_reason"].isna().tolist() == [True, False, False, True]
    assert snapshot.volunteer_reviews is not None
    assert snapshot.volunteer_reviews["score"].dtype == "Float64"
    assert snapshot.volunteer_reviews["score"].tolist() == [92.5]


# --- one rule broken at a time -----------------------------------------------------------------


@dataclass
class Case:
    id: str
    roster: str
    period: str | None
    index: int  # data row changed (0-based); Excel row = index + 2
    changes: dict[str, Any]
    code: str
    column: str  # header as written
    value: str | None = None


def _case(
    id: str,
    roster: str,
    index: int,
    changes: dict[str, Any],
    code: str,
    column: str,
    value: str | None = None,
) -> Case:
    period = OCT if ROSTERS[roster].per_period else None
    return Case(id, roster, period, index, changes, code, column, value)


BAD = uscc("91990101MA0000001")[:-1] + ("0" if uscc("91990101MA0000001")[-1] != "0" else "1")

CASES = [
    _case(
        "uscc-checksum", "enterprises", 0, {"uscc": BAD}, "E-USCC-CHECKSUM", "统一社会信用代码", BAD
    ),
    _case(
        "uscc-scientific",
        "enterprises",
        1,
        {"uscc": "9.13701E+17"},
        "E-USCC-SCIENTIFIC",
        "统一社会信用代码",
        "9.13701E+17",
    ),
    _case("uscc-form", "enterprises", 2, {"uscc": "91990IO"}, "E-USCC-FORMAT", "统一社会信用代码"),
    _case(
        "uscc-duplicate",
        "enterprises",
        1,
        {"uscc": uscc("91990101MA0000001")},
        "E-DUPLICATE",
        "统一社会信用代码",
    ),
    _case("name-required", "enterprises", 0, {"name": "—"}, "E-REQUIRED", "企业名称"),
    _case(
        "employees-int", "enterprises", 0, {"employees": "一百二"}, "E-INT", "职工人数", "一百二"
    ),
    _case("employees-range", "enterprises", 2, {"employees": "-3"}, "E-RANGE", "职工人数", "-3"),
    _case("unionized-bool", "enterprises", 0, {"unionized": "可能"}, "E-BOOL", "是否建会", "可能"),
    _case("union-date", "enterprises", 0, {"union_date": "2026-13-01"}, "E-DATE", "建会日期"),
    _case("status-enum", "enterprises", 0, {"status": "倒闭"}, "E-ENUM", "经营状态", "倒闭"),
    _case(
        "migrant-exceeds",
        "enterprises",
        0,
        {"migrant_workers": "500"},
        "E-MIGRANT-EXCEEDS",
        "农民工人数",
        "500",
    ),
    _case(
        "dispatch-exceeds",
        "enterprises",
        0,
        {"dispatch_workers": "121"},
        "E-DISPATCH-EXCEEDS",
        "劳务派遣工人数",
        "121",
    ),
    _case(
        "members-exceed",
        "enterprises",
        0,
        {"members": "130"},
        "W-MEMBERS-EXCEED",
        "会员人数",
        "130",
    ),
    _case(
        "migrant-members-exceed",
        "enterprises",
        0,
        {"migrant_members": "41"},
        "W-MIGRANT-MEMBERS-EXCEED",
        "农民工会员人数",
        "41",
    ),
    _case(
        "dispatch-members-exceed",
        "enterprises",
        0,
        {"dispatch_workers": "5", "dispatch_members": "6"},
        "W-DISPATCH-MEMBERS-EXCEED",
        "劳务派遣工会员人数",
        "6",
    ),
    _case(
        "union-date-required",
        "enterprises",
        0,
        {"union_date": ""},
        "E-UNION-DATE-REQUIRED",
        "建会日期",
    ),
    _case(
        "union-date-future",
        "enterprises",
        3,
        {"union_date": "2026年11月2日"},
        "E-UNION-DATE-FUTURE",
        "建会日期",
        "2026-11-02",
    ),
    _case("members-required", "enterprises", 3, {"members": "/"}, "E-MEMBERS-REQUIRED", "会员人数"),
    _case(
        "reason-missing",
        "enterprises",
        1,
        {"not_unionized_reason": "无"},
        "W-REASON-MISSING",
        "未建会原因",
    ),
    _case(
        "unit-unknown",
        "enterprises",
        0,
        {"unit": "999999"},
        "E-UNIT-UNKNOWN",
        "所属单位代码",
        "999999",
    ),
    _case(
        "unit-level", "enterprises", 0, {"unit": "990000"}, "E-UNIT-LEVEL", "所属单位代码", "990000"
    ),
    _case(
        "volunteer-unit-level",
        "volunteers",
        0,
        {"unit": "990100"},
        "E-UNIT-LEVEL",
        "派驻单位代码",
        "990100",
    ),
    _case(
        "left-before-hired",
        "volunteers",
        0,
        {"left_on": "2025.2.1"},
        "E-LEFT-BEFORE-HIRED",
        "离岗日期",
        "2025-02-01",
    ),
    _case(  # 编号 is unique within a county: 东镇 and 西镇 are both 甲县
        "volunteer-id-duplicate",
        "volunteers",
        1,
        {"id": "ZY001", "unit": "990102"},
        "E-DUPLICATE",
        "编号",
        "ZY001",
    ),
    _case("hired-required", "volunteers", 1, {"hired_on": ""}, "E-REQUIRED", "上岗日期"),
    _case(
        "named-on-required",
        "pioneer_teams",
        0,
        {"named_on": ""},
        "E-NAMED-ON-REQUIRED",
        "命名日期",
    ),
    _case("pioneer-level", "pioneer_teams", 1, {"level": "乡级"}, "E-ENUM", "级别", "乡级"),
    _case("targets-unit", "targets", 1, {"unit": "990300"}, "E-UNIT-UNKNOWN", "单位代码", "990300"),
    _case("targets-year-unit", "targets", 1, {"unit": "990100"}, "E-DUPLICATE", "单位代码"),
    _case("books-int", "book_rooms", 0, {"books": "很多"}, "E-INT", "藏书册数", "很多"),
    _case("score-range", "volunteer_reviews", 0, {"score": "120"}, "E-RANGE", "考核得分", "120"),
    _case(
        "review-volunteer",
        "volunteer_reviews",
        0,
        {"volunteer": "ZY999"},
        "E-VOLUNTEER-UNKNOWN",
        "志愿者编号",
        "ZY999",
    ),
    _case("units-two-cities", "units", 1, {"level": "市"}, "E-UNITS-ROOT", "层级"),
    _case(
        "units-parent-level",
        "units",
        2,
        {"parent": "990000"},
        "E-UNIT-PARENT-LEVEL",
        "上级单位代码",
        "990000",
    ),
    _case(
        "units-parent-unknown",
        "units",
        3,
        {"parent": "990900"},
        "E-UNIT-PARENT-UNKNOWN",
        "上级单位代码",
        "990900",
    ),
    _case(
        "units-parent-required",
        "units",
        4,
        {"parent": ""},
        "E-UNIT-PARENT-REQUIRED",
        "上级单位代码",
    ),
    _case(
        "units-code-duplicate", "units", 3, {"code": "990101"}, "E-DUPLICATE", "单位代码", "990101"
    ),
    _case("units-level-enum", "units", 3, {"level": "村"}, "E-ENUM", "层级", "村"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_rule_broken_once(any_project: Project, case: Case) -> None:
    rows = rows_of(case.roster, case.period)
    rows[case.index].update(case.changes)
    any_project.write(case.roster, rows, period=case.period)
    problems = problems_of(any_project.root)
    found = find(problems, case.code)
    assert found, f"{case.code} not reported; got {[(p.code, p.row) for p in problems]}"
    located = [
        p
        for p in found
        if p.file == any_project.rel(case.roster, case.period)
        and p.row == case.index + 2
        and p.column == case.column
    ]
    assert located, [(p.file, p.row, p.column) for p in found]
    problem = located[0]
    if case.value is not None:
        assert problem.value == case.value
    assert problem.severity == ("error" if case.code.startswith("E-") else "warning")
    assert problem.message and is_chinese(problem.message)


def test_problems_name_the_county(project: Project) -> None:
    rows = rows_of("enterprises", OCT)
    rows[2]["employees"] = "多"  # 南街道 belongs to 乙区
    project.write("enterprises", rows, period=OCT)
    (problem,) = find(problems_of(project.root), "E-INT")
    assert (problem.county, problem.county_name) == ("990200", "乙区")


def test_bad_cells_are_na_and_rows_stay(project: Project) -> None:
    rows = rows_of("enterprises", OCT)
    rows[0]["employees"] = "很多"
    project.write("enterprises", rows, period=OCT)
    data = load_project(project.root)
    snapshot = read_snapshot(data, Period.parse(OCT))
    assert len(snapshot.enterprises) == 4
    assert pd.isna(snapshot.enterprises["employees"].iloc[0])
    assert [p.code for p in snapshot.problems.errors] == ["E-INT"]


def test_unit_cycle(project: Project) -> None:
    rows = rows_of("units")
    rows[1]["parent"] = "990101"  # 甲县 under its own township
    project.write("units", rows)
    cycles = find(problems_of(project.root), "E-UNIT-CYCLE")
    assert cycles and all(p.file == "data/units.csv" for p in cycles)


def test_unknown_column_is_one_warning_at_the_header(project: Project) -> None:
    headers = [*project_headers("enterprises"), "备注"]
    rows = rows_of("enterprises", OCT)
    project.write("enterprises", rows, period=OCT, headers=headers)
    (problem,) = problems_of(project.root)
    assert (problem.code, problem.row, problem.column) == ("W-UNKNOWN-COLUMN", 1, "备注")


def test_the_forms_row_number_column_is_no_unknown_column(project: Project) -> None:
    """Every county form starts with 序号: it is read past, while 备注 is still named."""
    import csv

    names = [c.name for c in ROSTERS["enterprises"].columns]
    path = project.path("enterprises", OCT)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["序号", *project_headers("enterprises"), "备注"])
        for i, row in enumerate(rows_of("enterprises", OCT), 1):
            writer.writerow([i, *[row.get(k, "") for k in names], ""])
    assert [(p.code, p.column) for p in problems_of(project.root)] == [("W-UNKNOWN-COLUMN", "备注")]


def project_headers(name: str) -> list[str]:
    return [c.aliases[0] for c in ROSTERS[name].columns]


def test_missing_required_column(project: Project) -> None:
    headers = [h for h in project_headers("enterprises") if h != "职工人数"]
    rows = [{k: v for k, v in r.items() if k != "employees"} for r in rows_of("enterprises", OCT)]
    path = project.path("enterprises", OCT)
    path.unlink()
    # write without the employees column
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        names = [c.name for c in ENTERPRISES.columns if c.name != "employees"]
        for row in rows:
            writer.writerow([row.get(n, "") for n in names])
    problems = problems_of(project.root)
    (missing,) = find(problems, "E-COLUMN-MISSING")
    assert (missing.file, missing.row, missing.column) == (
        f"data/{OCT}/enterprises.csv",
        1,
        "职工人数",
    )


def test_english_headers_and_header_variants(project: Project) -> None:
    rows = rows_of("enterprises", OCT)
    headers = [c.name for c in ENTERPRISES.columns]
    headers[2] = "所属乡镇（街道）代码"  # full-width brackets, alias 2
    headers[6] = " 职工人数（人） "  # spaces and a bracketed unit note
    project.write("enterprises", rows, period=OCT, headers=headers)
    assert problems_of(project.root) == []


def test_enterprise_missing_from_the_snapshot(any_project: Project) -> None:
    rows = rows_of("enterprises", OCT)
    gone = rows.pop(1)
    any_project.write("enterprises", rows, period=OCT)
    (problem,) = problems_of(any_project.root)
    assert problem.code == "W-ENT-MISSING"
    assert problem.file == any_project.rel("enterprises", OCT)
    assert problem.row is None
    assert problem.value == gone["uscc"]
    assert gone["name"] in problem.message
    assert problem.county_name == "甲县"
    # Checking only the latest period still compares it with the one before.
    (only,) = problems_of(any_project.root, OCT)
    assert only.code == "W-ENT-MISSING"


def test_snapshot_state_is_small(project: Project) -> None:
    data = load_project(project.root)
    snap = read_snapshot(data, Period.parse("2026-09"))
    assert snap.state is not None
    assert len(snap.state.uscc) == 3
    assert not hasattr(snap.state, "enterprises")


def test_both_csv_and_xlsx_is_an_error(project: Project) -> None:
    write_roster(project.path("targets", fmt="xlsx"), "targets", rows_of("targets"))
    (problem,) = find(problems_of(project.root), "E-FILE-BOTH")
    assert problem.severity == "error"
    assert "targets" in problem.file


def test_missing_required_roster(project: Project) -> None:
    project.path("enterprises", OCT).unlink()
    (problem,) = find(problems_of(project.root), "E-PERIOD-EMPTY")
    assert problem.file == f"data/{OCT}/"


def test_neither_utf8_nor_gb18030_is_a_problem(project: Project) -> None:
    project.path("targets").write_bytes(b"\xff\xfe\x00\x81\x30\xff\xff,\x80\x80\n")
    (problem,) = find(problems_of(project.root), "E-ENCODING")
    assert problem.file == "data/targets.csv" and is_chinese(problem.message)


def test_corrupt_xlsx_is_a_problem(project: Project) -> None:
    project.path("targets").unlink()
    project.path("targets", fmt="xlsx").write_bytes(b"not a zip file")
    (problem,) = find(problems_of(project.root), "E-FILE-UNREADABLE")
    assert problem.file == "data/targets.xlsx"


def test_wrong_cadence_folder(project: Project) -> None:
    (project.root / "data" / "2026-Q3").mkdir()
    (problem,) = find(problems_of(project.root), "E-PERIOD-FOLDER")
    assert problem.value == "2026-Q3"


# --- XLSX layouts --------------------------------------------------------------------------------


def _xlsx(tmp_path: Path, rows: list[list[Any]], merges: tuple[str, ...] = ()) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in rows:
        ws.append(row)
    for cells in merges:
        ws.merge_cells(cells)
    path = tmp_path / "enterprises.xlsx"
    wb.save(path)
    return path


#: the ledger's first nineteen columns, those of the layouts below
_BASE_COLUMNS = ENTERPRISES.columns[:19]


def _values(row: dict[str, Any]) -> list[Any]:
    return [row.get(c.name) or None for c in _BASE_COLUMNS]


def test_xlsx_title_rows_merged_header_totals_and_notes(tmp_path: Path) -> None:
    headers = project_headers("enterprises")
    upper = ["企业基本情况", *[None] * 5, "职工情况", None, None, "工会组建情况"]
    upper += [None] * 5 + ["民主管理", None, "未建会原因", "经营状态"]
    lower = [*headers[:17], None, None]
    data = [_values(r) for r in rows_of("enterprises", OCT)]
    total = ["合计", *[None] * 5, 360, 132, 25, None, None, 250, 90]
    rows = [
        ["2026年10月企业建会台账"],
        ["填报单位：甲县总工会", *[None] * 14, "填报日期：2026年11月3日"],
        upper,
        lower,
        *data,
        total,
        ["注：1. 职工人数25人以上的未建会企业须填写未建会原因。"],
        ["填表人：周敏　审核人：陈立新"],
    ]
    path = _xlsx(tmp_path, rows, ("A1:S1", "A3:F3", "G3:I3", "J3:O3", "P3:Q3", "R3:R4", "S3:S4"))
    raw = read_table(path, "data/2026-10/enterprises.xlsx", ENTERPRISES)
    assert raw.header_row == 4
    assert raw.matched == [c.name for c in _BASE_COLUMNS]
    assert raw.rows.tolist() == [5, 6, 7, 8]
    assert raw.problems == []


def test_xlsx_total_mismatch_is_reported(tmp_path: Path) -> None:
    headers = project_headers("enterprises")
    data = [_values(r) for r in rows_of("enterprises", OCT)]
    total = ["合计", *[None] * 5, 361, 132]
    path = _xlsx(tmp_path, [headers, *data, total, ["注：测试"]])
    raw = read_table(path, "x.xlsx", ENTERPRISES)
    assert raw.rows.tolist() == [2, 3, 4, 5]
    (problem,) = raw.problems
    assert (problem.code, problem.row, problem.column, problem.value) == (
        "E-TOTAL-MISMATCH",
        6,
        "职工人数",
        "361",
    )


def test_subtotals_cover_their_own_rows(tmp_path: Path) -> None:
    headers = project_headers("enterprises")
    data = [_values(r) for r in rows_of("enterprises", OCT)]
    rows = [
        headers,
        data[0],
        data[1],
        ["甲县小计", *[None] * 5, 150],
        data[2],
        ["小计", *[None] * 5, 10],
        ["总计", *[None] * 5, 160],
    ]
    raw = read_table(_xlsx(tmp_path, rows), "x.xlsx", ENTERPRISES)
    assert raw.problems == []
    assert raw.rows.tolist() == [2, 3, 5]


def test_xlsx_native_cell_types(tmp_path: Path) -> None:
    headers = project_headers("enterprises")
    row = _values(rows_of("enterprises", OCT)[0])
    row[0] = 9.13701e17  # Excel turned the code into a number
    row[2] = 990101  # unit code typed as a number
    row[6] = 120.0
    row[10] = dt.datetime(2020, 5, 1)
    row[11] = 100
    row[9] = True
    path = _xlsx(tmp_path, [headers, row])
    project = Project(tmp_path / "p")
    target = project.path("enterprises", OCT)
    target.unlink()
    target.with_suffix(".xlsx").write_bytes(path.read_bytes())
    problems = problems_of(project.root)
    # (乙区 has no row in this one-row ledger.)
    codes = {p.code for p in problems if p.severity == "error"} - {"E-COUNTY-NOT-REPORTED"}
    assert codes == {"E-USCC-SCIENTIFIC"}
    (sci,) = find(problems, "E-USCC-SCIENTIFIC")
    assert (sci.row, sci.value) == (2, "9.13701E+17")
    data = load_project(project.root)
    ent = read_snapshot(data, Period.parse(OCT)).enterprises
    assert ent["unit"].iloc[0] == "990101"
    assert ent["union_date"].iloc[0] == pd.Timestamp("2020-05-01")
    assert ent["unionized"].iloc[0]


def test_a_valid_uscc_with_an_e_between_digits_is_accepted(any_project: Project) -> None:
    rows = rows_of("enterprises", OCT)
    rows[0]["uscc"] = uscc("9199100072819E723")
    assert rows[0]["uscc"] == "9199100072819E7237"
    any_project.write("enterprises", rows, period=OCT)
    problems = problems_of(any_project.root)
    assert [p.code for p in problems] == ["W-ENT-MISSING"]  # the 2026-09 code is gone


@pytest.mark.parametrize(
    "mangled", ["9.13E+17", "9.1310000E+17", "913100001E+17", "9.137010000000E+17"]
)
def test_excel_mangled_usccs_are_scientific(project: Project, mangled: str) -> None:
    rows = rows_of("enterprises", OCT)
    rows[1]["uscc"] = mangled
    project.write("enterprises", rows, period=OCT)
    problems = problems_of(project.root, OCT)
    errors = [(p.code, p.row, p.value) for p in problems if p.severity == "error"]
    assert errors == [("E-USCC-SCIENTIFIC", 3, mangled)]


def test_xlsx_sheet_named_like_the_roster(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["本工作簿第二张表是台账"])
    ws = wb.create_sheet("企业建会台账")
    ws.append(project_headers("enterprises"))
    ws.append(_values(rows_of("enterprises", OCT)[0]))
    path = tmp_path / "enterprises.xlsx"
    wb.save(path)
    raw = read_table(path, "x.xlsx", ENTERPRISES)
    assert len(raw) == 1 and raw.header_row == 1


def test_csv_blank_lines_keep_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "enterprises.csv"
    write_roster(path, "enterprises", rows_of("enterprises", OCT))
    lines = path.read_bytes().split(b"\r\n")
    lines.insert(2, b"")  # a blank line after the first data row
    path.write_bytes(b"\r\n".join(lines))
    raw = read_table(path, "x.csv", ENTERPRISES)
    assert raw.rows.tolist() == [2, 4, 5, 6]


def test_csv_quoted_newline_is_one_row_as_in_excel(tmp_path: Path) -> None:
    rows = rows_of("enterprises", OCT)
    rows[0]["name"] = "东方机械\n有限公司"
    path = write_roster(tmp_path / "enterprises.csv", "enterprises", rows)
    raw = read_table(path, "x.csv", ENTERPRISES)
    assert raw.rows.tolist() == [2, 3, 4, 5]  # Excel shows the two-line name in one cell


def test_csv_title_row_and_total_row(tmp_path: Path) -> None:
    rows = rows_of("enterprises", OCT)
    path = write_roster(
        tmp_path / "enterprises.csv",
        "enterprises",
        rows,
        encoding="gb18030",
        above=[["2026年10月企业建会台账"]],
        below=[["合计", "", "", "", "", "", "360"], ["填表人：张三"]],
    )
    raw = read_table(path, "x.csv", ENTERPRISES)
    assert raw.header_row == 2
    assert raw.rows.tolist() == [3, 4, 5, 6]
    assert raw.problems == []


def test_read_only_rows_match_sheet_rows_with_gaps(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(project_headers("enterprises"))
    for i, row in enumerate(rows_of("enterprises", OCT)):
        for j, value in enumerate(_values(row), start=1):
            ws.cell(row=2 + 2 * i, column=j, value=value)  # a blank row between records
    path = tmp_path / "enterprises.xlsx"
    wb.save(path)
    raw = read_table(path, "x.xlsx", ENTERPRISES)
    assert raw.rows.tolist() == [2, 4, 6, 8]


def test_every_row_is_used_or_named(project: Project) -> None:
    rows = rows_of("enterprises", OCT)
    rows.append({c.name: "" for c in ENTERPRISES.columns} | {"name": "只有名称"})
    project.write("enterprises", rows, period=OCT)
    problems = problems_of(project.root)
    assert {p.row for p in problems if p.severity == "error"} == {6}
    data = load_project(project.root)
    assert len(read_snapshot(data, Period.parse(OCT)).enterprises) == 5


def test_uscc_check_character_vectorised_matches_scalar() -> None:
    from generator.rosters.uscc import USCC_ALPHABET, uscc_check_char

    rng = np.random.default_rng(1)
    bodies = ["".join(rng.choice(list(USCC_ALPHABET), 17)) for _ in range(200)]
    codes_ = [b + uscc_check_char(b) for b in bodies]
    wrong = [b + USCC_ALPHABET[(USCC_ALPHABET.index(uscc_check_char(b)) + 1) % 31] for b in bodies]
    import pyarrow as pa

    from generator.rosters.collector import Collector
    from generator.rosters.read import RawTable
    from generator.rosters.uscc import _check_uscc

    raw = RawTable("x", [], [], np.arange(2, 402), 1, [])
    out = Collector(raw)
    _check_uscc(pa.array(codes_ + wrong), out, "统一社会信用代码")
    flagged = sorted(p.index for p in out.pending if p.index is not None)
    assert flagged == list(range(200, 400))
    assert uscc_check_char("91350100M000100Y4") == "3"  # a published example code


def test_white_space_is_trimmed_everywhere(project: Project) -> None:
    rows = rows_of("enterprises", OCT)
    rows[0]["name"] = "\u3000东方机械有限公司 "
    rows[0]["unit"] = " ９９０１０１\u3000"
    rows[0]["employees"] = " 120 "
    rows[0]["unionized"] = " 是"
    rows[0]["union_date"] = "2020-05-01 "
    rows[0]["status"] = "\xa0存续"
    rows[1]["not_unionized_reason"] = "正在筹建"
    blank = {name: " " for name in rows[0]}
    project.write("enterprises", [*rows[:2], blank, *rows[2:]], period=OCT)
    assert problems_of(project.root) == []
    ent = read_snapshot(load_project(project.root), Period.parse(OCT)).enterprises
    assert ent["name"].iloc[0] == "东方机械有限公司"
    assert ent["unit"].iloc[0] == "990101"
    assert ent["employees"].iloc[0] == 120
    assert ent["status"].iloc[0] == "存续"
    assert ent["_row"].tolist() == [2, 3, 5, 6]  # the blank row 4 is not data


def test_an_unreadable_unit_roster_is_one_problem_not_a_flood(project: Project) -> None:
    project.path("units").write_bytes(b"\xff\xfe\x00\x81\x30\xff\xff,\x80\x80\n")
    problems = problems_of(project.root)
    assert [p.code for p in problems if p.severity == "error"] == ["E-ENCODING"]


def test_huge_numbers_and_empty_files_are_problems(project: Project) -> None:
    rows = rows_of("enterprises", OCT)
    rows[0]["employees"] = "99999999999999999999999"
    project.write("enterprises", rows, period=OCT)
    project.path("book_rooms").write_bytes(b"")
    problems = problems_of(project.root)
    assert {(p.code, p.file) for p in problems if p.severity == "error"} == {
        ("E-INT", f"data/{OCT}/enterprises.csv"),
        ("E-FILE-EMPTY", "data/book_rooms.csv"),
    }


CELL = st.one_of(
    st.just(""),
    st.sampled_from(
        ["是", "否", "—", "合计", "注：无", "2026-02-30", "1,234", "9.13701E+17", "990101"]
    ),
    st.text(max_size=8),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(CELL, min_size=1, max_size=20), max_size=8), st.binary(max_size=64))
def test_any_csv_is_read_or_reported_never_a_crash(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], junk: bytes
) -> None:
    import csv as csv_module
    import io

    from generator.rosters.read import ReadError
    from generator.rosters.validate import Context, validate_table

    folder = tmp_path_factory.mktemp("fuzz")
    buffer = io.StringIO()
    csv_module.writer(buffer).writerows([project_headers("enterprises"), *rows])
    for data in (buffer.getvalue().encode("utf-8"), junk):
        path = folder / "enterprises.csv"
        path.write_bytes(data)
        try:
            raw = read_table(path, "x.csv", ENTERPRISES)
        except ReadError as exc:
            assert exc.problem.code in ("E-ENCODING", "E-FILE-UNREADABLE")
            continue
        result = validate_table(raw, ENTERPRISES, Context(period=Period.parse(OCT)))
        assert len(result.frame) == len(raw)
        for problem in result.problems:
            assert problem.message and problem.code


XLSX_CELL = st.one_of(
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=6),
    st.sampled_from(["合计", "注：", "—", "是", "9.13701E+17"]),
)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.lists(XLSX_CELL, min_size=1, max_size=18), max_size=5))
def test_any_xlsx_cells_are_read_or_reported(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[Any]]
) -> None:
    from generator.rosters.validate import Context, validate_table

    folder = tmp_path_factory.mktemp("xlsx")
    path = _xlsx(folder, [project_headers("enterprises"), *rows])
    raw = read_table(path, "x.xlsx", ENTERPRISES)
    result = validate_table(raw, ENTERPRISES, Context(period=Period.parse(OCT)))
    assert len(result.frame) == len(raw)


def test_problem_codes_are_stable_names_with_chinese_messages() -> None:
    import re

    from generator.rosters.codes import CODES

    assert len(CODES) >= 40
    for name, code in CODES.items():
        assert re.fullmatch(r"[EW]-[A-Z0-9]+(-[A-Z0-9]+)*", name), name
        assert code.severity == ("error" if name.startswith("E-") else "warning")
        assert is_chinese(code.template), name


def test_formulas_need_their_stored_values(tmp_path: Path) -> None:
    import re
    import zipfile

    headers = project_headers("enterprises")
    data = [_values(r) for r in rows_of("enterprises", OCT)]
    for i, row in enumerate(data, start=2):
        row[7] = f"=G{i}/3"  # migrant workers, optional: an unread formula would pass unseen
    path = _xlsx(tmp_path, [headers, *data])
    raw = read_table(path, "x.xlsx", ENTERPRISES)
    assert [(p.code, p.row, p.column) for p in raw.problems] == [
        ("E-FORMULA-NO-VALUE", row, "农民工人数") for row in (2, 3, 4, 5)
    ]
    # Excel saves each formula's value beside it: then the values are read, nothing reported.
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb"(</f>)<v */>", rb"\1<v>7</v>", parts[sheet])
    saved = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(saved, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    raw = read_table(saved, "x.xlsx", ENTERPRISES)
    assert raw.problems == []
    assert raw.columns[7].to_pylist() == ["7"] * 4


def test_a_file_that_cannot_be_opened_is_a_problem_in_chinese(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.rosters.ledger as ledger

    real = ledger.read_table

    def locked(path: Path, rel: str, roster: Any) -> Any:
        if path.name == "targets.csv":
            raise PermissionError(13, "Permission denied")
        return real(path, rel, roster)

    monkeypatch.setattr(ledger, "read_table", locked)
    (problem,) = find(problems_of(project.root), "E-FILE-UNREADABLE")
    assert problem.file == "data/targets.csv"
    assert "没有读取权限" in problem.message and "Permission" not in problem.message


def test_a_unit_may_carry_its_short_name(project: Project) -> None:
    from generator.rosters.load import load_project

    rows = rows_of("units")
    county = next(r for r in rows if r["level"] in ("county", "区", "县"))
    county["short_name"] = " 高新区 "
    project.write("units", rows)
    data = load_project(project.root)
    assert [p for p in data.problems if p.file.endswith("units.csv")] == []
    assert data.unit_index.short == {county["code"]: "高新区"}  # stripped; others have none


def test_a_headcount_beyond_float_precision_is_read_not_a_crash(project: Project) -> None:
    """A 17-digit number pasted into 职工人数 (a code in the wrong column) is a whole number the
    row rules compare as a float: it was an Arrow error (a traceback) before."""
    rows = rows_of("enterprises", OCT)
    rows[0]["employees"] = "90000000000000001"
    rows[0]["members"] = "90000000000000003"
    project.write("enterprises", rows, period=OCT)
    problems = problems_of(project.root)
    assert find(problems, "E-INT") == []
    data = load_project(project.root)
    ent = read_snapshot(data, Period.parse(OCT)).enterprises
    assert ent["employees"].iloc[0] == 90000000000000001  # kept exact in the frame
    # as floats the two are equal (2**53 < both): members do not exceed employees
    assert [p.row for p in find(problems, "W-MEMBERS-EXCEED")] == []
