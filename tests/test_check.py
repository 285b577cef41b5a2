"""`bulletin check`: exit codes, what it prints, and the problem lists it writes."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner
from conftest import Project, rows_of
from openpyxl import load_workbook

from generator.cli import cli
from generator.render.files import write_problems
from generator.rosters.load import check_project

OCT = "2026-10"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_clean_project_exits_0_and_writes_empty_lists(project: Project) -> None:
    # the ledgers were saved into the folder by hand: their receipt times are recorded first
    code, output = run(str(project.root))
    assert code == 0, output
    assert output.count("W-RECEIPT-MISSING") == 0 and "收到时间未登记" in output
    for county in ("甲县", "乙区"):
        recorded = CliRunner().invoke(
            cli, ["received", OCT, county, "2026-11-03 10:00", str(project.root)]
        )
        assert recorded.exit_code == 0, recorded.output
    code, output = run(str(project.root))
    assert code == 0, output
    # What is left is what the figures say and the build will list too: 乙区, 西镇 and 南街道
    # have no unionised enterprise's employees (no 职工入会率), the townships no target.
    with (project.root / "problems" / "problems.csv").open(encoding="utf-8-sig") as f:
        left = [row for row in csv.reader(f)][1:]
    assert len(left) == 8 and all("W-SCORE-NULL" in row for row in left)
    assert "没有错误，共 8 个警告" in output
    assert (project.root / "problems" / "problems.csv").is_file()
    assert (project.root / "problems" / "problems.xlsx").is_file()


def test_warnings_only_exit_0_and_are_listed(project: Project) -> None:
    rows = rows_of("enterprises", OCT)
    rows[0]["members"] = "130"
    project.write("enterprises", rows, period=OCT)
    code, output = run(str(project.root))
    assert code == 0, output
    assert "会员人数" in output and "130" in output


def test_errors_exit_1_and_name_file_row_column(project: Project) -> None:
    rows = rows_of("enterprises", OCT)
    rows[2]["employees"] = "很多"
    project.write("enterprises", rows, period=OCT)
    code, output = run(str(project.root))
    assert code == 1
    assert f"data/{OCT}/enterprises.csv" in output
    assert "职工人数" in output
    assert "很多" in output
    line = next(line for line in output.splitlines() if "很多" in line)
    assert " 4 " in line  # Excel row 4: header, then the third enterprise


def test_period_option_and_out_dir(project: Project, tmp_path: Path) -> None:
    rows = rows_of("enterprises", "2026-09")
    rows[0]["employees"] = "很多"
    project.write("enterprises", rows, period="2026-09")
    out = tmp_path / "清单"
    code, output = run(str(project.root), "--period", OCT, "--out", str(out))
    assert code == 0, output  # the error is in 2026-09, which was not checked
    assert (out / "problems.csv").is_file()
    assert str(out) in output.replace("\n", "")
    code, _ = run(str(project.root), "--period", "2026-09")
    assert code == 1


def test_usage_errors_exit_2(tmp_path: Path, project: Project) -> None:
    code, output = run(str(tmp_path / "nowhere"))
    assert code == 2 and "bulletin.yml" in output
    code, output = run(str(project.root), "--period", "2026-13")
    assert code == 2 and "报告期" in output
    code, output = run(str(project.root), "--period", "2025-01")
    assert code == 2 and "2025-01" in output


def test_long_lists_are_truncated_with_a_pointer(project: Project) -> None:
    rows = rows_of("enterprises", OCT)
    base = rows[2]
    many = [dict(base, uscc=f"X{i}", name=f"企业{i}") for i in range(80)]
    project.write("enterprises", rows + many, period=OCT)
    code, output = run(str(project.root))
    assert code == 1
    assert "另有" in output
    assert "problems.xlsx" in output


def test_problem_files_by_county_with_injection_neutralised(project: Project) -> None:
    rows = rows_of("enterprises", OCT)
    rows[0]["employees"] = "=1+2"  # 东镇, 甲县
    rows[2]["unionized"] = "@可能"  # 南街道, 乙区
    project.write("enterprises", rows, period=OCT)
    result = check_project(project.root)
    csv_path, xlsx_path = write_problems(result.problems.items, project.root / "out")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    header, body = table[0], table[1:]
    assert "文件" in header and "行号" in header and "列" in header
    values = {row[header.index("内容")] for row in body}
    assert {"'=1+2", "'@可能"} <= values
    wb = load_workbook(xlsx_path)
    assert wb.sheetnames[0] == "全部"
    assert {"甲县", "乙区"} <= set(wb.sheetnames)
    cells = [c.value for row in wb["甲县"].iter_rows() for c in row]
    assert "'=1+2" in cells
    assert "'@可能" not in cells  # 乙区's problem is on 乙区's sheet only


def test_a_year_without_targets_is_an_error_naming_the_year(project: Project) -> None:
    project.write("enterprises", rows_of("enterprises", "2026-10"), period="2027-01")
    result = check_project(project.root)
    found = [p for p in result.problems.items if p.code == "E-TARGETS-MISSING"]
    assert [(p.file, p.value, p.severity) for p in found] == [("data/targets.csv", "2027", "error")]
    assert "2027年" in found[0].message
    # With a 2027 target for one township the year has begun with its targets.
    targets = [*rows_of("targets"), {"year": "2027", "unit": "990101", "new_unions": "3"}]
    project.write("targets", targets)
    result = check_project(project.root)
    assert not [p for p in result.problems.items if p.code == "E-TARGETS-MISSING"]


def test_check_names_what_would_leave_a_judgment_undecided_or_a_deadline_twice(
    project: Project,
) -> None:
    """CONTRACT 3.9: nothing the office lacks is printed, so check says it. A new-members rule
    cannot judge without last year's members (the project starts in 2026-09); a frame naming
    每月3日前 against report_deadline 5 is a second deadline."""
    config = project.root / "bulletin.yml"
    config.write_text(
        config.read_text("utf-8")
        + "judgments:\n  criticize:\n    - {metric: members_schedule_rate, below: 0.6}\n",
        "utf-8",
    )
    frame = project.root / "content" / "bulletins" / f"{OCT}.md"
    frame.parent.mkdir(parents=True, exist_ok=True)
    frame.write_text(
        "---\ndoc_number: 1\n---\n\n前言。\n\n<!-- closing -->\n\n每月3日前报送。\n", "utf-8"
    )
    code, output = run(str(project.root))
    assert code == 0, output
    flat = "".join(output.split())
    assert "每月3日前" in flat and "report_deadline" in flat
    lines = (project.root / "problems" / "problems.csv").read_text("utf-8-sig")
    undecided = [line for line in lines.splitlines() if "W-JUDGMENT-UNDECIDED" in line]
    # the counties with a new-members target (甲县 300, 乙区 200), once each for the year
    assert len(undecided) == 2 and all("2025年12月的台账" in line for line in undecided)
    assert any("甲县（990100）" in line for line in undecided)
    assert any("乙区（990200）" in line for line in undecided)


def test_check_names_the_score_warnings_the_build_will_list(
    project: Project, tmp_path: Path
) -> None:
    """乙区 was given no 2026 target: it cannot be scored (W-SCORE-NULL). `check` must tell the
    office so before the build, with the same rows the build's problem list will carry."""
    from generator.build import BuildOptions, build

    project.write("targets", [r for r in rows_of("targets") if r["unit"] != "990200"])
    code, output = run(str(project.root), "--period", OCT)
    assert code == 0, output

    def score_rows(path: Path) -> set[tuple[str, str]]:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        return {tuple(r) for r in rows[1:] if "W-SCORE-NULL" in r}  # type: ignore[misc]

    checked = score_rows(project.root / "problems" / "problems.csv")
    build(project.root, BuildOptions(out=tmp_path / "site", site=False, pdf=False, jobs=1))
    built = score_rows(tmp_path / "site" / "internal" / "data" / OCT / "problems.csv")
    assert checked and checked == built
    assert any("乙区（990200）没有2026年度新建会目标" in " ".join(r) for r in checked)


def test_an_empty_new_period_says_how_to_take_files_in_and_who_has_not_sent(
    project: Project,
) -> None:
    # a new month before any county's file was taken in: not "put enterprises.csv here"
    (project.root / "data" / "2026-11").mkdir()
    code, output = run(str(project.root), "--period", "2026-11")
    assert code == 1, output
    flat = "".join(output.split()).replace("│", "")
    assert "E-FILE-MISSING" not in flat and "enterprises.csv" not in flat
    assert "2026-11期还没有收到任何县市区的台账" in flat
    # the office's command with an example: the city's first county, a day after the period
    assert 'bulletinintake2026-11~/下载/甲县台账.xlsx--received"2026-12-0309:30"' in flat
    assert "bulletinfetch2026-11" in flat
    assert "还没有报送的县市区：甲县、乙区。" in flat
    assert "收齐之前要生成以前各期（如2026-10期），生成时指定报告期2026-10。" in flat
    with (project.root / "problems" / "problems.csv").open(encoding="utf-8-sig") as f:
        (row,) = [r for r in csv.DictReader(f) if "2026-11" in "".join(r.values())]
    assert "E-PERIOD-EMPTY" in row.values() and "data/2026-11/" in row.values()
