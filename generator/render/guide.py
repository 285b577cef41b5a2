"""The user guide (使用指南): Markdown pages made from the registries and the guide's templates.

Every input file and column comes from the roster specs (`rosters.specs`), every figure from the
indicator registry, every problem code from `rosters.codes`; the prose (the month's work, what a
file is for) is in the templates of site_templates/site/guide/, and what the registries do not
hold (an example of each column, the definition of each figure) in its guide.yml. The same
pages are the repository's docs/ (`./run guide` rewrites them; a test fails when they differ)
and the intranet site's 使用指南 section.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt

from generator.common import config
from generator.federation.words import level_words
from generator.figures import indicators
from generator.model.bulletin import SHOWS
from generator.office.templates import BUILTIN, find_template, template_dirs
from generator.rosters import specs
from generator.rosters.codes import CODES, OTHER_CODES, explanation
from generator.rosters.values import FALSE_WORDS, TRUE_WORDS

#: The guide's pages in reading order: file name (without .md) and title.
PAGES: tuple[tuple[str, str], ...] = (
    ("index", "使用指南"),
    ("month", "每月的工作"),
    ("inputs", "输入文件"),
    ("figures", "指标的含义"),
    ("problems", "问题代码"),
    ("settings", "设置"),
    ("outputs", "通报、网站和文件"),
)
#: The guide's data file, beside its templates.
DATA_FILE = BUILTIN / "site" / "guide" / "guide.yml"
#: The first line of every generated page, which the drift test and `write_docs` look for.
GENERATED_MARK = "<!-- 本页由 ./run guide 按程序中的名册、指标和问题代码生成，请修改 site_templates/site/guide/ 下的模板，不要直接修改本页。 -->"
#: How a level of the unit roster is named (the model's LEVEL_LABELS, without its import).
LEVEL_WORDS = {"city": "市", "county": "县市区", "township": "乡镇（街道）"}
#: Where the repository keeps the generated pages.
DOCS = BUILTIN.parent / "docs"


@dataclass(frozen=True)
class GuidePage:
    """One page of the guide: its file name (without .md), title and Markdown text."""

    name: str
    title: str
    text: str


def environment(root: Path | None) -> jinja2.Environment:
    """The guide's template environment: the project's own guide templates before the built-in.

    The pages are Markdown made from the program's registries, not from a project's data, so
    nothing is HTML-escaped; the environment is sandboxed like the site's.
    """
    loader = jinja2.FileSystemLoader([str(d) for d in template_dirs(root, "site")])
    return SandboxedEnvironment(
        loader=loader,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        comment_start_string="{##",
        comment_end_string="##}",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def guide_data() -> dict[str, Any]:
    """The guide's own data: column examples and rules, figure definitions, code notes."""
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# --------------------------------------------------------------------------------------------
# Rosters


def _words(values: Any) -> str:
    return "、".join(str(v) for v in values)


def _choices(column: specs.Column) -> list[dict[str, Any]]:
    """The allowed values of an ENUM column, each with the other ways of writing it."""
    out = []
    for choice in column.choices:
        shown = LEVEL_WORDS.get(choice, choice) if column.name == "level" else choice
        others = [
            written
            for written, canonical in column.synonyms.items()
            if canonical == choice and written != shown
        ]
        out.append({"value": shown, "others": others})
    return out


def kind_text(column: specs.Column) -> str:
    """What a column holds, in the words a clerk uses: 整数（不小于0）, 日期 …"""
    low, high = column.minimum, column.maximum
    bounds = ""
    if low is not None and high is not None:
        bounds = f"（{low:g}～{high:g}）"
    elif low is not None:
        bounds = f"（不小于{low:g}）"
    if column.kind == specs.INT:
        return f"整数{bounds}"
    if column.kind == specs.NUMBER:
        return f"数字{bounds}"
    if column.kind == specs.RATE:
        return "百分比（85%、0.85 或 85）"
    if column.kind == specs.BOOL:
        return "是 / 否"
    if column.kind == specs.DATE:
        return "日期"
    if column.kind == specs.ENUM:
        return ""  # its options say it
    return "文字"


def allowed_text(column: specs.Column) -> str:
    """The values a column accepts beyond its kind's name: the options and their other spellings."""
    if column.kind == specs.ENUM:
        parts = []
        for choice in _choices(column):
            others = f"（也可写 {_words(choice['others'])}）" if choice["others"] else ""
            parts.append(f"{choice['value']}{others}")
        return "只能填 " + "；".join(parts)
    return ""


def roster_file(roster: specs.Roster) -> str:
    """Where a roster's file goes in a project."""
    if roster.per_period:
        if roster.name == "enterprises":
            return "`data/2026-11/` 中各县市区报来的表格文件（文件名随意）"
        return f"`data/2026-11/{roster.name}.csv`，或台账工作簿中的“{roster.title}”工作表"
    return f"`data/{roster.name}.csv`（或 .xlsx、.xls、.ods），或目录 `data/{roster.name}/`"


def rosters_context(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every roster with its columns, as the input page shows them."""
    examples: dict[str, dict[str, str]] = data["examples"]
    rules: dict[str, dict[str, str]] = data.get("rules", {})
    when: dict[str, dict[str, str]] = data.get("required_when", {})
    out = []
    for roster in specs.ROSTERS.values():
        columns = []
        for column in roster.columns:
            columns.append(
                {
                    "name": column.name,
                    "title": column.title,
                    "aliases": [a for a in column.aliases if a != column.title],
                    "required": column.required,
                    "required_when": when.get(roster.name, {}).get(column.name, ""),
                    "unique": column.unique,
                    "requirement": "。".join(
                        part
                        for part in (
                            kind_text(column),
                            allowed_text(column),
                            rules.get(roster.name, {}).get(column.name, ""),
                        )
                        if part
                    ),
                    "example": str(examples[roster.name][column.name]),
                }
            )
        out.append(
            {
                "name": roster.name,
                "title": roster.title,
                "file": roster_file(roster),
                "per_period": roster.per_period,
                "optional": roster.optional,
                "columns": columns,
                "intro": f"guide/rosters/{roster.name}.md.jinja",
                "campaign": roster.name in specs.CAMPAIGNS,
            }
        )
    return out


# --------------------------------------------------------------------------------------------
# Figures


def _campaign_definitions(data: dict[str, Any]) -> dict[str, str]:
    """The definition of every campaign figure, from the campaign patterns of guide.yml.

    A pattern is the figure's name around the campaign's key ("" the count, "_new", "target_"
    …) or the name of a column a campaign sums (books).
    """
    patterns: dict[str, str] = data["campaigns"]
    out: dict[str, str] = {}
    for c in specs.CAMPAIGNS.values():
        values = {
            "label": c.label,
            "counted": f"状态为“{c.counted[1]}”" if c.counted else "已建成",
            "unit": c.unit,
            "new": c.new_word,
            "date": c.date_title,
        }
        for pattern, text in patterns.items():
            if pattern.endswith("_"):
                out[pattern + c.key] = text.format(**values)
            elif pattern.startswith("_") or not pattern:
                out[c.key + pattern] = text.format(**values)
        for column, _label, _unit in c.sums:
            out[column] = patterns[column].format(**values)
    return out


def figures_context(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure of the indicator registry with its definition."""
    definitions = {**_campaign_definitions(data), **data["figures"]}
    out = []
    for i in indicators.INDICATORS:
        out.append(
            {
                "name": i.name,
                "label": i.header,
                "unit": i.unit,
                "definition": definitions[i.name],
                "rule": i.rule,
                "public": indicators.shown(i, SHOWS["public"]),
            }
        )
    return out


# --------------------------------------------------------------------------------------------
# Problem codes


def all_codes() -> list[str]:
    """Every problem code, the roster stage's in declaration order, then the others."""
    return [*CODES, *(c for c in OTHER_CODES if c not in CODES)]


def codes_context(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every problem code: error or warning, what it means and what to do, with its note."""
    notes: dict[str, str] = data.get("notes", {})
    return [
        {
            "code": code,
            "error": code.startswith("E-"),
            "explanation": explanation(code),
            "note": notes.get(code, ""),
        }
        for code in all_codes()
    ]


# --------------------------------------------------------------------------------------------
# Settings


#: A new project's federation and 发文字号代字 by level, as `bulletin init` writes them by default.
DEFAULT_ORGANIZATION = {"city": ("某市总工会", "某工发"), "province": ("某省总工会", "某省工发")}


def level_said(level: str) -> Callable[[str], str]:
    """Put a text written as a city speaks (全市, 各县市区, 台账) into the words of `level`.

    The phrases are replaced longest first, so 各县（市、区）总工会 is not half replaced.
    """
    said, city = level_words(level), level_words("city")
    pairs = [
        (city.member_unions, said.member_unions),
        (city.sent, said.sent),
        (city.each, said.each),
        (city.members, said.members),
        (city.own, said.own),
        (city.ledger, said.ledger),
    ]

    def put(text: str) -> str:
        if said == city:
            return text
        for old, new in pairs:
            text = text.replace(old, new)
        return text

    return put


def settings_text(
    level: str = "city",
    organization: str | None = None,
    doc_prefix: str | None = None,
    cadence: str = "month",
) -> str:
    """The bulletin.yml that `bulletin init` writes (site_templates/project) for a project of
    `level`: a province's names its members and what they send, and leaves out the keys only
    a city's ledgers use (the mailbox of `fetch`, the thresholds of its enterprise lists)."""
    source = find_template(None, "project", "bulletin.yml").read_text(encoding="utf-8")
    env = SandboxedEnvironment(
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    metrics = "\n".join(
        f"#   {name:<29} {indicators.BY_NAME[name].label}" for name in indicators.RULE_METRICS
    )
    named, prefix = DEFAULT_ORGANIZATION.get(level, DEFAULT_ORGANIZATION["province"])
    return env.from_string(source).render(
        organization=organization or named,
        doc_prefix=doc_prefix or prefix,
        cadence=cadence,
        metrics=metrics,
        line=config.init_line,
        above=config.init_comment,
        level=level,
        city=level == "city",
        words=level_words(level),
        said=level_said(level),
    )


# --------------------------------------------------------------------------------------------
# Pages


def render_guide(root: Path | None = None, level: str = "city") -> list[GuidePage]:
    """Render every page of the guide (a project's own templates first when `root` is given)
    for a project of `level`: a province's month is taking in its members' packages."""
    env = environment(root)
    data = guide_data()
    context = {
        "level": level,
        "city": level == "city",
        "words": level_words(level),
        "pages": dict(PAGES),
        "rosters": rosters_context(data),
        "figures": figures_context(data),
        "codes": codes_context(data),
        "campaigns": [c.label for c in specs.CAMPAIGNS.values()],
        "rule_metrics": list(indicators.RULE_METRICS),
        "true_words": _words(TRUE_WORDS),
        "false_words": _words(FALSE_WORDS),
        "mark": GENERATED_MARK,
        "settings": settings_text(level),
    }
    pages = []
    for name, title in PAGES:
        text = env.get_template(f"guide/{name}.md.jinja").render(title=title, **context)
        pages.append(GuidePage(name, title, _tidy(text)))
    return pages


def _tidy(text: str) -> str:
    """One blank line at most between blocks, one newline at the end."""
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def site_markdown(text: str) -> str:
    """A page as the site shows it: each pipe table an HTML table in the site's scrolling frame.

    The site's tables scroll sideways inside a frame with their first column pinned (bulletin.css,
    site.js); the Markdown of docs/ keeps pipe tables, which read well as text.
    """
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    out: list[str] = []
    table: list[str] = []
    for line in [*text.split("\n"), ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            html = md.render("\n".join(table)).replace("<table>", '<table class="data">', 1)
            out.append(f'<div class="table-wrap">\n{html.strip()}\n</div>')
            table = []
        out.append(line)
    return "\n".join(out[:-1])


def write_docs(folder: Path = DOCS) -> list[Path]:
    """Write the guide's pages into `folder` (docs/), removing generated pages no longer made."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for page in render_guide():
        path = folder / f"{page.name}.md"
        path.write_text(page.text, encoding="utf-8")
        written.append(path)
    for path in folder.glob("*.md"):
        if path not in written and path.read_text(encoding="utf-8").startswith(GENERATED_MARK):
            path.unlink()
    return written


def main() -> None:
    """Rewrite docs/ from the registries and templates (`./run guide`)."""
    for path in write_docs():
        print(path.relative_to(DOCS.parent))


if __name__ == "__main__":
    main()
