"""`bulletin intake`: file the counties' returned workbooks as they came (CONTRACT 1.1).

Each file's county is found from the unit codes of its ledger rows; the file is stored, unmodified,
as `data/<period>/<county code>-<county name>.<ext>`. The county's earlier file of the period (and
any other file there that holds only that county's rows) is moved to `data/<period>/.replaced/`,
never deleted. When each file arrived (`--received`, default now) is recorded in the period's
record (generator.record), which the 报送情况 reads; then the period is checked and each
county's problem list written.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import ConfigError
from generator.periods import Period
from generator.problems import Problem
from generator.record import issued, parse_time, record_receipts, time_text

# The record moved to generator.record; these stay importable here for callers written before.
from generator.record import read_received as read_received
from generator.record import report_deadline as report_deadline
from generator.rosters.errors import ReadError

if TYPE_CHECKING:
    from generator.rosters.specs import Roster

REPLACED = ".replaced"


@dataclass
class Filed:
    """One file handed to intake: where it went and what it holds."""

    source: Path
    stored: str = ""  # path relative to the project, empty when the file was not filed
    counties: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    rows: int = 0
    replaced: list[str] = field(default_factory=list)
    refused: str = ""  # why the file was not filed (Chinese), empty when it was
    #: roster sheets filed into data/<roster>/ (path), or why not (a Chinese note)
    rosters: list[str] = field(default_factory=list)


@dataclass
class CountyLine:
    """What `intake` prints per county: received, rows, errors, warnings."""

    code: str
    name: str
    files: list[str]
    rows: int
    errors: int
    warnings: int


@dataclass
class IntakeResult:
    period: Period
    filed: list[Filed]
    lines: list[CountyLine]
    problems: list[Problem]
    lists: list[Path]
    #: the arrival time recorded for the files taken in (CONTRACT 1.2)
    received: datetime | None = None
    #: the period's bulletin was issued: its 发文字号 and issue time (a correction of it)
    issued: tuple[str, datetime] | None = None


def _ledger_counties(path: Path, rel: str, index: object) -> tuple[list[str], int, str]:
    """The counties of a file's ledger rows (in first-seen order), its row count, or why not."""
    from generator.rosters.read import read_roster_sheet
    from generator.rosters.specs import ENTERPRISES

    try:
        found = read_roster_sheet(path, rel, ENTERPRISES)
    except ReadError as exc:
        return [], 0, exc.problem.message
    except OSError:
        return [], 0, "无法打开此文件"
    if found.table is None:
        sheets = "、".join(found.sheets) or "（无）"
        return [], 0, f"文件中没有企业建会台账（工作表：{sheets}）"
    raw = found.table
    if "unit" not in raw.matched:
        return [], len(raw), "台账中没有“所属单位代码”一列，无法判断是哪个县市区的文件"
    column = raw.columns[raw.matched.index("unit")]
    county_of: dict[str, str] = getattr(index, "county", {})
    counties: list[str] = []
    for unit in column.to_pylist():
        county = county_of.get(str(unit).strip(), "") if unit is not None else ""
        if county and county not in counties:
            counties.append(county)
    if not counties:
        return [], len(raw), "台账中的单位代码都不在单位名册中，无法判断是哪个县市区的文件"
    return counties, len(raw), ""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(folder: Path, rows: Sequence[Sequence[str]], recorded_at: datetime) -> None:
    record_receipts(folder, rows, recorded_at)


def intake(
    root: Path,
    period: Period,
    files: Sequence[Path],
    now: datetime | None = None,
    received: datetime | str | None = None,
) -> IntakeResult:
    """File the returned workbooks into the period folder, then check the period.

    `received` is when the files arrived at the office (text as the office typed it, or a
    time); without it, `now`. Into an issued period the files are a correction of the issued
    bulletin, which the result says.
    """
    from generator.config import load_config
    from generator.render.files import write_county_lists
    from generator.rosters.load import check_project, load_project, period_files, relative

    config = load_config(root)
    if period.cadence != config.cadence:
        raise ConfigError(
            f"报告期 {period} 与项目的报告周期不符（bulletin.yml 中 cadence 的设置）。"
        )
    data = load_project(root, config)
    if not data.units_read:
        raise ConfigError(
            "单位名册有错误或为空，无法判断文件属于哪个县市区：请先运行 bulletin check 改正单位名册。"
        )
    index = data.unit_index
    folder = root / "data" / str(period)
    folder.mkdir(parents=True, exist_ok=True)
    when = (now or datetime.now()).replace(microsecond=0)
    arrived = parse_time(received, when) if isinstance(received, str) else (received or when)
    if arrived > when:
        raise ConfigError(f"收到时间 {time_text(arrived)} 晚于现在：请填写文件实际收到的时间。")
    issued_at, _signed, doc_code = issued(root, period)
    filed: list[Filed] = []
    records: list[list[str]] = []
    for source in files:
        item = Filed(source=source)
        filed.append(item)
        if not source.is_file():
            item.refused = "找不到此文件"
            continue
        counties, rows, why = _ledger_counties(source, source.name, index)
        item.rows = rows
        if why:
            item.refused = why
            continue
        item.counties = [(c, index.name.get(c, c)) for c in counties]
        suffix = source.suffix.lower()
        if len(counties) == 1:
            code, name = item.counties[0]
            target = folder / f"{code}-{name}{suffix}"
        else:  # several counties in one file: kept under its own name
            target = folder / source.name
        if source.resolve() == target.resolve():
            item.refused = "文件已在报告期目录中"
            continue
        # The county's earlier file(s) of the period go aside, never deleted.
        candidates, _ignored = period_files(folder)
        for old in candidates:
            if old.resolve() == target.resolve() or len(counties) != 1:
                same = old.resolve() == target.resolve()
            else:
                old_counties, _n, _why = _ledger_counties(old, old.name, index)
                same = old_counties == counties
            if same:
                aside = folder / REPLACED / f"{when:%Y%m%d-%H%M%S}-{old.name}"
                aside.parent.mkdir(exist_ok=True)
                shutil.move(str(old), aside)
                item.replaced.append(relative(root, aside))
        shutil.copyfile(source, target)
        item.stored = relative(root, target)
        if len(counties) == 1:
            item.rosters = file_roster_sheets(root, source, item.counties[0], when)
        records.append(
            [
                target.name,
                ",".join(counties),
                arrived.isoformat(sep=" "),
                source.name,
                _digest(target),
            ]
        )
    if records:
        _record(folder, records, when)

    result = check_project(root, period)
    problems = result.problems.items
    lists = write_county_lists(
        problems, [str(period)], result.counties, result.records, root / "problems"
    )
    lines = county_lines(root, period, [c for f in filed for c, _ in f.counties], problems)
    correction = (doc_code, issued_at) if issued_at is not None else None
    return IntakeResult(period, filed, lines, problems, lists, arrived, correction)


def file_roster_sheets(
    root: Path, source: Path, county: tuple[str, str], when: datetime
) -> list[str]:
    """Store the persistent roster sheets of a returned workbook (volunteers, pioneer teams, …)
    that have rows as data/<roster>/<county code>-<name>.xlsx; what was filed, or why not."""
    from generator.rosters.read import SHEET_MIN_COLUMNS, pick_sheet, structure, workbook_grid
    from generator.rosters.specs import ROSTERS, VOLUNTEER_REVIEWS
    from generator.rosters.workbook import SPREADSHEET_SUFFIXES, open_workbook

    if source.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return []
    notes: list[str] = []
    data = root / "data"
    try:
        book = open_workbook(source, source.name)
    except ReadError:
        return []
    try:
        # The 志愿者考核 sheet stays in the stored workbook: the period's reviews are read there.
        sheet, score = pick_sheet(book, VOLUNTEER_REVIEWS)
        if sheet is not None and score >= SHEET_MIN_COLUMNS:
            raw = structure(workbook_grid(book, sheet), source.name, VOLUNTEER_REVIEWS)
            if len(raw):
                notes.append(
                    f"{VOLUNTEER_REVIEWS.title} {len(raw)} 行（工作表“{sheet.name}”）："
                    "留在本期台账工作簿中，作为本期的志愿者考核读取"
                )
        for roster in ROSTERS.values():
            if roster.per_period or roster.name in ("units", "targets"):
                continue
            sheet, score = pick_sheet(book, roster)
            if sheet is None or score < SHEET_MIN_COLUMNS:
                continue
            raw = structure(workbook_grid(book, sheet), source.name, roster)
            if not len(raw):
                continue  # the template's empty sheet
            single = [p for p in data.glob(f"{roster.name}.*") if p.is_file()]
            if len(single) == 1 and _without_rows(single[0], root, roster):
                # the empty file a new project starts with: the roster becomes a folder
                aside = data / roster.name / REPLACED / f"{when:%Y%m%d-%H%M%S}-{single[0].name}"
                aside.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(single[0]), aside)
                notes.append(
                    f"名册 data/{single[0].name} 没有数据，改为按县市区分文件存放的目录 "
                    f"data/{roster.name}/（原文件移到 {aside.relative_to(root).as_posix()}）"
                )
                single = []
            if single:
                notes.append(
                    f"工作表“{sheet.name}”（{roster.title}，{len(raw)} 行）未归档："
                    f"该名册是单个文件 {single[0].relative_to(root).as_posix()}，"
                    f"要按县市区分文件存放，请把它移进 data/{roster.name}/ 目录"
                )
                continue
            code, name = county
            target = data / roster.name / f"{code}-{name}.xlsx"
            if target.exists():
                aside = data / roster.name / REPLACED / f"{when:%Y%m%d-%H%M%S}-{target.name}"
                aside.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(target), aside)
            rows = [[c[i].as_py() for c in raw.columns] for i in range(len(raw))]
            _write_values(target, roster.title, raw.headers, rows)
            notes.append(f"{roster.title} {len(raw)} 行 → {target.relative_to(root).as_posix()}")
    finally:
        book.close()
    return notes


def _without_rows(path: Path, root: Path, roster: Roster) -> bool:
    """Whether a roster file holds its header only (a file that cannot be read is not empty)."""
    from generator.rosters.read import read_table

    try:
        return len(read_table(path, path.relative_to(root).as_posix(), roster)) == 0
    except ReadError:
        return False


def _write_values(path: Path, title: str, headers: list[str], rows: list[list[object]]) -> None:
    """The county's cells as text, as they were (a value starting with = stays text)."""
    from openpyxl import Workbook

    from generator.tables import save_workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    table: list[list[object]] = [list(headers), *rows]
    for r, values in enumerate(table, start=1):
        for c, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = ws.cell(row=r, column=c)
            cell.value = value
            cell.data_type = "s"
    save_workbook(wb, path)


def county_lines(
    root: Path, period: Period, counties: Sequence[str], problems: Sequence[Problem]
) -> list[CountyLine]:
    """Per county filed: its files in the period folder, rows, errors and warnings."""
    from generator.config import load_config
    from generator.rosters.load import load_project, read_snapshot

    data = load_project(root, load_config(root))
    snapshot = read_snapshot(data, period)
    frame = snapshot.enterprises
    county_of = data.unit_index.county
    unit_county = frame["unit"].map(lambda u: county_of.get(u, "") if isinstance(u, str) else "")
    lines = []
    for code in dict.fromkeys(counties):
        mine = frame.loc[unit_county == code]
        files = sorted({str(f) for f in mine["_file"].dropna()}) if "_file" in mine else []
        errors = sum(1 for p in problems if p.county == code and p.is_error)
        warnings = sum(1 for p in problems if p.county == code and not p.is_error)
        name = data.unit_index.name.get(code, code)
        lines.append(CountyLine(code, name, files, len(mine), errors, warnings))
    return lines
