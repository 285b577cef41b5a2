"""The roster stage's API: a project's rosters as typed DataFrames, and all their problems.

`load_project` reads the rosters that do not change per period; `read_snapshot` reads one period's
ledger (one snapshot alive at a time, so province-sized projects fit in memory), comparing it with
the small state kept from the previous one; `check_project` runs both for every period.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from generator.common.config import Config, load_config
from generator.common.errors import ConfigError
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.problems import Problem, ProblemList
from generator.common.record import CARRY, CONFIRM_UNCHANGED, decided, reference, reporting_status
from generator.model.content import load_content
from generator.rosters import codes
from generator.rosters.filing import hidden_workbook, own_names, stored_county, stray_rows
from generator.rosters.read import (
    READERS,
    ReadError,
    parallel_map,
    read_roster_sheet,
    read_roster_sheets,
    read_table,
    roster_files,
)
from generator.rosters.specs import (
    CAMPAIGNS,
    ENTERPRISES,
    INSPECTIONS,
    ROSTERS,
    TARGETS,
    UNITS,
    VOLUNTEER_REVIEWS,
    VOLUNTEERS,
    Roster,
)
from generator.rosters.units import UnitTree
from generator.rosters.validate import Context, empty_frame, validate_table

if TYPE_CHECKING:
    from generator.rosters.read import FoundSheet, RawTable

T = TypeVar("T")


@dataclass
class ProjectData:
    """The rosters that do not change per period, the periods found, and their problems."""

    config: Config
    units: pd.DataFrame
    targets: pd.DataFrame
    volunteers: pd.DataFrame
    campaigns: dict[str, pd.DataFrame]  # each campaign roster by its key (specs.CAMPAIGNS)
    periods: list[Period]  # sorted, from data/<period>/ folders
    problems: ProblemList  # problems of the non-period rosters and cross-file rules
    #: level, name and county of each unit code; references are checked against it, unless the
    #: unit roster itself could not be read (then they would all fail for that one reason)
    unit_index: UnitTree = field(default_factory=UnitTree, repr=False)
    units_read: bool = field(default=True, repr=False)
    volunteers_read: bool = field(default=True, repr=False)
    #: data/inspections.* (督查, CONTRACT 3.8), optional
    inspections: pd.DataFrame = field(default_factory=lambda: empty_frame(INSPECTIONS))


@dataclass
class SnapshotState:
    """What the next period needs of this one: its enterprises' codes, names, units, and which
    were active. Three columns of the ledger, not the whole frame; nothing is copied."""

    period: Period
    uscc: pa.Array
    name: pa.Array
    unit: pa.Array
    active: np.ndarray  # active (存续 or no status) with a code
    #: per county: a digest of its rows (E-LEDGER-STALE), its active enterprises
    #: (W-COUNTY-SHRANK) and the files its rows came from
    county_digests: dict[str, str] = field(default_factory=dict)
    #: per county: the digests of its rows in earlier periods -> the latest period with them
    history: dict[str, dict[str, str]] = field(default_factory=dict)
    active_by_county: dict[str, int] = field(default_factory=dict)
    rows_by_county: dict[str, int] = field(default_factory=dict)
    county_files: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Snapshot:
    """One period's ledger (and volunteer reviews), typed, with its problems."""

    period: Period
    enterprises: pd.DataFrame
    volunteer_reviews: pd.DataFrame | None
    problems: ProblemList
    state: SnapshotState | None = None  # pass to the next read_snapshot as `previous`
    files: list[str] = field(default_factory=list)  # the ledger's files, relative to the project
    #: counties whose rows were carried from an earlier period (bulletin carry)
    carried: dict[str, Period] = field(default_factory=dict)
    #: 报送情况: generator.common.record.CountyReport per county, in the unit roster's order
    reporting: list[Any] = field(default_factory=list)
    #: county -> the earlier period its ledger repeats (E-LEDGER-STALE, confirmed or not)
    repeats: dict[str, str] = field(default_factory=dict)


@dataclass
class CheckResult:
    """Every problem of a project (or of one period), for `bulletin check`."""

    root: Path
    periods: list[Period]
    problems: ProblemList
    #: (file, row) -> (企业名称, 统一社会信用代码) of each ledger row named in a problem
    records: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)
    #: the county codes and names, in the unit roster's order
    counties: dict[str, str] = field(default_factory=dict)
    #: 报送情况 of the last period checked (generator.common.record.CountyReport per county)
    reporting: list[Any] = field(default_factory=list)
    #: stored file (path in the project) -> the name the county gave it (receipt records)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return self.problems.errors

    @property
    def warnings(self) -> list[Problem]:
        return self.problems.warnings

    @property
    def ok(self) -> bool:
        return not self.errors


def relative(root: Path, path: Path) -> str:
    """A path as users see it in messages: relative to the project, with forward slashes."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_roster(
    root: Path, folder: Path, roster: Roster, ctx: Context
) -> tuple[pd.DataFrame, list[Problem], bool]:
    """Read and validate one roster file; return (frame, problems, file was read)."""
    readable = roster_files(folder, roster.name)
    problems: list[Problem] = []
    directory = folder / roster.name
    if not roster.per_period and directory.is_dir():
        if readable:
            folder_rel = relative(root, directory) + "/"
            problems.append(
                codes.E_FILE_AND_FOLDER.problem(relative(root, readable[0]), None, other=folder_rel)
            )
            return empty_frame(roster), problems, False
        return read_roster_folder(root, directory, roster, ctx)
    if len(readable) > 1:
        first, other = readable[0], readable[1]
        problems.append(
            codes.E_FILE_BOTH.problem(relative(root, first), None, other=relative(root, other))
        )
        return empty_frame(roster), problems, False
    if not readable:
        if not roster.optional and not problems:
            rel = relative(root, folder / f"{roster.name}.csv")
            problems.append(codes.E_FILE_MISSING.problem(rel, None, title=roster.title))
        return empty_frame(roster), problems, False
    path = readable[0]
    try:
        raw = read_table(path, relative(root, path), roster)
    except ReadError as exc:
        return empty_frame(roster), [*problems, exc.problem], False
    except OSError as exc:
        detail = (
            "没有读取权限，或文件正被其他程序占用"
            if isinstance(exc, PermissionError)
            else "打开文件时出错，请确认文件完整、可以用 Excel 打开"
        )
        problem = codes.E_FILE_UNREADABLE.problem(relative(root, path), None, detail=detail)
        return empty_frame(roster), [*problems, problem], False
    validated = validate_table(raw, roster, ctx)
    found = [*problems, *validated.problems]
    if roster.rows_required and raw.headers and len(raw) == 0:
        found.append(codes.E_NO_ROWS.problem(raw.file, raw.header_row, title=roster.title))
    ok = not any(p.code in _UNREAD for p in found)
    return validated.frame, found, ok


def read_roster_folder(
    root: Path, directory: Path, roster: Roster, ctx: Context
) -> tuple[pd.DataFrame, list[Problem], bool]:
    """A roster kept as a folder, `data/<roster>/`: every spreadsheet in it (one per county is
    usual), each read from its sheet with the roster's header and validated, then joined."""

    files, problems = _folder_files(root, directory)
    frames: list[pd.DataFrame] = []
    ok = True
    for path in files:
        rel = relative(root, path)
        found = _attempt(rel, problems, lambda: read_roster_sheet(path, rel, roster))  # noqa: B023
        if found is None:
            ok = False
            continue
        if found.table is None:
            problems.append(_not_found(codes.E_ROSTER_NOT_FOUND, rel, found, roster))
            ok = False
            continue
        validated = validate_table(found.table, roster, ctx)
        if any(p.code in _UNREAD for p in validated.problems):
            ok = False
        frames.append(_file_frame(validated.frame, rel, list(validated.problems), ctx, problems))
    if not frames:
        if not roster.optional and not files:
            rel = relative(root, directory) + "/"
            problems.append(codes.E_FILE_MISSING.problem(rel, None, title=roster.title))
        return empty_frame(roster), problems, False
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if len(frames) > 1:
        problems.extend(_roster_duplicates(frame, roster, ctx.units))
    return frame, problems, ok


def _roster_duplicates(
    frame: pd.DataFrame, roster: Roster, units: UnitTree | None
) -> list[Problem]:
    """E-DUPLICATE for a unique value found in more than one file of a roster folder."""
    keys: list[tuple[str, pd.Series]] = [
        (c.name, frame[c.name].astype("object")) for c in roster.columns if c.unique
    ]
    if roster.name == "volunteers" and units is not None:  # 编号: unique within its county
        county = frame["unit"].map(lambda u: units.county.get(u, "") if isinstance(u, str) else "")
        ids = frame["id"].astype("object")
        joined = (county.astype(str) + "\x1f" + ids.astype(str)).where(ids.notna())
        keys.append(("id", joined))
    out: list[Problem] = []
    for name, key in keys:
        column = roster.column(name)
        places: dict[str, list[tuple[str, int, str]]] = {}
        rows = zip(key, frame["_file"], frame["_row"], frame["unit"], strict=True)
        for value, file, row, unit in rows:
            if isinstance(value, str) and value:
                owner = unit if isinstance(unit, str) else ""
                places.setdefault(value, []).append((str(file), int(row), owner))
        for value, where in places.items():
            if len({f for f, _, _ in where}) < 2:
                continue  # within one file: already reported by its validation
            shown = "；".join(f"{f} 第 {r} 行" for f, r, _ in where)
            text = value.split("\x1f", 1)[-1]
            for file, row, unit in where:
                owner_county = units.county_of(unit) if units is not None else ("", "")
                out.append(
                    codes.E_DUPLICATE_PLACES.problem(
                        file, row, column.title, text, owner_county, places=shown
                    )
                )
    return out


#: Problems after which a roster counts as not read.
_UNREAD = frozenset({"E-HEADER-NOT-FOUND", "E-FILE-EMPTY", "E-NO-ROWS"})


_ROSTER_FOLDERS = frozenset(name for name, roster in ROSTERS.items() if not roster.per_period)


def find_periods(root: Path, config: Config) -> tuple[list[Period], list[Problem]]:
    """The period folders under data/, sorted; folders of the wrong cadence are problems."""
    data_dir = ProjectPaths(root).data
    periods: list[Period] = []
    problems: list[Problem] = []
    if not data_dir.is_dir():
        return periods, problems
    names = {"month": "月度", "quarter": "季度"}
    examples = {"month": "2026-10", "quarter": "2026-Q3"}
    for path in sorted(data_dir.iterdir()):
        if not path.is_dir() or path.name.startswith((".", "_")):
            continue
        if path.name in _ROSTER_FOLDERS:  # a roster kept as a folder, data/<roster>/
            continue
        rel = relative(root, path)
        if not Period.is_period_name(path.name):
            if Period.looks_like_period(path.name):
                shown = ascii(path.name)[1:-1] if not path.name.isprintable() else path.name
                problems.append(codes.E_PERIOD_NAME.problem(rel, None, value=shown))
            else:
                problems.append(codes.W_FOLDER_IGNORED.problem(rel, None, value=path.name))
            continue
        period = Period.parse(path.name)
        if period.cadence != config.cadence:
            problems.append(
                codes.E_PERIOD_FOLDER.problem(
                    rel,
                    None,
                    value=path.name,
                    cadence=names[config.cadence],
                    example=examples[config.cadence],
                )
            )
            continue
        periods.append(period)
    return sorted(periods), problems


def load_project(root: Path, config: Config | None = None) -> ProjectData:
    """Read and check the project's non-period rosters and find its periods."""
    config = config or load_config(root)
    data_dir = ProjectPaths(root).data
    problems = ProblemList()

    units, unit_problems, units_read = read_roster(root, data_dir, UNITS, Context())
    # Without any unit (a header-only roster, already E-UNITS-ROOT) every reference would fail.
    units_read = units_read and len(units) > 0
    index = UnitTree.from_frame(units)
    # The unit roster's own problems get their counties once the hierarchy is known.
    problems.extend(_with_counties(unit_problems, units, index))
    ctx = Context(
        units=index if units_read else None,
        priority_min_employees=config.priority_min_employees,
    )

    frames: dict[str, pd.DataFrame] = {}
    read_ok: dict[str, bool] = {}
    for roster in (TARGETS, VOLUNTEERS, *(c.roster for c in CAMPAIGNS.values()), INSPECTIONS):
        frame, found, ok = read_roster(root, data_dir, roster, ctx)
        frames[roster.name] = frame
        read_ok[roster.name] = ok
        problems.extend(found)

    periods, period_problems = find_periods(root, config)
    problems.extend(period_problems)
    if config.unreported == "previous":  # deprecated (CONTRACT 1.2): read for one release
        problems.extend([codes.W_UNREPORTED_SETTING.problem("bulletin.yml", None, "unreported")])
    if read_ok["targets"]:
        problems.extend(_targets_missing(frames["targets"], periods))
    return ProjectData(
        config=config,
        units=units,
        targets=frames["targets"],
        volunteers=frames["volunteers"],
        campaigns={key: frames[key] for key in CAMPAIGNS},
        periods=periods,
        problems=problems,
        unit_index=index,
        units_read=units_read,
        volunteers_read=read_ok["volunteers"],
        inspections=frames["inspections"],
    )


def _targets_missing(targets: pd.DataFrame, periods: list[Period]) -> list[Problem]:
    """E-TARGETS-MISSING for each year that has periods but no new-union target at all.

    Any unit's target counts (a county's is the sum of its townships' when it has no row).
    """
    years = set()
    pairs = zip(targets["year"].tolist(), targets["new_unions"].tolist(), strict=True)
    for year, target in pairs:
        if not pd.isna(year) and not pd.isna(target):
            years.add(int(year))
    files = sorted({str(f) for f in targets["_file"].tolist()}) if "_file" in targets else []
    rel = files[0] if files else "data/targets.csv"
    return [
        codes.E_TARGETS_MISSING.problem(rel, None, "year", year, year=year)
        for year in sorted({p.year for p in periods} - years)
    ]


def _with_counties(problems: list[Problem], units: pd.DataFrame, index: UnitTree) -> list[Problem]:

    by_row = dict(zip(units["_row"].tolist(), units["code"].tolist(), strict=True))
    out = []
    for p in problems:
        code = by_row.get(p.row) if p.row is not None else None
        if isinstance(code, str) and not p.county:
            county, name = index.county_of(code)
            p = replace(p, county=county, county_name=name)
        out.append(p)
    return out


def read_snapshot(
    data: ProjectData, period: Period, previous: SnapshotState | None = None
) -> Snapshot:
    """Read and check one period's ledger; compare it with the previous period's state."""
    root = data.config.root
    folder = ProjectPaths(root).period(period)
    # Reviews are checked against the volunteer roster only if it could be read; an id used in
    # one county only says which county a review without one is of.
    volunteer_units = _unique_volunteers(data) if data.volunteers_read else None
    ctx = Context(
        units=data.unit_index if data.units_read else None,
        period=period,
        priority_min_employees=data.config.priority_min_employees,
        volunteer_units=volunteer_units,
    )
    problems = ProblemList()
    ledger = read_ledger(root, folder, ctx)
    enterprises, readable = ledger.frame, ledger.readable
    problems.extend(ledger.problems)
    reviews, found = _period_reviews(data, folder, ledger.reviews, ctx)
    problems.extend(found)

    if not readable:
        # An unreadable ledger is already an error; comparing it would flag every enterprise.
        return Snapshot(period, enterprises, reviews, problems, previous, ledger.files)
    counties = _county_codes(data) if data.units_read else []
    carried: dict[str, Period] = {}
    if counties:
        enterprises, carried, found = _counties_reported(
            data, period, enterprises, counties, folder
        )
        problems.extend(found)
    state = _state(enterprises, period, data.unit_index)
    for county in carried:  # last period's rows again: no repeat of the county's own
        state.county_digests.pop(county, None)
    repeats: dict[str, str] = {}
    if previous is not None:
        state.history = _history(previous)
        missing = _missing_enterprises(enterprises, previous, period, root, folder, data.unit_index)
        # a county that sent nothing is one error, not one warning per enterprise it had
        unreported = {p.county for p in problems if p.code == codes.E_COUNTY_NOT_REPORTED.name}
        missing = [p for p in missing if p.county not in unreported]
        problems.extend(_name_counties(missing, data.unit_index.name))
        changes, repeats = _county_changes(
            state, previous, data.unit_index, carried, folder, root, period
        )
        problems.extend(changes)
    reporting: list[Any] = []
    if counties:
        names = {c: data.unit_index.name.get(c, c) for c in counties}
        ref = reference(root, period, data.config.report_deadline)
        confirmed = decided(folder, CONFIRM_UNCHANGED)
        reporting = reporting_status(
            root,
            period,
            names,
            state.county_files,
            dict(carried),
            data.config.report_deadline,
            unchanged={c: p for c, p in repeats.items() if c in confirmed},
            ref=ref,
        )
        if ref.issued_at is None and (
            period == max(data.periods, default=period) or any(r.received for r in reporting)
        ):
            problems.extend(_receipts_missing(reporting, folder, root, period))
    return Snapshot(
        period, enterprises, reviews, problems, state, ledger.files, carried, reporting, repeats
    )


def _history(previous: SnapshotState) -> dict[str, dict[str, str]]:
    """The earlier periods' digests of each county, the previous period's added (a digest
    seen in several periods names the latest)."""
    history = {county: dict(digests) for county, digests in previous.history.items()}
    for county, digest in previous.county_digests.items():
        history.setdefault(county, {})[digest] = str(previous.period)
    return history


def _receipts_missing(
    reporting: list[Any], folder: Path, root: Path, period: Period
) -> list[Problem]:
    """W-RECEIPT-MISSING for each ledger file of a county that has no recorded receipt."""
    rel = relative(root, folder)
    return [
        codes.W_RECEIPT_MISSING.problem(
            f"{rel}/{file}",
            None,
            county=(item.code, item.name),
            name=item.name,
            period=str(period),
        )
        for item in reporting
        for file in item.unrecorded
    ]


def _unique_volunteers(data: ProjectData) -> dict[str, str]:
    """Volunteer id -> unit, for the ids used in one county only."""
    index = data.unit_index
    units: dict[str, str] = {}
    counties: dict[str, set[str]] = {}
    for vid, unit in zip(data.volunteers["id"], data.volunteers["unit"], strict=True):
        if isinstance(vid, str) and isinstance(unit, str):
            units[vid] = unit
            counties.setdefault(vid, set()).add(index.county_code(unit))
    return {vid: unit for vid, unit in units.items() if len(counties[vid]) == 1}


def _period_reviews(
    data: ProjectData, folder: Path, sheets: list[tuple[Any, str]], ctx: Context
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A period's volunteer reviews (3.5): data/<period>/volunteer_reviews.* and the 志愿者考核
    sheets of the period's files, validated, each row given its county and its volunteer."""

    root = data.config.root
    problems: list[Problem] = []
    frames: list[pd.DataFrame] = []
    counties: dict[str, str] = {}  # file -> its county, when it is one county's
    named = roster_files(folder, VOLUNTEER_REVIEWS.name)
    if named:
        frame, found, _ = read_roster(root, folder, VOLUNTEER_REVIEWS, ctx)
        problems.extend(found)
        if len(named) == 1:
            rel = relative(root, named[0])
            frame["_file"] = pd.Series(
                [rel] * len(frame), dtype="string[pyarrow]", index=frame.index
            )
            frames.append(frame)
    for raw, county in sheets:
        if not len(raw):
            continue  # the collection template's empty sheet
        validated = validate_table(raw, VOLUNTEER_REVIEWS, replace(ctx, file_county=county))
        problems.extend(validated.problems)
        frame = validated.frame
        frame["_file"] = pd.Series(
            [raw.file] * len(frame), dtype="string[pyarrow]", index=frame.index
        )
        frames.append(frame)
        counties[raw.file] = county
    if not frames:
        return (empty_frame(VOLUNTEER_REVIEWS) if named else None), problems
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    problems.extend(match_reviews(frame, data, counties))
    return frame, problems


def match_reviews(
    frame: pd.DataFrame, data: ProjectData, counties: dict[str, str]
) -> list[Problem]:
    """Give each review its county and its volunteer (CONTRACT 1.1, 3.5: 编号 are unique within
    a county only), adding the columns `county` and `volunteer_unit` (the volunteer's unit).

    A review's county is that of its unit column, else its file's (a county's returned
    workbook), else the one county whose volunteers use its 编号. A 编号 not in that county's
    roster is E-VOLUNTEER-UNKNOWN; one used in several counties, with nothing saying which, is
    E-VOLUNTEER-AMBIGUOUS; the same volunteer reviewed twice is E-DUPLICATE naming both places.
    """
    index = data.unit_index
    header = VOLUNTEER_REVIEWS.column("volunteer").title
    by_key: dict[tuple[str, str], str] = {}
    id_counties: dict[str, list[str]] = {}
    for vid, unit in zip(data.volunteers["id"], data.volunteers["unit"], strict=True):
        if isinstance(vid, str) and isinstance(unit, str):
            county = index.county_code(unit)
            by_key.setdefault((county, vid), unit)
            if county not in id_counties.setdefault(vid, []):
                id_counties[vid].append(county)
    check = data.volunteers_read and data.units_read
    problems: list[Problem] = []
    county_column: list[str | None] = []
    unit_column: list[str | None] = []
    places: dict[tuple[str, str], list[tuple[str, int]]] = {}
    rows = zip(frame["volunteer"], frame["unit"], frame["_file"], frame["_row"], strict=True)
    for vid, unit, file, row in rows:
        file, row = str(file), int(row)
        county = ""
        if isinstance(unit, str) and unit:
            county = index.county_code(unit) if unit in index.level else ""
        elif counties.get(file):
            county = counties[file]
        elif isinstance(vid, str) and len(id_counties.get(vid, [])) == 1:
            county = id_counties[vid][0]
        matched = by_key.get((county, vid)) if isinstance(vid, str) and county else None
        county_column.append(county or None)
        unit_column.append(matched)
        if not isinstance(vid, str) or (isinstance(unit, str) and unit and not county):
            continue  # no 编号 (E-REQUIRED), or an unknown unit code (E-UNIT-UNKNOWN)
        where = (county, index.name.get(county, "")) if county else ("", "")
        if check and matched is None:
            if county:
                problems.append(
                    codes.E_VOLUNTEER_NOT_IN_COUNTY.problem(
                        file, row, header, vid, where, name=where[1]
                    )
                )
            elif len(id_counties.get(vid, [])) > 1:
                names = "、".join(index.name.get(c, c) for c in id_counties[vid])
                problems.append(
                    codes.E_VOLUNTEER_AMBIGUOUS.problem(file, row, header, vid, names=names)
                )
            else:
                problems.append(codes.E_VOLUNTEER_UNKNOWN.problem(file, row, header, vid))
        if county:
            places.setdefault((county, vid), []).append((file, row))
    for (county, vid), where_all in places.items():
        if len(where_all) < 2:
            continue
        shown = "；".join(f"{f} 第 {r} 行" for f, r in where_all)
        owner = (county, index.name.get(county, ""))
        for file, row in where_all:
            problems.append(
                codes.E_REVIEW_TWICE.problem(file, row, header, vid, owner, places=shown)
            )
    frame["county"] = pd.Series(county_column, dtype="string[pyarrow]", index=frame.index)
    frame["volunteer_unit"] = pd.Series(unit_column, dtype="string[pyarrow]", index=frame.index)
    return problems


@dataclass
class Ledger:
    """A period's ledger read from every file of its folder."""

    frame: pd.DataFrame
    problems: list[Problem]
    readable: bool
    files: list[str]  # the files rows came from, relative to the project
    #: the 志愿者考核 sheets found in the period's files: (table, the file's county or "")
    reviews: list[tuple[Any, str]] = field(default_factory=list)


#: Lock and temporary files of Excel, WPS and LibreOffice: never a county's file.
def _is_scratch(name: str) -> bool:
    return name.startswith(("~$", ".~lock", ".", "~")) or name.endswith(("#", ".tmp", ".TMP"))


def period_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """The spreadsheets of a period folder that may hold the ledger, and files not read.

    Lock and temporary files are skipped; so are files named as another period roster
    (volunteer_reviews.*). The second list is every other regular file: named, not ignored.
    """

    if not folder.is_dir():
        return [], []
    others = {r.name for r in ROSTERS.values() if r.per_period and r.name != ENTERPRISES.name}
    sheets: list[Path] = []
    ignored: list[Path] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if _is_scratch(path.name) or not path.is_file():
            continue
        if path.stem in others:
            continue
        if path.suffix.lower() in READERS:
            sheets.append(path)
        else:
            ignored.append(path)
    return sheets, ignored


def read_ledger(root: Path, folder: Path, ctx: Context) -> Ledger:
    """Every file of a period folder read for the ledger, validated file by file, then joined.

    Row numbers stay those of each file; the same enterprise in two files is E-DUPLICATE naming
    both places; a spreadsheet without a ledger sheet is E-LEDGER-NOT-FOUND.
    """

    files, problems = _folder_files(root, folder)
    if not files:
        rel = relative(root, folder / f"{ENTERPRISES.name}.csv")
        problems.append(codes.E_FILE_MISSING.problem(rel, None, title=ENTERPRISES.title))
        return Ledger(empty_frame(ENTERPRISES), problems, False, [])
    frames: list[pd.DataFrame] = []
    used: list[str] = []
    reviews: list[tuple[Any, str]] = []
    readable = True
    for path in files:
        rel = relative(root, path)
        named = path.stem == ENTERPRISES.name

        sheets = _attempt(rel, problems, lambda: _ledger_sheets(path, rel))  # noqa: B023
        if sheets is None:
            readable = False
            continue
        found, review, raw = sheets
        if raw is None and review.table is not None and not named:
            reviews.append((review.table, ""))  # a file of volunteer reviews only
            continue
        if raw is None:
            problems.append(_not_found(codes.E_LEDGER_NOT_FOUND, rel, found, ENTERPRISES, path))
            readable = False
            continue
        # a county's stored file is that county's: every problem of it goes to its list, a stray
        # row of another county's unit included (the county that sent the row fixes it)
        county = stored_county(path.name, ctx.units) if ctx.units is not None else ""
        validated = validate_table(raw, ENTERPRISES, replace(ctx, file_county=county))
        found_problems = list(validated.problems)
        if raw.headers and len(raw) == 0:
            found_problems.append(
                codes.E_NO_ROWS.problem(raw.file, raw.header_row, title=ENTERPRISES.title)
            )
        if any(p.code in _UNREAD for p in found_problems):
            readable = False
        frame = _file_frame(validated.frame, rel, found_problems, ctx, problems, county)
        if ctx.units is not None:  # a county's stored file: rows of other counties are strays
            stray, found_strays = stray_rows(frame, rel, county, ctx.units)
            problems.extend(found_strays)
            frame = frame.loc[~stray].reset_index(drop=True) if stray.any() else frame
        frames.append(frame)
        used.append(rel)
        if review.table is not None:
            reviews.append((review.table, _one_county(frame, ctx.units)))
    if not frames:
        return Ledger(empty_frame(ENTERPRISES), problems, False, [], reviews)
    if len(frames) == 1:
        return Ledger(frames[0], problems, readable, used, reviews)
    frame = pd.concat(frames, ignore_index=True)
    problems.extend(_duplicates_across_files(frame, ctx.units))
    return Ledger(frame, problems, readable, used, reviews)


def _one_county(frame: pd.DataFrame, units: UnitTree | None) -> str:
    """The county of a file's ledger rows when they are all one county's, else ""."""
    if units is None or not len(frame):
        return ""
    counties = set(pc.unique(county_of_rows(frame, units)).to_pylist())
    return str(counties.pop()) if len(counties) == 1 else ""


def _ledger_sheets(path: Path, rel: str) -> tuple[FoundSheet, FoundSheet, RawTable | None]:
    """A period file's ledger and 志愿者考核 sheets, and the ledger's rows (None when no sheet
    has its header; enterprises.csv itself is read as it is, to say what is wrong with it)."""

    tables = read_roster_sheets(path, rel, (ENTERPRISES, VOLUNTEER_REVIEWS))
    found, review = tables[ENTERPRISES.name], tables[VOLUNTEER_REVIEWS.name]
    raw = found.table
    if raw is None and path.stem == ENTERPRISES.name:
        raw = read_table(path, rel, ENTERPRISES)
    return found, review, raw


def _folder_files(root: Path, folder: Path) -> tuple[list[Path], list[Problem]]:
    """The spreadsheets of a roster folder, and a W-FILE-IGNORED for each other file in it."""
    files, ignored = period_files(folder)
    problems = [codes.W_FILE_IGNORED.problem(relative(root, path), None) for path in ignored]
    if folder.is_dir():  # a workbook under a lock file's or hidden name is named, not skipped
        problems += [
            codes.W_FILE_HIDDEN.problem(relative(root, path), None)
            for path in sorted(folder.iterdir(), key=lambda p: p.name)
            if _is_scratch(path.name) and hidden_workbook(path)
        ]
    return files, problems


def _attempt(rel: str, problems: list[Problem], read: Callable[[], T]) -> T | None:
    """What `read` gives of a file, or None with the file's problem added when it cannot be
    read."""
    try:
        return read()
    except ReadError as exc:
        problems.append(exc.problem)
    except OSError as exc:
        problems.append(_os_problem(rel, exc))
    return None


def _not_found(
    code: Any, rel: str, found: FoundSheet, roster: Roster, path: Path | None = None
) -> Problem:
    """No sheet of a file has the roster's header: the sheets it has, the columns wanted."""
    sheets = "、".join(f"工作表“{name}”" for name in found.sheets) or "文件"
    expected = "、".join(c.title for c in roster.columns if c.required)
    if path is not None:  # the ledger's message names the file
        return code.problem(rel, None, value=path.name, sheets=sheets, expected=expected)
    return code.problem(rel, None, title=roster.title, sheets=sheets, expected=expected)


def _file_frame(
    frame: pd.DataFrame,
    rel: str,
    found: list[Problem],
    ctx: Context,
    problems: list[Problem],
    county: str = "",
) -> pd.DataFrame:
    """A file's validated rows marked with the file; its problems added, each about the whole
    file given to `county` (the county it was taken in for) or the county whose rows it holds."""
    files = pa.nulls(len(frame), pa.large_string()).fill_null(rel)
    frame["_file"] = pd.Series(pd.arrays.ArrowStringArray(files), index=frame.index)
    problems.extend(_file_county(found, frame, ctx.units, county))
    return frame


def _os_problem(rel: str, exc: OSError) -> Problem:
    detail = (
        "没有读取权限，或文件正被其他程序占用"
        if isinstance(exc, PermissionError)
        else "打开文件时出错，请确认文件完整、可以用 Excel 打开"
    )
    return codes.E_FILE_UNREADABLE.problem(rel, None, detail=detail)


def _file_county(
    problems: list[Problem], frame: pd.DataFrame, units: UnitTree | None, county: str = ""
) -> list[Problem]:
    """A file's problems about the whole file go to `county` when given, else to the county
    whose rows it holds (if one)."""

    if units is None or (not county and not len(frame)):
        return problems
    if not county:
        counties = set(pc.unique(county_of_rows(frame, units)).to_pylist())
        counties.discard("")
        if len(counties) != 1:
            return problems
        county = counties.pop()
    name = units.name.get(county, "")
    return [replace(p, county=county, county_name=name) if not p.county else p for p in problems]


def _duplicates_across_files(frame: pd.DataFrame, units: UnitTree | None) -> list[Problem]:
    """E-DUPLICATE for each enterprise found in more than one file, naming every place."""
    uscc = frame["uscc"]
    known = uscc.notna()
    files_per = frame.loc[known].groupby("uscc", observed=True)["_file"].nunique()
    shared = set(files_per[files_per > 1].index.tolist())
    if not shared:
        return []
    header = ENTERPRISES.column("uscc").title
    rows = frame.loc[known & uscc.isin(shared), ["uscc", "_file", "_row", "unit"]]
    places: dict[str, list[tuple[str, int]]] = {}
    for code, file, row in zip(rows["uscc"], rows["_file"], rows["_row"], strict=True):
        places.setdefault(code, []).append((str(file), int(row)))
    out = []
    for code, file, row, unit in zip(
        rows["uscc"], rows["_file"], rows["_row"], rows["unit"], strict=True
    ):
        shown = "；".join(f"{f} 第 {r} 行" for f, r in places[code])
        county = units.county_of(unit if isinstance(unit, str) else None) if units else ("", "")
        out.append(
            codes.E_DUPLICATE_FILES.problem(str(file), int(row), header, code, county, places=shown)
        )
    return out


def _county_codes(data: ProjectData) -> list[str]:
    """The counties (units whose parent is the city), in the unit roster's order."""
    index = data.unit_index
    return [code for code, level in index.level.items() if level == "county"]


def _counties_reported(
    data: ProjectData,
    period: Period,
    enterprises: pd.DataFrame,
    counties: list[str],
    folder: Path,
) -> tuple[pd.DataFrame, dict[str, Period], list[Problem]]:
    """E-COUNTY-NOT-REPORTED for each county without rows; a county the office decided to
    carry for the period (`bulletin carry`, or every county under the deprecated
    `unreported: previous`) has its rows of the latest earlier period that has them instead."""

    index = data.unit_index
    present = set(pc.unique(county_of_rows(enterprises, index)).to_pylist())
    missing = [c for c in counties if c not in present]
    if not missing:
        return enterprises, {}, []
    rel = relative(data.config.root, folder) + "/"
    problems: list[Problem] = []
    carried: dict[str, Period] = {}
    frames = [enterprises]
    decisions = decided(folder, CARRY)
    for county in missing:
        name = index.name.get(county, county)
        if county in decisions or data.config.unreported == "previous":
            found = earlier_rows(data, period, county)
            if found is not None:
                source, rows = found
                carried[county] = source
                frames.append(rows)
                why = (
                    "按 bulletin carry 的决定"
                    if county in decisions
                    else "按 bulletin.yml 中 unreported: previous 的设置"
                )
                problems.append(
                    codes.W_COUNTY_CARRIED.problem(
                        rel,
                        None,
                        county=(county, name),
                        name=name,
                        period=str(period),
                        source=str(source),
                        why=why,
                    )
                )
                continue
        problems.append(
            codes.E_COUNTY_NOT_REPORTED.problem(
                rel, None, value=name, county=(county, name), name=name, period=str(period)
            )
        )
    if len(frames) > 1:
        enterprises = pd.concat(frames, ignore_index=True)
    return enterprises, carried, problems


def earlier_rows(
    data: ProjectData, period: Period, county: str
) -> tuple[Period, pd.DataFrame] | None:
    """A county's rows of the latest period before `period` that has any (read again)."""
    index = data.unit_index
    ctx = Context(
        units=index,
        period=period,
        priority_min_employees=data.config.priority_min_employees,
    )
    root = data.config.root
    for earlier in sorted((p for p in data.periods if p < period), reverse=True):
        ledger = read_ledger(root, ProjectPaths(root).period(earlier), ctx)
        frame = ledger.frame
        if not len(frame):
            continue
        mine = frame["unit"].map(lambda u: index.county.get(u, "") if isinstance(u, str) else "")
        rows = frame.loc[mine == county].reset_index(drop=True)
        if len(rows):
            return earlier, rows
    return None


#: A county's ledger identical to an earlier one is suspect from this many rows on (a county
#: with a handful of enterprises may well not change in a month).
UNCHANGED_MIN_ROWS = 10


def _county_changes(
    state: SnapshotState,
    previous: SnapshotState,
    index: UnitTree,
    carried: dict[str, Period],
    folder: Path,
    root: Path,
    period: Period,
) -> tuple[list[Problem], dict[str, str]]:
    """E-LEDGER-STALE (unless confirmed) and W-COUNTY-SHRANK, one per county; and the
    earlier period each county's ledger repeats."""

    problems: list[Problem] = []
    repeats: dict[str, str] = {}
    before = previous.active_by_county
    now = state.active_by_county
    rel = relative(root, folder) + "/"
    confirmed = decided(folder, CONFIRM_UNCHANGED)
    for county, digest in state.county_digests.items():
        if county in carried or not county:
            continue
        name = index.name.get(county, county)
        files = "、".join(state.county_files.get(county, [])) or rel
        rows = state.rows_by_county.get(county, 0)
        repeated = state.history.get(county, {}).get(digest, "")
        if rows >= UNCHANGED_MIN_ROWS and repeated:
            repeats[county] = repeated
            if county not in confirmed:
                problems.append(
                    codes.E_LEDGER_STALE.problem(
                        files.split("、")[0],
                        None,
                        county=(county, name),
                        name=name,
                        previous=repeated,
                        files=files,
                        period=str(period),
                    )
                )
        had, has = before.get(county, 0), now.get(county, 0)
        if had and has < had * 0.8:
            problems.append(
                codes.W_COUNTY_SHRANK.problem(
                    files.split("、")[0],
                    None,
                    value=str(has),
                    county=(county, name),
                    name=name,
                    now=has,
                    before=had,
                    previous=str(previous.period),
                )
            )
    return problems, repeats


def _arrow(series: pd.Series) -> pa.Array:
    """A string column as a pyarrow array (zero-copy for the frames made here)."""
    arr = pa.array(series.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _state(enterprises: pd.DataFrame, period: Period, index: UnitTree) -> SnapshotState:
    uscc = _arrow(enterprises["uscc"])
    status = _arrow(enterprises["status"])
    active = pc.and_(pc.or_kleene(pc.is_null(status), pc.equal(status, "存续")), pc.is_valid(uscc))
    active_np = np.asarray(pc.fill_null(active, False).to_numpy(zero_copy_only=False), dtype=bool)
    state = SnapshotState(
        period=period,
        uscc=uscc,
        name=_arrow(enterprises["name"]),
        unit=_arrow(enterprises["unit"]),
        active=active_np,
    )
    if not len(enterprises) or not index.county:
        return state
    counties = county_of_rows(enterprises, index)
    values = [c.name for c in ENTERPRISES.columns if c.name in enterprises.columns]
    # Each county's rows digested in their order (a file put back unchanged has its rows in the
    # same order): one task per county, hashing its cells' bytes in a worker thread.
    encoded = pc.dictionary_encode(counties)
    codes_np = np.asarray(encoded.indices.to_numpy(zero_copy_only=False))
    names = encoded.dictionary.to_pylist()
    for code, (digest, rows) in zip(
        names, _county_digests(enterprises[values], codes_np, len(names)), strict=True
    ):
        state.county_digests[str(code)] = digest
        state.rows_by_county[str(code)] = rows
    active_counts = np.bincount(codes_np, weights=active_np, minlength=len(names))
    for code, n in zip(names, active_counts.tolist(), strict=True):
        state.active_by_county[str(code)] = int(n)
    if "_file" in enterprises:
        # (a row without a file, which no reader makes, was listed as "None" before too)
        files = pc.dictionary_encode(pc.fill_null(_arrow(enterprises["_file"]), "None"))
        file_names = files.dictionary.to_pylist()
        file_codes = np.asarray(files.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        pairs = np.unique(codes_np.astype(np.int64) * len(file_names) + file_codes)
        for pair in pairs.tolist():
            county, file = divmod(pair, len(file_names))
            state.county_files.setdefault(str(names[county]), []).append(str(file_names[file]))
        for listed in state.county_files.values():
            listed.sort()
    return state


def _county_digests(
    table: pa.Table | pd.DataFrame, codes_np: np.ndarray, groups: int
) -> list[tuple[str, int]]:
    """(digest, rows) of each group of rows (codes_np: its group per row), in group order.

    A group's digest is of its rows' cells in their order, wherever the rows lie. Columns of
    fixed width (numbers, flags, dates, and text of few values as a digest of each value) are
    folded into one 64-bit word per row first, each column's values times its own odd constant
    (so one cell changed always changes its row's word) and nulls its own constant; other text
    is digested as its bytes. Only the row words and those texts are brought into the groups'
    order (unless each group's rows already lie together, as when each county sends its own
    file); then each group hashes its range. The frame's own arrays are read as they are.
    """
    runs = np.flatnonzero(codes_np[1:] != codes_np[:-1]) + 1
    order: np.ndarray | None = None
    if len(runs) + 1 == groups:
        starts, ends = np.r_[0, runs], np.r_[runs, len(codes_np)]
        groups_in_order = codes_np[starts]
    else:
        order = np.argsort(codes_np, kind="stable")
        edges = np.searchsorted(codes_np[order], np.arange(groups + 1))
        starts, ends, groups_in_order = edges[:-1], edges[1:], np.arange(groups)
    if isinstance(table, pd.DataFrame):
        names = [str(name) for name in table.columns]
        sources: list[Any] = [table[name] for name in names]
    else:
        names = table.column_names
        sources = [table.column(i) for i in range(table.num_columns)]
    parts = parallel_map(
        lambda job: _column_parts(job[1], job[0] in _FEW_VALUES),
        list(zip(names, sources, strict=True)),
    )
    words = np.zeros(len(codes_np), dtype=np.uint64)
    head: list[str] = []
    texts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []
    for name, part in zip(names, parts, strict=True):
        if part[0] == "text":
            _, nulls, offsets, data = part
            if order is not None:
                nulls, offsets, data = _text_in_order(nulls, offsets, data, order)
            texts.append((name, nulls, offsets, data))
            continue
        kind, nulls, values = part
        head.append(f"{name}:{kind}")
        odd, blank = _column_constants(name, kind)
        with np.errstate(over="ignore"):
            words += np.where(nulls, blank, values * odd)
    if order is not None:
        words = words[order]
    header = ("\0".join(head) + "\0").encode()
    bounds = dict(
        zip(groups_in_order.tolist(), zip(starts.tolist(), ends.tolist(), strict=True), strict=True)
    )

    def digest(group: int) -> tuple[str, int]:
        start, end = bounds[group]
        # SHA-256: the quickest of hashlib's on this work (the CPU's own instructions)
        h = hashlib.sha256(str(end - start).encode())
        h.update(header)
        h.update(words[start:end].data)
        for name, nulls, offsets, data in texts:
            h.update(f"\0{name}:text\0".encode())
            # Null flags packed eight to a byte, and only for a range that has a null.
            flags = nulls[start:end]
            h.update(np.packbits(flags).data if flags.any() else b"-")
            h.update(np.diff(offsets[start : end + 1]).astype(np.int32).data)
            h.update(data[int(offsets[start]) : int(offsets[end])].data)
        return h.hexdigest()[:32], end - start

    return parallel_map(digest, range(groups))


def _column_constants(name: str, kind: str) -> tuple[np.uint64, np.uint64]:
    """A column's multiplier (odd, so no change of a value is lost) and word for a null."""
    seed = hashlib.sha256(f"{name}:{kind}".encode()).digest()
    odd = int.from_bytes(seed[:8], "little") | 1
    return np.uint64(odd), np.uint64(int.from_bytes(seed[8:16], "little"))


def _text_in_order(
    nulls: np.ndarray, offsets: np.ndarray, data: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A text column's null flags, offsets and bytes with its rows in `order`."""
    wide = pa.large_string() if offsets.dtype == np.int64 else pa.string()
    arr = pa.Array.from_buffers(
        wide, len(nulls), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    ).take(pa.array(order))
    return nulls[order], *_text_buffers(arr)


def _text_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A text array's offsets and bytes as numpy (zero-copy)."""
    wide = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=wide)[arr.offset : arr.offset + len(arr) + 1]
    buffer = arr.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)
    return offsets, data


_ColumnParts = tuple[Any, ...]

#: Text columns of few distinct values (units, categories, reasons): digested by a digest of
#: each distinct value, looked up per row, far cheaper than bringing their text together when
#: the counties' rows are interleaved. Other text (codes, names, persons) as its bytes.
_FEW_VALUES = frozenset(
    {
        "unit",
        "industry",
        "ownership",
        "area_type",
        "union_form",
        "not_unionized_reason",
        "status",
        "federation",
        "progress",
    }
)


def _column_parts(column: pa.ChunkedArray | pd.Series, by_value: bool = False) -> _ColumnParts:
    """A column as plain arrays: ("text", null flags, offsets, bytes) for text, else (kind,
    null flags, values as uint64). A frame's column is read from its own arrays: text from its
    Arrow array, masked numbers and flags as numpy, dates as int64. Text `by_value` is one
    8-byte digest per row, of its value."""
    if isinstance(column, pd.Series):
        dtype = column.dtype
        numeric = (pd.BooleanDtype, pd.Float64Dtype, pd.Int64Dtype)
        if not isinstance(dtype, numeric) and dtype.kind != "M":
            column = pa.chunked_array([pa.array(column.array, from_pandas=True)])
        else:
            nulls = np.asarray(column.isna().to_numpy(), dtype=bool)
            if isinstance(dtype, pd.BooleanDtype):
                values = column.to_numpy(dtype=bool, na_value=False)
            elif isinstance(dtype, pd.Float64Dtype):
                values = column.to_numpy(dtype=np.float64, na_value=0.0)
            elif isinstance(dtype, pd.Int64Dtype):
                values = column.to_numpy(dtype=np.int64, na_value=0)
            else:  # dates: their int64 counts
                values = column.to_numpy().view(np.int64)
            return values.dtype.str, nulls, _as_words(values)
    arr = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    nulls = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        if by_value:
            encoded = pc.dictionary_encode(arr)
            digests = b"".join(
                hashlib.sha256(value.encode()).digest()[:8]
                for value in encoded.dictionary.to_pylist()
            )
            lookup = np.frombuffer(digests + bytes(8), dtype=np.uint64)  # the last: a null
            at = pc.fill_null(encoded.indices, len(encoded.dictionary))
            return "text by value", nulls, lookup[at.to_numpy(zero_copy_only=False)]
        return ("text", nulls, *_text_buffers(arr))
    blank = pa.scalar(False if pa.types.is_boolean(arr.type) else 0, arr.type)
    values = np.asarray(pc.fill_null(arr, blank).to_numpy(zero_copy_only=False))
    if values.dtype.kind in "mM":  # dates: their int64 counts (numpy exports no date buffer)
        values = values.view(np.int64)
    return values.dtype.str, nulls, _as_words(values)


def _as_words(values: np.ndarray) -> np.ndarray:
    """Fixed-width values as uint64 words (their bits; flags as 0 and 1)."""
    if values.dtype.itemsize == 8:
        return values.view(np.uint64)
    return values.astype(np.uint64)


def _bool(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def county_of_rows(enterprises: pd.DataFrame, index: UnitTree) -> pa.Array:
    """The county code of each row's unit ('' for the city or an unknown unit)."""
    units = _arrow(enterprises["unit"])
    keys = pa.array(list(index.county), pa.string())
    values = pa.array([*index.county.values(), ""], pa.string())
    at = pc.fill_null(pc.index_in(units, value_set=keys), len(keys))
    return values.take(at)


def first_file_by_county(enterprises: pd.DataFrame, index: UnitTree) -> dict[str, str]:
    """The file of each county's first row (a row with a unit and a file; "" for the city's and
    unknown units), over the columns rather than row by row."""
    if "_file" not in enterprises.columns or not len(enterprises):
        return {}
    files = _arrow(enterprises["_file"])
    known = _bool(pc.and_(pc.is_valid(_arrow(enterprises["unit"])), pc.is_valid(files)))
    if not known.any():
        return {}
    rows = np.flatnonzero(known)
    counties = county_of_rows(enterprises, index).take(pa.array(rows))
    encoded = pc.dictionary_encode(counties)
    _, first = np.unique(encoded.indices.to_numpy(zero_copy_only=False), return_index=True)
    first = np.sort(first)  # in the order of the rows, as the counties are met
    owners = counties.take(pa.array(first)).to_pylist()
    taken = files.take(pa.array(rows[first])).to_pylist()
    return {str(c): str(f) for c, f in zip(owners, taken, strict=True)}


def _missing_enterprises(
    enterprises: pd.DataFrame,
    previous: SnapshotState,
    period: Period,
    root: Path,
    folder: Path,
    index: UnitTree,
) -> list[Problem]:
    """W-ENT-MISSING for each enterprise active last period and absent now."""
    present = _arrow(enterprises["uscc"])
    found = pc.fill_null(pc.is_in(previous.uscc, value_set=present), False)
    gone = previous.active & ~np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
    if not gone.any():
        return []
    # Each missing enterprise is named in the file of its county (the folder if it has none).
    own = first_file_by_county(enterprises, index)
    folder_rel = relative(root, folder) + "/"
    take = pa.array(np.flatnonzero(gone))
    uscc = previous.uscc.take(take).to_pylist()
    names = previous.name.take(take).to_pylist()
    counties = [index.county.get(u or "", "") for u in previous.unit.take(take).to_pylist()]
    header = ENTERPRISES.column("uscc").title
    out = []
    for code, name, county in zip(uscc, names, counties, strict=True):
        rel = own.get(county or "", folder_rel)
        out.append(
            codes.W_ENT_MISSING.problem(
                rel,
                None,
                header,
                code,
                (county or "", ""),
                name=name or "",
                previous=str(previous.period),
            )
        )
    return out


def check_project(root: Path, period: Period | None = None) -> CheckResult:
    """Every problem of every period (or of one), including enterprises missing since the last."""
    config = load_config(root)
    data = load_project(root, config)
    problems = ProblemList()
    problems.extend(data.problems)
    periods = data.periods
    if period is not None:
        if period not in periods:
            known = "、".join(str(p) for p in periods) or "无"
            raise ConfigError(f"没有报告期 {period} 的数据（data/{period}/）。现有报告期：{known}")
        periods_to_check = [period]
        # every earlier period, for the history a stale ledger is compared with (E-LEDGER-STALE)
        state = None
        for earlier in (p for p in periods if p < period):
            state = read_snapshot(data, earlier, state).state
    else:
        periods_to_check = periods
        state = None
    records: dict[tuple[str, int], tuple[str, str]] = {}
    reporting: list[Any] = []
    for p in periods_to_check:
        snapshot = read_snapshot(data, p, state)
        state = snapshot.state
        problems.extend(snapshot.problems)
        records.update(_named_rows(snapshot))
        if p == periods_to_check[-1]:
            reporting = list(snapshot.reporting)
        del snapshot
    # The build refuses content with errors too, so check must name them.

    problems.extend(load_content(root, set(data.units["code"].astype(str))).problems)
    counties = {c: data.unit_index.name.get(c, c) for c in _county_codes(data)}
    return CheckResult(
        root=root,
        periods=periods_to_check,
        problems=problems,
        records=records,
        counties=counties,
        reporting=reporting,
        sources=own_names(root, periods_to_check),
    )


def _named_rows(snapshot: Snapshot) -> dict[tuple[str, int], tuple[str, str]]:
    """The enterprise name and code of each ledger row a problem of the snapshot names."""
    wanted = {(p.file, p.row) for p in snapshot.problems if p.row is not None}
    frame = snapshot.enterprises
    if not wanted or "_file" not in frame.columns:
        return {}
    # Only the rows whose number a problem names are turned into Python values.
    numbers = np.asarray(frame["_row"], dtype=np.int64)
    hit = np.flatnonzero(np.isin(numbers, np.array(sorted({r for _f, r in wanted}))))
    out = {}
    columns = (frame["_file"], frame["name"], frame["uscc"])
    files, names, codes_ = (c.iloc[hit].tolist() for c in columns)
    for file, row, name, code in zip(files, numbers[hit].tolist(), names, codes_, strict=True):
        key = (str(file), int(row))
        if key in wanted:
            out[key] = (
                "" if not isinstance(name, str) else name,
                code if isinstance(code, str) else "",
            )
    return out


def _name_counties(problems: list[Problem], names: dict[str, str]) -> list[Problem]:

    return [
        replace(p, county_name=names.get(p.county, "")) if p.county and not p.county_name else p
        for p in problems
    ]
