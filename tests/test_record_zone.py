"""The month's record keeps Beijing time, whatever the office computer's clock is set to.

A receipt is an instant written with its offset; lateness is judged against the deadline as a
day on the project's clock (bulletin.yml `timezone`, Asia/Shanghai by default); a time typed
without an offset, and one in a record written before offsets, means that clock. The deadline
for October is 5 November: a mail sent at 23:30 Beijing time on the 5th is on time; one sent at
16:30 Pacific time on the 5th (08:30 Beijing time on the 6th) is a day late.

The computer's zone is that of the process (TZ), so the CLI runs as new interpreters, each with
its own TZ; the files are written by openpyxl (甲县) and as GB18030 CSV (乙区).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import CONFIG, PERIODS, Project, write_roster

from generator.common.errors import ConfigError
from generator.common.periods import Period
from generator.common.record import RECEIVED, parse_time, read_receipts
from generator.office.imap import _internaldate
from generator.office.mime import BY_DATE, BY_RECEIVED, arrival
from generator.rosters.load import check_project

REPO = Path(__file__).resolve().parents[1]
OCT = Period.parse("2026-10")
BEIJING = ZoneInfo("Asia/Shanghai")
#: a mail's Date as the office copies it from the message: 16:30 on 5 November in California
PACIFIC_DATE = "Thu, 05 Nov 2026 16:30:00 -0800"


def _october_inbox(project: Project, inbox: Path, write: bool = True) -> tuple[Path, Path]:
    """October's ledger taken out of the project, as the two counties send it."""
    for old in (project.root / "data" / "2026-10").glob("enterprises.*"):
        old.unlink()
    if not write:
        return inbox / "甲县10月台账.xlsx", inbox / "乙区10月台账.csv"
    rows = PERIODS["2026-10"]["enterprises"]
    jia = write_roster(
        inbox / "甲县10月台账.xlsx", "enterprises", [r for r in rows if r["unit"][:4] == "9901"]
    )
    yi = write_roster(
        inbox / "乙区10月台账.csv",
        "enterprises",
        [r for r in rows if r["unit"][:4] == "9902"],
        encoding="gb18030",
    )
    return jia, yi


def _bulletin(root: Path, zone: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`bulletin …` in a new interpreter whose computer clock is set to `zone`."""
    env = {**os.environ, "TZ": zone, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args, "-C", str(root)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _record_rows(root: Path) -> list[list[str]]:
    with (root / "data" / "2026-10" / RECEIVED).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_the_same_month_gives_the_same_record_on_any_computer_clock(tmp_path: Path) -> None:
    records: dict[str, list[list[str]]] = {}
    said: dict[str, list[str]] = {}
    inbox = tmp_path / "收件"
    for zone in ("UTC", "Asia/Shanghai", "America/New_York"):
        project = Project(tmp_path / zone.replace("/", "-"))
        # the same files, byte for byte, on every computer (written once)
        jia, yi = _october_inbox(project, inbox, write=not inbox.exists())
        # typed by the office, without an offset: Beijing time
        first = _bulletin(project.root, zone, "intake", "2026-10", str(jia), "--received",
                          "2026-11-05 23:30")  # fmt: skip
        # the mail's Date, pasted with its offset
        second = _bulletin(
            project.root, zone, "intake", "2026-10", str(yi), "--received", PACIFIC_DATE
        )
        assert first.returncode == 0, first.stderr
        assert second.returncode == 0, second.stderr
        said[zone] = [*first.stdout.splitlines(), *second.stdout.splitlines()]
        rows = _record_rows(project.root)
        # recorded_at is the moment of each run; it is an instant on Beijing time in any zone
        assert [r[5][-6:] for r in rows[1:]] == ["+08:00", "+08:00"], rows
        records[zone] = [r[:5] + r[6:] for r in rows]
    assert records["UTC"] == records["Asia/Shanghai"] == records["America/New_York"]
    assert [r[2] for r in records["UTC"][1:]] == [
        "2026-11-05 23:30:00+08:00",
        "2026-11-06 08:30:00+08:00",
    ]
    for zone, lines in said.items():
        assert "收到时间：2026-11-05 23:30（按 --received 登记）" in lines, (zone, lines)
        assert "收到时间：2026-11-06 08:30（按 --received 登记，已换算为北京时间）" in lines
        assert "  报送情况：首次收到 2026-11-05 23:30，按时报送（截止 2026-11-05）" in lines
        assert "  报送情况：首次收到 2026-11-06 08:30，逾期1天（截止 2026-11-05）" in lines
    # read back by a computer set to yet another zone: the same verdicts
    with _computer_clock("Pacific/Kiritimati"):
        reporting = check_project(tmp_path / "UTC", OCT).reporting
    assert [(r.name, r.status, r.received) for r in reporting] == [
        ("甲县", "按时报送", "2026-11-05 23:30:00"),
        ("乙区", "逾期1天", "2026-11-06 08:30:00"),
    ]


class _computer_clock:
    """The test process's own zone set to `zone` for a while (naive local times follow it)."""

    def __init__(self, zone: str) -> None:
        self.zone = zone
        self.before = os.environ.get("TZ")

    def __enter__(self) -> None:
        os.environ["TZ"] = self.zone
        time.tzset()

    def __exit__(self, *exc: object) -> None:
        if self.before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = self.before
        time.tzset()


def _old_record(project: Project, rows: list[list[str]]) -> None:
    """A record as intake wrote it before offsets (and before its later columns)."""
    folder = project.root / "data" / "2026-10"
    shutil.copy(folder / "enterprises.csv", folder / "990100-甲县.csv")
    (folder / "enterprises.csv").unlink()
    with (folder / RECEIVED).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "county", "received_at", "source", "sha256"])
        writer.writerows(rows)


def test_a_record_written_without_offsets_reads_as_beijing_time(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    _old_record(
        project,
        [
            ["990100-甲县.csv", "990100,990200", "2026-11-05 23:59:00", "全市.csv", ""],
        ],
    )
    with _computer_clock("America/New_York"):
        (receipt,) = read_receipts(project.root / "data" / "2026-10")
        reporting = check_project(project.root, OCT).reporting
    assert receipt.received_at == datetime(2026, 11, 5, 23, 59, tzinfo=BEIJING)
    assert receipt.received_at is not None and receipt.received_at.utcoffset() is not None
    assert [(r.name, r.status) for r in reporting] == [("甲县", "按时报送"), ("乙区", "按时报送")]


def test_an_unreadable_time_in_an_old_record_is_no_traceback(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    _old_record(project, [["990100-甲县.csv", "990100,990200", "11月5日下午", "全市.csv", ""]])
    reporting = check_project(project.root, OCT).reporting
    assert [(r.name, r.state) for r in reporting] == [("甲县", "unknown"), ("乙区", "unknown")]


def test_a_project_in_another_zone_judges_on_its_own_clock(tmp_path: Path) -> None:
    """bulletin.yml `timezone` names the office's zone: typed times and the deadline are its."""
    project = Project(tmp_path / "p")
    (project.root / "bulletin.yml").write_text(
        CONFIG + "timezone: America/Los_Angeles\n", encoding="utf-8"
    )
    jia, yi = _october_inbox(project, tmp_path / "收件")
    from generator.office.intake import intake

    now = datetime(2026, 11, 20, 9, 0)
    intake(project.root, OCT, [jia], now=now, received="2026-11-05 23:30")  # LA time
    intake(project.root, OCT, [yi], now=now, received=PACIFIC_DATE)
    with _computer_clock("Asia/Shanghai"):
        reporting = check_project(project.root, OCT).reporting
    assert [(r.name, r.status, r.received) for r in reporting] == [
        ("甲县", "按时报送", "2026-11-05 23:30:00"),
        ("乙区", "按时报送", "2026-11-05 16:30:00"),
    ]
    assert [r[2] for r in _record_rows(project.root)[1:]] == [
        "2026-11-05 23:30:00-08:00",
        "2026-11-05 16:30:00-08:00",
    ]


def test_a_zone_that_is_not_one_is_said_in_chinese(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    (project.root / "bulletin.yml").write_text(CONFIG + "timezone: 北京\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        check_project(project.root, OCT)
    assert "timezone" in str(refused.value) and "Asia/Shanghai" in str(refused.value)
    assert str(refused.value).startswith("bulletin.yml 第6行“timezone”：应为时区名称")


def test_typed_times_mean_the_projects_clock_unless_they_say_their_offset() -> None:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)
    assert parse_time("2026-11-05 23:30", now) == datetime(2026, 11, 5, 23, 30, tzinfo=BEIJING)
    assert parse_time("2026年11月5日 23:30", now) == datetime(2026, 11, 5, 23, 30, tzinfo=BEIJING)
    pacific = parse_time("2026-11-05 16:30 -0800", now)
    assert pacific == datetime(2026, 11, 6, 8, 30, tzinfo=BEIJING)
    assert pacific.utcoffset() == BEIJING.utcoffset(pacific)  # shown on Beijing time
    assert parse_time(PACIFIC_DATE, now) == pacific
    assert parse_time("2026-11-06 00:30 UTC", now) == datetime(2026, 11, 6, 8, 30, tzinfo=BEIJING)
    with pytest.raises(ConfigError, match="晚于现在"):
        parse_time("2026-12-01 09:30", now)
    with pytest.raises(ConfigError, match="格式不对"):
        parse_time("11月5日下午", now)


def test_a_mails_arrival_is_the_instant_its_headers_say() -> None:
    """fetch takes the mail's own offset, never the computer's zone, to judge the arrival."""
    msg = EmailMessage()
    msg["Received"] = "from mx.county.test by mail.office.test; Thu, 5 Nov 2026 16:30:00 -0800"
    msg["Date"] = "Thu, 5 Nov 2026 16:29:00 -0800"
    with _computer_clock("Asia/Shanghai"):
        when, by = arrival(msg, None)
    assert (when, by) == (datetime(2026, 11, 6, 8, 30, tzinfo=BEIJING), BY_RECEIVED)
    dated = EmailMessage()
    dated["Date"] = "Thu, 5 Nov 2026 23:30:00 +0800"
    with _computer_clock("UTC"):
        assert arrival(dated, None) == (datetime(2026, 11, 5, 23, 30, tzinfo=BEIJING), BY_DATE)
    meta = b'7 (UID 7 INTERNALDATE "05-Nov-2026 16:30:00 -0800" RFC822.SIZE 120'
    assert _internaldate(meta) == datetime(2026, 11, 6, 8, 30, tzinfo=BEIJING)
