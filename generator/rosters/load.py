"""The roster stage's API: a project's rosters as typed DataFrames, and all their problems.

`load_project` reads the rosters that do not change per period; `read_snapshot` reads one period's
ledger (one snapshot alive at a time, so province-sized projects fit in memory), comparing it with
the small state kept from the previous one; `check_project` runs both for every period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from generator.config import Config, load_config
from generator.errors import ConfigError
from generator.periods import Period
from generator.problems import Problem, ProblemList
from generator.rosters import codes
from generator.rosters.read import ReadError, read_table, roster_files
from generator.rosters.specs import (
    BOOK_ROOMS,
    ENTERPRISES,
    MODEL_HOMES,
    PIONEER_TEAMS,
    TARGETS,
    UNITS,
    VOLUNTEER_REVIEWS,
    VOLUNTEERS,
    Roster,
)
from generator.rosters.validate import Context, UnitIndex, empty_frame, validate_table


@dataclass
class ProjectData:
    """The rosters that do not change per period, the periods found, and their problems."""

    config: Config
    units: pd.DataFrame
    targets: pd.DataFrame
    volunteers: pd.DataFrame
    pioneer_teams: pd.DataFrame
    book_rooms: pd.DataFrame
    model_homes: pd.DataFrame
    periods: list[Period]  # sorted, from data/<period>/ folders
    problems: ProblemList  # problems of the non-period rosters and cross-file rules
    #: level, name and county of each unit code; references are checked against it, unless the
    #: unit roster itself could not be read (then they would all fail for that one reason)
    unit_index: UnitIndex = field(default_factory=UnitIndex, repr=False)
    units_read: bool = field(default=True, repr=False)
    volunteers_read: bool = field(default=True, repr=False)


@dataclass
class SnapshotState:
    """What the next period needs of this one: its enterprises' codes, names, units, and which
    were active. Three columns of the ledger, not the whole frame; nothing is copied."""

    period: Period
    uscc: pa.Array
    name: pa.Array
    unit: pa.Array
    active: np.ndarray  # active (存续 or no status) with a code


@dataclass
class Snapshot:
    """One period's ledger (and volunteer reviews), typed, with its problems."""

    period: Period
    enterprises: pd.DataFrame
    volunteer_reviews: pd.DataFrame | None
    problems: ProblemList
    state: SnapshotState | None = None  # pass to the next read_snapshot as `previous`


@dataclass
class CheckResult:
    """Every problem of a project (or of one period), for `bulletin check`."""

    root: Path
    periods: list[Period]
    problems: ProblemList

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


#: Problems after which a roster counts as not read.
_UNREAD = frozenset({"E-HEADER-NOT-FOUND", "E-FILE-EMPTY", "E-NO-ROWS"})


def find_periods(root: Path, config: Config) -> tuple[list[Period], list[Problem]]:
    """The period folders under data/, sorted; folders of the wrong cadence are problems."""
    data_dir = root / "data"
    periods: list[Period] = []
    problems: list[Problem] = []
    if not data_dir.is_dir():
        return periods, problems
    names = {"month": "月度", "quarter": "季度"}
    examples = {"month": "2026-10", "quarter": "2026-Q3"}
    for path in sorted(data_dir.iterdir()):
        if not path.is_dir() or path.name.startswith((".", "_")):
            continue
        rel = relative(root, path)
        if not Period.is_period_name(path.name):
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
    data_dir = root / "data"
    problems = ProblemList()

    units, unit_problems, units_read = read_roster(root, data_dir, UNITS, Context())
    # Without any unit (a header-only roster, already E-UNITS-ROOT) every reference would fail.
    units_read = units_read and len(units) > 0
    index = UnitIndex.from_frame(units)
    # The unit roster's own problems get their counties once the hierarchy is known.
    problems.extend(_with_counties(unit_problems, units, index))
    ctx = Context(
        units=index if units_read else None,
        priority_min_employees=config.priority_min_employees,
    )

    frames: dict[str, pd.DataFrame] = {}
    read_ok: dict[str, bool] = {}
    for roster in (TARGETS, VOLUNTEERS, PIONEER_TEAMS, BOOK_ROOMS, MODEL_HOMES):
        frame, found, ok = read_roster(root, data_dir, roster, ctx)
        frames[roster.name] = frame
        read_ok[roster.name] = ok
        problems.extend(found)

    periods, period_problems = find_periods(root, config)
    problems.extend(period_problems)
    return ProjectData(
        config=config,
        units=units,
        targets=frames["targets"],
        volunteers=frames["volunteers"],
        pioneer_teams=frames["pioneer_teams"],
        book_rooms=frames["book_rooms"],
        model_homes=frames["model_homes"],
        periods=periods,
        problems=problems,
        unit_index=index,
        units_read=units_read,
        volunteers_read=read_ok["volunteers"],
    )


def _with_counties(problems: list[Problem], units: pd.DataFrame, index: UnitIndex) -> list[Problem]:
    from dataclasses import replace

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
    folder = root / "data" / str(period)
    # Reviews are checked against the volunteer roster only if it could be read.
    volunteer_units = (
        {
            str(i): str(u)
            for i, u in zip(data.volunteers["id"], data.volunteers["unit"], strict=True)
            if isinstance(i, str)
        }
        if data.volunteers_read
        else None
    )
    ctx = Context(
        units=data.unit_index if data.units_read else None,
        period=period,
        priority_min_employees=data.config.priority_min_employees,
        volunteer_units=volunteer_units,
    )
    problems = ProblemList()
    enterprises, found, readable = read_roster(root, folder, ENTERPRISES, ctx)
    problems.extend(found)
    reviews: pd.DataFrame | None = None
    if roster_files(folder, VOLUNTEER_REVIEWS.name):
        reviews, found, _ = read_roster(root, folder, VOLUNTEER_REVIEWS, ctx)
        problems.extend(found)

    if not readable:
        # An unreadable ledger is already an error; comparing it would flag every enterprise.
        return Snapshot(period, enterprises, reviews, problems, previous)
    state = _state(enterprises, period)
    if previous is not None:
        missing = _missing_enterprises(enterprises, previous, period, root, folder, data.unit_index)
        problems.extend(_name_counties(missing, data.unit_index.name))
    return Snapshot(period, enterprises, reviews, problems, state)


def _arrow(series: pd.Series) -> pa.Array:
    """A string column as a pyarrow array (zero-copy for the frames made here)."""
    arr = pa.array(series.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _state(enterprises: pd.DataFrame, period: Period) -> SnapshotState:
    uscc = _arrow(enterprises["uscc"])
    status = _arrow(enterprises["status"])
    active = pc.and_(pc.or_kleene(pc.is_null(status), pc.equal(status, "存续")), pc.is_valid(uscc))
    return SnapshotState(
        period=period,
        uscc=uscc,
        name=_arrow(enterprises["name"]),
        unit=_arrow(enterprises["unit"]),
        active=np.asarray(pc.fill_null(active, False).to_numpy(zero_copy_only=False), dtype=bool),
    )


def _missing_enterprises(
    enterprises: pd.DataFrame,
    previous: SnapshotState,
    period: Period,
    root: Path,
    folder: Path,
    index: UnitIndex,
) -> list[Problem]:
    """W-ENT-MISSING for each enterprise active last period and absent now."""
    present = _arrow(enterprises["uscc"])
    found = pc.fill_null(pc.is_in(previous.uscc, value_set=present), False)
    gone = previous.active & ~np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
    if not gone.any():
        return []
    files = roster_files(folder, ENTERPRISES.name)
    rel = relative(root, files[0]) if files else f"data/{period}/enterprises.csv"
    take = pa.array(np.flatnonzero(gone))
    uscc = previous.uscc.take(take).to_pylist()
    names = previous.name.take(take).to_pylist()
    counties = [index.county.get(u or "", "") for u in previous.unit.take(take).to_pylist()]
    header = ENTERPRISES.column("uscc").title
    out = []
    for code, name, county in zip(uscc, names, counties, strict=True):
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
        earlier = [p for p in periods if p < period]
        periods_to_check = [period]
        state = read_snapshot(data, earlier[-1]).state if earlier else None
    else:
        periods_to_check = periods
        state = None
    for p in periods_to_check:
        snapshot = read_snapshot(data, p, state)
        state = snapshot.state
        problems.extend(snapshot.problems)
        del snapshot
    # The build refuses content with errors too, so check must name them.
    from generator.content import load_content

    problems.extend(load_content(root, set(data.units["code"].astype(str))).problems)
    return CheckResult(root=root, periods=periods_to_check, problems=problems)


def _name_counties(problems: list[Problem], names: dict[str, str]) -> list[Problem]:
    from dataclasses import replace

    return [
        replace(p, county_name=names.get(p.county, "")) if p.county and not p.county_name else p
        for p in problems
    ]
