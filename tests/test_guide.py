"""The user guide (docs/ and the intranet's 使用指南) and the README that leads to it.

The guide is generated from the roster specs, the indicator registry and the problem codes; these
tests fail when docs/ is not what the generator writes now (run `./run guide`), when a column, a
figure or a code has no entry in the guide's data, and when the guide or the README names a
command or an option the program does not have.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.figures import indicators
from generator.office.scaffold import init_project
from generator.render import guide
from generator.rosters import specs, values
from generator.rosters.codes import CODES, OTHER_CODES, explanation
from generator.rosters.load import check_project
from generator.rosters.uscc import uscc_check_char

REPO = Path(__file__).resolve().parent.parent
#: Commands and options agreed for this release whose code is written beside the guide: the
#: guide describes them, and the check below accepts them until they exist.
AGREED_COMMANDS = {"received", "carry", "confirm-unchanged"}
AGREED_OPTIONS = {
    ("intake", "--received"),
    ("intake", "--county"),
    ("intake", "--add"),
    ("intake", "--replace"),
    ("send", "--resend-unknown"),
}
AGREED_CODES = {"E-LEDGER-STALE", "E-UNIT-OTHER-COUNTY"}


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return {page.name: page.text for page in guide.render_guide()}


def test_docs_are_what_the_generator_writes(pages: dict[str, str]) -> None:
    stale = [name for name, text in pages.items() if _read(REPO / "docs" / f"{name}.md") != text]
    assert not stale, f"docs/ differs from the generator for {stale}: run ./run guide"
    generated = {
        p.stem
        for p in (REPO / "docs").glob("*.md")
        if p.read_text(encoding="utf-8").startswith(guide.GENERATED_MARK)
    }
    assert generated == set(pages), "a generated page in docs/ that the guide no longer makes"


def test_write_docs_rewrites_a_changed_page_and_removes_an_old_one(tmp_path: Path) -> None:
    (tmp_path / "month.md").write_text("edited by hand\n", encoding="utf-8")
    (tmp_path / "gone.md").write_text(guide.GENERATED_MARK + "\nold page\n", encoding="utf-8")
    (tmp_path / "development.md").write_text("# Development\n", encoding="utf-8")
    written = guide.write_docs(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.md")) == sorted(
        [*(f"{name}.md" for name, _ in guide.PAGES), "development.md"]
    )
    assert len(written) == len(guide.PAGES)
    assert (tmp_path / "month.md").read_text(encoding="utf-8").startswith(guide.GENERATED_MARK)
    assert (tmp_path / "development.md").read_text(encoding="utf-8") == "# Development\n"


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


# --------------------------------------------------------------------------------------------
# The guide's data covers the registries, and its examples are values the program reads


def _read_as(column: specs.Column, text: str) -> object:
    """The example read as bulletin reads a cell of its column (ValueError if it cannot)."""
    if column.kind == specs.INT:
        value: object = values.parse_int(text)
    elif column.kind == specs.NUMBER:
        value = values.parse_number(text)
    elif column.kind == specs.RATE:
        value = values.parse_rate(text)
    elif column.kind == specs.BOOL:
        value = values.parse_bool(text)
    elif column.kind == specs.DATE:
        value = values.parse_date(text)
    elif column.kind == specs.ENUM:
        value = values.parse_enum(text, column.choices, column.synonyms)
    else:
        value = values.parse_text(text)
        assert value, "an empty example"
    if isinstance(value, int | float):
        assert column.minimum is None or value >= column.minimum
        assert column.maximum is None or value <= column.maximum
    return value


def test_every_column_has_an_example_that_reads_as_its_column() -> None:
    examples = guide.guide_data()["examples"]
    assert set(examples) == set(specs.ROSTERS)
    for roster in specs.ROSTERS.values():
        assert set(examples[roster.name]) == {c.name for c in roster.columns}, roster.name
        for column in roster.columns:
            _read_as(column, str(examples[roster.name][column.name]))
    uscc = examples["enterprises"]["uscc"]
    assert uscc[-1] == uscc_check_char(uscc[:17])
    # the unit roster's example: several addresses in one cell, separated by ;
    assert len(examples["units"]["email"].split(";")) == 2


def test_the_example_reader_refuses_what_bulletin_refuses() -> None:
    level = specs.UNITS.column("level")
    assert _read_as(level, "街道") == "township"
    with pytest.raises(ValueError):
        _read_as(level, "村")
    with pytest.raises(AssertionError):
        _read_as(specs.TARGETS.column("year"), "1999")
    with pytest.raises(ValueError):
        _read_as(specs.ENTERPRISES.column("union_date"), "2026-02-30")


def test_rules_name_only_optional_columns_that_exist() -> None:
    data = guide.guide_data()
    for roster, columns in data["rules"].items():
        assert set(columns) <= {c.name for c in specs.ROSTERS[roster].columns}, roster
    for roster, columns in data["required_when"].items():
        assert not [c for c in columns if specs.ROSTERS[roster].column(c).required], roster


def test_every_figure_has_a_definition_and_no_definition_is_left_over() -> None:
    data = guide.guide_data()
    figures = guide.figures_context(data)
    assert [f["name"] for f in figures] == [i.name for i in indicators.INDICATORS]
    assert all(f["definition"].endswith("。") for f in figures)
    assert set(data["figures"]) <= set(indicators.BY_NAME)
    # a campaign's figures are defined from its entry: its label in each definition
    for c in specs.CAMPAIGNS.values():
        named = [f for f in figures if f["name"].startswith(c.key) or f["name"].endswith(c.key)]
        assert len(named) >= 2
        assert all(c.label in f["definition"] for f in named), c.key
        for column, _label, _unit in c.sums:
            assert c.label in next(f["definition"] for f in figures if f["name"] == column)


def test_figures_page_has_a_row_per_figure_saying_whether_rules_may_name_it(
    pages: dict[str, str],
) -> None:
    rows = [line for line in pages["figures"].splitlines() if "英文名 `" in line]
    assert len(rows) == len(indicators.INDICATORS)
    for i, row in zip(indicators.INDICATORS, rows, strict=True):
        assert row.startswith(f"| {i.header} | ") and f"英文名 `{i.name}`" in row
        assert ("可用于评价规则" in row) == i.rule, i.name
        assert row.endswith(f"| {i.unit or '—'} |")


def test_every_problem_code_of_the_program_is_explained(pages: dict[str, str]) -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "generator").rglob("*.py"))
    raised = set(re.findall(r'"([EW]-[A-Z0-9]+(?:-[A-Z0-9]+)*)"', source))
    assert raised, "no code found in the source"
    page = pages["problems"]
    for code in sorted(raised):
        assert f"### {code}\n" in page, f"{code} is not in the guide's problem codes"
        assert "暂无说明" not in explanation(code), f"{code} has no explanation"
    notes = guide.guide_data()["notes"]
    assert set(notes) <= set(CODES) | set(OTHER_CODES) | AGREED_CODES


def test_problem_codes_are_grouped_as_errors_and_warnings(pages: dict[str, str]) -> None:
    errors, warnings = pages["problems"].split("\n## 警告\n")
    assert "### E-USCC-CHECKSUM\n" in errors and "### W-ENT-MISSING\n" not in errors
    assert "### W-ENT-MISSING\n" in warnings and "### E-" not in warnings
    # a message's variable parts are named, not left as format fields
    assert "{" not in pages["problems"] and "〈…〉" not in pages["problems"]
    assert "“〈列名〉”只能填 〈规定的选项〉 之一" in errors


# --------------------------------------------------------------------------------------------
# What a new office reads to fill units.csv and targets.csv


def test_inputs_page_lists_every_roster_column_alias_and_allowed_value(
    pages: dict[str, str],
) -> None:
    page = pages["inputs"]
    for roster in specs.ROSTERS.values():
        assert f'<a id="{roster.name}"></a>\n\n## {roster.title}' in page
        section = page.split(f'<a id="{roster.name}"></a>')[1].split('<a id="')[0]
        for column in roster.columns:
            row = next(line for line in section.splitlines() if f"英文列名 `{column.name}`" in line)
            assert row.startswith(f"| **{column.title}**"), row
            assert all(alias in row for alias in column.aliases)
            assert ("| 必填" in row) == column.required
            for choice in column.choices:
                if column.name != "level":
                    assert choice in row
            for written in column.synonyms:
                assert written in row


def test_units_and_targets_are_explained_for_a_new_office(pages: dict[str, str]) -> None:
    units = pages["inputs"].split('<a id="units"></a>')[1].split('<a id="')[0]
    level = next(line for line in units.splitlines() if "`level`" in line)
    # the level words a clerk writes, each under the level it means
    assert "只能填 市（也可写 city、地市）；县市区（也可写 county、县、区、市辖区、县级市" in level
    assert "乡镇（街道）（也可写 township、乡、镇" in level
    for column in ("排序", "应配备志愿者", "邮箱"):
        assert f"**{column}**" in units
    assert "`zzb@mh.example.gov.cn;lisi@mh.example.gov.cn`" in units
    assert "用英文分号隔开" in units
    targets = pages["inputs"].split('<a id="targets"></a>')[1].split('<a id="')[0]
    assert "年度,单位代码,新建会目标" in targets and "E-TARGETS-MISSING" in targets


def test_settings_page_shows_the_bulletin_yml_that_init_writes(
    pages: dict[str, str], tmp_path: Path
) -> None:
    init_project(tmp_path / "p", "某市总工会", "某工发", "month")
    written = (tmp_path / "p" / "bulletin.yml").read_text(encoding="utf-8")
    assert f"```yaml\n{written}```" in pages["settings"]
    for metric in indicators.RULE_METRICS:
        assert f"#   {metric} " in pages["settings"]


def test_a_new_office_filling_units_and_targets_from_the_guide_gets_no_problem(
    pages: dict[str, str], tmp_path: Path
) -> None:
    root = tmp_path / "new"
    init_project(root, "某市总工会", "某工发", "month")
    blocks = re.findall(r"```\n(.*?)```", pages["inputs"], re.S)
    units = next(b for b in blocks if b.startswith("单位代码,"))
    targets = next(b for b in blocks if b.startswith("年度,"))
    (root / "data" / "units.csv").write_text(units, encoding="utf-8")
    (root / "data" / "targets.csv").write_text(targets, encoding="utf-8")
    result = check_project(root, None)
    assert [p.code for p in result.problems.items] == []
    # the same check names a level word the guide does not list
    wrong = units.replace("桂岭街道,街道,", "桂岭街道,村,")
    (root / "data" / "units.csv").write_text(wrong, encoding="utf-8")
    problems = check_project(root, None).problems.items
    assert [(p.code, p.file, p.row) for p in problems] == [("E-ENUM", "data/units.csv", 5)]


# --------------------------------------------------------------------------------------------
# Commands and options named in the guide and the README exist


_COMMAND = re.compile(r"bulletin ([a-z][a-z-]*)((?: +[^`\n|]*)?)")


def _named(text: str) -> list[tuple[str, list[str]]]:
    """The commands named in a text (`bulletin intake …`), each with the options on its line."""
    found = []
    for match in _COMMAND.finditer(text):
        options = re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", match.group(2) or "")
        found.append((match.group(1), options))
    return found


def _check_named(text: str, where: str) -> int:
    known = {
        name: {"--help", *(o for p in cmd.params for o in p.opts)}
        for name, cmd in cli.commands.items()
    }
    count = 0
    for command, options in _named(text):
        if command in AGREED_COMMANDS and command not in known:
            continue
        assert command in known, f"{where}: bulletin {command} is not a command"
        for option in options:
            agreed = (command, option) in AGREED_OPTIONS
            assert option in known[command] or agreed, f"{where}: bulletin {command} {option}"
        count += 1
    return count


def test_commands_and_options_named_in_the_guide_exist(pages: dict[str, str]) -> None:
    counted = sum(_check_named(text, name) for name, text in pages.items())
    assert counted > 20
    month = pages["month"]
    for command in ("new-period", "intake", "received", "confirm-unchanged", "carry"):
        assert f"bulletin {command} " in month
    for command in ("check", "build", "serve", "issue", "send"):
        assert f"bulletin {command}" in month
    for option in ("--received", "--add", "--replace", "--resend-unknown", "--yes", "--force"):
        assert option in month
    assert "doc_number" in month and "signed_on" in month


def test_the_checker_catches_a_command_or_option_that_does_not_exist() -> None:
    with pytest.raises(AssertionError, match="bulletin intkae"):
        _check_named("运行 `bulletin intkae 2026-11 a.xlsx`", "x")
    with pytest.raises(AssertionError, match="--recieved"):
        _check_named("`bulletin intake 2026-11 a.xlsx --recieved 2026-12-01`", "x")
    assert _check_named("`bulletin check --period 2026-10`", "x") == 1


def test_readme_is_a_readme_that_leads_into_the_guide() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "CONTRACT" not in readme.upper()
    assert "./run demo" in readme and "./run test" in readme
    assert len(readme.encode()) < 8000
    links = re.findall(r"\]\((docs/[^)#]+)(?:#[^)]*)?\)", readme)
    assert {f"docs/{name}.md" for name, _ in guide.PAGES} <= set(links)
    for link in links:
        assert (REPO / link).is_file(), link
    _check_named(readme, "README.md")


# --------------------------------------------------------------------------------------------
# The guide on the sites


def test_guide_is_a_section_of_the_intranet_and_not_of_the_public_site(small_build: Path) -> None:
    internal = small_build / "site" / "internal"
    public = small_build / "site" / "public"
    for name, _ in guide.PAGES:
        assert (internal / "guide" / f"{name}.html").is_file(), name
    assert not (public / "guide").exists()
    home = (internal / "index.html").read_text(encoding="utf-8")
    assert 'href="guide/month.html"' in home and "使用指南" in home
    assert "guide/" not in (public / "index.html").read_text(encoding="utf-8")
    month = (internal / "guide" / "month.html").read_text(encoding="utf-8")
    # the pipe tables of the Markdown are the site's scrolling tables, the links between pages work
    assert '<div class="table-wrap">\n<table class="data">' in month
    assert "bulletin confirm-unchanged" in month and "| 1. 建期 |" not in month
    assert 'href="inputs.html#units"' in month or 'href="outputs.html#publish"' in month
    inputs = (internal / "guide" / "inputs.html").read_text(encoding="utf-8")
    assert 'id="units"' in inputs and 'id="targets"' in inputs


# --------------------------------------------------------------------------------------------
# A province's guide: its own month, its own bulletin.yml


def test_a_province_guide_describes_the_month_it_runs() -> None:
    pages = {page.name: page.text for page in guide.render_guide(None, "province")}
    month = pages["month"]
    # the commands a province runs, each named with its example, and only those
    named = {command for command, _ in _named(month)}
    assert named == {
        "init",
        "new-period",
        "intake",
        "received",
        "check",
        "build",
        "serve",
        "issue",
        "send",
    }
    assert 'bulletin intake 2026-11 ~/下载/甲市-2026-11.zip --received "2026-12-04 10:00"' in month
    assert sum(_check_named(text, name) for name, text in pages.items()) > 10
    # not a city's ledger process: no counties' ledgers collected, no problem lists sent back
    for city_only in ("bulletin fetch", "bulletin send-problems", "bulletin carry", "| 2. 收表 |"):
        assert city_only not in month, city_only
    assert "县市区" not in month and "全市" not in month
    assert "800000,某省,省,," in month and "810000,甲市,市,800000," in month
    assert "bulletin init 某省通报 --level province" in pages["index"]
    assert "bulletin templates" not in pages["index"]
    assert "全省的项目只填一个文件：成员名册 `data/units.csv`" in pages["inputs"]
    # a city's guide is as it was: its ledgers, with the level above at the end
    city = {page.name: page.text for page in guide.render_guide(None, "city")}["month"]
    assert "bulletin fetch 2026-11" in city and "## 上一级：由成员的通报汇总" in city


def test_a_province_settings_page_shows_the_bulletin_yml_init_writes_for_it(
    tmp_path: Path,
) -> None:
    from generator.common.config import load_config

    result = CliRunner().invoke(cli, ["init", str(tmp_path / "p"), "--level", "province"])
    assert result.exit_code == 0, result.output
    assert "data/units.csv" in result.output and "bulletin intake 2026-10 文件夹" in result.output
    written = (tmp_path / "p" / "bulletin.yml").read_text(encoding="utf-8")
    settings = {page.name: page.text for page in guide.render_guide(None, "province")}["settings"]
    assert f"```yaml\n{written}```" in settings
    config = load_config(tmp_path / "p")
    assert config.level == "province" and config.organization.name == "某省总工会"
    # the comments speak as a province: its members, what they send; a city's own keys gone
    lines = [line for line in written.splitlines() if "县市区" in line or "全市" in line]
    assert lines == [line for line in lines if line.startswith("level: province")]
    assert "市（州）在全省各市（州）中排名和评价" in written
    assert "# 各市（州）在报告期次月几号前报送通报数据" in written.replace("report_deadline: 5", "")
    for key in ("mailbox", "unreported", "priority_min_employees", "volunteer_min_enterprises"):
        assert key not in written, key
    # its only roster is the members', headed as the guide shows it
    header = (tmp_path / "p" / "data" / "units.csv").read_text(encoding="utf-8-sig").splitlines()
    assert header[0].startswith("单位代码,单位名称,层级,上级单位代码")
    assert sorted(p.name for p in (tmp_path / "p" / "data").iterdir()) == ["units.csv"]
