"""Making things for users to fill in: a new project, a new period, XLSX collection templates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment

from generator.common.config import load_config
from generator.common.errors import ConfigError, DataError
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.register import next_doc_number, read_register
from generator.common.tables import safe_cell, save_workbook, write_csv
from generator.federation.roster import MEMBER_LEVEL, MEMBERS
from generator.federation.words import level_words
from generator.model.content import load_content
from generator.office.intake import report_deadline
from generator.office.templates import find_template
from generator.render.guide import settings_text
from generator.rosters.load import load_project
from generator.rosters.specs import BOOL, CAMPAIGNS, DATE, ENUM, ROSTERS, Roster

STATIC_ROSTERS = ("units", "targets", "volunteers", *CAMPAIGNS, "inspections")
COLLECTED_ROSTERS = ("enterprises", "volunteer_reviews", "volunteers", *CAMPAIGNS, "inspections")
#: The usual values of free-text columns (CONTRACT §2): offered in a drop-down that still
#: accepts other values after a warning, since the lists end in "…".
SUGGESTED = {
    "ownership": ("国有", "集体", "私营", "外资", "港澳台", "其他"),
    "area_type": ("开发区", "工业园区", "商贸楼宇", "集贸市场", "村(社区)", "其他"),
    "union_form": ("单独建会", "联合建会", "区域性联合会", "行业性联合会"),
    "selection": ("考试", "推荐"),
}
#: Columns kept as text, so Excel does not turn 18-digit codes into 9.13701E+17 or drop zeros.
TEXT_COLUMNS = ("uscc", "unit", "id", "volunteer", "phone")
#: Rows whose cells carry the text and date formats themselves; below them the column's format
#: applies (Excel gives it to new cells), and the drop-downs cover the whole column.
FORMATTED_ROWS = 1000
DEFAULT_CLOSING = (
    "一、提高思想认识。各县市区总工会要进一步提高对企业普遍建会工作重要性的认识，对照目标任务，倒排工期，确保完成全年任务。\n\n"
    "二、抓好重点企业销号。对职工25人以上未建会企业逐一建立台账，明确责任人和时限，建一家、销号一家。\n\n"
    "三、按时报送数据。各县市区总工会于每月{day}日前报送上月企业建会台账，确保数据真实准确。"
)


def _render(root: Path | None, name: str, **values: object) -> str:
    source = find_template(root, "project", name).read_text(encoding="utf-8")
    env = SandboxedEnvironment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return env.from_string(source).render(**values)


def headers(roster: Roster) -> list[str]:
    """The Chinese headers users fill in: the first alias of every column."""
    return [column.title for column in roster.columns]


@dataclass
class InitResult:
    root: Path
    files: list[Path]


def init_project(
    root: Path,
    organization: str = "某市总工会",
    doc_prefix: str = "某工发",
    cadence: str = "month",
    level: str = "city",
) -> InitResult:
    """Create a new, empty project: bulletin.yml, roster templates, content folders.

    A province's or the national federation's project (`level`) takes in its members' issued
    packages, not ledgers: its only roster is data/units.csv, itself and its members.
    """
    if ProjectPaths(root).config.exists():
        raise ConfigError(f"{root} 已经是一个通报项目（已有 bulletin.yml），未做任何改动。")
    if cadence not in ("month", "quarter"):
        raise ConfigError("报告周期应为 month（按月）或 quarter（按季度）")
    if level not in ("city", *MEMBER_LEVEL):
        raise ConfigError("项目的层级应为 city（市）、province（省）或 national（全国）")
    if root.exists() and any(p for p in root.iterdir() if not p.name.startswith(".")):
        raise ConfigError(f"{root} 不是空目录：请换一个新目录名，以免覆盖已有文件。")
    files = []
    root.mkdir(parents=True, exist_ok=True)
    config = ProjectPaths(root).config
    config.write_text(settings_text(level, organization, doc_prefix, cadence), encoding="utf-8")
    files.append(config)
    if level != "city":  # the members' roster: the federation itself, then each member
        files.append(write_csv(ProjectPaths(root).data / "units.csv", headers(MEMBERS), []))
    for name in STATIC_ROSTERS if level == "city" else ():
        files.append(write_csv(ProjectPaths(root).data / f"{name}.csv", headers(ROSTERS[name]), []))
    for folder in ("content/bulletins", "content/writeups", "content/pages"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    gitignore = root / ".gitignore"
    gitignore.write_text("site/\n.bulletin-cache/\nproblems/\n", encoding="utf-8")
    files.append(gitignore)
    return InitResult(root, files)


def _skipped(config: Any, frames: dict[str, Any], period: Period) -> list[str]:
    """Periods after the latest existing one (data folder or frame) and before `period`."""
    existing = {k for k in frames if Period.is_period_name(k)}
    if config.data_dir.is_dir():
        existing |= {p.name for p in config.data_dir.iterdir() if Period.is_period_name(p.name)}
    before = [q for q in map(Period.parse, existing) if q < period and q.cadence == period.cadence]
    if not before:
        return []
    latest, skipped = max(before), []
    current = period.previous()
    while latest < current:
        skipped.append(str(current))
        current = current.previous()
    return skipped[::-1]


def _signing_fields(root: Path, config: Any, period: Period, frames: dict[str, Any]) -> str:
    """doc_number, signed_on and printed_on left empty, with comments saying what to fill.

    They are the leader's and the registry's to give: a date or number filled in advance is
    printed unless someone notices, and `issue` refuses while they are empty.
    """

    deadline = report_deadline(period, config.report_deadline)
    year = deadline.year  # signed after the deadline: usually the deadline's year
    number = next_doc_number(root, year, frames, exclude=str(period))
    return (
        f"# 发文序号（doc_number）：签发登记后填写，例如 doc_number: {number}"
        f"（{year}年下一个序号是 {number} 号；序号按成文日期的年份编排）。\n"
        "doc_number:\n"
        "# 成文日期（signed_on）：领导签发的日期，签发后填写，例如 "
        f"signed_on: {_example_day(deadline)}。\n"
        f"# 不能早于报送截止日 {deadline.isoformat()}，也不能早于本期最后收到台账的日期；"
        "一般不是周六、周日。\n"
        "signed_on:\n"
        "# 印发日期（printed_on）：不填时与成文日期相同。\n"
        "printed_on:\n"
    )


def _example_day(after: date) -> str:
    """The first working day after `after`, as an example of a signing date."""
    day = after + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


@dataclass
class NewPeriodResult:
    folder: Path
    frame: Path
    based_on: str | None
    #: periods between the latest existing one and the new one, which have nothing
    skipped: list[str] = field(default_factory=list)


def new_period(root: Path, text: str, force: bool = False) -> NewPeriodResult:
    """Create data/<period>/ and a bulletin frame prefilled from the latest frame."""
    config = load_config(root)
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if period.cadence != config.cadence:
        expected = "2026-10（按月）" if config.cadence == "month" else "2026-Q3（按季度）"
        raise ConfigError(f"本项目的报告周期是 {config.cadence}，报告期应写成 {expected}")
    folder = config.data_dir / str(period)
    frame_path = config.content_dir / "bulletins" / f"{period}.md"
    register = read_register(root)
    last_issued = register.last_period()
    if last_issued is not None and period <= last_issued:
        what = "已经印发" if str(period) in register.periods() else f"早于已印发的 {last_issued} 期"
        raise ConfigError(
            f"报告期 {period} {what}（最近印发的是 {last_issued} 期，"
            f"{register.doc_code(str(last_issued))}），不能新建或覆盖。"
            "已印发期的数据如有更正，直接修改该期台账后重新生成，下一期通报会附“更正说明”。"
        )
    if frame_path.exists() and not force:
        raise ConfigError(
            f"{frame_path.relative_to(root)} 已存在，未做改动（要覆盖请加 --force）。"
        )
    frames = load_content(root).frames
    skipped = _skipped(config, frames, period)
    folder.mkdir(parents=True, exist_ok=True)
    earlier = sorted((Period.parse(k), f) for k, f in frames.items() if Period.parse(k) < period)
    base_period, base = earlier[-1] if earlier else (None, None)
    front = {
        # 主送 left out: derived from the ranked units (各县（市、区）总工会, zones by name)
        **({"recipients": base.recipients} if base and base.recipients else {}),
        "cc": base.cc if base else "",
    }
    preface = (
        re.sub(re.escape(base_period.label), period.label, base.preface)
        if base and base_period
        else f"现将{period.label}{level_words(config.level).own}企业工会组建工作情况通报如下。"
    )
    text_out = _render(
        root,
        "frame.md",
        front_matter=_signing_fields(root, config, period, frames)
        + yaml.safe_dump(front, allow_unicode=True, sort_keys=False),
        preface=preface,
        closing=base.closing
        if base and base.closing
        # the one deadline: the day of bulletin.yml's report_deadline
        else DEFAULT_CLOSING.format(day=config.report_deadline),
    )
    frame_path.parent.mkdir(parents=True, exist_ok=True)
    frame_path.write_text(text_out, encoding="utf-8")
    return NewPeriodResult(folder, frame_path, str(base_period) if base_period else None, skipped)


def _enum_values(roster: Roster) -> dict[str, list[str]]:
    """Drop-down values per column: 是/否 for booleans, the allowed values for enumerations."""
    out = {}
    for column in roster.columns:
        if column.kind == BOOL:
            out[column.name] = ["是", "否"]
        elif column.kind == ENUM:
            out[column.name] = list(column.choices)
    return out


def write_collection_templates(root: Path, out: Path) -> list[Path]:
    """One XLSX per county for its staff to fill in: a sheet per roster, drop-downs, text USCC."""
    from openpyxl import Workbook

    data = load_project(root, load_config(root))
    units = data.units.sort_values("order")
    counties = units[units["level"] == "county"]
    if counties.empty:
        raise ConfigError(
            "单位名册中还没有县市区：请先在 data/units.csv 中填写市、县市区和乡镇（街道），"
            "再生成填报模板。"
        )
    unit_errors = [
        p for p in data.problems if p.severity == "error" and p.file.startswith("data/units.")
    ]
    if unit_errors:
        raise DataError(
            f"单位名册有 {len(unit_errors)} 处错误，无法按县市区生成模板："
            "请先运行 bulletin check，改正 data/units.csv 后再生成。"
        )
    written = []
    for county in counties.to_dict("records"):
        code, name = str(county["code"]), str(county["name"])
        townships = units[(units["parent"] == code)]
        unit_rows = [(code, name)] + [
            (str(t["code"]), str(t["name"])) for t in townships.to_dict("records")
        ]
        wb = Workbook()
        wb.remove(wb.active)
        ref = wb.create_sheet("单位代码")
        ref.append(["单位代码", "单位名称"])
        for row in unit_rows:
            ref.append([safe_cell(v) for v in row])  # names typed by many: no formulas
        ref.column_dimensions["A"].width = 14
        ref.column_dimensions["B"].width = 28
        for roster_name in COLLECTED_ROSTERS:
            _roster_sheet(wb, ROSTERS[roster_name], len(unit_rows))
        written.append(save_workbook(wb, out / _workbook_name(f"{code}-{name}-填报模板.xlsx")))
    return written


def _workbook_name(name: str) -> str:
    """A file name from a unit's code and name: no folder separators, nothing reserved."""
    # A code or name written "../x" or "a/b" must not put the workbook in another folder.
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).lstrip(". ") or "填报模板.xlsx"


def _roster_sheet(wb: Any, roster: Roster, units: int) -> None:
    """Add one roster's sheet: bold headers (required ones shaded), formats and drop-downs."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    ws = wb.create_sheet(roster.title)
    ws.append(headers(roster))
    enums = _enum_values(roster)

    def drop_down(area: str, formula: str, message: str, strict: bool = True) -> None:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.error = message
        if not strict:  # other values are allowed after the warning
            dv.errorStyle = "warning"
        ws.add_data_validation(dv)
        dv.add(area)

    for index, column in enumerate(roster.columns, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index)
        cell.font = bold
        if column.required:
            cell.fill = fill
        ws.column_dimensions[letter].width = max(10, 2.2 * len(column.title) + 2)
        area = f"{letter}2:{letter}1048576"
        number_format = (
            "@" if column.name in TEXT_COLUMNS else "yyyy-mm-dd" if column.kind == DATE else None
        )
        if number_format:
            ws.column_dimensions[letter].number_format = number_format
            for line in range(2, FORMATTED_ROWS + 2):
                ws.cell(row=line, column=index).number_format = number_format
        if column.name == "unit":
            # Volunteers are posted to townships: the county's own code (row 2) is left out.
            first = 3 if roster.name == "volunteers" and units > 1 else 2
            drop_down(
                area,
                f"='单位代码'!$A${first}:$A${units + 1}",
                "请从下拉列表中选择本县市区的单位代码",
            )
        elif column.name in enums:
            drop_down(
                area,
                '"' + ",".join(enums[column.name]) + '"',
                f"请从下拉列表中选择：{'、'.join(enums[column.name])}",
            )
        elif column.name in SUGGESTED:
            values = SUGGESTED[column.name]
            drop_down(
                area,
                '"' + ",".join(values) + '"',
                f"通常填写：{'、'.join(values)}。确实是其他情况可以继续。",
                strict=False,
            )
    ws.freeze_panes = "A2"
