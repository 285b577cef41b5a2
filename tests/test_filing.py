"""`bulletin intake` files what the counties send without losing a byte (CONTRACT 1.1, 1.2).

Every file is stored under a name intake makes, whatever the county called it; nothing is ever
deleted or overwritten; a county's file that names another county's unit is an error naming both;
a county may send its townships in several files, and a resend replaces only what it covers.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner, Result
from conftest import ENTERPRISES, Project, uscc, write_roster

from generator.cli import cli
from generator.common.periods import Period
from generator.office.intake import RECEIVED_HEADERS, intake, read_received
from generator.rosters.load import check_project, load_project, read_snapshot

OCTOBER = Period.parse("2026-10")


def _many(n: int, unit: str, start: int = 0) -> list[dict[str, str]]:
    rows = []
    for i in range(start, start + n):
        row = dict(ENTERPRISES[1])
        row["unit"] = unit
        row["uscc"] = uscc(f"91{unit}MB{i:07d}")
        row["name"] = f"{unit}企业{i:03d}"
        rows.append(row)
    return rows


def _october(tmp_path: Path) -> tuple[Project, Path, Path]:
    """A project whose October folder is empty (the counties' files are yet to come)."""
    project = Project(tmp_path / "p")
    folder = project.root / "data" / "2026-10"
    for old in folder.glob("enterprises.*"):
        old.unlink()
    inbox = tmp_path / "下载"
    inbox.mkdir()
    return project, folder, inbox


def _run(project: Project, *args: str) -> Result:
    return CliRunner().invoke(cli, ["intake", "2026-10", *args, "-C", str(project.root)])


def _kept_bytes(folder: Path) -> list[bytes]:
    """The bytes of every file in a period folder and its .replaced/ (not the receipt log)."""
    places = [*folder.iterdir(), *(folder / ".replaced").glob("*")]
    return [p.read_bytes() for p in places if p.is_file() and p.name != ".received.csv"]


def _rows(project: Project) -> dict[str, int]:
    """Rows per county of October as check reads the folder."""
    data = load_project(project.root)
    frame = read_snapshot(data, OCTOBER).enterprises
    counts: dict[str, int] = {}
    for unit in frame["unit"]:
        county = data.unit_index.county.get(unit, "")
        counts[county] = counts.get(county, 0) + 1
    return counts


# --- issue 30 items 1, 2 and 8: nothing lost ---------------------------------------------------


def test_two_files_of_one_county_in_one_intake_lose_nothing(tmp_path: Path) -> None:
    """甲县's first file, then a wrong file and its correction in one command, all in the same
    second: each is kept byte for byte, the correction is the one read."""
    project, folder, inbox = _october(tmp_path)
    first = write_roster(
        inbox / "甲县.xlsx", "enterprises", _many(4, "990101") + _many(2, "990102", 10)
    )
    write_roster(inbox / "乙区.csv", "enterprises", _many(3, "990201"), encoding="gb18030")
    when = datetime(2026, 11, 3, 9, 0)
    intake(project.root, OCTOBER, [first, inbox / "乙区.csv"], now=when)
    wrong = _many(4, "990101") + _many(2, "990102", 10)
    wrong[0]["employees"] = "很多"
    a = write_roster(inbox / "甲县（改）.xlsx", "enterprises", wrong)
    b = write_roster(
        inbox / "甲县（再改）.csv", "enterprises", _many(5, "990101") + _many(2, "990102", 10)
    )
    sent = [p.read_bytes() for p in (first, inbox / "乙区.csv", a, b)]
    result = intake(project.root, OCTOBER, [a, b], now=when)

    kept = _kept_bytes(folder)
    for content in sent:
        assert content in kept
    assert len(list((folder / ".replaced").iterdir())) == 2
    # The correction is 甲县's file now; the others are aside, none overwritten.
    assert [f.stored for f in result.filed] == [
        "data/2026-10/990100-甲县.xlsx",
        "data/2026-10/990100-甲县.csv",
    ]
    assert (folder / "990100-甲县.csv").read_bytes() == b.read_bytes()
    assert _rows(project) == {"990100": 7, "990200": 3}
    assert not check_project(project.root, OCTOBER).errors


def test_reserved_hidden_and_lock_names_are_stored_under_made_names(tmp_path: Path) -> None:
    """Files the counties named as the project's own files or as lock files are taken in and
    read; the period's receipt log stays whole."""
    from openpyxl import Workbook

    project, folder, inbox = _october(tmp_path)
    jia = inbox / "甲县"
    jia.mkdir()
    # 东镇 as a GB18030 CSV called like the receipt log, 西镇 as `..xlsx`, 乙区 as `~$台账.xlsx`
    write_roster(jia / ".received.csv", "enterprises", _many(2, "990101"), encoding="gb18030")
    write_roster(jia / "..xlsx", "enterprises", _many(3, "990102"))
    write_roster(inbox / "~$台账.xlsx", "enterprises", _many(2, "990201"))
    first = _run(
        project, str(jia / ".received.csv"), str(jia / "..xlsx"), str(inbox / "~$台账.xlsx")
    )
    assert first.exit_code == 0, first.output
    assert "已收取 .received.csv（甲县，2 行）→ data/2026-10/990100-甲县.csv" in first.output
    assert "已收取 ..xlsx（甲县，3 行）→ data/2026-10/990100-甲县-2.xlsx" in first.output
    assert "已收取 ~$台账.xlsx（乙区，2 行）→ data/2026-10/990200-乙区.xlsx" in first.output
    assert _rows(project) == {"990100": 5, "990200": 2}

    # A workbook saved as `.~lock.x#` (a lock file's name, no extension the readers know) and
    # one called volunteer_reviews.xlsx (another period roster's name): both 乙区's resends.
    lock = inbox / ".~lock.x#"
    write_roster(inbox / "x.xlsx", "enterprises", _many(4, "990201", 10)).rename(lock)
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "所属单位代码", "职工人数", "是否建会"])
    for row in _many(5, "990201", 20):
        ws.append([row["uscc"], row["name"], row["unit"], 30, "否"])
    wb.save(inbox / "volunteer_reviews.xlsx")
    second = _run(project, "--add", str(lock), str(inbox / "volunteer_reviews.xlsx"))
    assert second.exit_code == 0, second.output
    assert "已收取 .~lock.x#（乙区，4 行）→ data/2026-10/990200-乙区-2.xlsx" in second.output
    assert "→ data/2026-10/990200-乙区-3.xlsx" in second.output
    assert _rows(project) == {"990100": 5, "990200": 11}
    assert not check_project(project.root, OCTOBER).errors

    # The receipt log: one record per file, each naming the county's own file name.
    with (folder / ".received.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == RECEIVED_HEADERS
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
        ("990100-甲县.csv", "990100", ".received.csv"),
        ("990100-甲县-2.xlsx", "990100", "..xlsx"),
        ("990200-乙区.xlsx", "990200", "~$台账.xlsx"),
        ("990200-乙区-2.xlsx", "990200", ".~lock.x#"),
        ("990200-乙区-3.xlsx", "990200", "volunteer_reviews.xlsx"),
    ]
    assert set(read_received(folder)) == {r[0] for r in rows[1:]}
    for r in rows[1:]:
        assert r[2] and len(r[4]) == 64


def test_the_receipt_log_itself_is_not_taken_in(tmp_path: Path) -> None:
    project, folder, inbox = _october(tmp_path)
    write_roster(inbox / "甲县.xlsx", "enterprises", _many(2, "990101"))
    assert _run(project, str(inbox / "甲县.xlsx")).exit_code == 0
    log = (folder / ".received.csv").read_bytes()
    out = _run(project, str(folder / ".received.csv"))
    assert out.exit_code == 1
    assert "未收取 .received.csv：这是本期的收取记录" in out.output
    assert (folder / ".received.csv").read_bytes() == log
    # A stored file taken in again: left as it is, its receipt unchanged.
    out = _run(project, str(folder / "990100-甲县.xlsx"))
    assert "未收取 990100-甲县.xlsx：文件已在报告期目录中" in out.output
    assert (folder / ".received.csv").read_bytes() == log
    assert sorted(p.name for p in folder.glob("*99*")) == ["990100-甲县.xlsx"]


def test_a_file_put_into_the_period_folder_is_moved_to_its_made_name(tmp_path: Path) -> None:
    project, folder, _inbox = _october(tmp_path)
    placed = write_roster(folder / "甲县10月.xlsx", "enterprises", _many(2, "990101"))
    content = placed.read_bytes()
    out = _run(project, str(placed))
    assert out.exit_code == 0, out.output
    assert not placed.exists()
    assert (folder / "990100-甲县.xlsx").read_bytes() == content


def test_a_header_only_workbook_or_an_empty_csv_has_no_data_rows(tmp_path: Path) -> None:
    project, folder, inbox = _october(tmp_path)
    write_roster(inbox / "甲县.xlsx", "enterprises", [], above=[["2026年10月企业建会台账"]])
    (inbox / "乙区.csv").write_bytes(b"")
    write_roster(inbox / "乙区表头.csv", "enterprises", [], encoding="gb18030")
    out = _run(
        project, str(inbox / "甲县.xlsx"), str(inbox / "乙区.csv"), str(inbox / "乙区表头.csv")
    )
    assert out.exit_code == 1
    for name in ("甲县.xlsx", "乙区.csv", "乙区表头.csv"):
        assert f"未收取 {name}：文件中没有数据行（只有表头，或是空文件）" in out.output
    assert "不在单位名册中" not in out.output
    assert not list(folder.glob("99*"))


# --- issue 23 item 3: a county's files are the county's ----------------------------------------


def test_a_row_naming_another_countys_unit_is_an_error_naming_both(tmp_path: Path) -> None:
    """甲县's late file holds one row coded with 乙区's 南街道: the row is named with both
    counties and the code, counted in neither, and 乙区 (on time) is not made late by it."""
    project, _folder, inbox = _october(tmp_path)
    write_roster(inbox / "乙区.csv", "enterprises", _many(3, "990201"), encoding="gb18030")
    intake(project.root, OCTOBER, [inbox / "乙区.csv"], now=datetime(2026, 11, 3, 9, 0))
    rows = _many(4, "990101") + _many(2, "990102", 10)
    stray = _many(1, "990201", 50)[0]
    stray = {**stray, "members": str(int(stray["employees"]) + 30)}  # and a warning of its own
    rows.insert(2, stray)  # row 4 of the file (the header is row 1)
    write_roster(inbox / "松阳.xlsx", "enterprises", rows)
    result = intake(project.root, OCTOBER, [inbox / "松阳.xlsx"], now=datetime(2026, 11, 9, 17, 0))
    # every problem of 甲县's file is on 甲县's list, the stray row notwithstanding (not 全市's)
    own = [p for p in result.problems if p.file == "data/2026-10/990100-甲县.xlsx"]
    assert any(p.row == 4 and p.severity == "warning" for p in own)
    assert {p.county for p in own} == {"990100"}
    assert result.filed[0].stored == "data/2026-10/990100-甲县.xlsx"
    assert result.filed[0].counties == [("990100", "甲县")]
    found = [p for p in result.problems if p.code == "E-UNIT-OTHER-COUNTY"]
    assert [(p.file, p.row, p.value, p.county) for p in found] == [
        ("data/2026-10/990100-甲县.xlsx", 4, "990201", "990100")
    ]
    assert "乙区" in found[0].message and "甲县" in found[0].message
    assert stray["name"] in found[0].message
    # check says the same from the stored file alone; the row is in neither county.
    checked = check_project(project.root, OCTOBER)
    assert [(p.file, p.row) for p in checked.problems if p.code == "E-UNIT-OTHER-COUNTY"] == [
        ("data/2026-10/990100-甲县.xlsx", 4)
    ]
    assert _rows(project) == {"990100": 6, "990200": 3}
    status = {c.name: (c.status, c.files) for c in checked.reporting}
    assert status["乙区"] == ("按时报送", ["乙区.csv"])  # the name it came under
    assert status["甲县"][0] == "逾期4天"

    # The CLI names the row at intake (a resend with one enterprise more).
    write_roster(inbox / "松阳2.xlsx", "enterprises", [*rows, *_many(1, "990101", 70)])
    out = _run(project, str(inbox / "松阳2.xlsx"))
    assert out.exit_code == 1
    assert "第 4 行：企业“990201企业050”的单位代码“990201”是乙区的南街道" in out.output


def test_check_knows_a_stored_files_county_from_its_made_name(tmp_path: Path) -> None:
    """A file saved by hand under a made name (no receipt) is that county's file."""
    project, folder, _inbox = _october(tmp_path)
    write_roster(folder / "990200-乙区.xlsx", "enterprises", _many(3, "990201"))
    write_roster(
        folder / "990100-甲县-2.csv", "enterprises", _many(3, "990101") + _many(1, "990201", 9)
    )
    found = [
        p for p in check_project(project.root, OCTOBER).problems if p.code == "E-UNIT-OTHER-COUNTY"
    ]
    assert [(p.file, p.row, p.county) for p in found] == [
        ("data/2026-10/990100-甲县-2.csv", 5, "990100")
    ]
    # The same rows under a name of the office's own: each row is its unit's county's.
    (folder / "990100-甲县-2.csv").rename(folder / "市汇总.csv")
    assert not [
        p for p in check_project(project.root, OCTOBER).problems if p.code == "E-UNIT-OTHER-COUNTY"
    ]


def test_a_city_file_of_several_counties_is_taken_in_as_such(tmp_path: Path) -> None:
    project, _folder, inbox = _october(tmp_path)
    rows = _many(3, "990101") + _many(2, "990201")  # 甲县 60 %: no county has three quarters
    write_roster(inbox / "全市汇总.xlsx", "enterprises", rows)
    out = _run(project, str(inbox / "全市汇总.xlsx"))
    assert out.exit_code == 0, out.output
    assert (
        "已收取 全市汇总.xlsx（5 行：甲县 3 行、乙区 2 行）→ data/2026-10/990000-测试市.xlsx"
        in out.output
    )
    assert "这是含多个县市区的文件" in out.output
    assert _rows(project) == {"990100": 3, "990200": 2}
    assert not check_project(project.root, OCTOBER).errors
    # Named as 乙区's with --county: the 甲县 rows are strays.
    write_roster(
        inbox / "乙区.xlsx", "enterprises", _many(3, "990101", 30) + _many(2, "990201", 30)
    )
    out = _run(project, "--county", "乙区", str(inbox / "乙区.xlsx"))
    assert "已收取 乙区.xlsx（乙区，5 行）→ data/2026-10/990200-乙区.xlsx" in out.output
    assert out.output.count("是甲县的东镇") == 3
    write_roster(inbox / "甲县.xlsx", "enterprises", _many(2, "990101", 60))
    out = _run(project, "--county", "乙区", str(inbox / "甲县.xlsx"))
    assert "未收取 甲县.xlsx：文件中没有一行是乙区的单位，与 --county 不符" in out.output
    out = _run(project, "--county", "丙县", str(inbox / "乙区.xlsx"))
    assert out.exit_code != 0 and "单位名册中没有这个县市区" in out.output


# --- issue 23 item 4: a county in several files ------------------------------------------------


def test_a_county_sending_two_halves_keeps_both_and_a_resend_replaces_its_half(
    tmp_path: Path,
) -> None:
    """甲县 sends 东镇 and 西镇 in two files (a .xls by xlwt, a GB18030 CSV): both count; then
    东镇 again, corrected: only the 东镇 file is replaced, the old one kept aside."""
    import xlwt

    project, folder, inbox = _october(tmp_path)
    write_roster(inbox / "乙区.csv", "enterprises", _many(2, "990201"))
    east = _many(4, "990101")
    book = xlwt.Workbook()
    sheet = book.add_sheet("东镇")
    heads = ["统一社会信用代码", "企业名称", "所属单位代码", "职工人数", "是否建会"]
    for j, head in enumerate(heads):
        sheet.write(0, j, head)
    for i, row in enumerate(east, start=1):
        for j, value in enumerate([row["uscc"], row["name"], row["unit"], 40, "否"]):
            sheet.write(i, j, value)
    book.save(str(inbox / "东镇.xls"))
    west = _many(3, "990102", 10)
    write_roster(inbox / "西镇.csv", "enterprises", west, encoding="gb18030")

    first = _run(project, str(inbox / "乙区.csv"), str(inbox / "东镇.xls"))
    assert first.exit_code == 0, first.output
    second = _run(project, str(inbox / "西镇.csv"))
    assert second.exit_code == 0, second.output
    assert "已收取 西镇.csv（甲县，3 行）→ data/2026-10/990100-甲县-2.csv" in second.output
    assert (
        "本期已有的 990100-甲县.xls 是其他乡镇（街道）的（东镇），新文件是西镇的，两个文件一并计入"
        in second.output
    )
    assert "甲县：990100-甲县-2.csv、990100-甲县.xls，7 行" in second.output
    assert _rows(project) == {"990100": 7, "990200": 2}
    checked = check_project(project.root, OCTOBER)
    assert not checked.errors
    # in the order they arrived; the second half is not a correction
    jia = {c.name: c for c in checked.reporting}["甲县"]
    assert jia.files == ["东镇.xls", "西镇.csv"]
    assert jia.corrections == [] and "更正" not in jia.status
    # Both halves in the figures: 甲县 has its 7 enterprises (none unionised).
    from generator.build import BuildOptions, gather

    units = {
        u.code: u for u in gather(project.root, BuildOptions()).bulletins["internal"][-1].units
    }
    assert (units["990100"].enterprises, units["990101"].enterprises) == (7, 4)
    assert units["990102"].enterprises == 3

    # 东镇 resent with one enterprise more: it replaces the 东镇 file only.
    old_east = (folder / "990100-甲县.xls").read_bytes()
    write_roster(inbox / "东镇（更正）.xlsx", "enterprises", _many(5, "990101"))
    third = _run(project, str(inbox / "东镇（更正）.xlsx"))
    assert third.exit_code == 0, third.output
    assert (
        "与本期已有的 990100-甲县.xls 同为东镇的台账，是重报，替换它：原有文件已移到 data/2026-10/.replaced/"
        in third.output
    )
    assert "本期已有的 990100-甲县-2.csv 是其他乡镇（街道）的（西镇）" in third.output
    assert "→ data/2026-10/990100-甲县.xlsx" in third.output
    assert [p.read_bytes() for p in (folder / ".replaced").iterdir()] == [old_east]
    assert (folder / "990100-甲县-2.csv").read_bytes() == (inbox / "西镇.csv").read_bytes()
    assert _rows(project) == {"990100": 8, "990200": 2}
    # the resend is a correction in the 报送情况; the first file still decides lateness
    jia = {c.name: c for c in check_project(project.root, OCTOBER).reporting}["甲县"]
    assert len(jia.corrections) == 1 and jia.status.endswith("，更正1次")
    # the county's own names, the .xls its .xlsx replaced said so
    assert jia.files == ["东镇.xls（已被替换）", "西镇.csv", "东镇（更正）.xlsx"]


def test_add_and_replace_choose(tmp_path: Path) -> None:
    project, folder, inbox = _october(tmp_path)
    write_roster(inbox / "东镇.xlsx", "enterprises", _many(2, "990101"))
    write_roster(inbox / "东镇补.xlsx", "enterprises", _many(2, "990101", 5))
    write_roster(inbox / "西镇.xlsx", "enterprises", _many(2, "990102", 9))
    assert _run(project, str(inbox / "东镇.xlsx")).exit_code == 0
    # The same township, but more enterprises, not a resend: --add keeps both.
    out = _run(project, "--add", str(inbox / "东镇补.xlsx"))
    assert "本期已有的 990100-甲县.xlsx（东镇）保留（--add），与新文件一并计入" in out.output
    assert _rows(project).get("990100") == 4
    # Other townships, but the county's whole ledger anew: --replace sets both earlier aside.
    out = _run(project, "--replace", str(inbox / "西镇.xlsx"))
    assert out.output.count("按 --replace 替换本期已有的") == 2
    assert _rows(project).get("990100") == 2
    assert len(list((folder / ".replaced").iterdir())) == 2


# --- issue 23 item 7: the footer of a county's workbook ----------------------------------------


def test_footer_rows_of_county_workbooks_are_not_rows(tmp_path: Path) -> None:
    """The footers counties write under their ledger, in an openpyxl and an xlwt workbook:
    labels with a 盖章 remark, a label and its value in separate cells, lines written to the
    right, a date alone; none is a data row (no E-REQUIRED), every enterprise is."""
    import xlwt

    project, _folder, inbox = _october(tmp_path)
    jia = _many(4, "990101") + _many(2, "990102", 10)
    write_roster(
        inbox / "甲县.xlsx",
        "enterprises",
        jia,
        above=[["2026年10月企业建会台账"], ["填报单位：甲县总工会"]],
        below=[
            [],
            ["合计", "", "", "", "", "", sum(int(r["employees"]) for r in jia)],
            ["填表单位（盖章）：甲县总工会", "", "", "填表人：周敏", "", "联系电话：0571-8888"],
            ["单位负责人：", "王强", "", "审核人：", "陈立新", "", "制表人：", "李红"],
            ["", "", "", "", "", "", "日期：", "2026.11.3"],
            ["", "", "", "", "", "", "", "2026年11月3日"],
            ["注：1.本表由各县市区总工会填报；2.信用代码列为文本格式。"],
        ],
    )
    yi = _many(3, "990201")
    book = xlwt.Workbook()
    sheet = book.add_sheet("乙区")
    heads = ["统一社会信用代码", "企业名称", "所属单位代码", "职工人数", "是否建会"]
    for j, head in enumerate(heads):
        sheet.write(0, j, head)
    for i, row in enumerate(yi, start=1):
        for j, value in enumerate([row["uscc"], row["name"], row["unit"], 40, "否"]):
            sheet.write(i, j, value)
    footer = [
        ["填报单位：乙区总工会（盖章）", "", "联系人：赵六"],
        ["单位负责人", "", "审核人", "", "填表人"],
        ["", "", "", "（盖章）"],
        ["", "", "", "年  月  日"],
    ]
    for i, line in enumerate(footer, start=len(yi) + 2):
        for j, value in enumerate(line):
            if value:
                sheet.write(i, j, value)
    book.save(str(inbox / "乙区.xls"))

    out = _run(project, str(inbox / "甲县.xlsx"), str(inbox / "乙区.xls"))
    assert out.exit_code == 0, out.output
    assert "甲县：990100-甲县.xlsx，6 行，错误 0 个" in out.output
    assert "乙区：990200-乙区.xls，3 行，错误 0 个" in out.output
    problems = check_project(project.root, OCTOBER).problems
    assert not [p for p in problems if p.code.startswith("E-")], problems.items
    assert _rows(project) == {"990100": 6, "990200": 3}


def test_a_data_row_after_a_footer_like_cell_is_still_read(tmp_path: Path) -> None:
    """A last row that starts like a footer label but carries a ledger row's values is data,
    reported where wrong, not dropped."""
    project, _folder, inbox = _october(tmp_path)
    rows = _many(3, "990101")
    rows[-1]["uscc"] = "联系人：补报"
    write_roster(inbox / "甲县.xlsx", "enterprises", rows)
    out = _run(project, str(inbox / "甲县.xlsx"))
    assert "甲县：990100-甲县.xlsx，3 行" in out.output
    problems = check_project(project.root, OCTOBER).problems
    assert [(p.code, p.row) for p in problems if p.code == "E-USCC-FORMAT"] == [
        ("E-USCC-FORMAT", 4)
    ]
    # A last row with its code, name and unit left empty and a date in it is a row, not a
    # footer: named (E-REQUIRED), not dropped.
    half = dict(_many(1, "990101", 9)[0], uscc="", name="", unit="", union_date="2020年5月1日")
    write_roster(inbox / "甲县2.xlsx", "enterprises", [*_many(2, "990101"), half])
    _run(project, str(inbox / "甲县2.xlsx"))
    problems = check_project(project.root, OCTOBER).problems
    assert {p.row for p in problems if p.code == "E-REQUIRED"} == {4}


# --- issue 23 item 8: the county's own file names in its problem list ---------------------------


def _listed(path: Path) -> list[dict[str, object]]:
    from openpyxl import load_workbook

    ws = load_workbook(path, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_problem_lists_name_the_countys_own_file_with_the_stored_name_beside(
    tmp_path: Path,
) -> None:
    project, _folder, inbox = _october(tmp_path)
    rows = _many(3, "990101")
    rows[1]["employees"] = "很多"  # row 3
    write_roster(inbox / "甲县10月台账（终稿）.xlsx", "enterprises", rows)
    write_roster(inbox / "乙区.csv", "enterprises", _many(2, "990201"))
    _run(project, str(inbox / "甲县10月台账（终稿）.xlsx"), str(inbox / "乙区.csv"))
    lists = project.root / "problems" / "2026-10"
    listed = [r for r in _listed(lists / "990100-甲县-问题清单.xlsx") if r["问题代码"] == "E-INT"]
    assert [(r["文件"], r["存档文件名"], r["行号"]) for r in listed] == [
        ("甲县10月台账（终稿）.xlsx", "990100-甲县.xlsx", 3)
    ]
    # A sheet of the file named in a problem keeps its sheet beside the county's name.
    from generator.rosters.filing import own_name

    sources = {"data/2026-10/990100-甲县.xlsx": "甲县10月台账（终稿）.xlsx"}
    assert own_name("data/2026-10/990100-甲县.xlsx（志愿者考核）", sources) == (
        "甲县10月台账（终稿）.xlsx（志愿者考核）"
    )
    assert own_name("data/2026-10/990200-乙区.xlsx", sources) == ""
    # check's own output names both too.
    out = CliRunner().invoke(cli, ["check", str(project.root), "--period", "2026-10"])
    assert "data/2026-10/990100-甲县.xlsx（原名 甲县10月台账（终稿）.xlsx）" in out.output.replace(
        "\n", ""
    )


def test_the_offices_own_warnings_are_not_in_a_countys_list(tmp_path: Path) -> None:
    """W-ISSUED-CHANGED (a correction of an issued bulletin) and W-COUNTY-CARRIED are the
    office's: in the 全市 list and the overall list, not in the list sent to the county."""
    from generator.common.problems import Problem
    from generator.render.files import write_county_lists, write_problems

    changed = Problem(
        file="issued/2026-10",
        row=None,
        column="建会率",
        code="W-ISSUED-CHANGED",
        severity="warning",
        value="80.0% → 82.0%",
        message="已印发的2026年10月通报中，甲县的建会率为80.0%，按现在的数据为82.0%。",
        county="990100",
        county_name="甲县",
    )
    own = Problem(
        file="data/2026-10/990100-甲县.xlsx",
        row=3,
        column="职工人数",
        code="E-INT",
        severity="error",
        value="很多",
        message="职工人数应为整数",
        county="990100",
        county_name="甲县",
    )
    counties = {"990100": "甲县", "990200": "乙区"}
    out = tmp_path / "problems"
    write_county_lists([changed, own], ["2026-10"], counties, {}, out)
    jia = _listed(out / "2026-10" / "990100-甲县-问题清单.xlsx")
    assert [r["问题代码"] for r in jia] == ["E-INT"]
    city = _listed(out / "2026-10" / "全市-问题清单.xlsx")
    assert [r["问题代码"] for r in city] == ["W-ISSUED-CHANGED"]
    overall = write_problems([changed, own], out)[0].read_text(encoding="utf-8-sig")
    assert "W-ISSUED-CHANGED" in overall and "E-INT" in overall


def test_made_names_never_leave_the_folder(tmp_path: Path) -> None:
    """A county whose code and name in the unit roster hold path separators and dots."""
    from generator.rosters.filing import made_stem

    assert made_stem("../../x", "a/b\\c:d", 1) == "_.._x-a_b_c_d"
    assert made_stem(".9901", "..", 2) == "9901-_-2"
    assert "/" not in made_stem("/", "/", 3)


def test_a_workbook_under_a_lock_files_name_in_the_folder_is_named(tmp_path: Path) -> None:
    """Put there by hand, `..xlsx` and `~$台账.xlsx` holding a ledger are not read: check says
    so (to take them in with intake), while Excel's and LibreOffice's real lock files stay
    unremarked."""
    project, folder, _inbox = _october(tmp_path)
    write_roster(folder / "甲县.xlsx", "enterprises", _many(2, "990101"))
    write_roster(folder / "乙区.csv", "enterprises", _many(2, "990201"))
    write_roster(folder / "..xlsx", "enterprises", _many(2, "990102", 10))
    write_roster(folder / "~$台账.xlsx", "enterprises", _many(2, "990102", 20))
    (folder / "~$甲县.xlsx").write_bytes(b"\x05zhoumin" + b"\x00" * 157)  # Excel's owner file
    (folder / ".~lock.甲县.xlsx#").write_text("周敏,pc-01,周敏,07.12.2026 09:15,file:///", "utf-8")
    hidden = [p for p in check_project(project.root, OCTOBER).problems if p.code == "W-FILE-HIDDEN"]
    assert [p.file for p in hidden] == ["data/2026-10/..xlsx", "data/2026-10/~$台账.xlsx"]


def test_two_intakes_at_once_lose_nothing(tmp_path: Path) -> None:
    """Two office computers take in 甲县's files at the same moment, each two resends: every
    file is in the folder or set aside, byte for byte, and neither command fails."""
    import multiprocessing

    project, folder, inbox = _october(tmp_path)
    sent = [
        write_roster(inbox / f"甲县第{n}版.xlsx", "enterprises", _many(3 + n, "990101"))
        for n in range(4)
    ]
    # Forked, so that both start at once without a new interpreter's imports between them.
    fork = multiprocessing.get_context("fork")
    start = fork.Barrier(2)

    def take(files: list[Path]) -> None:
        start.wait()
        result = intake(project.root, OCTOBER, files)
        assert all(f.stored for f in result.filed)

    runs = [fork.Process(target=take, args=(files,)) for files in (sent[:2], sent[2:])]
    for run in runs:
        run.start()
    for run in runs:
        run.join(120)
        assert run.exitcode == 0
    kept = _kept_bytes(folder)
    for path in sent:
        assert path.read_bytes() in kept
    assert len(list(folder.glob("990100-*"))) + len(list((folder / ".replaced").iterdir())) == 4


def test_the_same_file_twice_is_taken_in_once(tmp_path: Path) -> None:
    """The same attachment saved twice (or given twice): one file, one receipt."""
    project, folder, inbox = _october(tmp_path)
    write_roster(inbox / "甲县.xlsx", "enterprises", _many(2, "990101"))
    (inbox / "甲县(1).xlsx").write_bytes((inbox / "甲县.xlsx").read_bytes())
    out = _run(project, str(inbox / "甲县.xlsx"), str(inbox / "甲县(1).xlsx"))
    assert out.exit_code == 0, out.output
    assert "未重复收取 甲县(1).xlsx：与本期已收取的 990100-甲县.xlsx 内容完全相同" in out.output
    assert [p.name for p in folder.glob("99*")] == ["990100-甲县.xlsx"]
    assert not (folder / ".replaced").exists()
    assert len(read_received(folder)) == 1


def test_the_copy_a_killed_intake_left_is_cleared(tmp_path: Path) -> None:
    """An intake killed while copying leaves `.intake-<pid>.xlsx`; the next one removes it (the
    county's file is still where it came from), and leaves a running intake's copy alone."""
    import os
    import subprocess
    import sys

    project, folder, inbox = _october(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (folder / f".intake-{dead.pid}.xlsx").write_bytes(b"PK\x03\x04half")
    (folder / f".intake-{os.getpid()}.csv").write_bytes(b"running")
    write_roster(inbox / "甲县.xlsx", "enterprises", _many(2, "990101"))
    assert _run(project, str(inbox / "甲县.xlsx")).exit_code == 0
    assert sorted(p.name for p in folder.glob(".intake-*")) == [f".intake-{os.getpid()}.csv"]


def test_an_intake_killed_while_filing_loses_nothing_and_is_run_again(tmp_path: Path) -> None:
    """kill -9 of an intake as soon as its first file is stored, while it files the next ones:
    every file is in the folder, set aside, or still where it came from; run again, the
    county's last file is its file and every file taken in has its receipt."""
    import hashlib
    import signal
    import subprocess
    import sys
    import time

    project, folder, inbox = _october(tmp_path)
    sent = [
        write_roster(inbox / f"甲县第{n}版.xlsx", "enterprises", _many(3 + n, "990101"))
        for n in range(6)
    ]
    args = [sys.executable, "-m", "generator", "intake", "2026-10", *map(str, sent)]
    child = subprocess.Popen(
        [*args, "-C", str(project.root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while not list(folder.glob("990100-*")) and time.monotonic() < deadline:
        time.sleep(0.002)
    child.send_signal(signal.SIGKILL)
    child.wait()
    kept = _kept_bytes(folder)
    assert all(p.is_file() for p in sent)  # the office's own copies are never touched
    assert list(folder.glob("990100-*")), "killed before it stored a file"
    # whatever lies under a made name or aside is a whole file the county sent, never a part
    assert all(k in [p.read_bytes() for p in sent] for k in kept if k.startswith(b"PK"))

    out = _run(project, *map(str, sent))
    assert out.exit_code == 0, out.output
    assert (folder / "990100-甲县.xlsx").read_bytes() == sent[-1].read_bytes()
    kept = _kept_bytes(folder)
    for path in sent:
        assert path.read_bytes() in kept
    assert not list(folder.glob(".intake-*"))
    digests = {r["sha256"] for r in read_received(folder).values()}
    assert hashlib.sha256(sent[-1].read_bytes()).hexdigest() in digests
