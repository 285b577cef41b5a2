"""The counties' files as they come (CONTRACT 1.1): no hand merge, nothing ignored in silence.

A period split over per-county files, in every format and however named, gives the bulletin
model of the same rows in one file, byte for byte. Each way a real office gets it wrong (a
county forgotten, half a county, last month's file beside this month's, a file that is no
ledger) is an error or a warning naming the county and the file.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import CONFIG, ENTERPRISES, PERIODS, Project, uscc, write_roster

from generator.build import BuildOptions, gather
from generator.common.problems import Problem
from generator.rosters.load import check_project, load_project, read_snapshot

FILES = Path(__file__).parent / "corpus" / "files" / "split"
PERIOD_NAMES = ("2026-09", "2026-10")


def models(root: Path) -> dict[str, str]:
    """bulletin.json text of every period and audience of a project, but for the files of its
    报送情况, which name the files each county's rows came from (and differ as they do)."""
    gathered = gather(root, BuildOptions(force=True))
    return {
        f"{audience}/{b.period}": _without_files(b.to_json())
        for audience, bulletins in gathered.bulletins.items()
        for b in bulletins
    }


@pytest.fixture(scope="module")
def single_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """`models` of the small project as written by hand, one file a roster: what the tests of
    split, folder and returned files compare with (each compares; none changes it)."""
    return models(Project(tmp_path_factory.mktemp("single") / "single").root)


def received_models(root: Path) -> dict[str, str]:
    """bulletin.json of a project whose files came through `intake`, without what the receipt
    times give (the 报送情况, each county's report_late, report_days_late, and the data quality
    counts, which count W-RECEIPT-MISSING where files were saved by hand), for comparing with
    the same data saved by hand."""
    return {name: received_models_text(text) for name, text in models(root).items()}


def received_models_text(text: str) -> str:
    """One model's text as received_models gives it."""
    import orjson

    model = orjson.loads(text)
    model.pop("reporting", None)
    model.pop("data_quality", None)
    for unit in model["units"]:
        unit.pop("report_late")
        unit.pop("report_days_late")
    return orjson.dumps(model, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2).decode()


def _without_files(text: str) -> str:
    """The model's text with the file names of its 报送情况 blanked, the rest byte for byte."""
    import orjson

    model = orjson.loads(text)
    for county in (model.get("reporting") or {}).get("counties", []):
        assert set(county) >= {"files", "received_at", "status"}
        county["files"] = "…"
    again = orjson.dumps(model, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2).decode()
    if not model.get("reporting"):
        assert again == text  # the same serialisation: nothing else is changed by this
    return again


def read_problems(problems: list[Problem]) -> list[Problem]:
    """The problems of reading the ledgers: files saved into the folder by hand have no
    receipt time (W-RECEIPT-MISSING), which is not what these tests are about."""
    return [p for p in problems if p.code != "W-RECEIPT-MISSING"]


def _clear_ledgers(project: Project) -> None:
    for period in PERIOD_NAMES:
        for old in (project.root / "data" / period).glob("enterprises.*"):
            old.unlink()


def _by_county(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    jia = [r for r in rows if r["unit"].startswith("9901")]
    yi = [r for r in rows if r["unit"].startswith("9902")]
    return jia, yi


def split_xlsx_and_gb18030_csv(project: Project) -> None:
    """甲县 as an XLSX whose ledger is the second sheet, renamed, under a title and above a
    total and a note; 乙区 as a GB18030 CSV; neither named enterprises."""
    from openpyxl import load_workbook

    _clear_ledgers(project)
    for period in PERIOD_NAMES:
        jia, yi = _by_county(PERIODS[period]["enterprises"])
        folder = project.root / "data" / period
        employees = sum(int(r["employees"]) for r in jia)
        path = write_roster(
            folder / "甲县 台账 final(2).XLSX",
            "enterprises",
            jia,
            above=[[f"{period}企业建会台账"], []],
            below=[[], ["合计", "", "", "", "", "", employees], ["填表人：周敏"]],
        )
        wb = load_workbook(path)
        wb.active.title = "甲县"
        notes = wb.create_sheet("填报说明", 0)
        notes.append(["请按模板填写，信用代码列为文本格式。"])
        wb.save(path)
        write_roster(folder / "乙区报送.csv", "enterprises", yi, encoding="gb18030")


def split_libreoffice(project: Project) -> None:
    """甲县 as LibreOffice .xls, 乙区 as LibreOffice .ods (files made by that program)."""
    _clear_ledgers(project)
    for period in PERIOD_NAMES:
        for source in (FILES / period).iterdir():
            shutil.copy(source, project.root / "data" / period / source.name)


def one_file_several_counties(project: Project) -> None:
    """One workbook holding both counties, its rows in an order unlike the single file's."""
    _clear_ledgers(project)
    for period in PERIOD_NAMES:
        rows = list(reversed(PERIODS[period]["enterprises"]))
        write_roster(project.root / "data" / period / "全市汇总.xlsx", "enterprises", rows)


@pytest.mark.parametrize(
    "split", [split_xlsx_and_gb18030_csv, split_libreoffice, one_file_several_counties]
)
def test_a_split_period_gives_the_single_file_bulletin_byte_for_byte(
    single_models: dict[str, str], tmp_path: Path, split: object
) -> None:
    expected = single_models
    project = Project(tmp_path / "split")
    split(project)  # type: ignore[operator]
    result = check_project(project.root)
    assert not read_problems(result.problems.items), result.problems.items
    assert models(project.root) == expected


def test_rows_keep_their_own_file_and_row(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    split_libreoffice(project)
    data = load_project(project.root)
    frame = read_snapshot(data, data.periods[-1]).enterprises
    places = sorted(zip(frame["_file"], frame["_row"], frame["name"], strict=True))
    assert places == [
        ("data/2026-10/乙区-台账（报市总）.ods", 2, "南街物流有限公司"),
        ("data/2026-10/甲县企业建会台账.xls", 4, "东方机械有限公司"),
        ("data/2026-10/甲县企业建会台账.xls", 5, "西城商贸有限公司"),
        ("data/2026-10/甲县企业建会台账.xls", 6, "县直电子有限公司"),
    ]


# --- each way it goes wrong -------------------------------------------------------------------


def _problems(root: Path, code: str) -> list[Problem]:
    return [p for p in check_project(root).problems if p.code == code]


def _county_files(project: Project, period: str = "2026-10") -> Path:
    _clear_ledgers(project)
    for p in PERIOD_NAMES:
        jia, yi = _by_county(PERIODS[p]["enterprises"])
        write_roster(project.root / "data" / p / "甲县.xlsx", "enterprises", jia)
        write_roster(project.root / "data" / p / "乙区.xlsx", "enterprises", yi)
    return project.root / "data" / period


def test_a_county_forgotten_is_an_error_naming_it(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    folder = _county_files(project)
    (folder / "乙区.xlsx").unlink()
    found = _problems(project.root, "E-COUNTY-NOT-REPORTED")
    assert [(p.county, p.county_name, p.file, p.severity) for p in found] == [
        ("990200", "乙区", "data/2026-10/", "error")
    ]
    assert "乙区" in found[0].message and "2026-10" in found[0].message
    # that one error says it: 乙区's enterprises of September are not each listed as missing
    missing = _problems(project.root, "W-ENT-MISSING")
    assert not [p for p in missing if p.county == "990200"]


def test_unreported_previous_carries_the_county_and_says_so(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    folder = _county_files(project)
    (folder / "乙区.xlsx").unlink()
    (project.root / "bulletin.yml").write_text(CONFIG + "unreported: previous\n", "utf-8")
    result = check_project(project.root)
    assert not result.errors, result.errors
    carried = [p for p in result.problems if p.code == "W-COUNTY-CARRIED"]
    assert [(p.county_name, p.file) for p in carried] == [("乙区", "data/2026-10/")]
    assert "2026-09" in carried[0].message
    data = load_project(project.root)
    snapshot = read_snapshot(data, data.periods[-1])
    assert {str(k): str(v) for k, v in snapshot.carried.items()} == {"990200": "2026-09"}
    # 乙区's enterprise of September is counted in October.
    assert "南街物流有限公司" in set(snapshot.enterprises["name"])


def test_last_months_file_beside_this_months_names_both(tmp_path: Path) -> None:
    """The stale file of the issue: both read, every enterprise twice, each named twice."""
    project = Project(tmp_path / "p")
    folder = _county_files(project)
    shutil.copy(project.root / "data" / "2026-09" / "甲县.xlsx", folder / "甲县（9月）.xlsx")
    found = _problems(project.root, "E-DUPLICATE")
    assert found
    places = {(p.file, p.row) for p in found}
    assert ("data/2026-10/甲县.xlsx", 2) in places
    assert ("data/2026-10/甲县（9月）.xlsx", 2) in places
    first = next(p for p in found if p.file == "data/2026-10/甲县.xlsx" and p.row == 2)
    assert "data/2026-10/甲县（9月）.xlsx 第 2 行" in first.message
    assert first.county_name == "甲县"


def test_a_file_with_no_ledger_names_the_file_and_its_sheets(tmp_path: Path) -> None:
    from openpyxl import Workbook

    project = Project(tmp_path / "p")
    folder = _county_files(project)
    wb = Workbook()
    wb.active.title = "工作总结"
    wb.active.append(["本月工作", "已完成"])
    wb.create_sheet("Sheet2")
    wb.save(folder / "甲县工作总结.xlsx")
    (folder / "说明.docx").write_bytes(b"PK\x03\x04")
    result = check_project(project.root)
    found = [p for p in result.problems if p.code == "E-LEDGER-NOT-FOUND"]
    assert [p.file for p in found] == ["data/2026-10/甲县工作总结.xlsx"]
    assert "工作表“工作总结”" in found[0].message and "工作表“Sheet2”" in found[0].message
    ignored = [p for p in result.problems if p.code == "W-FILE-IGNORED"]
    assert [p.file for p in ignored] == ["data/2026-10/说明.docx"]


def test_lock_files_and_other_rosters_are_not_ledgers(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    folder = _county_files(project)
    (folder / "~$甲县.xlsx").write_bytes(b"\x00" * 165)
    (folder / ".~lock.乙区.xlsx#").write_text("x", encoding="utf-8")
    result = check_project(project.root)
    assert not read_problems(result.problems.items), result.problems.items


def _many(n: int, unit: str, start: int = 0) -> list[dict[str, str]]:
    rows = []
    for i in range(start, start + n):
        row = dict(ENTERPRISES[1])
        row["unit"] = unit
        row["uscc"] = uscc(f"91{unit}MB{i:07d}")
        row["name"] = f"{unit}企业{i:03d}"
        rows.append(row)
    return rows


def test_a_county_identical_to_last_month_is_an_error_or_shrunk_is_warned(
    tmp_path: Path,
) -> None:
    project = Project(tmp_path / "p")
    _clear_ledgers(project)
    for p in PERIOD_NAMES:
        write_roster(project.root / "data" / p / "乙区.xlsx", "enterprises", _many(12, "990201"))
    # 甲县: 20 enterprises in September, 15 in October (the paste stopped at a blank row).
    sep = project.root / "data" / "2026-09" / "甲县.xlsx"
    write_roster(sep, "enterprises", _many(20, "990101"))
    octo = project.root / "data" / "2026-10" / "甲县.xlsx"
    write_roster(octo, "enterprises", _many(15, "990101"))
    result = check_project(project.root)
    unchanged = [p for p in result.problems if p.code == "E-LEDGER-STALE"]
    assert [(p.county_name, p.file) for p in unchanged] == [("乙区", "data/2026-10/乙区.xlsx")]
    assert "2026-09" in unchanged[0].message and unchanged[0].is_error
    shrank = [p for p in result.problems if p.code == "W-COUNTY-SHRANK"]
    assert [(p.county_name, p.file, p.value) for p in shrank] == [
        ("甲县", "data/2026-10/甲县.xlsx", "15")
    ]
    assert "20" in shrank[0].message
    # The five missing enterprises are still listed one by one, under 甲县.
    missing = [p for p in result.problems if p.code == "W-ENT-MISSING"]
    assert len(missing) == 5 and {p.county_name for p in missing} == {"甲县"}
    assert {p.file for p in missing} == {"data/2026-10/甲县.xlsx"}


def test_an_unchanged_county_beside_a_changed_one_is_named(tmp_path: Path) -> None:
    """甲县's file is put back unchanged while 乙区's, read after it, changed: the bits of
    甲县's yes/no and date columns share bytes with 乙区's first rows, which must not hide
    that 甲县's rows are last month's."""
    project = Project(tmp_path / "p")
    _clear_ledgers(project)
    joined = {k: ENTERPRISES[0][k] for k in ENTERPRISES[0] if k not in ("uscc", "name", "unit")}
    for p in PERIOD_NAMES:
        write_roster(project.root / "data" / p / "1甲县.xlsx", "enterprises", _many(12, "990101"))
    sep = project.root / "data" / "2026-09" / "2乙区.xlsx"
    write_roster(sep, "enterprises", _many(12, "990201"))
    octo = project.root / "data" / "2026-10" / "2乙区.xlsx"
    write_roster(octo, "enterprises", [{**r, **joined} for r in _many(12, "990201")])
    result = check_project(project.root)
    unchanged = [p for p in result.problems if p.code == "E-LEDGER-STALE"]
    assert [(p.county_name, p.file) for p in unchanged] == [("甲县", "data/2026-10/1甲县.xlsx")]


def test_a_file_level_problem_goes_to_the_county_of_the_file(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    folder = _county_files(project)
    jia, _yi = _by_county(PERIODS["2026-10"]["enterprises"])
    headers = [c for c in jia[0] if c != "employees"]
    write_roster(folder / "甲县.xlsx", "enterprises", jia, headers=None)
    from openpyxl import load_workbook

    wb = load_workbook(folder / "甲县.xlsx")
    wb.active.delete_cols(7)  # 职工人数
    wb.save(folder / "甲县.xlsx")
    assert headers
    found = _problems(project.root, "E-COLUMN-MISSING")
    assert [(p.file, p.county_name) for p in found] == [("data/2026-10/甲县.xlsx", "甲县")]


# --- period folder names (exactly YYYY-MM or YYYY-Qn in ASCII) ---------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [("２０２６-10", "２０２６-10"), ("2026-10\n", "2026-10\\n"), ("2026 -10", "2026 -10")],
)
def test_a_period_folder_almost_named_right_is_an_error_naming_it(
    tmp_path: Path, name: str, shown: str
) -> None:
    project = Project(tmp_path / "p")
    shutil.copytree(project.root / "data" / "2026-10", project.root / "data" / name)
    result = check_project(project.root)
    assert [str(p) for p in result.periods] == ["2026-09", "2026-10"]  # not read twice
    found = [p for p in result.problems if p.code == "E-PERIOD-NAME"]
    assert len(found) == 1 and found[0].severity == "error"
    assert f"“{shown}”" in found[0].message


def test_a_folder_that_is_no_period_is_still_only_a_warning(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    (project.root / "data" / "旧文件").mkdir()
    codes = {p.code for p in read_problems(check_project(project.root).problems.items)}
    assert codes == {"W-FOLDER-IGNORED"}


# --- problem lists per county ------------------------------------------------------------------


def test_each_county_gets_its_own_problem_list_in_its_own_rows(tmp_path: Path) -> None:
    """Opened in Excel, a county's list names rows of the county's own file, with the name and
    code of the enterprise there; the city's own files are in the 全市 list."""
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from generator.cli import cli

    project = Project(tmp_path / "p")
    folder = _county_files(project)
    jia = _many(6, "990101")
    jia[2]["employees"] = "很多"  # row 4 of 甲县's file
    jia[4]["unionized"] = "也许"  # row 6
    write_roster(folder / "甲县.xlsx", "enterprises", jia, above=[["甲县 2026年10月台账"]])
    yi = _many(2, "990201")
    yi[1]["employees"] = "-3"  # row 3 of 乙区's file
    write_roster(folder / "乙区.xlsx", "enterprises", yi)
    targets = project.root / "data" / "targets.csv"
    targets.write_text(
        targets.read_text(encoding="utf-8-sig").replace("300", "三百"), encoding="utf-8-sig"
    )
    result = CliRunner().invoke(cli, ["check", str(project.root)])
    assert result.exit_code == 1, result.output
    lists = project.root / "problems" / "2026-10"
    names = sorted(p.name for p in lists.iterdir())
    assert names == ["990100-甲县-问题清单.xlsx", "990200-乙区-问题清单.xlsx", "全市-问题清单.xlsx"]
    assert "990100-甲县-问题清单.xlsx" in result.output.replace("\n", "")

    def listed(name: str) -> list[dict[str, object]]:
        ws = load_workbook(lists / name, read_only=True).active
        rows = list(ws.iter_rows(values_only=True))
        return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]

    jia_list = [r for r in listed("990100-甲县-问题清单.xlsx") if r["问题代码"] != "W-ENT-MISSING"]
    assert {(r["文件"], r["行号"], r["问题代码"]) for r in jia_list} == {
        ("甲县.xlsx", 5, "E-INT"),
        ("甲县.xlsx", 7, "E-BOOL"),
    }
    yi_list = listed("990200-乙区-问题清单.xlsx")
    # 南街物流 of September is missing from October: named with its code, not a row.
    missing = [r for r in yi_list if r["问题代码"] == "W-ENT-MISSING"]
    assert [(r["行号"], r["企业名称"]) for r in missing] == [(None, "南街物流有限公司")]
    yi_list = [r for r in yi_list if r not in missing]
    assert [(r["文件"], r["行号"]) for r in yi_list] == [("乙区.xlsx", 3)]
    # The rows named exist in the county's own file, holding the enterprise the list names.
    for file, named in (("甲县.xlsx", jia_list), ("乙区.xlsx", yi_list)):
        sheet = load_workbook(folder / file, read_only=True).active
        cells = dict(enumerate(sheet.iter_rows(values_only=True), start=1))
        for r in named:
            row = cells[int(str(r["行号"]))]
            assert (row[0], row[1]) == (r["统一社会信用代码"], r["企业名称"]), r
            assert str(r["企业名称"]).startswith(("990101企业", "990201企业"))
    city = listed("全市-问题清单.xlsx")
    # the office's list: its own files, and the ledgers it saved by hand without a receipt time
    assert {r["文件"] for r in city if r["问题代码"] != "W-RECEIPT-MISSING"} == {"targets.csv"}
    receipts = {r["文件"] for r in city if r["问题代码"] == "W-RECEIPT-MISSING"}
    assert receipts == {"甲县.xlsx", "乙区.xlsx"}


# --- bulletin intake ---------------------------------------------------------------------------


def test_intake_files_each_county_and_keeps_the_replaced_file(
    single_models: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime, tzinfo
    from zoneinfo import ZoneInfo

    from click.testing import CliRunner

    import generator.common.record
    from generator.cli import cli
    from generator.common.periods import Period
    from generator.common.record import read_received
    from generator.office.intake import intake

    class November(datetime):
        """The office files October's workbooks on 3 November (before the deadline)."""

        @classmethod
        def now(cls, tz: tzinfo | None = None) -> November:  # type: ignore[override]
            beijing = cls(2026, 11, 3, 10, 15, tzinfo=ZoneInfo("Asia/Shanghai"))
            return beijing.astimezone(tz) if tz else beijing.replace(tzinfo=None)

    # the office's clock: intake asks the record for now on the project's clock
    monkeypatch.setattr(generator.common.record, "datetime", November)

    project = Project(tmp_path / "p")
    _clear_ledgers(project)
    inbox = tmp_path / "下载"
    # September as it came: LibreOffice files, named as the counties named them.
    sep = [
        FILES / "2026-09" / name for name in sorted(p.name for p in (FILES / "2026-09").iterdir())
    ]
    result = intake(project.root, Period.parse("2026-09"), sep, now=datetime(2026, 10, 4, 9, 30))
    assert [f.stored for f in result.filed] == [
        "data/2026-09/990200-乙区.ods",
        "data/2026-09/990100-甲县.xls",
    ]
    received = read_received(project.root / "data" / "2026-09")
    # on Beijing time, the project's clock, whatever the computer's
    assert received["990100-甲县.xls"]["received_at"] == "2026-10-04 09:30:00"
    assert received["990100-甲县.xls"]["source"] == "甲县企业建会台账.xls"
    # The stored file is the county's, unmodified.
    assert (project.root / "data" / "2026-09" / "990100-甲县.xls").read_bytes() == (
        FILES / "2026-09" / "甲县企业建会台账.xls"
    ).read_bytes()

    # October: 甲县 first sends a wrong file, then the corrected one; 乙区 sends a CSV.
    jia, yi = _by_county(PERIODS["2026-10"]["enterprises"])
    wrong = [dict(r) for r in jia]
    wrong[0]["employees"] = "很多"
    write_roster(inbox / "甲县10月.xlsx", "enterprises", wrong)
    write_roster(inbox / "乙区10月.csv", "enterprises", yi)
    runner = CliRunner()
    args = ["intake", "2026-10", str(inbox / "甲县10月.xlsx"), str(inbox / "乙区10月.csv")]
    out = runner.invoke(cli, [*args, "-C", str(project.root)])
    assert out.exit_code == 1, out.output
    assert "已收取 甲县10月.xlsx（甲县，3 行）→ data/2026-10/990100-甲县.xlsx" in out.output
    assert "甲县：990100-甲县.xlsx，3 行，错误 1 个" in out.output
    assert "乙区：990200-乙区.csv，1 行，错误 0 个" in out.output
    assert (project.root / "problems" / "2026-10" / "990100-甲县-问题清单.xlsx").is_file()

    write_roster(inbox / "甲县10月（改）.xlsx", "enterprises", jia)
    out = runner.invoke(
        cli, ["intake", "2026-10", str(inbox / "甲县10月（改）.xlsx"), "-C", str(project.root)]
    )
    assert out.exit_code == 0, out.output
    assert "甲县：990100-甲县.xlsx，3 行，错误 0 个" in out.output
    aside = list((project.root / "data" / "2026-10" / ".replaced").iterdir())
    assert len(aside) == 1 and aside[0].name.endswith("-990100-甲县.xlsx")
    assert "原有文件已移到 data/2026-10/.replaced/" in out.output
    # The period is the single-file period's: the same bulletin.
    assert not check_project(project.root).errors
    assert received_models(project.root) == {
        name: received_models_text(text) for name, text in single_models.items()
    }
    # Both counties on time in both months: no criticism for it.
    gathered = gather(project.root, BuildOptions())
    reporting = gathered.bulletins["internal"][-1].reporting
    assert reporting is not None and reporting.recorded
    # 甲县's second file is a correction, listed, not lateness
    assert [(c.name, c.status, c.received_at) for c in reporting.counties] == [
        ("甲县", "按时报送，更正1次", "2026-11-03 10:15:00"),
        ("乙区", "按时报送", "2026-11-03 10:15:00"),
    ]


def test_intake_refuses_a_file_it_cannot_place(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.cli import cli

    project = Project(tmp_path / "p")
    stray = tmp_path / "总结.csv"
    stray.write_text("本月工作,情况\n走访,10家\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["intake", "2026-10", str(stray), "-C", str(project.root)])
    assert out.exit_code == 1
    assert "未收取 总结.csv：文件中没有企业建会台账" in out.output
    assert not (project.root / "data" / "2026-10" / "总结.csv").exists()


# --- rosters kept as folders, data/<roster>/ ---------------------------------------------------


def _volunteers_by_county(project: Project) -> Path:
    from conftest import VOLUNTEERS

    (project.root / "data" / "volunteers.csv").unlink()
    folder = project.root / "data" / "volunteers"
    write_roster(folder / "990100-甲县.xlsx", "volunteers", [VOLUNTEERS[0]])
    write_roster(folder / "990200-乙区.csv", "volunteers", [VOLUNTEERS[1]], encoding="gb18030")
    return folder


def test_a_roster_folder_gives_the_single_file_bulletin(
    single_models: dict[str, str], tmp_path: Path
) -> None:
    expected = single_models
    project = Project(tmp_path / "p")
    _volunteers_by_county(project)
    result = check_project(project.root)
    assert not read_problems(result.problems.items), result.problems.items
    assert models(project.root) == expected


def test_a_roster_both_file_and_folder_is_an_error(tmp_path: Path) -> None:
    from conftest import VOLUNTEERS

    project = Project(tmp_path / "p")
    _volunteers_by_county(project)
    write_roster(project.root / "data" / "volunteers.csv", "volunteers", VOLUNTEERS)
    found = _problems(project.root, "E-FILE-BOTH")
    assert [(p.file, p.severity) for p in found] == [("data/volunteers.csv", "error")]
    assert "data/volunteers/" in found[0].message


def test_a_volunteer_number_twice_in_one_county_across_files_names_both(tmp_path: Path) -> None:
    from conftest import VOLUNTEERS

    project = Project(tmp_path / "p")
    folder = _volunteers_by_county(project)
    again = dict(VOLUNTEERS[0], name="王五", unit="990102")  # 西镇, also 甲县, same 编号
    write_roster(folder / "990100-甲县（补）.xlsx", "volunteers", [again])
    found = _problems(project.root, "E-DUPLICATE")
    assert {(p.file, p.row) for p in found} == {
        ("data/volunteers/990100-甲县.xlsx", 2),
        ("data/volunteers/990100-甲县（补）.xlsx", 2),
    }
    assert all("990100-甲县（补）.xlsx 第 2 行" in p.message for p in found)
    assert {p.county_name for p in found} == {"甲县"}


def test_intake_files_the_roster_sheets_of_a_returned_workbook(
    single_models: dict[str, str], tmp_path: Path
) -> None:
    """A returned collection workbook: its ledger sheet goes to the period, its volunteer
    sheet to data/volunteers/<county>.xlsx, and the build reads the same volunteers."""
    from datetime import datetime

    from conftest import VOLUNTEERS
    from openpyxl import load_workbook

    from generator.common.periods import Period
    from generator.office.intake import intake

    expected = single_models
    project = Project(tmp_path / "p")
    folder = _volunteers_by_county(project)
    (folder / "990100-甲县.xlsx").unlink()
    jia, _yi = _by_county(PERIODS["2026-10"]["enterprises"])
    returned = write_roster(tmp_path / "甲县10月报表.xlsx", "enterprises", jia)
    staff = write_roster(tmp_path / "v.xlsx", "volunteers", [VOLUNTEERS[0]], above=[["志愿者名册"]])
    wb = load_workbook(returned)
    source = load_workbook(staff).active
    sheet = wb.create_sheet("工会工作志愿者")
    for row in source.iter_rows(values_only=True):
        sheet.append(list(row))
    wb.create_sheet("工人先锋号").append(["班组名称", "所在企业", "所属单位代码", "级别", "状态"])
    wb.save(returned)
    (project.root / "data" / "2026-10" / "enterprises.csv").unlink()
    write_roster(project.root / "data" / "2026-10" / "乙区.csv", "enterprises", _yi)
    result = intake(project.root, Period.parse("2026-10"), [returned], now=datetime(2026, 11, 3))
    # The empty 工人先锋号 sheet of the template files nothing.
    assert result.filed[0].rosters == ["工会工作志愿者名册 1 行 → data/volunteers/990100-甲县.xlsx"]
    assert not read_problems(check_project(project.root).problems.items)
    assert received_models(project.root) == {
        name: received_models_text(text) for name, text in expected.items()
    }


@pytest.mark.parametrize("empty", [True, False])
def test_a_new_projects_empty_roster_file_becomes_a_folder(tmp_path: Path, empty: bool) -> None:
    """`bulletin init` starts volunteers as one CSV with its header only: the first returned
    workbook with volunteers turns it into the folder they are filed in. A file with rows is
    the office's own list and stays; the sheet is then not filed, and the note says why."""
    from datetime import datetime

    from conftest import VOLUNTEERS
    from openpyxl import load_workbook

    from generator.common.periods import Period
    from generator.office.intake import intake

    project = Project(tmp_path / "p")
    single = project.root / "data" / "volunteers.csv"
    kept = [] if empty else [VOLUNTEERS[1]]
    write_roster(single, "volunteers", kept)
    jia, _yi = _by_county(PERIODS["2026-10"]["enterprises"])
    returned = write_roster(tmp_path / "甲县10月报表.xlsx", "enterprises", jia)
    staff = write_roster(tmp_path / "v.xlsx", "volunteers", [VOLUNTEERS[0]])
    wb = load_workbook(returned)
    sheet = wb.create_sheet("工会工作志愿者")
    for row in load_workbook(staff).active.iter_rows(values_only=True):
        sheet.append(list(row))
    wb.save(returned)
    result = intake(project.root, Period.parse("2026-10"), [returned], now=datetime(2026, 11, 3))
    notes = result.filed[0].rosters
    if empty:
        assert not single.exists()
        assert (project.root / "data/volunteers/.replaced/20261103-000000-volunteers.csv").is_file()
        assert notes == [
            "名册 data/volunteers.csv 没有数据，改为按县市区分文件存放的目录 data/volunteers/"
            "（原文件移到 data/volunteers/.replaced/20261103-000000-volunteers.csv）",
            "工会工作志愿者名册 1 行 → data/volunteers/990100-甲县.xlsx",
        ]
        filed = load_workbook(project.root / "data/volunteers/990100-甲县.xlsx").active
        assert [c.value for c in filed[2]][:2] == [VOLUNTEERS[0]["id"], VOLUNTEERS[0]["name"]]
    else:
        assert single.is_file() and not (project.root / "data" / "volunteers").exists()
        assert len(notes) == 1 and notes[0].startswith(
            "工作表“工会工作志愿者”（工会工作志愿者名册，1 行）未归档"
        )
    codes = {p.code for p in check_project(project.root).problems.items}
    assert "E-FILE-AND-FOLDER" not in codes


# --- 报送情况 -------------------------------------------------------------------------------------


def test_the_report_deadline_is_in_the_month_after_the_period() -> None:
    from datetime import date

    from generator.common.periods import Period
    from generator.common.record import report_deadline

    assert report_deadline(Period.parse("2026-10"), 5) == date(2026, 11, 5)
    assert report_deadline(Period.parse("2026-12"), 5) == date(2027, 1, 5)
    assert report_deadline(Period.parse("2026-Q3"), 10) == date(2026, 10, 10)


def test_check_shows_who_reported_when(tmp_path: Path) -> None:
    from datetime import datetime

    from click.testing import CliRunner

    from generator.cli import cli
    from generator.common.periods import Period
    from generator.office.intake import intake

    project = Project(tmp_path / "p")
    folder = _county_files(project)
    (folder / "甲县.xlsx").rename(tmp_path / "甲县.xlsx")
    # 甲县 through intake two days after the deadline (5 November); 乙区 saved by hand.
    intake(
        project.root, Period.parse("2026-10"), [tmp_path / "甲县.xlsx"], datetime(2026, 11, 7, 16)
    )
    result = check_project(project.root, Period.parse("2026-10"))
    status = {r.name: (r.files, r.status) for r in result.reporting}
    assert status == {
        "甲县": (["甲县.xlsx"], "逾期2天"),  # the name it came under
        "乙区": (["乙区.xlsx"], "收到时间不详"),
    }
    out = CliRunner().invoke(cli, ["check", str(project.root), "--period", "2026-10"])
    assert "报送情况（2026-10，截止 11月5日）" in out.output
    assert "逾期2天" in out.output
    # A county without rows is 未报送 (and an error).
    (folder / "乙区.xlsx").unlink()
    result = check_project(project.root, Period.parse("2026-10"))
    assert {r.name: r.status for r in result.reporting}["乙区"] == "未报送"


def _received(project: Project, tmp_path: Path, times: dict[str, object]) -> Path:
    """October's county files, each filed through intake at its time."""
    from generator.common.periods import Period
    from generator.office.intake import intake

    folder = _county_files(project)
    for county, when in times.items():
        moved = (folder / f"{county}.xlsx").rename(tmp_path / f"{county}.xlsx")
        intake(project.root, Period.parse("2026-10"), [moved], when)  # type: ignore[arg-type]
    return folder


@pytest.mark.slow
def test_a_county_filed_after_the_deadline_is_criticised_for_it(tmp_path: Path) -> None:
    """甲县 filed on 8 November, three days after the deadline (5 November); 乙区 on the 4th.

    Both are behind schedule (criticised for that by the default rules, reasons worked out by
    hand: 甲县 1 new union of 10, 10.0% at 10/12 of the year -> 12.0%; 乙区 0 of 8); only 甲县's
    reason says it reported late, in bulletin.json and in the PDF."""
    import json
    from datetime import datetime

    from pdf_reading import page_texts

    from generator.build import build

    project = Project(tmp_path / "p")
    _received(
        project, tmp_path, {"甲县": datetime(2026, 11, 8, 9), "乙区": datetime(2026, 11, 4, 17, 5)}
    )
    out = tmp_path / "site"
    build(project.root, BuildOptions(out=out, site=False, jobs=1))

    def model(audience: str) -> dict[str, object]:
        path = out / audience / "data" / "2026-10" / "bulletin.json"
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    internal = model("internal")
    units = {u["name"]: u for u in internal["units"]}  # type: ignore[attr-defined]
    reasons = {
        name: [j["reason"] for j in units[name]["judgments"] if j["kind"] == "criticize"]
        for name in ("甲县", "乙区")
    }
    assert reasons == {
        "甲县": [
            "本年新建会1家（年度目标10家），序时进度完成率12.0%（低于60.0%），本期台账逾期3天报送"
        ],
        "乙区": ["本年尚未新建会，序时进度完成率0.0%（低于60.0%）"],
    }
    assert (units["甲县"]["report_late"], units["甲县"]["report_days_late"]) == (True, 3)
    assert (units["乙区"]["report_late"], units["乙区"]["report_days_late"]) == (False, 0)
    assert units["测试市"]["report_late"] is None
    reporting = internal["reporting"]
    assert reporting["deadline"] == "2026-11-05" and reporting["recorded"] is True  # type: ignore[index]
    assert [
        (c["name"], c["status"], c["files"])
        for c in reporting["counties"]  # type: ignore[index]
    ] == [
        # the names the counties sent them under, not the stored 990100-甲县.xlsx
        ("甲县", "逾期3天", [{"file": "甲县.xlsx", "received_at": "2026-11-08 09:00:00"}]),
        ("乙区", "按时报送", [{"file": "乙区.xlsx", "received_at": "2026-11-04 17:05:00"}]),
    ]
    # The public is told who was late, not the office's file names or times.
    public = model("public")["reporting"]
    assert [(c["name"], c["status"], c["files"], c["received_at"]) for c in public["counties"]] == [  # type: ignore[index]
        ("甲县", "逾期3天", [], None),
        ("乙区", "按时报送", [], None),
    ]

    def text(audience: str) -> str:
        pdf = out / audience / "pdf" / "2026-10" / "bulletin.pdf"
        return "".join("".join(page.split()) for page in page_texts(pdf))

    pdf = text("internal")
    # each criticism with its rectification date (unsigned here: counted from the signing)
    dated = "请于成文日期后第10个工作日前整改到位。"
    assert "序时进度完成率12.0%（低于60.0%），本期台账逾期3天报送。" + dated in pdf
    assert "（二）乙区。本年尚未新建会，序时进度完成率0.0%（低于60.0%）。" + dated in pdf
    assert "报送情况" in pdf
    assert "各县市区应于2026年11月5日前报送本期企业建会台账。" in pdf
    assert "按时报送的1个县市区；逾期报送的：甲县（逾期3天）。" in pdf
    assert "甲县.xlsx11月8日09:00" in pdf and "990100-甲县.xlsx" not in pdf
    pages = page_texts(out / "internal" / "pdf" / "2026-10" / "units" / "990100.pdf")
    report = "".join("".join(page.split()) for page in pages)
    assert "报送情况：本期台账应于2026年11月5日前报送，逾期3天。" in report
    public_pdf = text("public")
    assert "按时报送的1个县市区；逾期报送的：甲县（逾期3天）。" in public_pdf
    assert "甲县.xlsx" not in public_pdf and "逾期3天报送" not in public_pdf


def test_without_receipt_times_nobody_is_late_and_the_bulletin_says_nothing_of_it(
    tmp_path: Path,
) -> None:
    """Files saved into the folder by hand: no receipt time, so no county is judged late
    (its file's modification time is not a receipt), and the bulletin draws no conclusion."""
    import os

    project = Project(tmp_path / "p")
    folder = _county_files(project)
    late = datetime_of(2026, 12, 20).timestamp()
    for path in folder.iterdir():
        os.utime(path, (late, late))  # modified long after the deadline: not a receipt
    bulletin = gather(project.root, BuildOptions()).bulletins["internal"][-1]
    reporting = bulletin.reporting
    assert reporting is not None and not reporting.recorded
    assert [(c.name, c.state, c.status) for c in reporting.counties] == [
        ("甲县", "unknown", "收到时间不详"),
        ("乙区", "unknown", "收到时间不详"),
    ]
    assert all(not any("报送" in j.reason for j in u.judgments) for u in bulletin.units)
    assert all(u.report_late is None for u in bulletin.units)

    from generator.common.config import load_config
    from generator.render.document.records import reporting_section
    from generator.render.document.wording import Wording

    section = reporting_section(bulletin, Wording(load_config(project.root).root))
    assert section is not None
    first = section[1][0]["c"][0]["text"]
    # The office's own gap is not printed in the signed document (3.9): check tells the office.
    # Both counties' files are in: that they sent is said, with no word on time.
    assert (
        first
        == "各县市区应于2026年11月5日前报送本期企业建会台账。截至本通报成文之日，各县市区均已报送。"
    )


def datetime_of(year: int, month: int, day: int) -> object:
    from datetime import datetime

    return datetime(year, month, day)


def test_a_county_carried_from_last_month_is_criticised_as_not_reported(tmp_path: Path) -> None:
    """unreported: previous: 乙区 sent nothing in October and its September rows are used; it
    is criticised for not reporting, 甲县 (on time) is not."""
    from datetime import datetime

    project = Project(tmp_path / "p")
    (project.root / "bulletin.yml").write_text(CONFIG + "unreported: previous\n", "utf-8")
    folder = _received(project, tmp_path, {"甲县": datetime(2026, 11, 2, 10)})
    (folder / "乙区.xlsx").unlink()
    bulletin = gather(project.root, BuildOptions()).bulletins["internal"][-1]
    assert bulletin.reporting is not None
    assert [(c.name, c.status, c.carried_from) for c in bulletin.reporting.counties] == [
        ("甲县", "按时报送", None),
        ("乙区", "未按时报送（沿用上期数据）", "2026-09"),
    ]
    reasons = {u.name: [j.reason for j in u.judgments] for u in bulletin.units}
    assert reasons["乙区"] == [
        "本年尚未新建会，序时进度完成率0.0%（低于60.0%），本期台账未按时报送（沿用上期数据）"
    ]
    assert not any("报送" in r for r in reasons["甲县"])
    # 乙区's townships are last month's figures too: their pages and reports say so.
    carried = bulletin.reporting_of("990201")
    assert carried is not None and carried.name == "乙区"
    assert bulletin.reporting_of("990101") is None  # 甲县 on time: its township says nothing


# --- 志愿者考核: the sheet of the returned workbook, matched per county ---------------------------

#: Both counties number their volunteers from 001 (CONTRACT 1.1).
COUNTY_VOLUNTEERS = [
    {"id": "001", "name": "张三", "unit": "990101", "hired_on": "2025-03-01"},  # 甲县 东镇
    {"id": "002", "name": "王五", "unit": "990102", "hired_on": "2025-03-01"},  # 甲县 西镇
    {"id": "001", "name": "李四", "unit": "990201", "hired_on": "2025-04-01"},  # 乙区 南街道
]


def _add_sheet(path: Path, title: str, name: str, rows: list[dict[str, str]]) -> None:
    """A roster's sheet added to a workbook, as a county fills the collection template's."""
    from conftest import roster_headers
    from openpyxl import load_workbook

    from generator.rosters.specs import ROSTERS

    wb = load_workbook(path)
    sheet = wb.create_sheet(title)
    sheet.append(roster_headers(name))
    for row in rows:
        sheet.append([row.get(c.name) or None for c in ROSTERS[name].columns])
    wb.save(path)


def _review_project(tmp_path: Path) -> tuple[Project, Path]:
    """October as two county workbooks, each with its 志愿者考核 sheet; no reviews file."""
    project = Project(tmp_path / "p")
    project.write("volunteers", COUNTY_VOLUNTEERS)
    folder = _county_files(project)
    for old in folder.glob("volunteer_reviews.*"):
        old.unlink()
    _add_sheet(
        folder / "甲县.xlsx",
        "志愿者考核",
        "volunteer_reviews",
        [
            {"volunteer": "001", "reports": "4", "score": "95", "grade": "优秀"},
            {"volunteer": "002", "reports": "1", "score": "62", "grade": "基本称职"},
        ],
    )
    _add_sheet(
        folder / "乙区.xlsx",
        "志愿者考核",
        "volunteer_reviews",
        [{"volunteer": "001", "reports": "3", "score": "80", "grade": "称职"}],
    )
    return project, folder


def test_each_countys_review_lands_on_its_own_volunteer_001(tmp_path: Path) -> None:
    """甲县 and 乙区 both have a volunteer 001. Worked by hand: 甲县 reviewed 2 (001 优秀,
    002 基本称职): 1 of 2 优秀/称职, 50%; 乙区 1 (001 称职): 100%; the city 2 of 3."""
    project, _folder = _review_project(tmp_path)
    assert not read_problems(check_project(project.root).problems.items)
    bulletin = gather(project.root, BuildOptions()).bulletins["internal"][-1]
    figures = {
        u.name: (u.volunteers_graded, u.volunteers_good, u.volunteer_good_share)
        for u in bulletin.units
        if u.level != "township"
    }
    assert figures == {"测试市": (3, 2, 2 / 3), "甲县": (2, 1, 0.5), "乙区": (1, 1, 1.0)}
    grades = {(v.county, v.id, v.name): (v.grade, v.review_score) for v in bulletin.volunteers}
    assert grades == {
        ("990100", "001", "张三"): ("优秀", 95.0),
        ("990100", "002", "王五"): ("基本称职", 62.0),
        ("990200", "001", "李四"): ("称职", 80.0),
    }


def test_an_unknown_number_names_the_county_its_file_and_row(tmp_path: Path) -> None:
    """乙区 reviews a 002 it does not have (甲县 has one): an error in 乙区's own file and row."""
    from openpyxl import load_workbook as open_book

    project, folder = _review_project(tmp_path)
    wb = open_book(folder / "乙区.xlsx")
    wb["志愿者考核"].append(["002", None, None, "优秀"])
    wb.save(folder / "乙区.xlsx")
    found = _problems(project.root, "E-VOLUNTEER-UNKNOWN")
    assert [(p.file, p.row, p.column, p.value, p.county_name) for p in found] == [
        ("data/2026-10/乙区.xlsx（志愿者考核）", 3, "志愿者编号", "002", "乙区")
    ]
    assert "不在乙区的志愿者名册" in found[0].message
    # 乙区's problem list names its own workbook's sheet and row, and no enterprise (row 3 of
    # its ledger sheet is another row altogether).
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from generator.cli import cli

    assert CliRunner().invoke(cli, ["check", str(project.root)]).exit_code == 1
    ws = load_workbook(project.root / "problems" / "2026-10" / "990200-乙区-问题清单.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    listed = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [(r["文件"], r["行号"], r["问题代码"], r["企业名称"]) for r in listed] == [
        ("乙区.xlsx（志愿者考核）", 3, "E-VOLUNTEER-UNKNOWN", None)
    ]


def test_a_review_given_twice_names_both_places(tmp_path: Path) -> None:
    """甲县's 001 reviewed in its workbook and again in data/2026-10/volunteer_reviews.csv
    (which says whose it is by its unit column): E-DUPLICATE naming both."""
    project, folder = _review_project(tmp_path)
    write_roster(
        folder / "volunteer_reviews.csv",
        "volunteer_reviews",
        [
            {"volunteer": "001", "grade": "称职", "unit": "990101"},  # 甲县's 001 again
            {"volunteer": "001", "grade": "称职", "unit": "990200"},  # 乙区's, once more too
        ],
    )
    found = _problems(project.root, "E-DUPLICATE")
    assert sorted((p.file, p.row, p.county_name) for p in found) == [
        ("data/2026-10/volunteer_reviews.csv", 2, "甲县"),
        ("data/2026-10/volunteer_reviews.csv", 3, "乙区"),
        ("data/2026-10/乙区.xlsx（志愿者考核）", 2, "乙区"),
        ("data/2026-10/甲县.xlsx（志愿者考核）", 2, "甲县"),
    ]
    jia = next(p for p in found if "甲县.xlsx" in p.file)
    assert "volunteer_reviews.csv 第 2 行；data/2026-10/甲县.xlsx（志愿者考核） 第 2 行" in (
        jia.message
    )


def test_a_reviews_file_without_units_cannot_guess_whose_001(tmp_path: Path) -> None:
    """A city-wide reviews file naming 001 without a unit: both counties have one."""
    project, folder = _review_project(tmp_path)
    write_roster(
        folder / "volunteer_reviews.csv",
        "volunteer_reviews",
        [{"volunteer": "001", "grade": "优秀"}],
    )
    found = _problems(project.root, "E-VOLUNTEER-AMBIGUOUS")
    assert [(p.file, p.row, p.value) for p in found] == [
        ("data/2026-10/volunteer_reviews.csv", 2, "001")
    ]
    assert "甲县、乙区" in found[0].message


def test_intake_keeps_the_review_sheet_and_says_so(tmp_path: Path) -> None:
    from datetime import datetime

    from generator.common.periods import Period
    from generator.office.intake import intake

    project, folder = _review_project(tmp_path)
    moved = (folder / "乙区.xlsx").rename(tmp_path / "乙区10月.xlsx")
    result = intake(project.root, Period.parse("2026-10"), [moved], datetime(2026, 11, 3))
    assert result.filed[0].stored == "data/2026-10/990200-乙区.xlsx"
    assert result.filed[0].rosters == [
        "志愿者考核 1 行（工作表“志愿者考核”）：留在本期台账工作簿中，作为本期的志愿者考核读取"
    ]
    bulletin = gather(project.root, BuildOptions()).bulletins["internal"][-1]
    assert bulletin.unit("990200").volunteers_good == 1


def test_intake_points_at_a_file_named_for_another_month(tmp_path: Path) -> None:
    """A county sends its September ledger again for October (戊区-9月.xlsx): intake takes it
    (the office decides) but says the name is of another month; the period's own is quiet."""
    from click.testing import CliRunner

    from generator.cli import cli
    from generator.common.periods import Period
    from generator.office.names import other_month

    project = Project(tmp_path / "p")
    jia, _yi = _by_county([dict(r) for r in PERIODS["2026-10"]["enterprises"]])  # changed below
    old = write_roster(tmp_path / "甲县-9月台账.xlsx", "enterprises", jia)
    args = [
        "intake",
        "2026-10",
        str(old),
        "--received",
        "2026-11-03 10:00",
        "-C",
        str(project.root),
    ]
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, out.output
    assert "注意：文件名写的是9月，收进的是 2026-10 期：请核对是不是报错了月份" in out.output
    jia[0]["employees"] = "121"
    own = write_roster(tmp_path / "甲县2026年10月台账.xlsx", "enterprises", jia)
    out = CliRunner().invoke(cli, ["intake", "2026-10", str(own), "-C", str(project.root)])
    assert out.exit_code == 0, out.output
    assert "已收取 甲县2026年10月台账.xlsx" in out.output and "文件名写的是" not in out.output
    october = Period.parse("2026-10")
    assert [other_month(n, october) for n in ("乙区2026-09.csv", "丙县202609.xls")] == [
        "2026-09",
        "202609",
    ]
    # the period's month (full-width digits too), another year's, none, a count of townships
    assert other_month("甲县　１０月.XLSX", october) == ""
    assert other_month("甲县2025年10月.xlsx", october) == "2025年10月"
    assert other_month("甲县12个乡镇.xlsx", october) == other_month("台账.xlsx", october) == ""
    assert other_month("2026-Q3.xlsx", Period.parse("2026-Q4")) == ""


def test_intake_of_a_folder_says_how_to_take_the_files_in_it(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.cli import cli

    project = Project(tmp_path / "p")
    (tmp_path / "11月台账").mkdir()
    out = CliRunner().invoke(
        cli, ["intake", "2026-10", str(tmp_path / "11月台账"), "-C", str(project.root)]
    )
    assert out.exit_code == 2
    flat = "".join(out.output.split())
    assert "11月台账是目录" in flat and "bulletinintake2026-10" in flat and "11月台账/*" in flat


def test_intake_prints_a_countys_errors_in_row_order_totals_last(tmp_path: Path) -> None:
    """The office reads the first errors to the county on the phone: in the order of its rows,
    a 合计 that does not add up (the consequence of a wrong row) after them; the same file
    again takes nothing in and does not call the county's errors another county's."""
    from click.testing import CliRunner

    from generator.cli import cli

    project = Project(tmp_path / "p")
    jia, _yi = _by_county([dict(r) for r in PERIODS["2026-10"]["enterprises"]])  # changed below
    jia[1]["employees"] = "三十"
    jia[2]["union_date"] = "2026年13月1日"
    path = write_roster(
        tmp_path / "甲县10月台账.xlsx",
        "enterprises",
        jia,
        below=[["合计", "", "", "", "", "", 999]],
    )
    args = ["intake", "2026-10", str(path), "--received", "2026-11-03 10:00"]
    out = CliRunner().invoke(cli, [*args, "-C", str(project.root)])
    assert out.exit_code == 1, out.output
    shown = [line for line in out.output.splitlines() if line.startswith("  错误（")]
    rows = [int(re.search(r"第 (\d+) 行", line)[1]) for line in shown]  # type: ignore[index]
    # header on row 1: jia[1] on row 3, jia[2] on row 4, the 合计 row below them
    assert rows[:2] == [3, 4] and rows[2] > 4 and "合计行" in shown[2], shown
    assert "“三十”" in shown[0] and "2026年13月1日" in shown[1]
    again = CliRunner().invoke(cli, [*args, "-C", str(project.root)])
    assert "未重复收取 甲县10月台账.xlsx" in again.output
    assert "其他县市区和全市另有" not in again.output, again.output


def test_intake_without_its_period_or_its_files_says_which_is_missing(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.cli import cli

    project = Project(tmp_path / "p")
    jia, _yi = _by_county(PERIODS["2026-10"]["enterprises"])
    path = write_roster(tmp_path / "甲县台账.xlsx", "enterprises", jia)
    no_period = CliRunner().invoke(cli, ["intake", str(path), "-C", str(project.root)])
    assert no_period.exit_code == 2
    assert "缺少报告期：第一个参数应是报告期，然后是文件" in no_period.output
    assert f"{path}" in "".join(no_period.output.split())
    no_file = CliRunner().invoke(cli, ["intake", "2026-10", "-C", str(project.root)])
    assert no_file.exit_code == 2
    assert "缺少文件：请在报告期后写县市区报来的台账文件" in no_file.output
    # a refused file taken alone: the project's other errors are not "other counties'"
    bad = tmp_path / "总结.csv"
    bad.write_text("本月工作,情况\n走访,10家\n", encoding="utf-8")
    rows = [dict(r) for r in PERIODS["2026-10"]["enterprises"]]
    rows[0]["employees"] = "很多"
    project.write("enterprises", rows, period="2026-10")
    out = CliRunner().invoke(cli, ["intake", "2026-10", str(bad), "-C", str(project.root)])
    assert "本期已收的台账和全市的文件中有 1 个错误" in out.output, out.output
    assert "其他县市区" not in out.output


def test_a_receipt_time_typed_with_a_chinese_input_method_is_read(tmp_path: Path) -> None:
    """Full-width digits, colon and space (what a Chinese input method types) in --received
    and in `bulletin received`: read as the time they say, not refused as malformed."""
    from click.testing import CliRunner

    from generator.cli import cli

    project = Project(tmp_path / "p")
    jia, _yi = _by_county(PERIODS["2026-10"]["enterprises"])
    path = write_roster(tmp_path / "甲县10月台账.xlsx", "enterprises", jia)
    typed = "２０２６-11-03　10：00"
    out = CliRunner().invoke(
        cli, ["intake", "2026-10", str(path), "--received", typed, "-C", str(project.root)]
    )
    assert out.exit_code == 0, out.output
    assert "收到时间：2026-11-03 10:00（按 --received 登记）" in out.output
    fixed = CliRunner().invoke(
        cli, ["received", "2026-10", "甲县", "2026-11-03　09：45", str(project.root)]
    )
    assert fixed.exit_code == 0, fixed.output
    assert "由 2026-11-03 10:00 改为 2026-11-03 09:45" in fixed.output


def test_a_half_sent_apart_names_the_countys_own_enterprises_县直(tmp_path: Path) -> None:
    """甲县 sends 东镇 with its own (county-registered) enterprises, then 西镇: intake says the
    file in hand is 东镇's and 县直's, as the bulletin's annex calls them, never 东镇、甲县
    (the county named as if it were one of its townships)."""
    from datetime import datetime

    from generator.common.periods import Period
    from generator.office.intake import intake

    project = Project(tmp_path / "p")
    _clear_ledgers(project)
    inbox = tmp_path / "下载"
    write_roster(inbox / "乙区.csv", "enterprises", _many(2, "990201"))
    write_roster(inbox / "甲县一.xlsx", "enterprises", _many(2, "990101") + _many(1, "990100", 5))
    write_roster(inbox / "甲县二.xlsx", "enterprises", _many(2, "990102", 10))
    october = Period.parse("2026-10")
    at = datetime(2026, 11, 3, 9, 0)
    intake(project.root, october, [inbox / "乙区.csv", inbox / "甲县一.xlsx"], now=at)
    second = intake(project.root, october, [inbox / "甲县二.xlsx"], now=at)
    notes = " ".join(n for f in second.filed for n in f.notes)
    assert "本期已有的 990100-甲县.xlsx 是其他乡镇（街道）的（东镇、县直），新文件是西镇的" in notes


def test_a_file_of_no_unit_in_the_roster_says_which_codes_and_what_to_do(tmp_path: Path) -> None:
    """A county file whose codes are all unknown (typed with another city's prefix) is not
    taken in; the office is shown the codes and told who corrects what."""
    from generator.common.periods import Period
    from generator.office.intake import intake

    project = Project(tmp_path / "p")
    _clear_ledgers(project)
    wrong = write_roster(tmp_path / "下载" / "甲县.xlsx", "enterprises", _many(2, "880101"))
    result = intake(project.root, Period.parse("2026-10"), [wrong])
    refused = result.filed[0].refused
    assert "台账中的单位代码（880101）都不在单位名册中" in refused
    assert "请县市区按单位名册（data/units.csv）填写所属单位代码后重新报送" in refused
