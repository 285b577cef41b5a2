"""`bulletin intake`: file the counties' returned workbooks as they came (CONTRACT 1.1, 1.2).

Each file's county is the one whose units three quarters of its rows name (or the one the office
names); a file spread over several counties is the city office's own. The file is stored,
unmodified, under a name intake makes (generator.rosters.filing): `data/<period>/<county code>-
<county name>[-<n>].<ext>`, whatever the county called it. The county's earlier files of the
period that cover the same townships are a resend's predecessors and go to `data/<period>/
.replaced/` (never deleted, never overwritten); those of other townships stay beside it. When
the file arrived (`--received`, default now) is recorded with the county's own file name in the
period's record (generator.common.record), which the 报送情况 reads; then the period is checked and
each county's problem list written.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from generator.common.cache import pid_alive
from generator.common.config import load_config
from generator.common.errors import ConfigError
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.common.record import (
    CARRY,
    CONFIRM_UNCHANGED,
    INTAKE,
    RECEIVED,
    RESEND,
    CountyReport,
    decided,
    in_zone,
    issued,
    now_in,
    parse_time,
    read_receipts,
    record_receipts,
    record_stale,
    reporting_status,
    shown,
    time_text,
    units_text,
)

# The record moved to generator.common.record; these stay importable here for callers written before.
from generator.common.record import RECEIVED_HEADERS as RECEIVED_HEADERS
from generator.common.record import read_received as read_received
from generator.common.record import report_deadline as report_deadline
from generator.common.tables import save_workbook
from generator.render.document.ranking import direct_word
from generator.render.files import write_county_lists
from generator.rosters.errors import ReadError
from generator.rosters.filing import free_name, move_aside, stored_county
from generator.rosters.ledger import period_files, relative
from generator.rosters.load import (
    CheckResult,
    ProjectData,
    SnapshotState,
    check_project,
    load_project,
    read_snapshot,
)
from generator.rosters.read import (
    READERS,
    SHEET_MIN_COLUMNS,
    pick_sheet,
    read_roster_sheet,
    read_table,
    workbook_grid,
)
from generator.rosters.specs import ENTERPRISES, ROSTERS, VOLUNTEER_REVIEWS
from generator.rosters.structure import structure
from generator.rosters.units import UnitTree
from generator.rosters.values import normalise_code
from generator.rosters.workbook import SPREADSHEET_SUFFIXES, file_kind, open_workbook

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
    #: what was done with the county's earlier files of the period, and why (Chinese)
    notes: list[str] = field(default_factory=list)
    #: a city office's own file covering several counties, rows per county in the file's order
    several: list[tuple[str, int]] = field(default_factory=list)
    #: the period's file with exactly these bytes, when there is one: nothing was done
    same_as: str = ""


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
    #: county code -> its 报送情况 as the bulletin will say it (reporting_line)
    reporting: dict[str, str] = field(default_factory=dict)

    @property
    def early(self) -> bool:
        """The files arrived before the period's last day: not yet the state at its end."""
        # `received` is on the project's clock (file_in)
        return self.received is not None and self.received.date() < self.period.end


#: A file is one county's when that county's units are named by at least this share of its rows
#: whose unit is known; its rows of other counties are then strays (E-UNIT-OTHER-COUNTY). Below
#: it the rows are spread over several counties in large shares: a city office's own file, each
#: row its unit's county's. A county's file with a few mistyped codes stays far above the line;
#: `--county` names the county when a small file falls below it.
COUNTY_SHARE = 0.75

#: How `intake` treats a county's earlier files of the period (`--add` / `--replace`).
AUTO, ADD, REPLACE = "auto", "add", "replace"


@dataclass
class Survey:
    """A ledger file's rows as intake sees them: each row's unit and the county it belongs to."""

    rows: int = 0
    units: list[str] = field(default_factory=list)  # each row's unit code ("" when empty)
    counties: list[str] = field(default_factory=list)  # each row's county ("" when unknown)
    refused: str = ""  # why the file cannot be taken in (Chinese)

    def share(self) -> list[tuple[str, int]]:
        """Rows per county, the most first (in first-seen order among equals)."""
        counts: dict[str, int] = {}
        for county in self.counties:
            if county:
                counts[county] = counts.get(county, 0) + 1
        return sorted(counts.items(), key=lambda kv: -kv[1])

    def owner(self) -> str:
        """The county whose file this is, or "" for a file of several counties (COUNTY_SHARE)."""
        share = self.share()
        known = sum(n for _, n in share)
        return share[0][0] if share and share[0][1] >= COUNTY_SHARE * known else ""

    def units_of(self, county: str) -> set[str]:
        """The units (townships, or the county itself) the file's rows of a county name."""
        return {u for u, c in zip(self.units, self.counties, strict=True) if c == county and u}


def survey(path: Path, rel: str, index: UnitTree) -> Survey:
    """Read a file's ledger rows for their units, or say why it is not a ledger to take in."""

    empty = "文件中没有数据行（只有表头，或是空文件）：请县市区填好台账后重新发来，再收取。"
    if path.stat().st_size == 0:
        return Survey(refused=empty)
    try:
        found = read_roster_sheet(path, rel, ENTERPRISES)
    except ReadError as exc:
        if exc.problem.code == "E-FILE-EMPTY":
            return Survey(refused=empty)
        return Survey(refused=exc.problem.message)
    except OSError:
        return Survey(refused="无法打开此文件")
    if found.table is None:
        sheets = "、".join(found.sheets) or "（无）"
        return Survey(refused=f"文件中没有企业建会台账（工作表：{sheets}）")
    raw = found.table
    if not len(raw):
        return Survey(refused=empty)
    if "unit" not in raw.matched:
        return Survey(
            rows=len(raw),
            refused="台账中没有“所属单位代码”一列，无法判断是哪个县市区的文件：请县市区按填报模板"
            "补上这一列（填单位名册中的乡镇（街道）代码）后重新报送",
        )
    column = raw.columns[raw.matched.index("unit")]
    units = [normalise_code(u) or "" for u in column.to_pylist()]
    counties = [index.county.get(u, "") for u in units]
    if not any(counties):
        seen = "、".join(dict.fromkeys(u for u in units if u))
        shown = " ".join((seen if len(seen) <= 40 else seen[:40] + "…").split())
        return Survey(
            rows=len(raw),
            refused=(
                f"台账中的单位代码（{shown}）都不在单位名册中"
                if shown
                else "台账中的所属单位代码都没有填写"
            )
            + "，无法判断是哪个县市区的文件：请县市区按单位名册（data/units.csv）填写所属单位代码后"
            "重新报送；如是名册中缺了这些单位，先补进 data/units.csv 再收取",
        )
    return Survey(len(raw), units, counties)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(folder: Path, rows: Sequence[Sequence[str]], recorded_at: datetime) -> None:
    record_receipts(folder, rows, recorded_at)


@dataclass
class Desk:
    """A period open for filing: the project's rosters read once, the period's folder, the
    office's clock, and the 发文字号 and issue time when the period is issued already."""

    root: Path
    period: Period
    data: ProjectData
    folder: Path
    when: datetime  # now, an instant on the project's clock
    issued: tuple[str, datetime] | None
    #: the project's time zone (bulletin.yml `timezone`): receipts are judged and shown in it
    zone: tzinfo
    #: the state of the periods before this one (what a stale ledger repeats), once read
    earlier: list[SnapshotState | None] = field(default_factory=list)

    @property
    def index(self) -> UnitTree:
        return self.data.unit_index


def open_desk(root: Path, period: Period, now: datetime | None = None) -> Desk:
    """Open the period for filing: its cadence and the unit roster checked, its folder made."""
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
    folder = ProjectPaths(root).period(period)
    folder.mkdir(parents=True, exist_ok=True)
    zone = config.zone
    # the office's clock, whatever zone the computer is set to
    when = in_zone(now, zone).replace(microsecond=0) if now else now_in(zone)
    issued_at, _signed, doc_code = issued(root, period)
    correction = (doc_code, issued_at) if issued_at is not None else None
    return Desk(root, period, data, folder, when, correction, zone)


def file_in(
    desk: Desk,
    files: Sequence[Path],
    received: datetime | str | None = None,
    county: str | None = None,
    mode: str = AUTO,
) -> tuple[list[Filed], datetime]:
    """File the returned workbooks into the open period, each receipt recorded as its file is
    stored; what became of each file, and the arrival time recorded. Nothing is checked."""
    named = _named_county(county, desk.index) if county else ""
    when, period, zone = desk.when, desk.period, desk.zone
    if isinstance(received, str):
        arrived = parse_time(received, when, zone)
    else:  # a mail's time (with its offset), or now
        arrived = in_zone(received or when, zone).replace(microsecond=0)
    if arrived > when:
        raise ConfigError(
            f"收到时间 {shown(arrived, zone)} 晚于现在（{shown(when, zone)}）："
            "请填写文件实际收到的时间。"
        )
    if arrived.date() < period.start:
        # A ledger is the state at the period's end: one that arrived before the period began
        # is another period's (a mistyped period or time), never this one's submission.
        raise ConfigError(
            f"收到时间 {arrived:%Y-%m-%d %H:%M} 早于报告期 {period.label}的开始"
            f"（{period.start:%Y-%m-%d}），不会是本期的台账：请检查报告期和收到时间。"
        )
    filed: list[Filed] = []
    # One intake files into a period at a time (two office computers at once wait for each
    # other): which file a resend replaces, the free name and the receipt log stay consistent.
    # The operating system releases the lock when the process ends, however it ends.
    with _filing_lock(desk.root, period):
        _clear_partials(desk.folder)
        for source in files:
            item = Filed(source=source)
            filed.append(item)
            _file_one(desk.root, desk.folder, item, desk.index, named, mode, when, arrived)
    return filed, arrived


def intake(
    root: Path,
    period: Period,
    files: Sequence[Path],
    now: datetime | None = None,
    received: datetime | str | None = None,
    county: str | None = None,
    mode: str = AUTO,
) -> IntakeResult:
    """File the returned workbooks into the period folder, then check the period.

    `received` is when the files arrived at the office (text as the office typed it, or a
    time); without it, `now`. Into an issued period the files are a correction of the issued
    bulletin, which the result says. `county` (a code or name) says whose files they are;
    `mode` is AUTO (a file for the same townships as a county's earlier file replaces it, one
    for others is added beside it), ADD (keep every earlier file) or REPLACE (the county's
    earlier files all go aside).
    """

    desk = open_desk(root, period, now)
    filed, arrived = file_in(desk, files, received, county, mode)
    result = check_project(root, period)
    problems = result.problems.items
    mark_stale(desk, stored_names(filed), stale_counties(problems))
    lists = write_lists(desk, result)
    lines = county_lines(root, period, [c for f in filed for c, _ in f.counties], problems)
    # judged after the stale marks: a repeat of an earlier ledger is no submission
    reporting = county_reporting(root, period, lines)
    return IntakeResult(period, filed, lines, problems, lists, arrived, desk.issued, reporting)


def county_reporting(root: Path, period: Period, lines: Sequence[CountyLine]) -> dict[str, str]:
    """County code -> its 报送情况 line (reporting_line), as the record now says it."""
    if not lines:
        return {}
    folder = ProjectPaths(root).period(period)
    reports = reporting_status(
        root,
        period,
        {line.code: line.name for line in lines},
        {line.code: line.files for line in lines},
        decided(folder, CARRY),
        load_config(root).report_deadline,
        unchanged=decided(folder, CONFIRM_UNCHANGED),
    )
    return {r.code: reporting_line(r) for r in reports}


def reporting_line(report: CountyReport) -> str:
    """A county's 报送情况 as the office checks it after taking its files in: its first
    complete arrival (on the project's clock; a county in several files: when the last part
    came, and its first file), on time or late, and the deadline."""
    if report.received and report.first_part:
        first = f"收齐 {report.received[:16]}（首个文件 {report.first_part[:16]}），"
    else:
        first = f"首次收到 {report.received[:16]}，" if report.received else ""
    return f"{first}{report.status}（截止 {report.deadline}）"


def stored_names(filed: Sequence[Filed]) -> list[str]:
    """The names the files taken in were stored under in the period folder."""
    return [Path(item.stored).name for item in filed if item.stored]


def stale_counties(problems: Sequence[Problem]) -> set[str]:
    """The counties whose ledger repeats an earlier period's (E-LEDGER-STALE)."""
    return {p.county for p in problems if p.code == "E-LEDGER-STALE" and p.county}


def stale_now(desk: Desk) -> set[str]:
    """The counties whose ledger in the period folder, as it is now, repeats an earlier
    period's: the period read against the earlier ones (read once per desk), not checked."""
    if not desk.earlier:
        state = None
        for earlier in (p for p in desk.data.periods if p < desk.period):
            state = read_snapshot(desk.data, earlier, state).state
        desk.earlier.append(state)
    return stale_counties(read_snapshot(desk.data, desk.period, desk.earlier[0]).problems.items)


def write_lists(desk: Desk, result: CheckResult) -> list[Path]:
    """Each county's problem list of the period, from the period's check."""
    return write_county_lists(
        result.problems.items,
        [str(desk.period)],
        result.counties,
        result.records,
        ProjectPaths(desk.root).problems,
        sources=result.sources,
    )


def mark_stale(desk: Desk, names: Sequence[str], stale: set[str]) -> None:
    """Record that the files just taken in (by their stored names) for a county whose ledger
    repeats an earlier period's (E-LEDGER-STALE) are no submission of this period: they do not
    make it on time."""
    latest = {r.file: r for r in read_receipts(desk.folder)}
    marked = [latest[n] for n in sorted(set(names)) if n in latest]
    marked = [r for r in marked if set(r.counties) & stale]
    if marked:
        record_stale(desk.folder, marked, desk.when)


#: How long an intake waits for another one filing into the same period.
LOCK_WAIT = 120


@contextmanager
def _filing_lock(root: Path, period: Period) -> Iterator[None]:
    """Hold the period's filing lock (in the project's cache), waiting for another intake."""
    from filelock import FileLock, Timeout

    folder = ProjectPaths(root).cache
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / f"intake-{period}.lock"), timeout=LOCK_WAIT, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise ConfigError(
            f"另一个 bulletin intake 正在收取 {period} 的文件，等了 {LOCK_WAIT} 秒仍未结束："
            "请等它结束后重试。"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _clear_partials(folder: Path) -> None:
    """Remove the copies an intake killed half-way left (`.intake-<pid>.<ext>`, never read):
    each is a copy of a file the office still has, or of one still in the folder."""

    for path in folder.glob(".intake-*"):
        pid = path.name.removeprefix(".intake-").split(".")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            path.unlink(missing_ok=True)


def _named_county(text: str, index: UnitTree) -> str:
    """The county code `--county` names (by code or name), or a ConfigError saying which exist."""
    wanted = text.strip()
    for code, level in index.level.items():
        if level == "county" and wanted in (code, index.name.get(code)):
            return code
    known = "、".join(
        f"{c} {index.name.get(c, '')}" for c, lv in index.level.items() if lv == "county"
    )
    raise ConfigError(f"--county {wanted}：单位名册中没有这个县市区。县市区有：{known}")


def _file_one(
    root: Path,
    folder: Path,
    item: Filed,
    index: UnitTree,
    named: str,
    mode: str,
    when: datetime,
    arrived: datetime,
) -> None:
    """Take one file in: survey it, set the county's earlier files aside or keep them, store it
    under a made name, record the receipt (each file at once: a later one may fail)."""
    source = item.source
    if not source.is_file():
        # where it was looked for: a name without a folder is in the folder the command ran in
        where = source.absolute()
        item.refused = (
            f"找不到此文件（找的是 {where}）：请核对文件名和所在的文件夹，"
            "可以把文件从文件夹窗口拖到命令行中，自动填上完整的位置"
        )
        return
    if source.resolve() == (folder / RECEIVED).resolve():
        item.refused = "这是本期的收取记录（收到了哪些文件、何时收到），不是县市区报来的台账"
        return
    in_folder = source.parent.resolve() == folder.resolve()
    if in_folder and stored_county(source.name, index):
        item.refused = "文件已在报告期目录中，已经收取过"
        return
    # The file is copied once, under a hidden name the readers skip, and read and stored from
    # that copy: what is recorded is what was read, whatever happens to the original meanwhile.
    partial = folder / f".intake-{os.getpid()}{stored_suffix(source)}"
    try:
        shutil.copyfile(source, partial)
    except OSError:
        partial.unlink(missing_ok=True)
        item.refused = (
            "无法读取此文件（没有读取权限，或正被其他程序占用）：请关闭打开它的程序后重试"
        )
        return
    try:
        _place(root, folder, item, partial, index, named, mode, when, arrived)
    finally:
        partial.unlink(missing_ok=True)
    if item.stored and in_folder:
        source.unlink()  # put into the period folder by hand: now under its made name only


def _same_file(folder: Path, copy: Path, source: Path) -> str:
    """The name of a file of the period with exactly these bytes ("" when none): the same
    mail's attachment saved twice is not a second file of the county, nor a new receipt."""

    size = copy.stat().st_size
    candidates, _ignored = period_files(folder)
    for old in candidates:
        if old.resolve() == source.resolve():
            continue
        try:
            if old.stat().st_size == size and old.read_bytes() == copy.read_bytes():
                return old.name
        except OSError:
            continue
    return ""


def stored_suffix(source: Path) -> str:
    """The extension a file is stored with: its own, or what its bytes are when its name has
    none the readers know (a file called `.~lock.x#` that is a workbook is stored as one)."""

    suffix = source.suffix.lower()
    if suffix in READERS:
        return suffix
    try:
        return f".{file_kind(source, source.name)}"
    except (ReadError, OSError, ValueError):
        return ".csv"  # text: read as CSV, and refused with the reader's reason if it is not one


def _place(
    root: Path,
    folder: Path,
    item: Filed,
    copy: Path,
    index: UnitTree,
    named: str,
    mode: str,
    when: datetime,
    arrived: datetime,
) -> None:
    """Survey the copy of a file, set earlier files aside or keep them, link the copy under its
    made name (never over another file) and record the receipt."""

    item.same_as = _same_file(folder, copy, item.source)
    if item.same_as:
        return
    found = survey(copy, item.source.name, index)
    item.rows = found.rows
    if found.refused:
        item.refused = found.refused
        return
    if named and named not in found.counties:
        item.refused = (
            f"文件中没有一行是{index.name.get(named, named)}的单位，与 --county 不符："
            "请核对是哪个县市区的文件"
        )
        return
    owner = named or found.owner()
    if owner:
        item.counties = [(owner, index.name.get(owner, owner))]
    else:
        item.several = found.share()
        item.counties = [(c, index.name.get(c, c)) for c, _ in item.several]
    mine = found.units_of(owner) if owner else set(found.units)

    stamp = f"{when:%Y%m%d-%H%M%S}"
    for earlier in _earlier_files(folder, item.source, owner, mine, mode, index):
        if not earlier.replaced:
            item.notes.append(earlier.why)
            continue
        moved = move_aside(earlier.path, folder / REPLACED, stamp)
        if moved is None:
            continue  # set aside meanwhile by another intake
        aside = relative(root, moved)
        item.replaced.append(aside)
        item.notes.append(f"{earlier.why}：原有文件已移到 {aside}")
    if owner:
        code, name = owner, index.name.get(owner, owner)
    else:  # a city office's own file: named after the city
        code = next((c for c, lv in index.level.items() if lv == "city"), "全市")
        name = index.name.get(code, "全市")
    while True:
        target = free_name(folder, code, name, copy.suffix)
        try:
            os.link(copy, target)
            break
        except FileExistsError:
            continue  # taken meanwhile by another intake: the next free name
    item.stored = relative(root, target)
    # Read from the copy, not the stored name: another intake at the same moment may already
    # have set the stored file aside as a resend's predecessor.
    if owner:
        item.rosters = file_roster_sheets(root, copy, item.counties[0], when)
    _record(
        folder,
        [
            [
                target.name,
                ",".join(c for c, _ in item.counties),
                time_text(arrived),
                item.source.name,
                _digest(copy),
                RESEND if item.replaced else INTAKE,
                # the townships it brings: a county in several files is complete with the last
                units_text(
                    [
                        (c, u)
                        for u, c in zip(found.units, found.counties, strict=True)
                        if not owner or c == owner
                    ]
                ),
            ]
        ],
        when,
    )


@dataclass
class Earlier:
    """A file of the period already there when a new one comes: replaced or kept, and why."""

    path: Path
    replaced: bool
    why: str  # Chinese, for the intake's output


def _earlier_files(
    folder: Path, source: Path, owner: str, mine: set[str], mode: str, index: UnitTree
) -> list[Earlier]:
    """The period's earlier files the new one replaces or keeps beside it, each with why.

    A county's file replaces its earlier files that name any of the same townships (a resend)
    and keeps those of other townships (a county sending its townships in several files); a
    city's file of several counties replaces earlier such files that overlap it. `mode` ADD
    keeps all, REPLACE sets all of the county's (or the counties') earlier files aside.
    """

    out: list[Earlier] = []
    candidates, _ignored = period_files(folder)
    for old in candidates:
        if old.resolve() == source.resolve():
            continue
        made = stored_county(old.name, index)
        if made and (made != owner if owner else mode != REPLACE):
            continue  # another county's file, known by its name without reading it
        seen = survey(old, old.name, index)
        if seen.refused:
            continue  # not a ledger: check names it; it is not this county's file to replace
        old_owner = made or seen.owner()
        if owner and old_owner != owner:
            continue  # another county's file, or a city file of several counties
        if not owner and old_owner and mode != REPLACE:
            continue  # a county's own file is not replaced by the city's unless told to
        theirs = seen.units_of(owner) if owner else set(seen.units)
        shared = theirs & mine
        if not owner and not shared:
            continue  # a city file of other counties
        if mode == ADD:
            why = (
                f"本期已有的 {old.name}（{_listed(theirs, index)}）保留（--add），与新文件一并计入"
            )
            out.append(Earlier(old, False, why))
        elif mode == REPLACE:
            out.append(Earlier(old, True, f"按 --replace 替换本期已有的 {old.name}"))
        elif shared:
            why = f"与本期已有的 {old.name} 同为{_listed(shared, index)}的台账，是重报，替换它"
            if theirs - mine:
                why += f"（注意：原文件中{_listed(theirs - mine, index)}的企业新文件中没有）"
            out.append(Earlier(old, True, why))
        else:
            why = (
                f"本期已有的 {old.name} 是其他乡镇（街道）的（{_listed(theirs, index)}），"
                f"新文件是{_listed(mine, index)}的，两个文件一并计入（分几个文件报送）；"
                "如新文件是重报，请加 --replace 重新收取"
            )
            out.append(Earlier(old, False, why))
    return out


def _listed(units: set[str], index: UnitTree) -> str:
    """Units by name in roster order, the first six and how many in all; the county's own
    enterprises as the bulletin names them (县直), after its townships."""
    names = sorted(units, key=lambda u: (index.level.get(u) == "county", index.order.get(u, 0)))

    def name(u: str) -> str:
        own = index.level.get(u) == "county"
        return direct_word(index.name.get(u, u)) if own else index.name.get(u, u)

    shown = "、".join(name(u) for u in names[:6])
    return shown + (f"等 {len(names)} 个单位" if len(names) > 6 else "")


def file_roster_sheets(
    root: Path, source: Path, county: tuple[str, str], when: datetime
) -> list[str]:
    """Store the persistent roster sheets of a returned workbook (volunteers, pioneer teams, …)
    that have rows as data/<roster>/<county code>-<name>.xlsx; what was filed, or why not."""

    if source.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return []
    notes: list[str] = []
    data = ProjectPaths(root).data
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
                aside = move_aside(
                    single[0], data / roster.name / REPLACED, f"{when:%Y%m%d-%H%M%S}"
                )
                moved = f"（原文件移到 {aside.relative_to(root).as_posix()}）" if aside else ""
                notes.append(
                    f"名册 data/{single[0].name} 没有数据，改为按县市区分文件存放的目录 "
                    f"data/{roster.name}/{moved}"
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
                move_aside(target, data / roster.name / REPLACED, f"{when:%Y%m%d-%H%M%S}")
            rows = [[c[i].as_py() for c in raw.columns] for i in range(len(raw))]
            _write_values(target, roster.title, raw.headers, rows)
            notes.append(f"{roster.title} {len(raw)} 行 → {target.relative_to(root).as_posix()}")
    finally:
        book.close()
    return notes


def _without_rows(path: Path, root: Path, roster: Roster) -> bool:
    """Whether a roster file holds its header only (a file that cannot be read is not empty)."""

    try:
        return len(read_table(path, path.relative_to(root).as_posix(), roster)) == 0
    except ReadError:
        return False


def _write_values(path: Path, title: str, headers: list[str], rows: list[list[object]]) -> None:
    """The county's cells as text, as they were (a value starting with = stays text)."""
    from openpyxl import Workbook

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
