"""Data downloads: bulletin.json, indicators.csv|.xlsx and problems.csv|.xlsx (CONTRACT §4)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from generator.common import formatting as fmt
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.common.tables import Sheet, write_csv, write_xlsx
from generator.federation.words import heading, words
from generator.figures.indicators import FLAG, INDICATORS, POINTS, RATE, SCORE, Indicator, shown
from generator.model.bulletin import JUDGMENT_LABELS, LEVEL_LABELS, Bulletin, PriorityEntry
from generator.rosters.filing import own_name

#: How the downloads write each kind of figure in Excel (the rest as plain integers).
_EXCEL_FORMATS = {RATE: "0.0%", POINTS: "0.0", SCORE: "0.00"}


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}")


def file_name(key: str) -> str:
    """A file-system and URL safe name for a unit code or write-up slug (stable).

    Codes come from the unit roster: one written `../../x` must not put a report outside the
    output folder, so anything but plain letters, digits, `_`, `.` and `-` is hashed.
    """
    if _SAFE_NAME.fullmatch(key):
        return key
    return "x" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def issued_on(bulletin: Bulletin) -> date:
    """The date the bulletin's files carry: its signing date, else the end of its period.

    PDFs, workbooks and the site take their dates from here, never from the clock, so that a
    build gives the same bytes whenever it runs.
    """
    day = bulletin.document.signed_on
    try:
        return date.fromisoformat(day) if day else Period.parse(bulletin.period).end
    except ValueError:
        return date(2000, 1, 1)


def priority_marks(p: PriorityEntry, stalled: str = "久拖未建（{}期）") -> str:
    """本期新增, 逾期未建 (past planned_on), 久拖未建 (open six periods or more, written as
    `stalled` with the periods)."""
    notes = ["本期新增"] if p.added else []
    if p.overdue:
        notes.append("逾期未建")
    if p.stalled:
        notes.append(stalled.format(p.open_periods))
    return "、".join(notes)


def _excel_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == POINTS:
        return round(value * 100, 10)
    if kind == FLAG:
        return "是" if value else "否"
    return value


def _csv_value(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == RATE:
        return fmt.percent(value)
    if kind == POINTS:
        return fmt.number(value * 100)
    if kind == SCORE:
        return fmt.number(value, 2)
    if kind == FLAG:
        return "是" if value else "否"
    return str(value)


def columns(bulletin: Bulletin) -> list[Indicator]:
    """The figures the bulletin's audience is shown, in declaration order: the downloads'
    columns. The same decision (`indicators.shown`) nulls the others in its bulletin.json, so a
    download never carries a figure its audience's model does not."""
    return [i for i in INDICATORS if shown(i, bulletin.shows)]


def indicator_rows(bulletin: Bulletin, for_csv: bool) -> list[list[Any]]:
    """One row per unit: identity, every figure the audience is shown, judgments."""
    parents = {u.code: u.name for u in bulletin.units}
    value = _csv_value if for_csv else _excel_value
    figures = columns(bulletin)
    rows = []
    for u in bulletin.units:
        judgments = "；".join(f"{JUDGMENT_LABELS[j.kind]}：{j.reason}" for j in u.judgments)
        head: list[Any] = [
            u.code,
            u.name,
            words().label(u.level) if u.level in LEVEL_LABELS else u.level,
            parents.get(u.parent or "", ""),
        ]
        values = [value(getattr(u, i.name), i.kind) for i in figures]
        rows.append([*head, *values, judgments])
    return rows


def indicator_headers(bulletin: Bulletin) -> list[str]:
    """The downloads' headers: identity, the figures the audience is shown, 评价."""
    figures = (i.header for i in columns(bulletin))
    return ["单位代码", "单位名称", "层级", "上级单位", *figures, "评价"]


def write_indicators(bulletin: Bulletin, folder: Path) -> list[Path]:
    """Write indicators.csv and indicators.xlsx: every unit's figures its audience is shown,
    Chinese headers."""
    headers = indicator_headers(bulletin)
    csv_path = write_csv(folder / "indicators.csv", headers, indicator_rows(bulletin, True))
    formats = {
        4 + n: _EXCEL_FORMATS.get(i.kind, "0")
        for n, i in enumerate(columns(bulletin))
        if i.kind != FLAG
    }
    sheet = Sheet(
        title=f"{bulletin.period_label}指标",
        headers=headers,
        rows=indicator_rows(bulletin, False),
        formats=formats,
        widths={1: 22, len(headers) - 1: 60},
    )
    xlsx_path = write_xlsx(folder / "indicators.xlsx", [sheet], issued_on(bulletin))
    return [csv_path, xlsx_path]


PROBLEM_HEADERS = ("县市区", "文件", "行号", "列", "级别", "问题代码", "内容", "说明")


def _problem_row(p: Problem) -> list[Any]:
    severity = "错误" if p.severity == "error" else "警告"
    county = p.county_name or p.county or words().own
    return [county, p.file, p.row, p.column, severity, p.code, p.value, p.message]


def write_problems(
    problems: Sequence[Problem], folder: Path, stem: str = "problems", when: date | None = None
) -> list[Path]:
    """Write the problem list as CSV and as XLSX with a sheet for all and one per county.

    `when` is the workbook's date (see issued_on); a fixed default without it.
    """
    ordered = sorted(problems, key=lambda p: (p.county, p.file, p.row or 0, p.column, p.code))
    headers = tuple(heading(h) for h in PROBLEM_HEADERS)  # 县市区: the level's members
    csv_path = write_csv(folder / f"{stem}.csv", headers, (_problem_row(p) for p in ordered))
    sheets = [Sheet("全部", headers, [_problem_row(p) for p in ordered])]
    counties: dict[str, list[Problem]] = {}
    for p in ordered:
        counties.setdefault(p.county_name or p.county or words().own, []).append(p)
    for name, items in counties.items():
        sheets.append(Sheet(name, headers, [_problem_row(p) for p in items]))
    for sheet in sheets:
        sheet.widths = {0: 12, 1: 32, 6: 24, 7: 60}
    xlsx_path = write_xlsx(folder / f"{stem}.xlsx", sheets, when)
    return [csv_path, xlsx_path]


COUNTY_LIST_HEADERS = (
    "文件",
    "存档文件名",
    "行号",
    "列",
    "企业名称",
    "统一社会信用代码",
    "级别",
    "问题代码",
    "内容",
    "说明",
)
#: The name of every county problem list; lists of earlier checks are replaced.
LIST_SUFFIX = "-问题清单.xlsx"
#: Problems of the office's own doing that a county can do nothing about (a correction of an
#: issued bulletin, a county carried, a file the office put in the folder, a receipt time not
#: recorded, the old carrying setting): in the 全市 list.
OFFICE_ONLY = (
    # the county did not report: its list would tell it the office's own next steps (intake,
    # carry); the office chases it directly
    "E-COUNTY-NOT-REPORTED",
    "W-ISSUED-CHANGED",
    "W-COUNTY-CARRIED",
    "W-FILE-IGNORED",
    "W-FOLDER-IGNORED",
    "W-RECEIPT-MISSING",
    "W-UNREPORTED-SETTING",
)


def write_county_lists(
    problems: Sequence[Problem],
    periods: Sequence[str],
    counties: dict[str, str],
    records: dict[tuple[str, int], tuple[str, str]],
    folder: Path,
    when: date | None = None,
    sources: dict[str, str] | None = None,
) -> list[Path]:
    """One workbook per county and period, to send back: problems/<period>/<code>-<name>-问题清单.xlsx.

    A county's list holds the problems of its rows and files in the county's own file names
    (`sources`: stored path -> the name the county gave the file) and row numbers, the stored
    name beside, with the name and code of the enterprise of each row; the problems of its
    persistent rosters are in each period's list. What belongs to no county (the unit roster,
    targets, settings) and the office's own warnings (OFFICE_ONLY) are the 全市 list.
    """
    sources = sources or {}
    written: list[Path] = []
    for period in periods:
        out = folder / period
        if out.is_dir():
            for old in out.glob(f"*{LIST_SUFFIX}"):
                old.unlink()
        mine: dict[str, list[Problem]] = {}
        for p in problems:
            in_period = f"/{period}/" in p.file or p.file.endswith(f"/{period}")
            other_period = not in_period and _period_file(p.file)
            if other_period:
                continue
            own = p.county in counties and not _city_file(p.file) and p.code not in OFFICE_ONLY
            county = p.county if own else ""
            mine.setdefault(county, []).append(p)
        for county, items in sorted(mine.items(), key=lambda kv: _county_order(kv[0], counties)):
            stem = f"{county}-{counties[county]}" if county else words().own
            rows = []
            for p in sorted(items, key=lambda p: (p.file, p.row or 0, p.column, p.code)):
                name, code = records.get((p.file, p.row or 0), ("", ""))
                if p.code == "W-ENT-MISSING":  # no row: the enterprise is named by the problem
                    found = re.match(r"企业“(.*?)”（", p.message)
                    name, code = (found.group(1) if found else ""), p.value
                stored = Path(p.file).name if p.file and not p.file.endswith("/") else p.file
                rows.append(
                    [
                        own_name(p.file, sources) or stored,
                        stored,
                        p.row,
                        p.column,
                        name,
                        code,
                        "错误" if p.severity == "error" else "警告",
                        p.code,
                        p.value,
                        p.message,
                    ]
                )
            title = f"{counties.get(county, words().own)}{period}问题清单"
            sheet = Sheet(title[:31], COUNTY_LIST_HEADERS, rows)
            sheet.widths = {0: 28, 1: 22, 4: 26, 5: 22, 8: 20, 9: 70}
            written.append(write_xlsx(out / f"{stem}{LIST_SUFFIX}", [sheet], when))
    return written


#: The rosters the city keeps itself: their problems are the 全市 list's, whatever unit a row names.
CITY_ROSTERS = ("units", "targets")


def _city_file(file: str) -> bool:
    parts = file.split("/")
    return len(parts) == 2 and parts[0] == "data" and Path(parts[1]).stem in CITY_ROSTERS


def _period_file(file: str) -> bool:

    parts = file.split("/")
    return len(parts) > 2 and Period.is_period_name(parts[1])


def _county_order(county: str, counties: dict[str, str]) -> tuple[int, str]:
    order = list(counties)
    return (order.index(county) if county in order else len(order), county)
