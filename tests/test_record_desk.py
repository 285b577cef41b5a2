"""What `intake` tells the office about each county it takes in: its 报送情况 as the record now
says it, what is wrong with its file, and which counties have not sent theirs yet.

The office reads this after each file; it must say what to do next without `check`. Files are
written by openpyxl (甲县, in two parts as counties send them) and as GB18030 CSV (乙区).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ENTERPRISES, PERIODS, Project, uscc, write_roster

from generator.cli import cli
from generator.common.periods import Period
from generator.rosters.load import check_project

OCT = Period.parse("2026-10")
OCT_ROWS = PERIODS["2026-10"]["enterprises"]
SEP_ROWS = PERIODS["2026-09"]["enterprises"]


def _intake(root: Path, *args: str) -> tuple[int, list[str]]:
    out = CliRunner().invoke(cli, ["intake", "2026-10", *args, "-C", str(root)])
    return out.exit_code, out.output.splitlines()


def _october_cleared(tmp_path: Path) -> Project:
    project = Project(tmp_path / "p")
    for old in (project.root / "data" / "2026-10").glob("enterprises.*"):
        old.unlink()
    return project


def _twelve(unit: str) -> list[dict[str, str]]:
    """Twelve enterprises of a unit: enough rows for a repeated ledger to be judged stale."""
    rows = []
    for i in range(12):
        row = dict(ENTERPRISES[1])
        row.update(unit=unit, uscc=uscc(f"91{unit}MB{i:07d}"), name=f"{unit}企业{i:03d}")
        rows.append(row)
    return rows


def test_an_old_ledger_sent_again_is_said_with_what_to_do(tmp_path: Path) -> None:
    project = _october_cleared(tmp_path)
    jia = [r for r in SEP_ROWS if r["unit"].startswith("9901")]
    project.write("enterprises", [*jia, *_twelve("990201")], period="2026-09")
    # 乙区 sends its September ledger as October's
    old = write_roster(
        tmp_path / "收件" / "乙区台账.csv", "enterprises", _twelve("990201"), encoding="gb18030"
    )
    code, lines = _intake(project.root, str(old), "--received", "2026-11-04 09:00")
    assert code == 1, lines
    status = next(line for line in lines if line.startswith("  报送情况："))
    # no submission: the repeat does not stop the lateness clock (as `check` says it too)
    assert status == "  报送情况：未报送（报来的是往期台账）（截止 2026-11-05）"
    (error,) = [line for line in lines if line.startswith("  错误（")]
    assert error.startswith("  错误（乙区台账.csv）：乙区本期的台账")  # the name it came under
    assert "与 2026-09 期的完全相同" in error
    assert "bulletin confirm-unchanged 2026-10 乙区" in error
    # the county not heard from yet is named, not counted as an error of the file
    assert "本期还没有收到台账的县市区：甲县。" in lines
    assert not any("另有" in line for line in lines)
    # its October ledger on the deadline day is its first submission; the old file stays
    # listed in 报送情况, said to be an old one, so that no reader takes it for the submission
    new = [dict(r, employees="31") for r in _twelve("990201")]
    right = write_roster(tmp_path / "收件" / "乙区10月.csv", "enterprises", new, encoding="gb18030")
    code, lines = _intake(project.root, str(right), "--received", "2026-11-05 10:00")
    assert "  报送情况：首次收到 2026-11-05 10:00，按时报送（截止 2026-11-05）" in lines
    (yi,) = [r for r in check_project(project.root, OCT).reporting if r.code == "990200"]
    assert yi.files == ["乙区台账.csv（往期台账，已被替换）", "乙区10月.csv"]
    assert (yi.status, yi.received_at) == (
        "按时报送",
        ["2026-11-04 09:00:00", "2026-11-05 10:00:00"],
    )


def test_a_county_in_two_parts_is_told_why_its_first_part_looks_short(tmp_path: Path) -> None:
    project = _october_cleared(tmp_path)
    jia = [r for r in OCT_ROWS if r["unit"].startswith("9901")]
    east = write_roster(
        tmp_path / "收件" / "甲县东镇.xlsx",
        "enterprises",
        [r for r in jia if r["unit"] == "990101"],
    )
    rest = write_roster(
        tmp_path / "收件" / "甲县其他.xlsx",
        "enterprises",
        [r for r in jia if r["unit"] != "990101"],
    )
    _code, first = _intake(project.root, str(east), "--received", "2026-11-03 10:00")
    # September had 2 of 甲县's enterprises, this part 1: the shrink is said, with its cause
    (note,) = [line for line in first if line.startswith("  注意：甲县本期台账有存续企业 1 家")]
    assert "比 2026-09 期的 2 家少了五分之一以上" in note and "只放入了部分文件" in note
    assert "  报送情况：首次收到 2026-11-03 10:00，按时报送（截止 2026-11-05）" in first
    _code, second = _intake(project.root, str(rest), "--received", "2026-11-04 16:00")
    assert "甲县：990100-甲县-2.xlsx、990100-甲县.xlsx，3 行，错误 0 个，警告 0 个" in second
    assert not any(line.startswith("  注意：") for line in second)
    # the part that completed the county decides (on time, by the 5th); it is no correction
    assert (
        "  报送情况：收齐 2026-11-04 16:00（首个文件 2026-11-03 10:00），按时报送（截止 2026-11-05）"
        in second
    )


def test_a_file_taken_without_a_time_says_how_to_correct_it_for_its_county(
    tmp_path: Path,
) -> None:
    project = _october_cleared(tmp_path)
    yi = write_roster(
        tmp_path / "收件" / "乙区.csv",
        "enterprises",
        [r for r in OCT_ROWS if r["unit"].startswith("9902")],
        encoding="gb18030",
    )
    _code, lines = _intake(project.root, str(yi))
    assert lines[0].endswith('请用 bulletin received 2026-10 乙区 "YYYY-MM-DD HH:MM" 更正）')


def test_a_file_with_many_errors_shows_the_first_and_where_the_rest_are(tmp_path: Path) -> None:
    project = _october_cleared(tmp_path)
    jia = [dict(r) for r in OCT_ROWS if r["unit"].startswith("9901")]
    extra = [dict(r, uscc=uscc(f"91990101MB{i:07d}"), name=f"东镇企业{i}") for i, r in
             enumerate([jia[0]] * 2)]  # fmt: skip
    rows = [*jia, *extra]
    for row in rows:
        row["employees"] = "很多"  # five rows, one error each
    bad = write_roster(tmp_path / "收件" / "甲县.xlsx", "enterprises", rows)
    code, lines = _intake(project.root, str(bad), "--received", "2026-11-03 10:00")
    assert code == 1
    shown = [line for line in lines if line.startswith("  错误（甲县.xlsx 第 ")]
    assert [line.split("）")[0] for line in shown] == [
        "  错误（甲县.xlsx 第 2 行",
        "  错误（甲县.xlsx 第 3 行",
        "  错误（甲县.xlsx 第 4 行",
    ]
    assert "“职工人数”应为整数" in shown[0]
    assert "  另有 2 个错误，全部错误见问题清单 problems/2026-10/990100-甲县-问题清单.xlsx" in lines
    assert lines[-1] == (
        "下一步：把问题清单发回甲县（bulletin send-problems 2026-10），"
        "改好的台账报来后再用 bulletin intake 收取（重报的文件会替换原来的）。"
    )


def test_a_file_not_found_says_where_it_was_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _october_cleared(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, lines = _intake(project.root, "下载/甲县10月.xlsx", "--received", "2026-11-03 10:00")
    assert code == 1
    assert lines[0] == (
        f"未收取 甲县10月.xlsx：找不到此文件（找的是 {tmp_path / '下载' / '甲县10月.xlsx'}）："
        "请核对文件名和所在的文件夹，可以把文件从文件夹窗口拖到命令行中，自动填上完整的位置"
    )
