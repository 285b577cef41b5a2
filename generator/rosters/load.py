"""The roster stage's API: a project's rosters as typed DataFrames, and all their problems.

`load_project` reads the rosters that do not change per period; `read_snapshot` reads one period's
ledger (one snapshot alive at a time, so province-sized projects fit in memory), comparing it with
the small state kept from the previous one; `check_project` runs both for every period.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

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
from generator.rosters.counties import (
    WORDS,
    _arrow,
    _county_digests,
    county_of_rows,
    first_file_by_county,
)
from generator.rosters.filing import own_names
from generator.rosters.inspection_dates import deadlines_off
from generator.rosters.ledger import read_ledger, read_roster, relative
from generator.rosters.read import in_background
from generator.rosters.reviews import _period_reviews, _unique_volunteers
from generator.rosters.specs import (
    CAMPAIGNS,
    ENTERPRISES,
    INSPECTIONS,
    ROSTERS,
    TARGETS,
    UNITS,
    VOLUNTEERS,
)
from generator.rosters.units import UnitTree
from generator.rosters.validate import Context, empty_frame


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
    #: unionised (是否建会 是), for W-UNION-LOST next period
    unionized: np.ndarray | None = None
    #: per county: a digest of its rows (E-LEDGER-STALE), its active enterprises
    #: (W-COUNTY-SHRANK) and the files its rows came from
    county_digests: dict[str, str] = field(default_factory=dict)
    #: per county: the digests of its rows in earlier periods -> the latest period with them
    history: dict[str, dict[str, str]] = field(default_factory=dict)
    active_by_county: dict[str, int] = field(default_factory=dict)
    rows_by_county: dict[str, int] = field(default_factory=dict)
    county_files: dict[str, list[str]] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # county_digests are made on first use: hashing every cell of the ledger is wasted on a
        # period read alone (`bulletin check` of the last period), and `_state` leaves them to
        # this (the work holds the frame's columns until then; `settle` makes them at once)
        work = self.__dict__.get("_digest_work")
        if name != "county_digests" or work is None:
            raise AttributeError(name)
        del self.__dict__["_digest_work"]
        self.county_digests = work()
        return self.county_digests

    def settle(self) -> None:
        """Make the county digests now, letting go of the columns they are made of."""
        _ = self.county_digests


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
    #: rows of another county's unit, left out of `enterprises` (Ledger.strays)
    strays: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)
    #: each row's unit numbered in the unit roster (-1: not in it) and the codes so numbered,
    #: as the check found them, for the figures (reduce_snapshot); None for rows carried in
    units_numbered: tuple[np.ndarray, list[str]] | None = None


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
    if read_ok["inspections"]:
        found = deadlines_off(root, frames["inspections"], config.calendar, periods, index)
        problems.extend(found)
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
    if previous is not None:
        previous.settle()  # before this ledger is read: the previous one's columns let go
    ledger = read_ledger(root, folder, ctx)
    enterprises, readable = ledger.frame, ledger.readable
    problems.extend(ledger.problems)
    reviews, found = _period_reviews(data, folder, ledger.reviews, ctx)
    problems.extend(found)

    if not readable:
        # An unreadable ledger is already an error; comparing it would flag every enterprise.
        enterprises = _without_words(enterprises)
        return Snapshot(period, enterprises, reviews, problems, previous, ledger.files)
    counties = _county_codes(data) if data.units_read else []
    carried: dict[str, Period] = {}
    # each row's county, worked out once for the reporting check and the state (unless rows
    # carried from an earlier period are added); each row's unit numbered on the way is kept for
    # the figures, which would otherwise hash the column again
    row_units, row_counties = _row_units(enterprises, data.unit_index)
    if counties:
        reported, carried, found = _counties_reported(
            data, period, enterprises, counties, folder, row_counties
        )
        if reported is not enterprises:
            enterprises, row_counties, row_units = reported, None, None
        problems.extend(found)
    # Which of last period's enterprises are gone: one hash pass over both periods' codes, in
    # a worker thread while the state's digests are made.
    present = _arrow(enterprises["uscc"])
    if ledger.strays:  # on a row of the file (E-UNIT-OTHER-COUNTY), so not missing
        found_uscc = [code for _name, code in ledger.strays.values() if code]
        present = pa.concat_arrays([present, pa.array(found_uscc, type=present.type)])
    gone = in_background(functools.partial(_gone, present, previous), len(enterprises))
    state = _state(enterprises, period, data.unit_index, row_counties)
    enterprises = _without_words(enterprises)
    for county in carried:  # last period's rows again: no repeat of the county's own
        state.county_digests.pop(county, None)
    repeats: dict[str, str] = {}
    if previous is not None:
        state.history = _history(previous)
        missing = _missing_enterprises(
            enterprises, previous, gone.result(), period, root, folder, data.unit_index
        )
        # a county that sent nothing is one error, not one warning per enterprise it had
        unreported = {p.county for p in problems if p.code == codes.E_COUNTY_NOT_REPORTED.name}
        missing = [p for p in missing if p.county not in unreported]
        problems.extend(_name_counties(missing, data.unit_index.name))
        lost = _unions_lost(enterprises, previous, state.active, data.unit_index)
        problems.extend(_name_counties(lost, data.unit_index.name))
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
            repeating=set(repeats),
        )
        if ref.issued_at is None and (
            period == max(data.periods, default=period) or any(r.received for r in reporting)
        ):
            problems.extend(_receipts_missing(reporting, folder, root, period))
    return Snapshot(
        period,
        enterprises,
        reviews,
        problems,
        state,
        ledger.files,
        carried,
        reporting,
        repeats,
        ledger.strays,
        (row_units, data.unit_index.codes) if row_units is not None else None,
    )


def _row_units(
    enterprises: pd.DataFrame, index: UnitTree
) -> tuple[np.ndarray | None, pa.Array | None]:
    """county_of_rows, with each row's unit numbered in the unit roster kept (-1: not in it);
    (None, None) without a roster."""
    if not index.county:
        return None, None
    keys = pa.array(list(index.county), pa.string())
    at = pc.fill_null(pc.index_in(_arrow(enterprises["unit"]), value_set=keys), len(keys))
    numbers = np.asarray(at.to_numpy(zero_copy_only=False), dtype=np.int64)
    numbers[numbers == len(keys)] = -1
    return numbers, pa.array([*index.county.values(), ""], pa.string()).take(at)


def _without_words(enterprises: pd.DataFrame) -> pd.DataFrame:
    """The ledger frame as the contract has it: without the rows' digest words."""
    return enterprises.drop(columns=WORDS) if WORDS in enterprises.columns else enterprises


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
    row_counties: pa.Array | None = None,
) -> tuple[pd.DataFrame, dict[str, Period], list[Problem]]:
    """E-COUNTY-NOT-REPORTED for each county without rows; a county the office decided to
    carry for the period (`bulletin carry`, or every county under the deprecated
    `unreported: previous`) has its rows of the latest earlier period that has them instead.
    (`row_counties`: each row's county, when already worked out.)"""

    index = data.unit_index
    if row_counties is None:
        row_counties = county_of_rows(enterprises, index)
    present = set(pc.unique(row_counties).to_pylist())
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
                rel,
                None,
                value=name,
                county=(county, name),
                name=name,
                period=str(period),
                take=codes.take_in_command(str(period), data.config.mailbox is not None),
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


def _state(
    enterprises: pd.DataFrame, period: Period, index: UnitTree, counties: pa.Array | None = None
) -> SnapshotState:
    """What the next period needs of this one (`counties`: each row's county, if known)."""
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
        unionized=_unionized(enterprises),
    )
    if not len(enterprises) or not index.county:
        return state
    if counties is None:
        counties = county_of_rows(enterprises, index)
    values = [c.name for c in ENTERPRISES.columns if c.name in enterprises.columns]
    # Each county's rows digested in their order (a file put back unchanged has its rows in the
    # same order): one task per county, hashing its cells' bytes in a worker thread.
    encoded = pc.dictionary_encode(counties)
    codes_np = np.asarray(encoded.indices.to_numpy(zero_copy_only=False))
    names = encoded.dictionary.to_pylist()
    # The rows' words made while each file was checked (unless a frame came without them).
    words = enterprises[WORDS].to_numpy() if WORDS in enterprises.columns else None
    if words is not None and words.dtype != np.uint64:
        words = None
    # the frame's columns as they are (selecting them as a frame would cost more than this)
    columns = [(name, enterprises[name]) for name in values]

    def digests() -> dict[str, str]:
        made = _county_digests(columns, codes_np, len(names), words)
        return {str(code): digest for code, (digest, _rows) in zip(names, made, strict=True)}

    del state.county_digests  # made on first use (SnapshotState.__getattr__)
    state.__dict__["_digest_work"] = digests
    rows_counts = np.bincount(codes_np, minlength=len(names))
    for code, rows in zip(names, rows_counts.tolist(), strict=True):
        state.rows_by_county[str(code)] = int(rows)
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


def _gone(present: pa.Array, previous: SnapshotState | None) -> np.ndarray | None:
    """Which enterprises active last period have no row now (their codes not `present`)."""
    if previous is None:
        return None
    found = pc.fill_null(pc.is_in(previous.uscc, value_set=present), False)
    return previous.active & ~np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _unionized(enterprises: pd.DataFrame) -> np.ndarray:
    """Each row's 是否建会 as a bool (empty: False)."""
    if "unionized" not in enterprises.columns:
        return np.zeros(len(enterprises), dtype=bool)
    return np.asarray(enterprises["unionized"].fillna(False).to_numpy(), dtype=bool)


def _unions_lost(
    enterprises: pd.DataFrame, previous: SnapshotState, active: np.ndarray, index: UnitTree
) -> list[Problem]:
    """W-UNION-LOST for each active enterprise not unionised now and unionised last period."""
    if previous.unionized is None or not previous.unionized.any() or not len(enterprises):
        return []
    was = pc.filter(previous.uscc, pa.array(previous.unionized & previous.active))
    now = _unionized(enterprises)
    candidates = np.flatnonzero(active & ~now)
    if not len(candidates):
        return []
    codes_now = _arrow(enterprises["uscc"]).take(pa.array(candidates))
    hit = pc.fill_null(pc.is_in(codes_now, value_set=was), False).to_numpy(zero_copy_only=False)
    rows = candidates[np.asarray(hit, dtype=bool)]
    if not len(rows) or "_file" not in enterprises.columns:
        return []
    header = ENTERPRISES.column("unionized").title
    picked = enterprises.iloc[rows]
    out = []
    for file, row, code, name, unit in zip(
        picked["_file"], picked["_row"], picked["uscc"], picked["name"], picked["unit"], strict=True
    ):
        out.append(
            codes.W_UNION_LOST.problem(
                str(file),
                int(row),
                header,
                code,
                (index.county.get(str(unit), ""), ""),
                name=name if isinstance(name, str) else "",
                previous=str(previous.period),
            )
        )
    return out


def _missing_enterprises(
    enterprises: pd.DataFrame,
    previous: SnapshotState,
    gone: np.ndarray | None,
    period: Period,
    root: Path,
    folder: Path,
    index: UnitTree,
) -> list[Problem]:
    """W-ENT-MISSING for each enterprise active last period and absent now (`gone`, _gone)."""
    if gone is None or not gone.any():
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
        return dict(snapshot.strays)
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
    return {**snapshot.strays, **out}


def _name_counties(problems: list[Problem], names: dict[str, str]) -> list[Problem]:

    return [
        replace(p, county_name=names.get(p.county, "")) if p.county and not p.county_name else p
        for p in problems
    ]
