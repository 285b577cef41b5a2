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
