"""The office's month, played end to end (issue 23, "Done when"): four counties whose ledgers
come as an XLSX (openpyxl), a GB18030 CSV, an .xls (xlwt) and an .ods (odfpy), taken in with the
times they arrived; October issued with one county late, whose first file also had a row of
another county's township, and a county sent in two halves; a correction of October taken in
after the issue; a November in which one county resends its October ledger and another sends
nothing. Every assertion is on the text of the built and issued PDFs (pdftotext) or on what
the commands print.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import TARGETS, UNITS, Project, roster_headers, uscc, write_roster

from generator.build import BuildOptions, build
from generator.cli import cli
from generator.common.errors import DataError
from generator.common.periods import Period
from generator.office.intake import intake
from generator.office.issue import issue_period
from generator.rosters.load import check_project
from generator.rosters.specs import ROSTERS

pytestmark = pytest.mark.slow

COUNTIES = {  # county -> (name, its township, how its ledger comes)
    "990100": ("甲县", "990101", "xlsx"),
    "990200": ("乙区", "990201", "csv"),
    "990300": ("丙县", "990301", "xls"),
    "990400": ("丁县", "990401", "ods"),
}
MORE_UNITS = [
    {"code": "990300", "name": "丙县", "level": "县", "parent": "990000", "order": "6"},
    {"code": "990301", "name": "北镇", "level": "乡镇", "parent": "990300", "order": "7"},
    {"code": "990302", "name": "南镇", "level": "乡镇", "parent": "990300", "order": "7"},
    {"code": "990400", "name": "丁县", "level": "县", "parent": "990000", "order": "8"},
    {"code": "990401", "name": "中镇", "level": "乡镇", "parent": "990400", "order": "9"},
]


def ledger(township: str, month: int, size: int = 12) -> list[dict[str, str]]:
    """A township's ledger at the end of a month of 2026: from September on, one more
    enterprise unionised each month (on the 10th)."""
    rows = []
    unionised = 4 + (month - 9)
    for i in range(size):
        joined = i < unionised
        new = joined and i == unionised - 1 and month >= 9
        rows.append(
            {
                "uscc": uscc(f"91{township}MA{i:07d}"),
                "name": f"{township}企业{i:02d}",
                "unit": township,
                "employees": str(30 + i),
                "unionized": "是" if joined else "否",
                "union_date": f"2026-{month:02d}-10" if new else ("2020-05-01" if joined else ""),
                "members": str(20 + i) if joined else "",
                "status": "存续",
            }
        )
    return rows


def _table(rows: list[dict[str, str]]) -> tuple[list[str], list[list[str]]]:
    keys = [c.name for c in ROSTERS["enterprises"].columns]
    return roster_headers("enterprises"), [[r.get(k, "") for k in keys] for r in rows]


def write_xls(path: Path, rows: list[dict[str, str]]) -> Path:
    """An .xls as Excel 97 writes it (xlwt), a title row above the header."""
    import xlwt

    headers, body = _table(rows)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("企业台账")
    sheet.write(0, 0, "企业建会台账")
    for c, text in enumerate(headers):
        sheet.write(1, c, text)
    for r, values in enumerate(body, start=2):
        for c, value in enumerate(values):
            sheet.write(r, c, int(value) if value.isdigit() and c >= 4 else value)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path


def write_ods(path: Path, rows: list[dict[str, str]]) -> Path:
    """An .ods as LibreOffice writes it (odfpy), numbers as numbers."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    headers, body = _table(rows)
    doc = OpenDocumentSpreadsheet()
    table = Table(name="台账")
    for values in [headers, *body]:
        row = TableRow()
        for c, value in enumerate(values):
            if value.isdigit() and c >= 4 and values is not headers:
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    doc.spreadsheet.addElement(table)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def county_file(inbox: Path, county: str, rows: list[dict[str, str]], tag: str) -> Path:
    name, _township, kind = COUNTIES[county]
    path = inbox / f"{name}{tag}.{kind}"
    if kind == "xls":
        return write_xls(path, rows)
    if kind == "ods":
        return write_ods(path, rows)
    encoding = "gb18030" if kind == "csv" else "utf-8"
    return write_roster(path, "enterprises", rows, encoding=encoding)


def frame(root: Path, period: str, number: int, signed: str) -> None:
    path = root / "content" / "bulletins" / f"{period}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\ndoc_number: {number}\nrecipients: 各县市区总工会\nsigned_on: {signed}\n---\n\n"
        f"现将{period}情况通报如下。\n\n<!-- closing -->\n\n请抓好落实。\n",
        encoding="utf-8",
    )


def text_of(pdf: Path) -> str:
    """A PDF's text with every white space removed (lines break anywhere in a table cell)."""
    out = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return "".join(out.split())


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_the_month_of_the_office(tmp_path: Path) -> None:
    project = Project(tmp_path / "示例市")
    root = project.root
    project.write("units", [*UNITS, *MORE_UNITS])
    project.write(
        "targets",
        [
            *TARGETS,
            {"year": "2026", "unit": "990300", "new_unions": "6"},
            {"year": "2026", "unit": "990400", "new_unions": "6"},
        ],
    )
    for period in ("2026-09", "2026-10"):
        for old in (root / "data" / period).glob("*"):
            old.unlink()
    inbox = tmp_path / "收件箱"

    # September: every county on time.
    sep = [
        county_file(
            inbox / "9月", c, ledger(t, 9) + (ledger("990302", 9) if c == "990300" else []), "9月"
        )
        for c, (_n, t, _k) in COUNTIES.items()
    ]
    intake(
        root,
        Period.parse("2026-09"),
        sep,
        now=datetime(2026, 10, 8, 9),
        received="2026-10-04 10:00",
    )
    frame(root, "2026-09", 9, "2026-10-09")

    # October (deadline 5 November): 乙区's ledger arrives on Monday the 9th, four days late;
    # 丙县's on the 5th at 17:00, on time; each taken in with the time it arrived.
    arrivals = {
        "990100": "2026-11-04 18:30",
        "990200": "2026-11-09 10:00",
        "990300": "2026-11-05 17:00",
        "990400": "2026-11-03 09:15",
    }
    # 乙区's first file has a row coded with 甲县's 东镇: refused for that row, which counts in
    # no county (甲县, on time, is not made late by it); 乙区 resends it fixed that afternoon.
    stray = ledger("990201", 10)
    stray.append({**ledger("990101", 10)[0], "uscc": uscc("91990201MB0000099"), "name": "错码企业"})
    for county, when in arrivals.items():
        rows = stray if county == "990200" else ledger(COUNTIES[county][1], 10)
        path = county_file(inbox / "10月", county, rows, "10月")
        taken = datetime.fromisoformat(when).replace(hour=20)  # taken in that evening
        result = intake(root, Period.parse("2026-10"), [path], now=taken, received=when)
        assert [line.errors for line in result.lines] == [int(county == "990200")]
        if county == "990200":
            (wrong,) = [p for p in result.problems if p.code == "E-UNIT-OTHER-COUNTY"]
    assert (wrong.file, wrong.row, wrong.value) == ("data/2026-10/990200-乙区.csv", 14, "990101")
    assert "是甲县的东镇，而这个文件是乙区报来的" in wrong.message
    fixed = county_file(inbox / "10月", "990200", ledger("990201", 10), "10月（改）")
    out = run("intake", "2026-10", str(fixed), "--received", "2026-11-09 15:00", "-C", str(root))
    assert out.exit_code == 0, out.output
    assert "是重报，替换它" in out.output
    # 丙县 sends its second township, 南镇, apart, a day after 北镇 (still on time): kept beside.
    south = write_ods(inbox / "10月" / "丙县南镇.ods", ledger("990302", 10))
    out = run("intake", "2026-10", str(south), "--received", "2026-11-05 09:30", "-C", str(root))
    assert out.exit_code == 0, out.output
    assert "两个文件一并计入" in out.output
    assert "丙县：990300-丙县-2.ods、990300-丙县.xls，24 行，错误 0 个" in out.output
    frame(root, "2026-10", 10, "2026-11-12")
    issued = issue_period(root, "2026-10", now=lambda: datetime(2026, 11, 12, 15, tzinfo=UTC))
    assert issued.doc_code == "测工发〔2026〕10号"
    october_pdf = root / "issued" / "2026-10" / "internal" / "pdf" / "2026-10" / "bulletin.pdf"
    october = text_of(october_pdf)
    # the late county named, with the right days; the others on time
    assert "各县市区应于2026年11月5日前报送本期企业建会台账。" in october
    assert "按时报送的3个县市区；逾期报送的：乙区（逾期4天）。" in october
    assert "11月9日10:00" in october and "11月5日17:00" in october
    assert "逾期4天，更正1次" in october  # 乙区's fixed file, listed with its time
    assert "11月9日15:00" in october
    # both halves of 丙县, each with its time, and neither a correction (the county's status
    # once, in a cell beside both: text extraction reads it between them)
    # by the names the counties sent them under; 乙区's first file shown as replaced
    assert "丙县南镇.ods11月5日09:30丙县按时报送丙县10月.xls11月5日17:00" in october
    assert "乙区10月.csv（已被替换）11月9日10:00" in october
    # and counted: 24 enterprises, 5 + 5 unionised (41.7%) in the ranking annex
    assert "丙县241041.7%" in october
    public = text_of(root / "issued" / "2026-10" / "public" / "pdf" / "2026-10" / "bulletin.pdf")
    assert "逾期报送的：乙区（逾期4天）" in public and "11月9日" not in public
    reported = check_project(root, Period.parse("2026-10")).reporting

    # 1 December: 乙区 sends a corrected October ledger (one enterprise had 55 employees, not 30).
    corrected = ledger("990201", 10)
    corrected[0]["employees"] = "55"
    path = county_file(inbox / "更正", "990200", corrected, "10月（更正）")
    out = run("intake", "2026-10", str(path), "--received", "2026-12-01 09:00", "-C", str(root))
    assert out.exit_code == 0, out.output
    assert "收到时间：2026-12-01 09:00（按 --received 登记）" in out.output
    assert "本次收取的是对已印发通报的更正" in out.output
    # October's 报送情况 is what was issued: files, times, statuses
    assert check_project(root, Period.parse("2026-10")).reporting == reported

    # November (deadline 5 December): 甲县 sends its October ledger again; 丁县 sends nothing.
    (root / "data" / "2026-11").mkdir()
    frame(root, "2026-11", 11, "2026-12-07")
    resent = county_file(inbox / "11月", "990100", ledger("990101", 10), "11月")
    out = run("intake", "2026-11", str(resent), "--received", "2026-12-03 16:00", "-C", str(root))
    assert out.exit_code == 1, out.output
    assert "甲县：990100-甲县.xlsx，12 行，错误 1 个" in out.output
    for county in ("990200", "990300"):
        rows = ledger(COUNTIES[county][1], 11) + (
            ledger("990302", 11) if county == "990300" else []
        )
        path = county_file(inbox / "11月", county, rows, "11月")
        out = run("intake", "2026-11", str(path), "--received", "2026-12-04 11:00", "-C", str(root))
        assert out.exit_code == 0, out.output  # its own file is fine
        assert "错误 0 个" in out.output and "本期其他县市区和全市另有" in out.output
    checked = check_project(root, Period.parse("2026-11"))
    errors = checked.errors
    assert sorted((p.code, p.county_name) for p in errors) == [
        ("E-COUNTY-NOT-REPORTED", "丁县"),
        ("E-LEDGER-STALE", "甲县"),
    ]
    stale = next(p for p in errors if p.code == "E-LEDGER-STALE")
    assert "与 2026-10 期的完全相同" in stale.message
    with pytest.raises(DataError):  # refused until the office decides
        build(root, BuildOptions(site=False, jobs=1))
    # The office asks 甲县: nothing changed in November. 丁县 will not report in time.
    assert run("confirm-unchanged", "2026-11", "甲县", str(root)).exit_code == 0
    assert run("carry", "2026-11", "990400", str(root)).exit_code == 0
    build(root, BuildOptions(site=False, jobs=1))

    # The issued October is published byte for byte, its 报送情况 as issued.
    site = root / "site" / "internal" / "pdf"
    assert (site / "2026-10" / "bulletin.pdf").read_bytes() == october_pdf.read_bytes()
    november = text_of(site / "2026-11" / "bulletin.pdf")
    # 乙区's correction reaches November as a data correction, never as lateness
    assert "更正说明" in november and "乙区" in november
    assert "逾期报送天数" not in november and "逾期4天" not in november
    assert "丁县（未按时报送（沿用上期数据））" in november or (
        "未按时报送、本期沿用上期数据的：丁县" in november
    )
    assert "按时报送，与上期相同（已确认）" in november  # 甲县, in the internal table
    assert "逾期报送的" not in november
    report = text_of(site / "2026-11" / "units" / "990400.pdf")
    assert "本期台账未按时报送（沿用上期数据），本报告中的台账数字为2026年10月的数据。" in report

    # December: 丁县 missing again is an error again; the decision was November's alone.
    (root / "data" / "2026-12").mkdir()
    for county in ("990100", "990200", "990300"):
        rows = ledger(COUNTIES[county][1], 12) + (
            ledger("990302", 12) if county == "990300" else []
        )
        county_file(root / "data" / "2026-12", county, rows, "12月")
    errors = check_project(root, Period.parse("2026-12")).errors
    assert [(p.code, p.county_name) for p in errors] == [("E-COUNTY-NOT-REPORTED", "丁县")]
