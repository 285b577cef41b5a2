"""Every command on bad input: the exit code, a Chinese message, and never a traceback."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import Project, rows_of

from generator.cli import cli

HAN = re.compile(r"[\u4e00-\u9fff]")


def invoke(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def error_line(result: Result) -> str:
    """The first line that says what went wrong; it must be in Chinese."""
    lines = [line for line in result.output.splitlines() if line.startswith("错误：")]
    assert lines, result.output
    assert HAN.search(lines[0].removeprefix("错误：")), lines[0]
    return lines[0]


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "报表.txt"
    path.write_text("不是文件夹", encoding="utf-8")
    return path


# ---- not a project, bad periods --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["build"], ["check"], ["new-period", "2026-11"], ["templates"], ["serve"]],
    ids=lambda a: a[0],
)
def test_not_a_project(tmp_path: Path, args: list[str]) -> None:
    where = tmp_path / "空目录"
    where.mkdir()
    result = invoke(*args, where)
    assert result.exit_code == 2
    assert "bulletin.yml" in error_line(result)


@pytest.mark.parametrize("command", ["build", "check", "serve"])
def test_a_period_that_is_not_one(project: Project, command: str) -> None:
    result = invoke(command, project.root, "--period", "2026年13月")
    assert result.exit_code == 2
    assert "报告期" in error_line(result)


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_period_without_data(project: Project, command: str) -> None:
    result = invoke(command, project.root, "--period", "2025-01")
    assert result.exit_code == 2
    line = error_line(result)
    assert "2025-01" in line and "2026-10" in line  # and which periods there are


# ---- outputs that cannot be written ----------------------------------------------------------


@pytest.mark.parametrize("command", ["build", "check", "templates"])
def test_out_inside_a_file(project: Project, a_file: Path, command: str) -> None:
    result = invoke(command, project.root, "--out", a_file / "输出")
    assert result.exit_code == 1
    line = error_line(result)
    assert "报表.txt" in line
    assert not (project.root / ".site.new").exists()


@pytest.mark.parametrize("command", ["build", "check", "templates", "init"])
def test_out_that_is_a_file(project: Project, a_file: Path, command: str) -> None:
    args: list[str | Path] = (
        ["init", a_file] if command == "init" else [command, project.root, "--out", a_file]
    )
    result = invoke(*args)
    assert result.exit_code == 2
    assert "文件夹" in error_line(result)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write")
def test_out_without_permission(project: Project, tmp_path: Path) -> None:
    locked = tmp_path / "只读"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = invoke("check", project.root, "--out", locked / "问题")
        assert result.exit_code == 1
        assert "没有权限" in error_line(result)
    finally:
        locked.chmod(0o700)


# ---- command by command ----------------------------------------------------------------------


def test_check_exit_codes(project: Project, tmp_path: Path) -> None:
    clean = invoke("check", project.root, "--out", tmp_path / "问题清单")
    assert clean.exit_code == 0, clean.output
    assert (tmp_path / "问题清单" / "problems.xlsx").is_file()
    rows = rows_of("enterprises", "2026-10")
    rows[0]["employees"] = "很多"
    project.write("enterprises", rows, period="2026-10")
    bad = invoke("check", project.root, "--out", tmp_path / "问题清单")
    assert bad.exit_code == 1
    assert "职工人数" in bad.output and "很多" in bad.output


def test_build_data_error_and_bad_options(project: Project) -> None:
    rows = rows_of("enterprises", "2026-10")
    rows[0]["unionized"] = "也许"
    project.write("enterprises", rows, period="2026-10")
    result = invoke("build", project.root)
    assert result.exit_code == 1
    assert "bulletin check" in error_line(result)
    assert not (project.root / "site").exists()
    for args, expected in (
        (["--jobs", "0"], "不小于 1"),
        (["--audience", "外网"], "public、internal、all"),
        (["--bogus"], "--bogus"),
        (["--period"], "--period 后面要写一个值"),
        (["--force=1"], "--force 后面不用写值"),
    ):
        bad = invoke("build", project.root, *args)
        assert bad.exit_code == 2
        assert expected in error_line(bad)
        assert "build --help" in bad.output


def test_init_refusals(tmp_path: Path, a_file: Path) -> None:
    full = tmp_path / "旧资料"
    full.mkdir()
    (full / "旧台账.xlsx").write_bytes(b"")
    result = invoke("init", full)
    assert result.exit_code == 2
    assert "不是空目录" in error_line(result)
    assert sorted(p.name for p in full.iterdir()) == ["旧台账.xlsx"]

    bad = invoke("init", tmp_path / "新项目", "--cadence", "weekly")
    assert bad.exit_code == 2
    assert "month、quarter" in error_line(bad)
    assert not (tmp_path / "新项目").exists()

    inside = invoke("init", a_file / "新项目")
    assert inside.exit_code == 1
    assert "报表.txt" in error_line(inside)

    missing = invoke("init")
    assert missing.exit_code == 2
    assert "DIRECTORY" in error_line(missing)


def test_new_period_refusals_and_force(project: Project) -> None:
    root = project.root
    for period, expected in (("2026-Q4", "按月"), ("2026-13", "报告期"), ("十一月", "报告期")):
        result = invoke("new-period", period, root)
        assert result.exit_code == 2, period
        assert expected in error_line(result)
    assert invoke("new-period", "2026-11", root).exit_code == 0
    frame = root / "content" / "bulletins" / "2026-11.md"
    frame.write_text(frame.read_text(encoding="utf-8") + "\n已改动。\n", encoding="utf-8")
    again = invoke("new-period", "2026-11", root)
    assert again.exit_code == 2
    assert "--force" in error_line(again)
    assert "已改动" in frame.read_text(encoding="utf-8")
    forced = invoke("new-period", "2026-11", root, "--force")
    assert forced.exit_code == 0
    assert "已改动" not in frame.read_text(encoding="utf-8")
    assert invoke("new-period").exit_code == 2


def test_templates_success_and_unit_errors(project: Project, tmp_path: Path) -> None:
    result = invoke("templates", project.root, "--out", tmp_path / "模板")
    assert result.exit_code == 0, result.output
    assert "2 份填报模板" in result.output
    assert (tmp_path / "模板" / "990100-甲县-填报模板.xlsx").is_file()

    units = rows_of("units")
    units[3]["parent"] = "999999"  # a township under a county that does not exist
    project.write("units", units)
    broken = invoke("templates", project.root, "--out", tmp_path / "模板2")
    assert broken.exit_code == 1
    assert "单位名册" in error_line(broken)
    assert not (tmp_path / "模板2").exists()


def test_serve_help_and_bad_arguments(project: Project) -> None:
    help_text = invoke("serve", "--help")
    assert help_text.exit_code == 0
    assert "127.0.0.1" in help_text.output and "Ctrl-C" in help_text.output
    for args, expected in (
        (["--port", "八千"], "整数"),
        (["--audience", "all"], "internal、public"),
        (["--period", "2026-13"], "报告期"),
    ):
        result = invoke("serve", project.root, *args)
        assert result.exit_code == 2, args
        assert expected in error_line(result)
    assert not (project.root / "site").exists()


def test_doctor_runs_and_says_what_is_missing(project: Project, tmp_path: Path) -> None:
    result = invoke("doctor", project.root)
    assert result.exit_code in (0, 1)
    assert "环境检查" in result.output
    if result.exit_code == 0:
        assert "环境正常" in result.output
    else:
        assert "必需条件未满足" in result.output
    missing = invoke("doctor", tmp_path / "没有这个目录")
    assert missing.exit_code == 1
    assert "不存在" in missing.output and "bulletin init" in missing.output


def test_unknown_command_and_option_in_chinese() -> None:
    result = invoke("buidl")
    assert result.exit_code == 2
    assert "build" in error_line(result)
    option = invoke("--verbose")
    assert option.exit_code == 2
    assert "--verbose" in error_line(option)


# ---- a province or national project speaks as itself ------------------------------------------

LEVELS = {
    # level: (its own unit's row, its members' rows, the members' word, 本省/全国)
    "province": (("800000", "测试省", "省"), [("810000", "甲市"), ("820000", "乙市")], "市"),
    "national": (("100000", "全国", "全国"), [("110000", "甲省"), ("120000", "乙省")], "省"),
}


def level_project(root: Path, level: str) -> Path:
    """A province's (or the nation's) project: its roster of members and October's folder."""
    (own_code, own_name, own_level), members, member_level = LEVELS[level]
    (root / "data" / "2026-10").mkdir(parents=True)
    (root / "bulletin.yml").write_text(
        f"organization:\n  name: {own_name}总工会\n  doc_prefix: 测工发\ncadence: month\n"
        f"level: {level}\n",
        encoding="utf-8",
    )
    rows = ["单位代码,单位名称,层级,上级单位代码", f"{own_code},{own_name},{own_level},"]
    rows += [f"{code},{name},{member_level},{own_code}" for code, name in members]
    (root / "data" / "units.csv").write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    return root


@pytest.mark.parametrize(
    ("level", "said"),
    [
        (
            "province",
            "“丙市”不是本省的市（州）。市（州）可以写名称或单位代码：甲市（810000）、乙市（820000）",
        ),
        (
            "national",
            "“丙市”不是全国的省（区、市）。省（区、市）可以写名称或单位代码：甲省（110000）、乙省（120000）",
        ),
    ],
)
def test_the_office_decisions_name_the_levels_members(
    tmp_path: Path, level: str, said: str
) -> None:
    """A province never says 本市的县市区: an unknown member is named against its members; carry
    and confirm-unchanged, which decide on a county's ledger, and fetch and send-problems,
    which take ledgers in and mail their problems back, say they are a city's."""
    root = level_project(tmp_path / level, level)
    member = LEVELS[level][1][0][1]
    result = invoke("received", "2026-10", "丙市", "2026-11-04 10:00", root)
    assert result.exit_code == 2
    assert error_line(result) == f"错误：{said}"
    own = "全省" if level == "province" else "全国"
    for command, *args in (
        ("carry", member),
        ("confirm-unchanged", member),
        ("fetch",),  # the members' bulletins are taken in by intake
        ("send-problems",),
    ):
        result = invoke(command, "2026-10", *args, root)
        assert result.exit_code == 2
        line = error_line(result)
        assert f"bulletin {command} 只用于市级项目：本项目是{own}的通报项目" in line
        assert f"level: {level}" in line and "县市区" not in line
    assert not list((root / "data" / "2026-10").iterdir())  # nothing recorded


def test_a_members_package_receipt_is_corrected_at_the_province(tmp_path: Path) -> None:
    """`received` at a province corrects when a city's issued bulletin arrived, and says the
    报送情况 the province's bulletin reads from it (the 5 November deadline)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from generator.common.record import read_receipts, record_receipts

    root = level_project(tmp_path / "province", "province")
    folder = root / "data" / "2026-10"
    missing = invoke("received", "2026-10", "甲市", "2026-11-04 10:00", root)
    assert missing.exit_code == 2
    assert "没有收到甲市 2026-10 期印发的通报" in error_line(missing)
    # what `intake` records for a member's package (a real one is verified there, not here)
    (folder / "810000-甲市.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    row = ["810000-甲市.zip", "810000", "2026-11-07 09:00:00", "甲市-2026-10.zip", "ab" * 32]
    record_receipts(folder, [row], datetime(2026, 11, 7, 9, 5))
    result = invoke("received", "2026-10", "甲市", "2026-11-04 10:00", root)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "已更正甲市 2026-10 期的收到时间：810000-甲市.zip 由 2026-11-07 09:00 改为 2026-11-04 10:00。",
        "报送情况：逾期2天 → 按时报送（截止 2026-11-05）。",
        "原记录保留（更正是另记的一条）；下次 bulletin build 会据此重新生成。",
    ]
    (receipt,) = read_receipts(folder)
    beijing = ZoneInfo("Asia/Shanghai")  # the project's zone: a time recorded without offset
    assert receipt.received_at == datetime(2026, 11, 4, 10, 0, tzinfo=beijing)
    assert receipt.corrected_from == [datetime(2026, 11, 7, 9, 0, tzinfo=beijing)]


def test_help_says_what_the_commands_mean_above_a_city() -> None:
    top = invoke("--help").output
    assert "省、全国项目（bulletin.yml 中 level: province 或 national）" in top
    assert "“县市区”指这些成员" in top
    received = "".join(invoke("received", "--help").output.split())
    assert "COUNTY写市（州）或省（区、市）的名称或单位代码" in received
    for command in ("carry", "confirm-unchanged", "fetch", "send-problems"):
        assert "只用于市级项目" in invoke(command, "--help").output


def test_a_period_typed_where_the_project_goes_says_what_to_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`bulletin check 2026-10`, typed as `intake 2026-10` is: the period is said to be one,
    with the command that does what the office meant (it said 这不是一个通报项目目录)."""
    monkeypatch.chdir(tmp_path)  # a project folder, without a folder named 2026-10
    check = invoke("check", "2026-10")
    assert check.exit_code == 2
    assert error_line(check) == (
        "错误：命令行有误：“2026-10”是报告期，不是项目目录：只检查这一期请写 "
        "bulletin check --period 2026-10。项目目录不写时就是当前目录。"
    )
    twice = invoke("issue", "2026-10", "2026-10")
    assert "报告期只写一次，如 bulletin issue 2026-10。" in error_line(twice)
    # a folder that is there is the project, whatever its name
    (tmp_path / "2026-10").mkdir()
    assert "找不到 bulletin.yml" in error_line(invoke("check", "2026-10"))


def test_init_says_the_example_organization_is_to_be_replaced(tmp_path: Path) -> None:
    """Without --organization the project is headed 某市总工会: init says so, and that it
    must be the office's own before anything is issued; given both, nothing is said."""
    result = invoke("init", tmp_path / "示例")
    assert result.exit_code == 0, result.output
    assert "暂为示例“某市总工会”“某工发”" in result.output
    assert "改好之前不能印发" in result.output
    named = invoke(
        "init", tmp_path / "青山", "--organization", "青山市总工会", "--doc-prefix", "青工发"
    )
    assert named.exit_code == 0 and "示例" not in named.output
