"""Issued bulletins (CONTRACT §4.1): `issue`, byte-identical records, corrections, numbering."""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import Project, as_project, copy_built, rows_of

from generator.build import BuildOptions, build
from generator.cli import cli
from generator.common.errors import ConfigError, DataError
from generator.common.register import read_register
from generator.office.issue import issue_period
from generator.office.scaffold import new_period

pytestmark = pytest.mark.slow

NOW = datetime(2026, 11, 6, 9, 30, tzinfo=UTC)


def write_frame(root: Path, period: str, number: int | None, signed: str | None) -> Path:
    lines = ["---"]
    if number is not None:
        lines.append(f"doc_number: {number}")
    lines.append("recipients: 各县市区总工会")
    if signed:
        lines.append(f"signed_on: {signed}")
    lines += [
        "---",
        "",
        f"现将{period}情况通报如下。",
        "",
        "<!-- closing -->",
        "",
        "请抓好落实。",
        "",
    ]
    path = root / "content" / "bulletins" / f"{period}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def text_of(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def register_rows(root: Path) -> list[dict[str, str]]:
    with (root / "issued" / "register.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# ---- the whole record: issue, correct the data, build again ----------------------------------


class Flow:
    """A project with September issued, then September's ledger corrected and built again.

    The project starts as a copy of the session's build of it, caches along: its own first
    build (with the frames) redoes what the frames change.
    """

    def __init__(self, source: Path, root: Path) -> None:
        self.project = copy_built(source, root, rebuild=False)
        self.root = root
        write_frame(root, "2026-09", 9, "2026-10-05")
        write_frame(root, "2026-10", 10, "2026-11-05")
        build(root, BuildOptions(jobs=1))
        self.site = root / "site"
        self.before = {p: p.read_bytes() for p in self.site.rglob("*.pdf")}
        self.result = issue_period(root, "2026-09", now=lambda: NOW)
        # A county resends September: 东方机械 had 125 employees, not 120.
        rows = rows_of("enterprises", "2026-09")
        rows[0]["employees"] = "125"
        self.project.write("enterprises", rows, period="2026-09")
        self.rebuilt = build(root, BuildOptions(jobs=1))


@pytest.fixture(scope="module")
def flow(small_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Flow:
    return Flow(small_build, tmp_path_factory.mktemp("issue") / "project")


def test_issue_freezes_the_published_files_and_registers_them(flow: Flow) -> None:
    issued = flow.root / "issued" / "2026-09"
    rows = register_rows(flow.root)
    assert list(rows[0]) == ["period", "发文字号", "signed_on", "issued_at", "file", "sha256"]
    assert {r["period"] for r in rows} == {"2026-09"}
    assert {r["发文字号"] for r in rows} == {"测工发〔2026〕9号"}
    assert {r["signed_on"] for r in rows} == {"2026-10-05"}
    assert {r["issued_at"] for r in rows} == {
        "2026-11-06T17:30:00+08:00"
    }  # the same instant, on Beijing time
    files = {r["file"] for r in rows}
    for name in (
        "public/pdf/2026-09/bulletin.pdf",
        "internal/pdf/2026-09/bulletin.pdf",
        "internal/pdf/2026-09/units/990100.pdf",
        "internal/pdf/2026-09/units/990201.pdf",
        "dist/2026-09/manifest.csv",
        "dist/2026-09/990100-甲县.zip",
        "dist/2026-09/990100-甲县/990100-甲县-2026年9月报告.pdf",
        "dist/2026-09/990101-东镇/990101-东镇-2026年9月未建会重点企业清单.xlsx",
        "model/internal.json",
        "model/public.json",
    ):
        assert name in files
    for r in rows:
        assert sha(issued / r["file"]) == r["sha256"]
    # what was issued is what the build had published (and had been printed and signed)
    for audience in ("public", "internal"):
        rel = f"{audience}/pdf/2026-09/bulletin.pdf"
        assert (issued / rel).read_bytes() == flow.before[flow.site / rel]


def test_later_builds_publish_the_issued_files_byte_identical(flow: Flow) -> None:
    for r in register_rows(flow.root):
        if r["file"].startswith("model/"):
            continue
        published = flow.site / r["file"]
        assert sha(published) == r["sha256"], r["file"]
    # every issued period's packets stay beside the latest one's
    assert (flow.site / "dist" / "2026-09" / "manifest.csv").is_file()
    assert (flow.site / "dist" / "2026-10" / "manifest.csv").is_file()


def test_changed_figures_of_an_issued_period_are_warned(flow: Flow) -> None:
    problems = (flow.site / "internal" / "data" / "2026-09" / "problems.csv").read_text("utf-8-sig")
    changed = [line for line in problems.splitlines() if "W-ISSUED-CHANGED" in line]
    # 东镇: employees 120 -> 125, members 100: membership rate 100/120 = 83.3% -> 100/125 = 80.0%;
    # 甲县 and the city add the same 5 employees (150 -> 155, 160 -> 165).
    text = "\n".join(changed)
    for unit, figure, before, after in (
        ("东镇", "职工人数", "120", "125"),
        ("东镇", "职工入会率", "83.3%", "80.0%"),
        ("甲县", "职工人数", "150", "155"),
        ("全市", "职工人数", "160", "165"),
        ("全市", "职工入会率", "83.3%", "80.0%"),
    ):
        assert any(
            unit in line and figure in line and f"{before} → {after}" in line for line in changed
        ), (unit, figure, text)
    assert "南街道" not in text and "西镇（" not in text  # their figures did not change
    assert flow.rebuilt.warnings >= len(changed) > 0
    quality = (flow.site / "internal" / "quality" / "2026-09.html").read_text("utf-8")
    assert "W-ISSUED-CHANGED" in quality  # the data-quality page counts them


def test_the_next_bulletin_carries_the_correction(flow: Flow) -> None:
    for audience in ("internal", "public"):
        text = text_of(flow.site / audience / "pdf" / "2026-10" / "bulletin.pdf")
        flat = "".join(text.split())
        assert "更正说明" in flat, audience
        assert "测工发〔2026〕9号" in flat
        assert "甲县东镇：" in flat and "职工人数由120更正为125" in flat
        assert "职工入会率由83.3%更正为80.0%" in flat
        city = flat.split("全市：", 1)[1].split("。", 1)[0]
        assert "职工人数由160更正为165" in city and "综合得分" not in city  # the city is not scored
        page = (flow.site / audience / "bulletins" / "2026-10.html").read_text("utf-8")
        assert 'id="corrections"' in page and "职工人数由120更正为125" in page
        # the issued period's page says so and links to it
        issued_page = (flow.site / audience / "bulletins" / "2026-09.html").read_text("utf-8")
        assert "数据已更正" in issued_page and 'href="2026-10.html#corrections"' in issued_page
        assert "更正说明" not in text_of(flow.site / audience / "pdf" / "2026-09" / "bulletin.pdf")


def test_each_unit_page_lists_its_packets_by_period(flow: Flow) -> None:
    page = (flow.site / "internal" / "units" / "990100.html").read_text("utf-8")
    for period, label in (("2026-10", "2026年10月"), ("2026-09", "2026年9月")):
        href = f"dist/{period}/990100-甲县.zip"
        assert href in page and label in page
        assert (flow.site / "internal" / href).read_bytes() == (
            flow.site / "dist" / period / "990100-甲县.zip"
        ).read_bytes()
    assert "分发文件包" not in (flow.site / "public" / "units" / "990100.html").read_text("utf-8")


def test_an_issued_period_is_not_issued_again_nor_an_earlier_one(flow: Flow) -> None:
    with pytest.raises(ConfigError, match="已于 2026-11-06 印发"):
        issue_period(flow.root, "2026-09")
    with pytest.raises(ConfigError, match="已印发"):
        new_period(flow.root, "2026-08")
    with pytest.raises(ConfigError, match="已经印发"):
        new_period(flow.root, "2026-09", force=True)


def test_an_issued_file_changed_by_hand_stops_the_build(flow: Flow, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(flow.root, copy, ignore=shutil.ignore_patterns("site", ".bulletin-cache"))
    pdf = copy / "issued" / "2026-09" / "internal" / "pdf" / "2026-09" / "bulletin.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["build", str(copy)])
    assert result.exit_code == 1
    assert (
        "已印发的文件 issued/2026-09/internal/pdf/2026-09/bulletin.pdf 与印发时登记的 sha256 不符"
        in (result.output)
    )


# ---- refusals ---------------------------------------------------------------------------------


@pytest.fixture
def cached(small_build: Path, tmp_path: Path) -> Project:
    """The small project with the caches of the session's build of it, without its output: its
    builds and issues take from the caches what its frames do not change, as they would in a
    project built before."""
    root = tmp_path / "project"
    shutil.copytree(
        small_build,
        root,
        symlinks=True,
        ignore=lambda folder, _names: ["site"] if Path(folder) == small_build else [],
    )
    assert not (root / "issued").exists()
    return as_project(root)


def test_issue_refuses_a_frame_without_signing_date_or_number(cached: Project) -> None:
    root = cached.root
    runner = CliRunner()
    result = runner.invoke(cli, ["issue", "2026-10", str(root)])
    assert result.exit_code == 2 and "没有 2026-10 期的通报框架" in result.output
    write_frame(root, "2026-10", 10, None)
    result = runner.invoke(cli, ["issue", "2026-10", str(root)])
    assert result.exit_code == 2
    assert "content/bulletins/2026-10.md 没有填写成文日期（signed_on）" in result.output
    write_frame(root, "2026-10", None, "2026-11-05")
    result = runner.invoke(cli, ["issue", "2026-10", str(root)])
    assert result.exit_code == 2 and "没有填写发文序号" in result.output
    assert not (root / "issued").exists()
    write_frame(root, "2026-10", 10, "2026-11-05")
    result = runner.invoke(cli, ["issue", "2026-10", str(root)])
    assert result.exit_code == 0, result.output
    assert "已印发 2026-10 期通报（测工发〔2026〕10号）" in result.output
    assert "bulletin send 2026-10" in result.output
    assert {r["period"] for r in register_rows(root)} == {"2026-10"}


def test_issue_refuses_data_errors(project: Project) -> None:
    write_frame(project.root, "2026-10", 10, "2026-11-05")
    rows = rows_of("enterprises", "2026-10")
    rows[0]["employees"] = "很多"
    project.write("enterprises", rows, period="2026-10")
    with pytest.raises(DataError):
        issue_period(project.root, "2026-10")
    assert not (project.root / "issued").exists()


def test_issue_refuses_a_site_that_is_not_the_current_data(cached: Project) -> None:
    write_frame(cached.root, "2026-10", 10, "2026-11-05")
    build(cached.root, BuildOptions(site=False, jobs=1))
    write_frame(cached.root, "2026-10", 10, "2026-11-06")  # signed a day later, not rebuilt
    with pytest.raises(ConfigError, match="请先运行 bulletin build"):
        issue_period(cached.root, "2026-10")
    assert not (cached.root / "issued").exists()


def test_duplicate_document_numbers_are_refused(cached: Project) -> None:
    root = cached.root
    write_frame(root, "2026-09", 12, "2026-10-05")
    write_frame(root, "2026-10", 12, "2026-11-05")
    result = issue_period(root, "2026-09")
    assert result.doc_code == "测工发〔2026〕12号"
    with pytest.raises(ConfigError, match=r"测工发〔2026〕12号 已用于 2026-09 期通报"):
        issue_period(root, "2026-10")
    # the same serial in another year of signing is another number
    write_frame(root, "2026-10", 12, "2027-01-05")
    assert issue_period(root, "2026-10").doc_code == "测工发〔2027〕12号"
    assert [r.period for r in read_register(root).rows][-1] == "2026-10"


def test_a_register_with_a_duplicate_number_is_an_error(project: Project) -> None:
    folder = project.root / "issued"
    folder.mkdir()
    (folder / "register.csv").write_text(
        "period,发文字号,signed_on,issued_at,file,sha256\n"
        "2026-09,测工发〔2026〕3号,2026-10-05,2026-10-06T09:00:00+08:00,a.pdf,00\n"
        "2026-10,测工发〔2026〕3号,2026-11-05,2026-11-06T09:00:00+08:00,a.pdf,00\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["build", str(project.root)])
    assert result.exit_code == 2
    assert "2026-09 期和 2026-10 期通报的发文字号相同（测工发〔2026〕3号）" in result.output


# ---- numbering and new periods (no build needed) ---------------------------------------------


def suggested_number(root: Path, period: str) -> str:
    """The number the new frame's comment suggests: "2026年下一个序号是 41 号"."""
    import re

    text = (root / "content" / "bulletins" / f"{period}.md").read_text("utf-8")
    found = re.search(r"（(\d{4}年下一个序号是 \d+ 号)", text)
    assert found, text
    return found.group(1)


def sign(root: Path, period: str, number: int, signed: str) -> None:
    """Fill the number and date that new-period left empty, as the office does once signed."""
    path = root / "content" / "bulletins" / f"{period}.md"
    text = path.read_text("utf-8")
    text = text.replace("\ndoc_number:\n", f"\ndoc_number: {number}\n", 1)
    path.write_text(text.replace("\nsigned_on:\n", f"\nsigned_on: {signed}\n", 1), "utf-8")


def test_numbers_count_per_year_of_signing_across_the_year_end(project: Project) -> None:
    root = project.root
    write_frame(root, "2026-10", 40, "2026-11-05")
    new_period(root, "2026-11")  # signed in December: the next number of 2026
    assert suggested_number(root, "2026-11") == "2026年下一个序号是 41 号"
    sign(root, "2026-11", 41, "2026-12-07")
    new_period(root, "2026-12")  # signed in January: the first number of 2027
    assert suggested_number(root, "2026-12") == "2027年下一个序号是 1 号"
    sign(root, "2026-12", 1, "2027-01-06")
    new_period(root, "2027-01")  # the second of 2027, not a new "1"
    assert suggested_number(root, "2027-01") == "2027年下一个序号是 2 号"


def test_numbers_follow_the_register_too(project: Project) -> None:
    root = project.root
    write_frame(root, "2026-10", 7, "2026-11-05")
    folder = root / "issued"
    folder.mkdir()
    (folder / "register.csv").write_text(
        "period,发文字号,signed_on,issued_at,file,sha256\n"
        "2026-10,测工发〔2026〕7号,2026-11-05,2026-11-06T09:00:00+08:00,a.pdf,00\n",
        encoding="utf-8",
    )
    write_frame(root, "2026-10", 3, "2026-11-05")  # the frame edited after issue: the record wins
    new_period(root, "2026-11")
    assert suggested_number(root, "2026-11") == "2026年下一个序号是 8 号"


def test_new_period_names_the_periods_it_skips(project: Project) -> None:
    root = project.root
    write_frame(root, "2026-10", 40, "2026-11-05")
    result = CliRunner().invoke(cli, ["new-period", "2027-02", str(root)])
    assert result.exit_code == 0, result.output
    assert "跳过了 2026-11、2026-12、2027-01（共 3 期）" in result.output
    result = CliRunner().invoke(cli, ["new-period", "2027-03", str(root)])
    assert "跳过" not in result.output


def test_the_build_tells_the_changed_figures(flow: Flow, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(flow.root, copy, ignore=shutil.ignore_patterns("site"))
    result = CliRunner().invoke(cli, ["build", str(copy), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    # a line per county, not per figure; the internal site's list keeps every figure
    said = "".join(result.output.split())
    listed = _issued_changes(copy / "site" / "internal" / "data" / "2026-09" / "problems.csv")
    assert (
        f"注意：已印发的2026年9月通报（测工发〔2026〕9号）中有{len(listed)}处数字按现在的数据"
        "有变化（W-ISSUED-CHANGED）。印发的文件保持不变；2026年10月通报将刊发更正说明。"
    ) in said
    assert _summary_lines(result.output) == _EXPECTED_LINES
    assert "已印发的2026年9月通报（测工发〔2026〕9号）中，" not in said
    assert "见内网“数据质量”页和site/internal/data/2026-09/problems.xlsx。" in said


def test_a_correction_once_issued_is_not_repeated(flow: Flow, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(flow.root, copy, ignore=shutil.ignore_patterns("site"))
    issue_period(copy, "2026-10")  # October, carrying September's correction, is issued
    new_period(copy, "2026-11")
    for source in (copy / "data" / "2026-10").iterdir():
        shutil.copy(source, copy / "data" / "2026-11" / source.name)
    result = build(copy, BuildOptions(jobs=1))
    assert result.issued_changed == []  # September as corrected by October is the data
    site = copy / "site"
    assert "更正说明" not in text_of(site / "internal" / "pdf" / "2026-11" / "bulletin.pdf")
    october = text_of(site / "internal" / "pdf" / "2026-10" / "bulletin.pdf")
    assert "更正说明" in october
    page = (site / "public" / "bulletins" / "2026-09.html").read_text("utf-8")
    assert "数据已更正" in page and 'href="2026-10.html#corrections"' in page
    assert "2026年10月通报的更正说明" in page


def test_two_issues_at_once_are_refused(cached: Project) -> None:
    from generator.common.publish import BuildRunning, exclusive_issue

    write_frame(cached.root, "2026-10", 10, "2026-11-05")
    with exclusive_issue(cached.root):  # another `issue` or `send` of this project is running
        result = CliRunner().invoke(cli, ["issue", "2026-10", str(cached.root)])
        assert result.exit_code != 0
        assert "另一个 bulletin issue 或 send 命令正在处理这个项目（进程号" in result.output
        assert "Traceback" not in result.output
        with pytest.raises(BuildRunning):
            issue_period(cached.root, "2026-10")
    assert not (cached.root / "issued").exists()
    # once it has finished, the issue goes through
    assert issue_period(cached.root, "2026-10").doc_code == "测工发〔2026〕10号"


#: 东方机械's five more employees (东镇 of 甲县), worked out from the September figures: 东镇, 甲县
#: and the city have 5 more employees (120/150/160 -> 125/155/165), 5 more in unionised
#: enterprises (120 -> 125 each) and a lower membership rate (100/120 -> 100/125: 83.3% ->
#: 80.0%); 东镇 and 甲县 are scored on it (the city is not), 南街道 and 乙区 changed nothing.
#: Each line: the county (or 全市), its units, how many figures, which.
_EXPECTED_LINES = {
    ("全市", "", 3, frozenset({"职工人数", "已建会企业职工人数", "职工入会率"})),
    (
        "甲县",
        "甲县、甲县东镇",
        8,
        frozenset({"职工人数", "已建会企业职工人数", "职工入会率", "综合得分"}),
    ),
}


def _issued_changes(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [r for r in csv.DictReader(handle) if "W-ISSUED-CHANGED" in r.values()]


def _summary_lines(output: str) -> set[tuple[str, str, int, frozenset[str]]]:
    """The summary's lines per county (a rich console may wrap them: joined again)."""
    text = "".join(output.split("W-ISSUED-CHANGED", 1)[1].split())
    found = re.findall(r"(全市|甲县|乙区)(?:（([^）]*)）)?共(\d+)处：([^；。]*?)有变化", text)
    return {(name, units, int(n), frozenset(said.split("、"))) for name, units, n, said in found}


def test_check_tells_the_changed_figures_too(flow: Flow, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(flow.root, copy, ignore=shutil.ignore_patterns("site"))
    result = CliRunner().invoke(cli, ["check", str(copy)])
    assert result.exit_code == 0, result.output
    # a line per county in the terminal, not the dozens of figures: the problem list keeps
    # them (the table's cells wrap: read across lines)
    flat = "".join(result.output.replace("│", " ").split())
    assert "甲县东镇（990101）的职工人数为120，按现在的数据为125" not in flat
    rows = _issued_changes(copy / "problems" / "problems.csv")
    assert (
        f"另有（不计入上面的警告数）：已印发的2026年9月通报（测工发〔2026〕9号）中有{len(rows)}处"
    ) in flat
    assert _summary_lines(result.output) == _EXPECTED_LINES
    assert "逐项的单位、指标、印发时和现在的数值见问题清单problems/problems.xlsx。" in flat
    # 东镇's five more employees: itself, its county and the city, as the build tells them
    employees = sorted(r["内容"] for r in rows if r["列"] == "职工人数")
    assert employees == ["120 → 125", "150 → 155", "160 → 165"]
    assert not (copy / "site").exists()  # check writes no output


def test_issue_after_a_build_killed_in_its_swap(cached: Project) -> None:
    root = cached.root
    write_frame(root, "2026-10", 10, "2026-11-05")
    build(root, BuildOptions(site=False, jobs=1))
    # killed between the two renames of the fallback swap: site/ is gone, the old one beside it
    (root / "site").rename(root / ".site.old")
    result = issue_period(root, "2026-10")
    assert result.doc_code == "测工发〔2026〕10号"
    assert (root / "site").is_dir() and not (root / ".site.old").exists()


# ---- every registered file verified before it is trusted (models included) ------------------


def _edit_model(path: Path) -> None:
    """Change one figure of the issued model as a hand edit would: 东镇 had 999 employees."""
    import json

    model = json.loads(path.read_text("utf-8"))
    unit = next(u for u in model["units"] if u["code"] == "990101")
    unit["employees"] = 999
    path.write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("change", ["edited", "deleted"])
def test_an_issued_model_changed_by_hand_stops_the_build(
    flow: Flow, tmp_path: Path, change: str
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(flow.root, copy, ignore=shutil.ignore_patterns("site"))
    runner = CliRunner()
    if change == "edited":  # a site built before the edit: the next build is not skipped
        assert runner.invoke(cli, ["build", str(copy), "--jobs", "1"]).exit_code == 0
    model = copy / "issued" / "2026-09" / "model" / "internal.json"
    if change == "edited":
        _edit_model(model)
        what = "与印发时登记的 sha256 不符"
    else:
        model.unlink()
        what = "缺失"
    before = {p: p.read_bytes() for p in copy.glob("site/**/*") if p.is_file()}
    # the build after the edit is not skipped as "nothing changed": it reads the model and stops
    for command in ("build", "check"):
        result = runner.invoke(cli, [command, str(copy)])
        assert result.exit_code == 1, (command, result.output)
        assert f"已印发的文件 issued/2026-09/model/internal.json {what}" in result.output
        assert "请从备份中恢复该文件" in result.output and "Traceback" not in result.output
    # no 更正说明 for a change that never happened, nor one missing for a real one
    after = {p: p.read_bytes() for p in copy.glob("site/**/*") if p.is_file()}
    assert after == before


# ---- the signing date and number: left to the office, checked at issue ----------------------


def test_a_new_frame_is_not_issued_until_signed_and_a_weekend_is_told(cached: Project) -> None:
    root = cached.root
    runner = CliRunner()
    write_frame(root, "2026-09", 9, "2026-10-05")
    made = runner.invoke(cli, ["new-period", "2026-10", str(root)])
    assert made.exit_code == 0, made.output
    refused = runner.invoke(cli, ["issue", "2026-10", str(root)])
    assert refused.exit_code == 2
    assert (
        "content/bulletins/2026-10.md 没有填写成文日期（signed_on）和发文序号（doc_number），不能印发"
        in refused.output
    )
    assert (
        "signed_on: 2026-11-05" in refused.output
        and "doc_number: 10，2026年的下一个序号" in refused.output
    )
    sign(root, "2026-10", 10, "2026-11-07")  # a Saturday
    checked = runner.invoke(cli, ["check", str(root)])
    with (root / "problems" / "problems.csv").open(encoding="utf-8-sig", newline="") as handle:
        weekend = [r for r in csv.DictReader(handle) if r["问题代码"] == "W-SIGNED-WEEKEND"]
    assert checked.exit_code == 0, checked.output
    assert [(r["文件"], r["内容"]) for r in weekend] == [
        ("content/bulletins/2026-10.md", "2026-11-07")
    ]
    assert "成文日期 2026-11-07 是星期六" in weekend[0]["说明"]
    issued = runner.invoke(cli, ["issue", "2026-10", str(root)])
    assert issued.exit_code == 0, issued.output
    assert "已印发 2026-10 期通报（测工发〔2026〕10号）" in issued.output
    assert "注意：成文日期 2026-11-07 是星期六，请确认这是领导签发的日期。" in issued.output
    # printed the day it was signed, as the frame left printed_on empty
    text = "".join(text_of(root / "issued/2026-10/internal/pdf/2026-10/bulletin.pdf").split())
    assert "2026年11月7日印发" in text
    # once issued, the date is a record: no warning on every later check
    assert runner.invoke(cli, ["check", str(root)]).exit_code == 0
    problems = (root / "problems" / "problems.csv").read_text("utf-8-sig")
    assert "W-SIGNED-WEEKEND" not in problems


def record_receipt(root: Path, period: str, county: str, when: str) -> None:
    """A receipt as `intake` records it (the period's receipt record)."""
    from generator.office.intake import RECEIVED, RECEIVED_HEADERS

    path = root / "data" / period / RECEIVED
    new = not path.is_file()
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        if new:
            writer.writerow(RECEIVED_HEADERS)
        writer.writerow([f"{county}.xlsx", county, when, f"{county}.xlsx", "0" * 64])


def test_a_signing_date_before_the_deadline_or_a_receipt_is_refused(cached: Project) -> None:
    root = cached.root
    runner = CliRunner()
    write_frame(root, "2026-10", 10, "2026-11-04")
    early = runner.invoke(cli, ["issue", "2026-10", str(root)])
    assert early.exit_code == 2, early.output
    assert (
        "成文日期 2026-11-04（2026年11月4日）早于本期的报送截止日 2026年11月5日"
        "（bulletin.yml 的 report_deadline）" in early.output
    )
    assert "请核对并修改 content/bulletins/2026-10.md 中的 signed_on" in early.output
    record_receipt(root, "2026-10", "990200", "2026-11-03 10:00:00")
    record_receipt(root, "2026-10", "990100", "2026-11-06 16:20:00")  # 甲县, a day late
    write_frame(root, "2026-10", 10, "2026-11-05")
    late = runner.invoke(cli, ["issue", "2026-10", str(root)])
    assert late.exit_code == 2, late.output
    flat = "".join(late.output.split())
    assert (
        "成文日期2026-11-05（2026年11月5日）早于本期最后收到的台账："
        "甲县（990100）的台账2026-11-0616:20收到" in flat
    )
    assert 'bulletinreceived2026-10990100"YYYY-MM-DDHH:MM"更正' in flat
    assert "Traceback" not in late.output
    assert not (root / "issued").exists()


# ---- three issued periods: each one's reports and packets stay reachable ---------------------


@pytest.mark.browser
def test_unit_pages_link_every_issued_periods_reports_and_packets(
    small_build: Path, tmp_path: Path, browser: Any
) -> None:
    """September, October and November issued, one after the other, then built again (CONTRACT
    §4, §4.1): a county's and a township's intranet page link each period's report and packet,
    newest first, and what the links give is what was issued."""
    from demo_site import serve

    root = tmp_path / "project"
    project = copy_built(small_build, root, rebuild=False)
    project.write("enterprises", rows_of("enterprises", "2026-10"), period="2026-11")
    for period, number, signed in (
        ("2026-09", 9, "2026-10-09"),
        ("2026-10", 10, "2026-11-06"),
        ("2026-11", 11, "2026-12-07"),
    ):
        write_frame(root, period, number, signed)
    build(root, BuildOptions(jobs=1))
    when = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    for period in ("2026-09", "2026-10", "2026-11"):
        issue_period(root, period, now=lambda: when)
    build(root, BuildOptions(jobs=1))
    issued = {r["file"]: r["sha256"] for r in register_rows(root)}
    site = root / "site"
    periods = [("2026-11", "2026年11月"), ("2026-10", "2026年10月"), ("2026-09", "2026年9月")]
    context = browser.new_context()
    page = context.new_page()
    try:
        with serve(site) as base:
            for code, folder in (("990100", "990100-甲县"), ("990101", "990101-东镇")):
                page.goto(f"{base}/internal/units/{code}.html", wait_until="load")
                for kind, path in (
                    ("reports", f"pdf/{{}}/units/{code}.pdf"),
                    ("packets", f"dist/{{}}/{folder}.zip"),
                ):
                    links = page.locator(f"p.downloads.{kind} a")
                    shown = [(a.inner_text(), a.get_attribute("href")) for a in links.all()]
                    assert shown == [
                        (label, f"../{path.format(period)}") for period, label in periods
                    ], (code, kind)
                    for period, _ in periods:
                        rel = path.format(period)
                        answer = page.request.get(f"{base}/internal/{rel}")
                        assert answer.status == 200, rel
                        digest = hashlib.sha256(answer.body()).hexdigest()
                        # the issued file itself, byte for byte
                        key = rel if rel.startswith("dist/") else f"internal/{rel}"
                        assert digest == issued[key], rel
            # the public site links neither
            page.goto(f"{base}/public/units/990100.html", wait_until="load")
            assert page.locator("p.downloads.reports, p.downloads.packets").count() == 0
    finally:
        context.close()


def test_a_judgment_left_undecided_is_not_issued(project: Project) -> None:
    """CONTRACT 3.9: a new-members rule cannot judge a county whose members at last year's end
    are not in the data (the project starts in 2026-09). The leader does not sign a bulletin
    with such a judgment missing: issue refuses, naming each county, what is missing and the
    rule, and what to do; nothing is issued."""
    config = project.root / "bulletin.yml"
    config.write_text(
        config.read_text("utf-8")
        + "judgments:\n  criticize:\n    - {metric: members_completion, below: 0.5}\n",
        "utf-8",
    )
    write_frame(project.root, "2026-10", 10, "2026-11-05")
    result = CliRunner().invoke(cli, ["issue", "2026-10", str(project.root)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    flat = "".join(result.output.split())
    # named once a year, at 2026-09, and still undecided in October
    assert "2026-10期通报中有2个单位的评价因缺少数据无法作出（W-JUDGMENT-UNDECIDED）" in flat
    assert "未印发" in flat
    for county in ("甲县（990100）", "乙区（990200）"):
        assert f"{county}2025年末的会员人数不在数据中" in flat
    assert "规则members_completion对它不起作用。请补上2025年12月的台账" in flat
    assert "bulletin.yml中judgments的规则" in flat
    assert not (project.root / "issued").exists()
    assert not (project.root / "site").exists()  # refused before anything was built


def test_a_judgment_taken_away_after_issue_is_said_and_summed_up() -> None:
    from generator.common.register import _warning, summarise_changes
    from generator.model.bulletin import Correction

    def correction(unit: str, name: str, label: str, issued: str, now: str) -> Correction:
        return Correction(
            "2026-10", "2026年10月", "测工发〔2026〕10号", unit, name, "x", label, issued, now
        )

    changed = [
        _warning(correction("990100", "甲县", "评价", "通报批评", ""), None, "990100", NAMES),
        _warning(correction("990100", "甲县", "职工人数", "350", "355"), None, "990100", NAMES),
        _warning(correction("990101", "甲县东镇", "职工人数", "120", "125"), None, "990100", NAMES),
        _warning(correction("990000", "全市", "职工人数", "360", "365"), None, "", NAMES),
    ]
    # never "按现在的数据为。": the judgment gone is said 无
    assert "的评价为通报批评，按现在的数据为无。" in changed[0].message
    bulletin, where, lines = summarise_changes(changed)
    assert bulletin == "2026年10月通报（测工发〔2026〕10号）"
    assert where == "更正说明将在下一期通报中刊发（请先运行 bulletin new-period）"
    assert lines == [
        "甲县（甲县、甲县东镇）共 3 处：甲县的评价 通报批评 → 无；职工人数有变化",
        "全市共 1 处：职工人数有变化",
    ]
    # two issued bulletins changed: each line says which
    september = Correction(
        "2026-09", "2026年9月", "测工发〔2026〕9号", "990200", "乙区", "x", "职工人数", "80", "82"
    )
    both = [*changed, _warning(september, None, "990200", NAMES)]
    bulletin, _where, lines = summarise_changes(both)
    assert bulletin == "通报"
    assert lines[0].startswith("2026年10月通报 甲县（") and lines[-1] == (
        "2026年9月通报 乙区共 1 处：职工人数有变化"
    )


NAMES = {"990100": "甲县", "990200": "乙区"}


def test_a_province_correction_names_the_province_as_全省(tmp_path: Path) -> None:
    """A province (three small cities) issues October; 甲市's November package corrects its
    October enterprises 4 -> 5, so the province's own total 11 -> 12: its 更正说明 and its
    W-ISSUED-CHANGED name the province's total 全省, never 全市."""
    from test_federation import (
        CITIES,
        NOW,
        PERIOD,
        Federation,
        _frame,
        _next_package,
        make_city,
        make_province,
    )

    from generator.build import _issued_corrections, gather
    from generator.federation.intake import take_package
    from generator.federation.words import speak_as

    cities, ledgers = {}, {}
    try:
        for prefix, name, change in CITIES:
            city = tmp_path / f"city{prefix}"
            ledgers[f"{prefix}0000"] = make_city(city, prefix, name, change)
            issue_period(city, PERIOD, now=lambda: NOW)
            cities[f"{prefix}0000"] = city
        fed = Federation(cities, ledgers, tmp_path)
        root = make_province(tmp_path / "province", fed)
        _frame(root)
        issue_period(root, PERIOD, now=lambda: NOW)
        (root / "data" / "2026-11").mkdir()
        for code, city in cities.items():
            fixed = [
                {"period": PERIOD, "unit": code, "figure": "enterprises"}
                | {"issued": "4", "corrected": "5"}
            ]
            sent = _next_package(
                city / "issued" / PERIOD,
                tmp_path / f"sent{code}",
                fixed if code == "910000" else [],
            )
            take_package(root, "2026-11", sent, received="2026-12-03 10:00")
        g = gather(root, BuildOptions(site=False, pdf=False))
        changed = [p for p in _issued_corrections(root, g) if p.code == "W-ISSUED-CHANGED"]
    finally:
        speak_as("city")
    november = next(b for b in g.bulletins["internal"] if b.period == "2026-11")
    own = [c for c in november.corrections if c.unit == "800000" and c.figure == "enterprises"]
    assert [(c.unit_name, c.issued, c.corrected) for c in own] == [("全省", "11", "12")]
    assert any("全省" in note for note in november.correction_notes)
    assert not any("全市" in note for note in november.correction_notes)
    assert changed and not any("全市" in p.message for p in changed)
    assert any("全省" in p.message for p in changed)


@pytest.mark.parametrize(
    ("name", "prefix", "named"),
    [
        ("某市总工会", "测工发", "发文机关（name）“某市总工会”"),
        ("测试市总工会", "某工发", "“某工发”"),
    ],
)
def test_the_example_organization_of_init_is_not_issued(
    cached: Project, name: str, prefix: str, named: str
) -> None:
    """`init` writes 某市总工会 / 某工发 for the office to replace: a bulletin issued under them
    would stay headed 某市总工会文件, 某工发〔2026〕10号, in the record for good."""
    config = cached.root / "bulletin.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("name: 测试市总工会", f"name: {name}").replace("测工发", prefix)
    config.write_text(text, encoding="utf-8")
    write_frame(cached.root, "2026-10", 10, "2026-11-05")
    result = CliRunner().invoke(cli, ["issue", "2026-10", str(cached.root)])
    assert result.exit_code == 2, result.output
    assert named in result.output and "还是新建项目时的示例，未印发" in result.output
    assert "Traceback" not in result.output
    assert not (cached.root / "issued").exists()
