from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli


def all_commands() -> list[str]:
    return sorted(cli.commands)


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()
    assert {"build", "check", "serve", "init", "new-period", "templates", "doctor"} <= set(
        cli.commands
    )
    for name in all_commands():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        command = cli.commands[name]
        assert command.help and command.help.strip(), f"{name} has no help"
        assert "示例" in result.output, f"{name} --help shows no example"


def test_top_level_help_lists_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in all_commands():
        assert name in result.output


def test_not_a_project_is_a_usage_error_in_chinese(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(tmp_path)])
    assert result.exit_code == 2
    assert "bulletin.yml" in result.output
    assert "Traceback" not in result.output


def test_bad_period_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "bulletin.yml").write_text("cadence: month\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(tmp_path), "--period", "2026-13"])
    assert result.exit_code == 2
    assert "报告期" in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["buidl"])
    assert result.exit_code == 2


def test_help_starts_without_the_pipelines_libraries() -> None:
    """`bulletin --help` and a command's --help load the command line only (LAZY_IMPORTS):
    neither pandas, pyarrow, matplotlib, typst nor the stages, so help comes at once."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from generator.cli import cli\n"
        "for args in (['--help'], ['fetch', '--help'], ['issue', '--help']):\n"
        "    try:\n"
        "        cli(args, prog_name='bulletin')\n"
        "    except SystemExit as exit:\n"
        "        assert exit.code == 0, exit.code\n"
        "heavy = ('pandas', 'pyarrow', 'numpy', 'matplotlib', 'typst', 'openpyxl', 'jinja2')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
        "print(sorted(m for m in sys.modules if m.startswith('generator.') and\n"
        "             m.split('.')[1] in ('rosters', 'figures', 'model', 'render', 'office')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout.splitlines()
    assert out[-2:] == ["[]", "[]"]


def test_a_build_says_the_next_step_of_the_latest_period(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Review and sign, then issue; nothing once issued (the summary alone said nothing)."""
    from conftest import Project
    from test_issue import write_frame

    from generator.cli import _say_next

    root = Project(tmp_path / "p").root
    _say_next(root, "2026-10")
    assert capsys.readouterr().out == (
        "下一步：用 bulletin serve 核对网站和 2026-10 期通报；领导签发后，在 "
        "content/bulletins/2026-10.md 中填写发文序号 doc_number 和成文日期 signed_on，"
        "再运行 bulletin build，核对后运行 bulletin issue 2026-10 印发。\n"
    )
    write_frame(root, "2026-10", 10, "2026-11-06")
    _say_next(root, "2026-10")
    assert capsys.readouterr().out == (
        "下一步：核对 2026-10 期通报无误后，运行 bulletin issue 2026-10 印发存档。\n"
    )
    (root / "issued").mkdir()
    (root / "issued" / "register.csv").write_text(
        "period,发文字号,signed_on,issued_at,file,sha256\n"
        "2026-10,测工发〔2026〕10号,2026-11-06,2026-11-06T09:00:00+08:00,a.pdf,00\n",
        encoding="utf-8",
    )
    _say_next(root, "2026-10")
    assert capsys.readouterr().out == ""


def test_a_county_file_named_with_a_leading_dash_is_taken_in_as_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A county names its file -甲县 11月台账.xlsx: the office types the name as it is and the
    file is taken in, not refused as an unknown option (错误：没有 -甲 这个选项)."""
    from conftest import PERIODS, Project, write_roster

    project = Project(tmp_path / "p")
    jia = [r for r in PERIODS["2026-10"]["enterprises"] if r["unit"].startswith("9901")]
    monkeypatch.chdir(tmp_path)
    write_roster(tmp_path / "-甲县 11月台账.xlsx", "enterprises", jia)
    args = ["intake", "2026-10", "-甲县 11月台账.xlsx", "--received", "2026-11-03 10:00"]
    result = CliRunner().invoke(cli, [*args, "-C", str(project.root)])
    assert "这个选项" not in result.output, result.output
    assert "已收取 -甲县 11月台账.xlsx（甲县，" in result.output, result.output
    assert (project.root / "data" / "2026-10" / "990100-甲县.xlsx").is_file()
    # an option that does not exist is still told as one
    wrong = CliRunner().invoke(cli, ["intake", "2026-10", "-甲县.xlsx", "-C", str(project.root)])
    assert wrong.exit_code == 2 and "没有 -甲 这个选项" in wrong.output
