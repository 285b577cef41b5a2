"""The corpus of bad rosters through `bulletin check` and `bulletin build`.

Each case of tests/corpus/cases.py breaks a copy of the small valid project. `check` must exit
1 with errors (0 with warnings only, 2 for a usage error), report every expected code at its row,
in Chinese, without a traceback; `build` must refuse with the same exit code and leave the
output folder as it was: not created, or an existing one untouched, and no staging folder left.
Cases that pass `check` run the build up to the rendering (rosters, figures, model), which is
where bad-but-accepted data would crash; rendering itself is covered by the build tests.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Project
from corpus.cases import CASES, Case

from generator.cli import cli


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Case], Project]:
    """A copy of the small valid project broken by a case, made once per case for both tests."""
    folder = tmp_path_factory.mktemp("corpus")
    base = Project(folder / "base").root
    made: dict[str, Project] = {}

    def make(case: Case) -> Project:
        if case.name not in made:
            root = folder / case.name
            shutil.copytree(base, root)
            project = Project.__new__(Project)
            project.root, project.fmt, project.encoding = root, "csv", "utf-8-sig"
            case.breaks(project)
            made[case.name] = project
        return made[case.name]

    return make


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    output = result.output
    assert "Traceback" not in output, output
    assert "程序内部错误" not in output, output  # the CLI's last resort for a bug
    assert result.exit_code in (0, 1, 2), (result.exit_code, output, result.exception)
    return result.exit_code, output


def problem_rows(root: Path) -> list[dict[str, str]]:
    with (root / "problems" / "problems.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_corpus_is_large_and_names_are_unique() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    rule_cases = [c for c in CASES if any(code.startswith(("E-", "W-")) for code in c.expect)]
    assert len(rule_cases) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_reports_the_case(case: Case, broken: Callable[[Case], Project]) -> None:
    project = broken(case)
    code, output = invoke("check", str(project.root))
    assert code == case.check_exit, output
    if code == 2:
        assert output.startswith("错误：") and is_chinese(output)
        return
    found = problem_rows(project.root)
    # a ledger the case saved by hand has no receipt time: the month's record, not the case
    # nor are the units the small corpus project cannot score (W-SCORE-NULL, from the figures)
    named = [p for p in found if p["问题代码"] not in ("W-RECEIPT-MISSING", "W-SCORE-NULL")]
    reported = {(p["问题代码"], p["文件"], p["行号"]) for p in named}
    codes = {p["问题代码"] for p in named}
    for expected in case.expect:
        name, _, row = expected.partition("@")
        assert name in codes, f"{name} not reported; got {sorted(reported)}"
        if row:
            assert (name, case.located_in, row) in reported, sorted(reported)
    for name in case.absent:
        assert name not in codes, sorted(reported)
    if not case.expect:
        assert not named, sorted(reported)
    for problem in found:
        assert is_chinese(problem["说明"]), problem
        assert len(problem["内容"]) <= 200  # a 5 MB cell is not copied into the list
        assert problem["级别"] in ("错误", "警告")
    # The terminal lists the problems too, with the counts; warnings alone do not stop a build.
    errors = sum(1 for p in found if p["级别"] == "错误")
    warnings = len(found) - errors
    if errors:
        assert f"共 {errors} 个错误、{warnings} 个警告" in output
    elif warnings:
        assert f"没有错误，共 {warnings} 个警告" in output
    else:
        assert "没有发现问题" in output
    if found:
        assert "问题明细" in output


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_build_refuses_and_leaves_no_output(case: Case, broken: Callable[[Case], Project]) -> None:
    project = broken(case)
    expected = case.check_exit or case.build_exit
    if not expected:
        # Accepted data: rosters, figures and the bulletin model must take it.
        from generator.build import BuildOptions, gather

        gathered = gather(project.root, BuildOptions())
        assert gathered.periods
        return
    site = project.root / "site"
    previous = CASES.index(case) % 2 == 0  # half the cases had a site built before
    if previous:  # an earlier output: marked as ours
        (site / "public").mkdir(parents=True)
        (site / ".bulletin-output").write_text("", encoding="utf-8")
        (site / "public" / "index.html").write_text("上一次生成的网站", encoding="utf-8")
    code, output = invoke("build", str(project.root))
    assert code == expected, output
    assert is_chinese(output)
    if previous:
        assert sorted(p.name for p in site.iterdir()) == [".bulletin-output", "public"]
        page = site / "public" / "index.html"
        assert page.read_text(encoding="utf-8") == "上一次生成的网站"
    else:
        assert not site.exists()
    leftovers = [p.name for p in project.root.iterdir() if p.name.startswith(".site")]
    assert not leftovers
