"""The month's record (CONTRACT 1.2): when each file arrived, who was late, what the office
decided for one county and one period, and an issued month that stays as it was issued.

Files are written by openpyxl (甲县) and as GB18030 CSV (乙区), taken in through `intake` with
the arrival times the office gives; the deadline is 5 November for October.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from conftest import CONFIG, ENTERPRISES, PERIODS, Project, as_project, uscc, write_roster

from generator.build import BuildOptions, build, gather
from generator.cli import cli
from generator.common.periods import Period
from generator.common.record import RECEIVED, read_receipts
from generator.office.intake import intake
from generator.rosters.load import check_project

SEP, OCT, NOV = Period.parse("2026-09"), Period.parse("2026-10"), Period.parse("2026-11")
BEIJING = ZoneInfo("Asia/Shanghai")  # the project's zone (bulletin.yml names none)


def _rows(period: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    rows = PERIODS[period]["enterprises"]
    return (
        [dict(r) for r in rows if r["unit"].startswith("9901")],
        [dict(r) for r in rows if r["unit"].startswith("9902")],
    )


def _inbox(folder: Path, period: str, tag: str = "") -> tuple[Path, Path]:
    """The two counties' files of a period as they come: 甲县 an XLSX, 乙区 a GB18030 CSV."""
    jia, yi = _rows(period)
    return (
        write_roster(folder / f"甲县{period}{tag}.xlsx", "enterprises", jia),
        write_roster(folder / f"乙区{period}{tag}.csv", "enterprises", yi, encoding="gb18030"),
    )


@pytest.fixture(scope="module")
def september(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project without ledgers; September taken in on time for both counties.

    Made once for the module; each test takes in its own months on a copy (`_project`).
    """
    folder = tmp_path_factory.mktemp("september")
    project = Project(folder / "p")
    for period in ("2026-09", "2026-10"):
        for old in (project.root / "data" / period).glob("enterprises.*"):
            old.unlink()
    jia, yi = _inbox(folder / "9月", "2026-09")
    intake(project.root, SEP, [jia, yi], now=datetime(2026, 10, 8, 9), received="2026-10-03 16:00")
    return project.root


def _project(september: Path, tmp_path: Path) -> Project:
    """A copy of `september` of the test's own, at tmp_path/p."""
    root = tmp_path / "p"
    shutil.copytree(september, root)
    return as_project(root)


def _status(root: Path, period: Period) -> dict[str, str]:
    return {r.name: r.status for r in check_project(root, period).reporting}


def _run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def test_intake_records_the_arrival_time_given_and_refuses_a_wrong_one(
    september: Path, tmp_path: Path
) -> None:
    project = _project(september, tmp_path)
    jia, yi = _inbox(tmp_path / "10月", "2026-10")
    root = str(project.root)
    out = _run("intake", "2026-10", str(jia), "--received", "2026-11-04 18:30", "-C", root)
    assert out.exit_code == 0, out.output  # type: ignore[attr-defined]
    assert "收到时间：2026-11-04 18:30（按 --received 登记）" in out.output  # type: ignore[attr-defined]
    (receipt,) = [r for r in read_receipts(project.root / "data" / "2026-10")]
    assert receipt.received_at == datetime(2026, 11, 4, 18, 30, tzinfo=BEIJING)
    assert receipt.recorded_at is not None and receipt.recorded_at > receipt.received_at
    assert (receipt.file, receipt.counties, receipt.source) == (
        "990100-甲县.xlsx",
        ("990100",),
        "甲县2026-10.xlsx",
    )
    # Without --received: now, printed so that the office can check it, and how to correct it.
    out = _run("intake", "2026-10", str(yi), "-C", root)
    text = out.output  # type: ignore[attr-defined]
    assert re.search(
        r"收到时间：20\d\d-\d\d-\d\d \d\d:\d\d（没有指定 --received，按现在的时间登记", text
    )
    # the correction to type, for the county just taken in
    assert 'bulletin received 2026-10 乙区 "YYYY-MM-DD HH:MM" 更正' in text
    # A time in the future or not a time: a Chinese message, exit 2, nothing taken in.
    before = (project.root / "data" / "2026-10" / RECEIVED).read_bytes()
    out = _run("intake", "2026-10", str(jia), "--received", "2099-01-01 08:00", "-C", root)
    assert out.exit_code == 2  # type: ignore[attr-defined]
    assert "收到时间 2099-01-01 08:00 晚于现在" in out.output  # type: ignore[attr-defined]
    out = _run("intake", "2026-10", str(jia), "--received", "11月4日", "-C", root)
    assert out.exit_code == 2  # type: ignore[attr-defined]
    assert "收到时间“11月4日”格式不对" in out.output  # type: ignore[attr-defined]
    out = _run("intake", "2026-10", str(jia), "--received", "2026-02-30 10:00", "-C", root)
    assert out.exit_code == 2 and "不是存在的日期" in out.output  # type: ignore[attr-defined]
    assert (project.root / "data" / "2026-10" / RECEIVED).read_bytes() == before
    assert not list((project.root / "data" / "2026-10").glob(".replaced"))
    # Before October began it cannot be October's ledger (a mistyped period or time): refused.
    out = _run("intake", "2026-10", str(jia), "--received", "2026-09-28 10:00", "-C", root)
    assert out.exit_code == 2  # type: ignore[attr-defined]
    assert (
        "收到时间 2026-09-28 10:00 早于报告期 2026年10月的开始（2026-10-01），不会是本期的台账"
        in out.output  # type: ignore[attr-defined]
    )
    assert (project.root / "data" / "2026-10" / RECEIVED).read_bytes() == before
    # Within November, before its last day: taken in, with a caution that a ledger is the state
    # at the period's end.
    early, _ = _inbox(tmp_path / "11月", "2026-10")
    out = _run("intake", "2026-11", str(early), "--received", "2026-11-27 10:00", "-C", root)
    assert out.exit_code in (0, 1), out.output  # type: ignore[attr-defined]
    assert "已收取 甲县2026-10.xlsx" in out.output  # type: ignore[attr-defined]
    assert "注意：收到时间早于报告期的最后一天（2026-11-30）" in out.output  # type: ignore[attr-defined]


def test_the_first_file_decides_and_later_files_are_corrections(
    september: Path, tmp_path: Path
) -> None:
    """甲县: first file on 4 November (on time), a correction on the 20th; 乙区: its only file on
    the 7th, two days late. Only 乙区 is late; 甲县's correction is listed with its time."""
    project = _project(september, tmp_path)
    jia, yi = _inbox(tmp_path / "10月", "2026-10")
    now = datetime(2026, 11, 21, 9)
    intake(project.root, OCT, [jia], now=now, received="2026-11-04 18:30")
    intake(project.root, OCT, [yi], now=now, received="2026-11-07 09:00")
    jia_rows, _ = _rows("2026-10")
    jia_rows[0]["employees"] = "41"
    fixed = write_roster(tmp_path / "更正" / "甲县（更正）.xlsx", "enterprises", jia_rows)
    intake(project.root, OCT, [fixed], now=now, received="2026-11-20 15:00")
    reporting = {r.name: r for r in check_project(project.root, OCT).reporting}
    jia_report, yi_report = reporting["甲县"], reporting["乙区"]
    assert (jia_report.status, jia_report.days_late, jia_report.late) == (
        "按时报送，更正1次",
        0,
        False,
    )
    assert jia_report.received == "2026-11-04 18:30:00"
    assert jia_report.corrections == ["2026-11-20 15:00:00"]
    assert jia_report.received_at == ["2026-11-04 18:30:00", "2026-11-20 15:00:00"]
    # the county's own file names, each once, the one its correction replaced said so (not
    # the stored 990100-甲县.xlsx twice)
    assert jia_report.files == ["甲县2026-10.xlsx（已被替换）", "甲县（更正）.xlsx"]
    assert yi_report.files == ["乙区2026-10.csv"]
    assert (yi_report.status, yi_report.days_late, yi_report.late) == ("逾期2天", 2, True)
    gathered = gather(project.root, BuildOptions(site=False, pdf=False))
    bulletin = gathered.bulletins["internal"][-1]
    units = {u.name: u for u in bulletin.units}
    assert (units["甲县"].report_late, units["甲县"].report_days_late) == (False, 0)
    assert (units["乙区"].report_late, units["乙区"].report_days_late) == (True, 2)
    assert bulletin.reporting is not None
    jia_model = bulletin.reporting.counties[0]
    assert (jia_model.corrections, [f.received_at for f in jia_model.files]) == (
        1,
        ["2026-11-04 18:30:00", "2026-11-20 15:00:00"],
    )
    assert jia_model.status == "按时报送，更正1次"
    # The public is told the verdict, not the office's record of corrections.
    public = gathered.bulletins["public"][-1].reporting
    assert public is not None
    assert [(c.name, c.status, c.corrections) for c in public.counties] == [
        ("甲县", "按时报送", 0),
        ("乙区", "逾期2天", 0),
    ]


def test_received_corrects_a_receipt_and_the_build_sees_it(september: Path, tmp_path: Path) -> None:
    """乙区's file, mailed on Thursday 5 November 18:30, was taken in on Monday the 9th without
    --received: 逾期4天 until the office records the mail's time."""
    project = _project(september, tmp_path)
    jia, yi = _inbox(tmp_path / "10月", "2026-10")
    intake(project.root, OCT, [jia], now=datetime(2026, 11, 4, 10))
    intake(project.root, OCT, [yi], now=datetime(2026, 11, 9, 9))
    out = tmp_path / "site"
    options = BuildOptions(out=out, site=False, pdf=False)

    def statuses() -> list[tuple[str, str]]:
        model = json.loads((out / "internal/data/2026-10/bulletin.json").read_text("utf-8"))
        return [(c["name"], c["status"]) for c in model["reporting"]["counties"]]

    assert not build(project.root, options).unchanged
    assert statuses() == [("甲县", "按时报送"), ("乙区", "逾期4天")]
    assert build(project.root, options).unchanged
    record = project.root / "data" / "2026-10" / RECEIVED
    before = record.read_text("utf-8")

    root = str(project.root)
    result = _run("received", "2026-10", "乙区", "2026-11-05 18:30", root)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert result.output.splitlines()[:2] == [  # type: ignore[attr-defined]
        "已更正乙区 2026-10 期的收到时间：990200-乙区.csv 由 2026-11-09 09:00 改为 2026-11-05 18:30。",
        "报送情况：逾期4天 → 按时报送（截止 2026-11-05）。",
    ]
    # The record is appended to, never rewritten: the original row stays.
    after = record.read_text("utf-8")
    assert after.startswith(before)
    rows = list(csv.reader(after.splitlines()))
    assert rows[-1][:3] == ["990200-乙区.csv", "990200", "2026-11-05 18:30:00+08:00"]
    assert rows[-1][6:] == ["correction", "2026-11-09 09:00:00+08:00", ""]
    # The build sees the edit of the record (it said 没有变化 before).
    assert not build(project.root, options).unchanged
    assert statuses() == [("甲县", "按时报送"), ("乙区", "按时报送")]

    # A time after the file was taken in, an unknown county: Chinese messages, exit 2.
    late = _run("received", "2026-10", "990200", "2026-11-10 08:00", root)
    assert late.exit_code == 2  # type: ignore[attr-defined]
    assert "晚于该文件登记收取的时间 2026-11-09 09:00" in late.output  # type: ignore[attr-defined]
    unknown = _run("received", "2026-10", "丙县", "2026-11-04 08:00", root)
    assert unknown.exit_code == 2  # type: ignore[attr-defined]
    assert "“丙县”不是本市的县市区" in unknown.output  # type: ignore[attr-defined]
    assert "甲县（990100）、乙区（990200）" in unknown.output  # type: ignore[attr-defined]
    assert record.read_text("utf-8") == after


def test_a_file_placed_by_hand_has_no_receipt_until_one_is_recorded(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")  # both months saved into the folders by hand
    result = check_project(project.root)
    missing = [p for p in result.problems if p.code == "W-RECEIPT-MISSING"]
    # the latest month only: earlier months without any receipt are history, not nagged
    assert [(p.file, p.county_name) for p in missing] == [
        ("data/2026-10/enterprises.csv", "甲县"),
        ("data/2026-10/enterprises.csv", "乙区"),
    ]
    assert 'bulletin received 2026-10 甲县 "YYYY-MM-DD HH:MM"' in missing[0].message
    assert _status(project.root, OCT) == {"甲县": "收到时间不详", "乙区": "收到时间不详"}

    out = _run("received", "2026-10", "990100", "2026-11-03 10:00", str(project.root))
    assert out.exit_code == 0, out.output  # type: ignore[attr-defined]
    assert out.output.splitlines()[:2] == [  # type: ignore[attr-defined]
        "已登记甲县 2026-10 期台账（enterprises.csv）的收到时间：2026-11-03 10:00。",
        "报送情况：收到时间不详 → 按时报送（截止 2026-11-05）。",
    ]
    result = check_project(project.root, OCT)
    missing = [p for p in result.problems if p.code == "W-RECEIPT-MISSING"]
    assert [p.county_name for p in missing] == ["乙区"]
    # An office warning: not in the list sent back to 乙区.
    _run("check", str(project.root), "--period", "2026-10")
    from openpyxl import load_workbook

    listed = project.root / "problems" / "2026-10" / "990200-乙区-问题清单.xlsx"
    if listed.is_file():
        rows = list(load_workbook(listed).active.iter_rows(values_only=True))
        assert not any("W-RECEIPT-MISSING" in map(str, row) for row in rows)


def _frame(project: Project, period: str, signed_on: str) -> None:
    folder = project.root / "content" / "bulletins"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{period}.md").write_text(
        f"---\ndoc_number: 3\nsigned_on: {signed_on}\n---\n前言。\n", encoding="utf-8"
    )


def test_before_the_deadline_no_county_is_late_or_unreported(
    september: Path, tmp_path: Path
) -> None:
    """The bulletin is signed on 3 November, before the deadline of the 5th: 乙区, not yet
    reported and carried for the draft, is 尚未报送, not criticised; signed on the 10th, it is
    未按时报送."""
    project = _project(september, tmp_path)
    jia, _yi = _inbox(tmp_path / "10月", "2026-10")
    intake(project.root, OCT, [jia], now=datetime(2026, 11, 2, 9), received="2026-11-02 08:40")
    _frame(project, "2026-10", "2026-11-03")
    errors = check_project(project.root, OCT).errors
    assert [(p.code, p.county_name) for p in errors] == [("E-COUNTY-NOT-REPORTED", "乙区")]
    assert "bulletin carry 2026-10 乙区" in errors[0].message
    out = _run("carry", "2026-10", "乙区", str(project.root))
    assert out.exit_code == 0, out.output  # type: ignore[attr-defined]
    assert out.output.splitlines() == [  # type: ignore[attr-defined]
        "已记录：乙区 2026-10 期沿用 2026-09 期的台账数据（1 家企业），只对这一期有效。",
        "通报的报送情况中写“尚未报送（未到截止日期，沿用上期数据）”。",
        "如乙区之后报来本期台账，用 bulletin intake 2026-10 文件 收取即可，收取的台账优先于沿用的数据。",
    ]
    assert _status(project.root, OCT) == {
        "甲县": "按时报送",
        "乙区": "尚未报送（未到截止日期，沿用上期数据）",
    }
    bulletin = gather(project.root, BuildOptions(site=False, pdf=False)).bulletins["internal"][-1]
    assert bulletin.reporting is not None and bulletin.reporting.before_deadline
    yi = bulletin.unit("990200")
    assert yi.report_late is None
    assert not any("报送" in j.reason for u in bulletin.units for j in u.judgments)

    from generator.common.config import load_config
    from generator.render.document.records import reporting_section
    from generator.render.document.wording import Wording

    section = reporting_section(bulletin, Wording(load_config(project.root).root))
    assert section is not None
    assert section[1][0]["c"][0]["text"] == (
        "各县市区应于2026年11月5日前报送本期企业建会台账。截至本通报成文之日，报送尚未截止。"
        "已报送1个县市区；尚未报送、本期暂用上期数据的：乙区。"
    )
    # Signed after the deadline: now a verdict.
    _frame(project, "2026-10", "2026-11-10")
    assert _status(project.root, OCT)["乙区"] == "未按时报送（沿用上期数据）"
    bulletin = gather(project.root, BuildOptions(site=False, pdf=False)).bulletins["internal"][-1]
    assert bulletin.unit("990200").report_late is True


def test_carrying_is_for_one_county_and_one_period(september: Path, tmp_path: Path) -> None:
    project = _project(september, tmp_path)
    jia, _yi = _inbox(tmp_path / "10月", "2026-10")
    intake(project.root, OCT, [jia], now=datetime(2026, 11, 9, 9), received="2026-11-04 10:00")
    root = str(project.root)
    assert _run("carry", "2026-10", "990200", root).exit_code == 0  # type: ignore[attr-defined]
    result = check_project(project.root)
    assert not result.errors, result.errors
    carried = [p for p in result.problems if p.code == "W-COUNTY-CARRIED"]
    assert [(p.county_name, p.file) for p in carried] == [("乙区", "data/2026-10/")]
    assert "按 bulletin carry 的决定沿用了 2026-09 期的数据" in carried[0].message
    assert _status(project.root, OCT)["乙区"] == "未按时报送（沿用上期数据）"
    # Said twice: recorded once.
    again = _run("carry", "2026-10", "乙区", root)
    assert again.exit_code == 0  # type: ignore[attr-defined]
    assert "已经记录过" in again.output  # type: ignore[attr-defined]
    decisions = (project.root / "data" / "2026-10" / ".decisions.csv").read_text("utf-8")
    assert decisions.count("carry") == 1
    # November: 乙区 missing again is an error again; the decision was for October only.
    nov, _ = _inbox(tmp_path / "11月", "2026-10")
    intake(project.root, NOV, [nov], now=datetime(2026, 12, 7, 9), received="2026-12-03 10:00")
    errors = check_project(project.root, NOV).errors
    assert [(p.code, p.county_name) for p in errors] == [("E-COUNTY-NOT-REPORTED", "乙区")]
    # A county that reported is not carried.
    refused = _run("carry", "2026-10", "甲县", root)
    assert refused.exit_code == 2  # type: ignore[attr-defined]
    assert "甲县 2026-10 期已有台账（990100-甲县.xlsx），不需要沿用上期数据" in refused.output  # type: ignore[attr-defined]


def test_the_old_project_wide_setting_still_carries_and_says_what_to_do(
    september: Path, tmp_path: Path
) -> None:
    project = _project(september, tmp_path)
    jia, _yi = _inbox(tmp_path / "10月", "2026-10")
    intake(project.root, OCT, [jia], now=datetime(2026, 11, 9, 9), received="2026-11-04 10:00")
    (project.root / "bulletin.yml").write_text(CONFIG + "unreported: previous\n", "utf-8")
    result = check_project(project.root)
    assert not result.errors
    (setting,) = [p for p in result.problems if p.code == "W-UNREPORTED-SETTING"]
    assert setting.file == "bulletin.yml"
    assert "对所有县市区、所有报告期都生效" in setting.message
    assert "bulletin carry 2026-10 乙区" in setting.message
    carried = [p for p in result.problems if p.code == "W-COUNTY-CARRIED"]
    assert "按 bulletin.yml 中 unreported: previous 的设置" in carried[0].message


def _many(n: int, unit: str, employees: str = "30") -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        row = dict(ENTERPRISES[1])
        row.update(unit=unit, uscc=uscc(f"91{unit}MB{i:07d}"), name=f"{unit}企业{i:03d}")
        row["employees"] = employees
        rows.append(row)
    return rows


def test_a_resent_old_ledger_is_an_error_until_the_office_confirms_it(
    september: Path, tmp_path: Path
) -> None:
    """乙区 sends in November its September ledger again (October's differed): E-LEDGER-STALE
    naming September, at intake and check, until the office confirms it for November."""
    project = _project(september, tmp_path)
    inbox = tmp_path / "收件"
    jia_rows, _ = _rows("2026-10")
    sep = write_roster(
        inbox / "乙区9月.csv", "enterprises", _many(12, "990201"), encoding="gb18030"
    )
    octo = write_roster(inbox / "乙区10月.csv", "enterprises", _many(12, "990201", "31"))
    for period, files, day in ((SEP, [sep], "2026-10-03"), (OCT, [octo], "2026-11-03")):
        rows = _rows(str(period))[0]
        jia = write_roster(inbox / f"甲县{period}.xlsx", "enterprises", rows)
        intake(
            project.root, period, [jia, *files], now=datetime(2026, 12, 7), received=f"{day} 9:00"
        )
    jia = write_roster(inbox / "甲县11月.xlsx", "enterprises", [*jia_rows, *_many(1, "990102")])
    intake(project.root, NOV, [jia], now=datetime(2026, 12, 7), received="2026-12-03 09:00")
    root = str(project.root)
    out = _run("intake", "2026-11", str(sep), "--received", "2026-12-04 09:00", "-C", root)
    assert out.exit_code == 1, out.output  # type: ignore[attr-defined]
    assert "乙区：990200-乙区.csv，12 行，错误 1 个" in out.output  # type: ignore[attr-defined]
    stale = [p for p in check_project(project.root, NOV).errors if p.code == "E-LEDGER-STALE"]
    assert [(p.county_name, p.file) for p in stale] == [("乙区", "data/2026-11/990200-乙区.csv")]
    assert "与 2026-09 期的完全相同" in stale[0].message
    assert "bulletin confirm-unchanged 2026-11 乙区" in stale[0].message
    # The whole project's check says the same (the history runs through every period).
    assert [p.file for p in check_project(project.root).errors] == [stale[0].file]

    not_stale = _run("confirm-unchanged", "2026-11", "甲县", root)
    assert not_stale.exit_code == 2  # type: ignore[attr-defined]
    assert "甲县 2026-11 期的台账与之前各期都不相同，不需要确认" in not_stale.output  # type: ignore[attr-defined]
    confirmed = _run("confirm-unchanged", "2026-11", "乙区", root)
    assert confirmed.exit_code == 0, confirmed.output  # type: ignore[attr-defined]
    assert confirmed.output.splitlines()[0] == (  # type: ignore[attr-defined]
        "已确认：乙区 2026-11 期的台账与 2026-09 期完全相同，经核实无误，只对这一期有效。"
    )
    result = check_project(project.root, NOV)
    assert not result.errors, result.errors
    assert _status(project.root, NOV)["乙区"] == "按时报送，与2026年9月相同（已确认）"


def test_an_old_ledger_sent_before_the_deadline_does_not_make_a_county_on_time(
    september: Path,
    tmp_path: Path,
) -> None:
    """乙区's only file before the 5 December deadline is its September ledger again; its
    November ledger comes on the 7th. The old file is no submission of November: 乙区 is
    2 days late, not 按时报送 with one correction (and so not praised). Once the office
    confirms a repeat, that file is the submission and counts from its arrival."""
    project = _project(september, tmp_path)
    inbox = tmp_path / "收件"
    sep = write_roster(inbox / "乙区9月.csv", "enterprises", _many(12, "990201"))
    octo = write_roster(inbox / "乙区10月.csv", "enterprises", _many(12, "990201", "31"))
    for period, files, day in ((SEP, [sep], "2026-10-03"), (OCT, [octo], "2026-11-03")):
        jia = write_roster(inbox / f"甲县{period}.xlsx", "enterprises", _rows(str(period))[0])
        intake(
            project.root, period, [jia, *files], now=datetime(2026, 12, 8), received=f"{day} 9:00"
        )
    jia = write_roster(
        inbox / "甲县11月.xlsx", "enterprises", _rows("2026-10")[0] + _many(1, "990102")
    )
    intake(project.root, NOV, [jia], now=datetime(2026, 12, 8), received="2026-12-03 09:00")
    intake(project.root, NOV, [sep], now=datetime(2026, 12, 8), received="2026-12-04 16:00")
    assert _status(project.root, NOV)["乙区"] == "未报送（报来的是往期台账）"
    nov = write_roster(inbox / "乙区11月.csv", "enterprises", _many(12, "990201", "32"))
    intake(project.root, NOV, [nov], now=datetime(2026, 12, 8), received="2026-12-07 11:30")
    assert not check_project(project.root, NOV).errors
    # 5 December is the deadline; 7 December is 2 days after it
    assert _status(project.root, NOV)["乙区"] == "逾期2天"

    # confirmed by the office, the repeat is the submission and counts from its arrival
    other = _project(september, tmp_path / "confirmed")
    for period, files, day in ((SEP, [sep], "2026-10-03"), (OCT, [octo], "2026-11-03")):
        jia = write_roster(inbox / f"甲县{period}.xlsx", "enterprises", _rows(str(period))[0])
        intake(other.root, period, [jia, *files], now=datetime(2026, 12, 8), received=f"{day} 9:00")
    jia = write_roster(
        inbox / "甲县11月.xlsx", "enterprises", _rows("2026-10")[0] + _many(1, "990102")
    )
    intake(other.root, NOV, [jia, sep], now=datetime(2026, 12, 8), received="2026-12-04 16:00")
    assert _run("confirm-unchanged", "2026-11", "乙区", str(other.root)).exit_code == 0  # type: ignore[attr-defined]
    assert _status(other.root, NOV)["乙区"] == "按时报送，与2026年9月相同（已确认）"


def test_an_issued_period_keeps_its_reporting_after_a_correction(
    september: Path, tmp_path: Path
) -> None:
    """October issued on 12 November with 乙区 4 days late; 乙区's corrected ledger, taken in
    on 1 December, is a correction of the issued bulletin: October's 报送情况 stays."""
    project = _project(september, tmp_path)
    jia, yi = _inbox(tmp_path / "10月", "2026-10")
    intake(project.root, OCT, [jia], now=datetime(2026, 11, 4, 9), received="2026-11-04 08:00")
    intake(project.root, OCT, [yi], now=datetime(2026, 11, 9, 9), received="2026-11-09 08:00")
    issued = project.root / "issued"
    issued.mkdir()
    (issued / "register.csv").write_text(
        "period,发文字号,signed_on,issued_at,file,sha256\r\n"
        "2026-10,测工发〔2026〕3号,2026-11-12,2026-11-12T10:00:00,internal/x.pdf,00\r\n",
        encoding="utf-8",
    )
    before = check_project(project.root, OCT).reporting
    assert [r.status for r in before] == ["按时报送", "逾期4天"]
    _yi_rows = _rows("2026-10")[1]
    _yi_rows[0]["employees"] = "75"
    fixed = write_roster(tmp_path / "更正" / "乙区更正.csv", "enterprises", _yi_rows)
    out = _run(
        "intake", "2026-10", str(fixed), "--received", "2026-12-01 09:00", "-C", str(project.root)
    )
    assert out.exit_code == 0, out.output  # type: ignore[attr-defined]
    assert (
        "注意：2026-10 期通报已于 2026-11-12 印发（测工发〔2026〕3号），本次收取的是对已印发通报的更正"
        in out.output  # type: ignore[attr-defined]
    )
    # and where the office sees what changed, and what carries it
    assert (
        "（bulletin check 列出变化的数字，bulletin build 把说明写进下一期的通报）" in out.output  # type: ignore[attr-defined]
    )
    after = check_project(project.root, OCT).reporting
    assert after == before  # files, times, statuses: as issued
    # the same file again takes nothing in: no correction is announced
    again = _run(
        "intake", "2026-10", str(fixed), "--received", "2026-12-01 09:30", "-C", str(project.root)
    )
    assert "未重复收取 乙区更正.csv" in again.output  # type: ignore[attr-defined]
    assert "对已印发通报的更正" not in again.output  # type: ignore[attr-defined]
    refused = _run("received", "2026-10", "乙区", "2026-11-05 08:00", str(project.root))
    assert refused.exit_code == 2  # type: ignore[attr-defined]
    assert "印发的通报是存档" in refused.output  # type: ignore[attr-defined]


def test_every_record_command_has_help_with_an_example() -> None:
    for name in ("intake", "received", "carry", "confirm-unchanged"):
        out = _run(name, "--help")
        assert out.exit_code == 0  # type: ignore[attr-defined]
        assert "示例" in out.output and "bulletin " + name in out.output  # type: ignore[attr-defined]
    assert "--received" in _run("intake", "--help").output  # type: ignore[attr-defined]


def test_the_same_file_sent_twice_is_one_submission(september: Path, tmp_path: Path) -> None:
    """乙区 mails its October CSV again, byte for byte, after the deadline: not a correction,
    not lateness, and its file has its receipt (no W-RECEIPT-MISSING)."""
    project = _project(september, tmp_path)
    jia, yi = _inbox(tmp_path / "10月", "2026-10")
    now = datetime(2026, 11, 12, 9)
    intake(project.root, OCT, [jia, yi], now=now, received="2026-11-04 18:30")
    intake(project.root, OCT, [yi], now=now, received="2026-11-11 08:00")
    result = check_project(project.root, OCT)
    assert not [p for p in result.problems if p.code == "W-RECEIPT-MISSING"]
    reporting = {r.name: r for r in result.reporting}
    assert (reporting["乙区"].status, reporting["乙区"].files) == ("按时报送", ["乙区2026-10.csv"])


def test_a_county_sent_in_two_files_is_late_by_the_file_that_completed_it(
    september: Path, tmp_path: Path
) -> None:
    """甲县 sends 东镇 (and the county's own rows) on 5 November, the deadline day, 西镇 on the
    8th: its first complete submission is the 8th, so it is 逾期3天, both files listed with their
    times. Signed on the 5th, the draft says 尚未报送完整, no verdict. Issued on the 6th, before
    西镇 came, the issued 报送情况 stays as it was (按时报送, from what was recorded then)."""
    project = _project(september, tmp_path)
    jia, yi = _rows("2026-10")
    east = [r for r in jia if r["unit"] != "990102"]
    west = [r for r in jia if r["unit"] == "990102"]
    assert east and west  # the fixture has rows of both townships
    first = write_roster(tmp_path / "in" / "甲县东镇.xlsx", "enterprises", east)
    second = write_roster(tmp_path / "in" / "甲县西镇.xlsx", "enterprises", west)
    other = write_roster(tmp_path / "in" / "乙区.csv", "enterprises", yi, encoding="gb18030")
    intake(project.root, OCT, [other], now=datetime(2026, 11, 4, 9), received="2026-11-04 08:00")
    intake(project.root, OCT, [first], now=datetime(2026, 11, 5, 17), received="2026-11-05 16:00")
    intake(project.root, OCT, [second], now=datetime(2026, 11, 8, 11), received="2026-11-08 10:00")
    # both stay in the period (different townships: added beside, not a resend)
    assert len(list((project.root / "data" / "2026-10").glob("990100-甲县*.xlsx"))) == 2
    reporting = {r.name: r for r in check_project(project.root, OCT).reporting}
    report = reporting["甲县"]
    assert (report.status, report.days_late, report.late) == ("逾期3天", 3, True)
    assert report.received == "2026-11-08 10:00:00"  # the file that completed it
    assert report.first_part == "2026-11-05 16:00:00"
    assert report.files == ["甲县东镇.xlsx", "甲县西镇.xlsx"]
    assert report.received_at == ["2026-11-05 16:00:00", "2026-11-08 10:00:00"]
    assert report.corrections == []  # the second half is no correction
    assert reporting["乙区"].status == "按时报送"
    bulletin = gather(project.root, BuildOptions(site=False, pdf=False)).bulletins["internal"][-1]
    assert (bulletin.unit("990100").report_late, bulletin.unit("990100").report_days_late) == (
        True,
        3,
    )
    # The bulletin dated the deadline day: 东镇 had come, 西镇 not: no verdict yet.
    _frame(project, "2026-10", "2026-11-05")
    report = {r.name: r for r in check_project(project.root, OCT).reporting}["甲县"]
    assert (report.status, report.state, report.late) == (
        "尚未报送完整（未到截止日期）",
        "pending",
        False,
    )
    # Issued on the 6th (after 东镇, before 西镇): what the bulletin said stays.
    _frame(project, "2026-10", "2026-11-06")
    issued = project.root / "issued"
    issued.mkdir()
    (issued / "register.csv").write_text(
        "period,发文字号,signed_on,issued_at,file,sha256\r\n"
        "2026-10,测工发〔2026〕3号,2026-11-06,2026-11-06T10:00:00,internal/x.pdf,00\r\n",
        encoding="utf-8",
    )
    report = {r.name: r for r in check_project(project.root, OCT).reporting}["甲县"]
    assert (report.status, report.files) == ("按时报送", ["甲县东镇.xlsx"])


def test_a_resend_covering_more_townships_completes_the_county_when_it_came(
    september: Path, tmp_path: Path
) -> None:
    """甲县 sends 东镇 on 3 November, then on the 9th one file of both townships (a resend of
    东镇 that brings 西镇 too): complete on the 9th, 逾期4天; the first file is listed replaced."""
    project = _project(september, tmp_path)
    jia, yi = _rows("2026-10")
    east = write_roster(
        tmp_path / "in" / "甲县东镇.xlsx", "enterprises", [r for r in jia if r["unit"] != "990102"]
    )
    whole = write_roster(tmp_path / "in" / "甲县全县.xlsx", "enterprises", jia)
    other = write_roster(tmp_path / "in" / "乙区.csv", "enterprises", yi, encoding="gb18030")
    intake(project.root, OCT, [other], now=datetime(2026, 11, 4, 9), received="2026-11-04 08:00")
    intake(project.root, OCT, [east], now=datetime(2026, 11, 3, 9), received="2026-11-03 08:00")
    intake(project.root, OCT, [whole], now=datetime(2026, 11, 9, 9), received="2026-11-09 08:00")
    report = {r.name: r for r in check_project(project.root, OCT).reporting}["甲县"]
    assert (report.status, report.days_late) == ("逾期4天", 4)
    assert report.files == ["甲县东镇.xlsx（已被替换）", "甲县全县.xlsx"]
    assert report.received == "2026-11-09 08:00:00"


def test_a_long_file_name_is_shortened_in_the_signed_table_only(
    september: Path, tmp_path: Path
) -> None:
    """乙区 sends its October ledger under a 61-character name: the bulletin's 报送情况 table
    prints its first 18 characters, …, its last 6 and .xlsx (30 characters); the record, the
    bulletin's model (the site's data) and a short name stay as sent."""
    project = _project(september, tmp_path)
    jia, yi = _rows("2026-10")
    long = "乙区总工会关于报送2026年10月份企业建会台账及工会工作志愿者配备情况统计表的函（第二批，含东镇西镇南镇北镇）.xlsx"
    assert len(long) == 61
    files = [
        write_roster(tmp_path / "in" / "甲县.xlsx", "enterprises", jia),
        write_roster(tmp_path / "in" / long, "enterprises", yi),
    ]
    intake(project.root, OCT, files, now=datetime(2026, 11, 4, 9), received="2026-11-04 08:00")
    assert [r.source for r in read_receipts(project.root / "data" / "2026-10")] == [
        "甲县.xlsx",
        long,
    ]
    bulletin = gather(project.root, BuildOptions(site=False, pdf=False)).bulletins["internal"][-1]
    assert bulletin.reporting is not None
    assert [f.file for c in bulletin.reporting.counties for f in c.files] == ["甲县.xlsx", long]

    from generator.common.config import load_config
    from generator.render.document.records import reporting_section
    from generator.render.document.wording import Wording

    section = reporting_section(bulletin, Wording(load_config(project.root).root))
    assert section is not None
    (table,) = [b for b in section[1] if isinstance(b, dict) and "rowspans" in b]
    assert [row[1] for row in table["rows"]] == [
        "甲县.xlsx",
        "乙区总工会关于报送2026年10月份…镇南镇北镇）.xlsx",
    ]
    # a replaced file keeps the record's mark whole after the shortened name
    from generator.render.document.records import _file_cell

    assert _file_cell(long + "（已被替换）") == (
        "乙区总工会关于报送2026年10月份…镇南镇北镇）.xlsx（已被替换）"
    )


def test_a_ledger_no_longer_a_repeat_after_an_earlier_correction_is_a_submission(
    september: Path, tmp_path: Path
) -> None:
    """乙区 sends October's file again on 4 December (an old file), then on the 6th its
    November ledger, which has the same rows (nothing changed): both are marked as repeats
    when taken in. Then 乙区 corrects October. November now repeats no period: its file of the
    6th is its submission, 1 day late, and no error asks for a confirmation; the old file of
    the 4th stays no submission. The bulletin once said 乙区 未报送（报来的是往期台账）and
    criticised it as 沿用上期数据 while the figures were its own November ledger, check
    finding nothing wrong. Confirmed before the correction, the office's word holds: on time."""

    def play(root: Path, confirm: bool) -> None:
        inbox = root.parent / "收件"
        octo = write_roster(inbox / "乙区10月.csv", "enterprises", _many(12, "990201", "31"))
        jia10 = write_roster(inbox / "甲县10月.xlsx", "enterprises", _rows("2026-10")[0])
        intake(root, OCT, [jia10, octo], now=datetime(2026, 12, 8), received="2026-11-03 9:00")
        jia = write_roster(
            inbox / "甲县11月.xlsx", "enterprises", _rows("2026-10")[0] + _many(1, "990102")
        )
        intake(root, NOV, [jia], now=datetime(2026, 12, 8), received="2026-12-03 09:00")
        intake(root, NOV, [octo], now=datetime(2026, 12, 8), received="2026-12-04 16:00")
        # the same rows in a workbook of its own (not the old file sent twice)
        nov = write_roster(inbox / "乙区11月.xlsx", "enterprises", _many(12, "990201", "31"))
        intake(root, NOV, [nov], now=datetime(2026, 12, 8), received="2026-12-06 10:00")
        assert _status(root, NOV)["乙区"].startswith("未报送（报来的是往期台账）")
        if confirm:
            assert _run("confirm-unchanged", "2026-11", "乙区", str(root)).exit_code == 0  # type: ignore[attr-defined]
        fixed = write_roster(inbox / "乙区10月更正.csv", "enterprises", _many(12, "990201", "29"))
        intake(root, OCT, [fixed], now=datetime(2026, 12, 8), received="2026-12-07 9:00")

    project = _project(september, tmp_path)
    play(project.root, confirm=False)
    checked = check_project(project.root, NOV)
    assert not [p for p in checked.errors if p.code == "E-LEDGER-STALE"]
    yi = {r.name: r for r in checked.reporting}["乙区"]
    assert yi.status == "逾期1天"
    assert yi.files == ["乙区10月.csv（往期台账，已被替换）", "乙区11月.xlsx"]

    other = _project(september, tmp_path / "confirmed")
    play(other.root, confirm=True)
    assert _status(other.root, NOV)["乙区"] == "按时报送，更正1次"
