"""Stage 2: the figures of CONTRACT §3, from the typed roster DataFrames.

`reduce_snapshot` reduces one period's enterprise ledger to sums per unit code and the period's
priority ledger, so that only one snapshot need be alive at a time (province-sized projects);
`compute_figures` rolls the sums up the hierarchy and derives rates, targets, comparisons, scores,
ranks and judgments for every period at once, as arrays of shape (periods, units).
No I/O; the only text made here is the Chinese reason of each judgment and warning.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from generator.common import formatting as fmt
from generator.common.config import Config, Rule
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.federation.words import words
from generator.figures import key_areas
from generator.figures.indicators import BY_NAME, INDICATORS, RULE_METRICS
from generator.figures.inspections import overdue_at
from generator.rosters.specs import CAMPAIGNS, Campaign
from generator.rosters.units import UnitTree
from generator.rosters.validate import empty_frame

if TYPE_CHECKING:
    from generator.rosters.load import ProjectData

FEDERATION_FORMS = key_areas.FEDERATION_FORMS

#: left_reason of a priority enterprise missing from the snapshot (otherwise its status:
#: 注销 / 吊销 / 迁出; an enterprise is active when its status is 存续 or empty).
MISSING = "未报送"
LEDGER_COLUMNS = (
    "uscc",
    "name",
    "unit",
    "county",
    "employees",
    "reason",
    "state",
    "added",
    "left_reason",
    # the four clear things (CONTRACT 3.8)
    "progress",
    "responsible",
    "planned_on",  # ISO date text
    "open_periods",  # consecutive periods open, this one included (1 without a comparison)
    "overdue",  # 逾期未建: open and planned_on on or before the period's end
    "stalled",  # 久拖未建: open for STALLED_PERIODS periods or more
)
#: periods open from which a priority enterprise is 久拖未建 (CONTRACT 3.8)
STALLED_PERIODS = 6
JUDGMENT_COLUMNS = ("period", "code", "kind", "reason")
SCORE_WARNING = "W-SCORE-NULL"
#: review grades counted as good in a county's share of volunteers (CONTRACT 3.5)
GOOD_GRADES = ("优秀", "称职")

#: Sums per own unit code that one snapshot is reduced to.
OWN_SUMS = (
    "enterprises",
    "unionized",
    "employees",
    "members",
    "unionized_employees",  # membership_rate's denominator
    "migrant_workers",  # of active unionized enterprises with both migrant columns given
    "migrant_members",
    "dispatch_workers",  # of active unionized enterprises with both dispatch columns given
    "dispatch_members",
    "female_workers",  # of active unionized enterprises with both female columns given
    "female_members",
    "congress",
    "bargaining",
    # unionized ones whose 职代会 / 工资集体协商 cell was filled in: a county form without the
    # column says nothing, and its rates are null ("—"), not 0 %
    "congress_given",
    "bargaining_given",
    "new_unions",
    "ytd_new_unions",
    "qualifying",  # active enterprises with employees >= priority_min_employees (3.5)
    "priority_open",
    "priority_closed",
    "priority_added",
    "priority_left",
    "priority_overdue",
    "priority_stalled",
    "federation_enterprises",  # active unionized ones formed as a regional/industry federation
    "federation_employees",
)

#: The indicator columns: every declared figure, in declaration order, with its dtype.
INDICATOR_DTYPES: dict[str, str] = {i.name: i.dtype for i in INDICATORS}


@dataclass
class PeriodReduction:
    """One period's snapshot reduced: sums per own unit code and the priority ledger."""

    period: Period
    own: pd.DataFrame  # index: unit code (roster order); int64 columns OWN_SUMS, not rolled up
    ledger: pd.DataFrame  # LEDGER_COLUMNS: open, closed and left priority enterprises
    compared: bool  # whether closed/added/left are against the previous period's ledger
    #: key areas and groups (3.7): key_areas.GROUP_COLUMNS per own unit, and the federations
    groups: pd.DataFrame = field(default_factory=key_areas.empty_groups)
    federations: pd.DataFrame = field(default_factory=key_areas.empty_federations)
    #: priority enterprises open when last seen and missing from the ledger since (uscc,
    #: open_periods): not forgotten, so that one coming back keeps its count (3.8)
    dormant: pd.DataFrame = field(default_factory=lambda: _no_dormant())

    @property
    def priority(self) -> pd.DataFrame:
        """The priority enterprises at the end of the period (what the next period compares)."""
        return self.ledger[self.ledger["state"] == "open"]


@dataclass
class Figures:
    """Every §3 figure of every unit and period, the judgments and the priority ledgers."""

    indicators: pd.DataFrame  # MultiIndex (period, code); columns INDICATOR_DTYPES
    judgments: pd.DataFrame  # JUDGMENT_COLUMNS
    ledgers: dict[str, pd.DataFrame] = field(default_factory=dict)
    lacking_volunteer: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    #: period -> key_areas.roll_groups frame (3.7); period -> federations per own unit
    key_areas: dict[str, pd.DataFrame] = field(default_factory=dict)
    federations: dict[str, pd.DataFrame] = field(default_factory=dict)


# --- the unit hierarchy ---------------------------------------------------------------------------


class Hierarchy:
    """Unit codes with their levels, parents, counties and the pairs a roll-up adds along."""

    def __init__(self, units: pd.DataFrame, tree: UnitTree | None = None) -> None:
        tree = tree if tree is not None else UnitTree.from_frame(units)
        self.codes: list[str] = tree.codes
        self.index = pd.Index(self.codes, dtype=object)
        self.codes_arrow = pa.array(self.codes, type=pa.string())
        self.n = len(self.codes)
        self.level = np.array([tree.level[c] for c in self.codes], dtype=object)
        parents = [tree.parent[c] or "" for c in self.codes]
        self.parent = np.array(parents, dtype=object)
        position = {c: i for i, c in enumerate(self.codes)}
        self.parent_pos = np.array([position.get(p, -1) for p in parents], dtype=np.int64)
        required: dict[str, bool | None] = {}
        if "volunteer_required" in units:
            for code, value in zip(units["code"], units["volunteer_required"], strict=True):
                if isinstance(code, str):
                    required.setdefault(code, None if value is pd.NA else bool(value))
        self.volunteer_required = np.array([required.get(c) for c in self.codes], dtype=object)

        # Every unit adds into itself and each of its ancestors (a cycle is cut, not followed).
        desc: list[int] = []
        anc: list[int] = []
        self.depth = np.zeros(self.n, dtype=np.int64)
        for i in range(self.n):
            seen = {i}
            j = i
            while j >= 0:
                desc.append(i)
                anc.append(j)
                j = int(self.parent_pos[j])
                if j in seen:
                    break
                seen.add(j)
                if j >= 0:
                    self.depth[i] += 1
        self.desc = np.array(desc, dtype=np.int64)
        self.anc = np.array(anc, dtype=np.int64)

        self.county = np.array([tree.county[c] for c in self.codes], dtype=object)
        self.county_of = dict(tree.county)
        self.names = dict(tree.name)
        self.is_township = self.level == "township"
        self.is_county = self.level == "county"
        # Official order: the city, then each county followed by its townships.
        self.official = np.array([position[c] for c in tree.official], dtype=np.int64)

    def positions(self, codes: pd.Series) -> np.ndarray:
        """Positions of unit codes in the roster (-1 for an unknown or missing code)."""
        if not len(codes):
            return np.zeros(0, dtype=np.int64)
        # Hash the few thousand unit codes once and look every row up in them.
        found = pc.index_in(_arrow(codes), value_set=self.codes_arrow)
        return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)

    def count(
        self, pos: np.ndarray, mask: np.ndarray, weights: np.ndarray | None = None
    ) -> np.ndarray:
        """Per-unit count (or sum of weights) of the rows in `mask`; unknown units dropped."""
        slot = pos[mask] + 1
        w = None if weights is None else weights[mask].astype(np.float64)
        sums = np.bincount(slot, weights=w, minlength=self.n + 1)[1:]
        return np.rint(sums).astype(np.int64)

    def roll(self, own: np.ndarray) -> np.ndarray:
        """Roll per-unit values (periods, units) up the hierarchy: each unit plus its descendants."""
        out = np.zeros(own.shape, dtype=np.float64)
        np.add.at(out, (slice(None), self.anc), own[:, self.desc])  # type: ignore[arg-type]
        return out

    def children_sum(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Σ of the non-null values of each unit's children, and how many children had one."""
        has = ~np.isnan(values)
        parent = self.parent_pos
        ok = (parent >= 0) & has
        sums = np.bincount(parent[ok], weights=values[ok], minlength=self.n)
        counts = np.bincount(parent[ok], minlength=self.n)
        return sums, counts


def _arrow(series: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A string column as an Arrow array (zero-copy for Arrow-backed columns)."""
    return pa.array(series.astype("string"), type=pa.string(), from_pandas=True)


def _in(values: pd.Series, known: pd.Series) -> np.ndarray:
    """Which values are among `known` (a missing value never is)."""
    found = pc.is_in(_arrow(values), value_set=_arrow(known))
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


def _index_in(values: pd.Series, known: pd.Series) -> np.ndarray:
    """Position of each value in `known` (every value must be there)."""
    found = pc.index_in(_arrow(values), value_set=_arrow(known))
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _dates(series: pd.Series) -> np.ndarray:
    """A date column as datetime64[D] (NaT where missing)."""
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = pd.to_datetime(series)
    # Days, whatever the column's resolution: no nanosecond range limit on old dates.
    return np.asarray(series.to_numpy()).astype("datetime64[D]")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """An optional column, or an all-missing one where the frame has none."""
    if name in frame:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="object")


def iso_dates(values: pd.Series) -> np.ndarray:
    """Date cells as ISO text, missing ones as pd.NA (an object array), over the column."""
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce")
    days = np.asarray(values.to_numpy(dtype="datetime64[ns]")).astype("datetime64[D]")
    out = np.datetime_as_string(days, unit="D").astype(object)
    out[np.isnat(days)] = pd.NA
    return out


def _flags(series: pd.Series) -> np.ndarray:
    return np.asarray(series.to_numpy(dtype=bool, na_value=False))


def _ints(series: pd.Series) -> np.ndarray:
    return np.asarray(series.to_numpy(dtype=np.int64, na_value=0))


def _within(days: np.ndarray, first: date | None, last: date) -> np.ndarray:
    """days in [first, last], or up to last when first is None (NaT never is)."""
    upto = days <= np.datetime64(last.isoformat(), "D")
    if first is None:
        return upto
    return upto & (days >= np.datetime64(first.isoformat(), "D"))


# --- stage 2a: one snapshot -----------------------------------------------------------------------


def reduce_snapshot(
    units: pd.DataFrame,
    enterprises: pd.DataFrame,
    period: Period,
    config: Config,
    previous: PeriodReduction | None,
) -> PeriodReduction:
    """Reduce one period's ledger to sums per own unit code and the period's priority ledger."""
    h = Hierarchy(units)
    e = enterprises
    slot = h.positions(e["unit"]) + 1  # 0: an unknown unit (a roster error), dropped
    status = e["status"]
    active = np.asarray((status.isna() | (status == "存续")).to_numpy(dtype=bool, na_value=False))
    unionized_flag = _flags(e["unionized"])
    unionized = active & unionized_flag
    employees = _ints(e["employees"])
    migrant_given = (
        e["migrant_workers"].notna().to_numpy(dtype=bool)
        & e["migrant_members"].notna().to_numpy(dtype=bool)
        & unionized
    )
    dispatch_given = (
        e["dispatch_workers"].notna().to_numpy(dtype=bool)
        & e["dispatch_members"].notna().to_numpy(dtype=bool)
        & unionized
    )
    female_given = (
        e["female_workers"].notna().to_numpy(dtype=bool)
        & e["female_members"].notna().to_numpy(dtype=bool)
        & unionized
    )
    federated = unionized & _flags(_column(e, "union_form").isin(FEDERATION_FORMS))
    union_date = _dates(e["union_date"])
    big = (employees >= config.priority_min_employees) & e["employees"].notna().to_numpy(dtype=bool)
    priority = active & ~unionized_flag & big

    def total(mask: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        weights = mask if values is None else np.where(mask, values, 0)
        sums = np.bincount(slot, weights=weights, minlength=h.n + 1)[1:]
        return np.rint(sums).astype(np.int64)

    sums: dict[str, np.ndarray] = {
        "enterprises": total(active),
        "unionized": total(unionized),
        "employees": total(active, employees),
        "members": total(unionized, _ints(e["members"])),
        "unionized_employees": total(unionized, employees),
        "migrant_workers": total(migrant_given, _ints(e["migrant_workers"])),
        "migrant_members": total(migrant_given, _ints(e["migrant_members"])),
        "dispatch_workers": total(dispatch_given, _ints(e["dispatch_workers"])),
        "dispatch_members": total(dispatch_given, _ints(e["dispatch_members"])),
        "female_workers": total(female_given, _ints(e["female_workers"])),
        "female_members": total(female_given, _ints(e["female_members"])),
        "congress": total(unionized & _flags(e["workers_congress"])),
        "bargaining": total(unionized & _flags(e["wage_bargaining"])),
        "congress_given": total(unionized & e["workers_congress"].notna().to_numpy(dtype=bool)),
        "bargaining_given": total(unionized & e["wage_bargaining"].notna().to_numpy(dtype=bool)),
        "new_unions": total(active & _within(union_date, period.start, period.end)),
        "ytd_new_unions": total(active & _within(union_date, period.year_start, period.end)),
        "qualifying": total(active & big),
        "federation_enterprises": total(federated),
        "federation_employees": total(federated, employees),
        "priority_open": total(priority),
    }

    compared = previous is not None and previous.period == period.previous()
    found = _priority_changes(e, priority, unionized, active, previous if compared else None)
    if found.changes is not None:
        added, closed, left = found.changes
        sums["priority_added"] = total(added)
        for name, part in (("priority_closed", closed), ("priority_left", left)):
            sums[name] = np.bincount(h.positions(part["unit"]) + 1, minlength=h.n + 1)[1:]
    else:
        for name in ("priority_added", "priority_closed", "priority_left"):
            sums[name] = np.zeros(h.n, dtype=np.int64)
    ledger, marked = _ledger_table(found.ledger, h, period)
    sums.update(marked)
    own = pd.DataFrame({name: sums[name] for name in OWN_SUMS}, index=h.index)
    own.index.name = "code"
    groups, federations = key_areas.reduce_groups(e, slot > 0, active, unionized)
    return PeriodReduction(
        period=period,
        own=own,
        ledger=ledger,
        compared=compared,
        groups=groups,
        federations=federations,
        dormant=found.dormant,
    )


@dataclass
class _PriorityChanges:
    """A period's priority rows (open, and when compared: closed and left) before typing."""

    ledger: pd.DataFrame
    dormant: pd.DataFrame
    #: when compared: the enterprises newly open (a row mask), the rows closed and left
    changes: tuple[np.ndarray, pd.DataFrame, pd.DataFrame] | None = None


_CLEARED = ("progress", "responsible", "planned_on")


def _priority_rows(e: pd.DataFrame, mask: np.ndarray, state: str) -> pd.DataFrame:
    """The ledger rows of the enterprises of `mask`, in one state."""
    picked = e.loc[mask, ["uscc", "name", "unit", "employees", "not_unionized_reason"]]
    picked = picked.rename(columns={"not_unionized_reason": "reason"})
    picked["state"] = state
    picked["added"] = False
    picked["left_reason"] = ""
    for name in _CLEARED:
        if name != "planned_on":  # a date, written as ISO text below
            picked[name] = _column(e, name)[mask].to_numpy(dtype=object)
    picked["planned_on"] = iso_dates(_column(e, "planned_on")[mask])
    picked["open_periods"] = 1
    return picked.reset_index(drop=True)


def _priority_changes(
    e: pd.DataFrame,
    priority: np.ndarray,
    unionized: np.ndarray,
    active: np.ndarray,
    previous: PeriodReduction | None,
) -> _PriorityChanges:
    """The open rows, and against the previous period (when given) the rows closed and left
    and the enterprises missing from the ledger (dormant)."""
    open_rows = _priority_rows(e, priority, "open")
    if previous is None:
        return _PriorityChanges(open_rows, _no_dormant())
    before = previous.priority.reset_index(drop=True)
    was = _in(e["uscc"], before["uscc"])
    # Back after missing from one or more ledgers: open again, its count going on from
    # where it stood (the periods it was missing are not known to be open: not counted).
    away = previous.dormant.reset_index(drop=True)
    back = priority & ~was & _in(e["uscc"], away["uscc"])
    open_rows["added"] = ~(was | back)[priority]
    # Open again: one period more than it had been open at the end of the previous one.
    known = pd.concat([before[["uscc", "open_periods"]], away], ignore_index=True)
    where_before = _index_in(open_rows["uscc"][~open_rows["added"]], known["uscc"])
    earlier = known["open_periods"].to_numpy(dtype=np.int64, na_value=1)
    open_rows.loc[~open_rows["added"], "open_periods"] = earlier[where_before] + 1

    # Closed: unionized now; the reason it was not is kept from the previous ledger.
    closed = _priority_rows(e, was & unionized, "closed")
    where = _index_in(closed["uscc"], before["uscc"])
    closed["reason"] = np.append(before["reason"].to_numpy(dtype=object), "")[where]
    closed["open_periods"] = before["open_periods"].to_numpy(dtype=np.int64, na_value=1)[where]

    # Left: no longer active (its status says why), or missing from the snapshot altogether.
    gone = e.loc[was & ~active, ["uscc", "status"]]
    missing = ~_in(before["uscc"], e.loc[was, "uscc"])
    stopped = _in(before["uscc"], gone["uscc"])
    left = before.loc[missing | stopped, list(open_rows.columns)].reset_index(drop=True)
    left["state"] = "left"
    left["added"] = False
    statuses = np.append(gone["status"].to_numpy(dtype=object), MISSING)
    why = statuses[_index_in(left["uscc"], gone["uscc"])]
    left["left_reason"] = np.where(missing[missing | stopped], MISSING, why)

    gone_now = left.loc[left["left_reason"] == MISSING, ["uscc", "open_periods"]]
    still = away.loc[~_in(away["uscc"], e["uscc"]), ["uscc", "open_periods"]]
    dormant = pd.concat([gone_now, still], ignore_index=True).astype(
        {"uscc": "string", "open_periods": "int64"}
    )
    ledger = pd.concat([open_rows, closed, left], ignore_index=True)
    return _PriorityChanges(ledger, dormant, (priority & ~(was | back), closed, left))


def _ledger_table(
    ledger: pd.DataFrame, h: Hierarchy, period: Period
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The priority ledger with its county, overdue and stalled flags, typed as the contract
    says; and the overdue and stalled rows counted per own unit."""
    counties = np.append(h.county, "")  # position -1: an unknown unit
    ledger["county"] = counties[h.positions(ledger["unit"])]
    is_open = (ledger["state"] == "open").to_numpy(dtype=bool)
    planned = pd.to_datetime(ledger["planned_on"].astype("string"), errors="coerce")
    ledger["overdue"] = is_open & (planned <= pd.Timestamp(period.end)).to_numpy(
        dtype=bool, na_value=False
    )
    ledger["stalled"] = is_open & (
        ledger["open_periods"].to_numpy(dtype=np.int64) >= STALLED_PERIODS
    )
    ledger_pos = h.positions(ledger["unit"]) + 1
    counts: dict[str, np.ndarray] = {}
    for name, flag in (("priority_overdue", "overdue"), ("priority_stalled", "stalled")):
        marked = ledger[flag].to_numpy(dtype=bool)
        counts[name] = np.bincount(ledger_pos[marked], minlength=h.n + 1)[1:].astype(np.int64)
    ledger = ledger.astype(
        {
            "uscc": "string",
            "name": "string",
            "unit": "string",
            "county": "string",
            "employees": "Int64",
            "reason": "string",
            "state": "string",
            "added": "boolean",
            "left_reason": "string",
            "progress": "string",
            "responsible": "string",
            "planned_on": "string",
            "open_periods": "Int64",
            "overdue": "boolean",
            "stalled": "boolean",
        }
    ).loc[:, list(LEDGER_COLUMNS)]
    for name in ("reason", "progress", "responsible", "planned_on"):
        ledger[name] = ledger[name].fillna("")
    return ledger, counts


def _no_dormant() -> pd.DataFrame:
    return pd.DataFrame(
        {"uscc": pd.Series(dtype="string"), "open_periods": pd.Series(dtype="int64")}
    )


# --- stage 2b: every period -----------------------------------------------------------------------


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 or missing (CONTRACT §3: rates are null then)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    ok = (den != 0) & ~np.isnan(den)
    np.divide(num, den, out=out, where=ok)
    return out


def _shifted(values: np.ndarray, to: np.ndarray) -> np.ndarray:
    """values of the period at index to[p] for each period p (NaN where to[p] < 0)."""
    out = np.full(values.shape, np.nan)
    ok = to >= 0
    out[ok] = values[to[ok]]
    return out


def _effective_targets(h: Hierarchy, own: np.ndarray) -> np.ndarray:
    """A unit without a target has the sum of its children's targets, if any child has one."""
    values = own.copy()
    for depth in range(int(h.depth.max(initial=0)) - 1, -1, -1):
        sums, counts = h.children_sum(np.where(h.depth == depth + 1, values, np.nan))
        fill = (h.depth == depth) & np.isnan(values) & (counts > 0)
        values[fill] = sums[fill]
    return values


def _targets(
    h: Hierarchy, targets: pd.DataFrame, years: list[int], column: str
) -> dict[int, np.ndarray]:
    out: dict[int, np.ndarray] = {}
    for year in years:
        rows = targets[(targets["year"] == year).fillna(False) & targets[column].notna()]
        rows = rows.drop_duplicates("unit", keep="first")
        own = np.full(h.n, np.nan)
        pos = h.positions(rows["unit"])
        ok = pos >= 0
        own[pos[ok]] = rows[column].to_numpy(dtype=np.float64, na_value=np.nan)[ok]
        out[year] = _effective_targets(h, own)
    return out


def _half_up_cents(score: np.ndarray) -> np.ndarray:
    """Scores in hundredths, rounded half up (equal to 2 decimals means equal here)."""
    return np.floor(np.round(score * 100, 6) + 0.5)


def project_figures(
    data: ProjectData,
    reductions: list[PeriodReduction],
    config: Config,
    reviews: Mapping[str, pd.DataFrame | None] | None = None,
    reporting: Mapping[str, Sequence[Any]] | None = None,
) -> Figures:
    """The figures of a loaded project's periods (`compute_figures` with its rosters)."""
    return compute_figures(
        reductions,
        config,
        units=data.units,
        targets=data.targets,
        volunteers=data.volunteers,
        campaigns=data.campaigns,
        reviews=reviews,
        reporting=reporting,
        inspections=data.inspections,
    )


def compute_figures(
    reductions: list[PeriodReduction],
    config: Config,
    *,
    units: pd.DataFrame,
    targets: pd.DataFrame,
    volunteers: pd.DataFrame,
    campaigns: Mapping[str, pd.DataFrame],
    reviews: Mapping[str, pd.DataFrame | None] | None = None,
    reporting: Mapping[str, Sequence[Any]] | None = None,
    inspections: pd.DataFrame | None = None,
    given: Mapping[str, np.ndarray] | None = None,
) -> Figures:
    """Every §3 figure of every unit and period, rolled up, compared, scored, ranked, judged.

    `campaigns` holds the frame of each campaign roster by its key (CAMPAIGNS); a campaign
    without a frame has no entries. `reporting` holds each period's 报送情况
    (generator.common.record.CountyReport per county); `inspections` the 督查 roster (3.8), whose
    rectifications past their deadline keep a unit from being praised (3.9). `given` holds
    counts per (period, own unit) that the level above's members gave (CONTRACT §7), in place
    of what its own rosters would give (generator.federation).
    """
    h = Hierarchy(units)
    reductions = sorted(reductions, key=lambda r: r.period)
    periods = [r.period for r in reductions]
    keys = [str(p) for p in periods]
    where = {k: i for i, k in enumerate(keys)}
    prev = np.array([where.get(str(p.previous()), -1) for p in periods], dtype=np.int64)
    yoy = np.array([where.get(str(p.same_last_year()), -1) for p in periods], dtype=np.int64)
    n_p = len(periods)

    own = {
        name: np.stack(
            [r.own[name].reindex(h.index, fill_value=0).to_numpy(np.float64) for r in reductions]
        )
        if n_p
        else np.zeros((0, h.n))
        for name in OWN_SUMS
    }
    s = {name: h.roll(values) for name, values in own.items()}
    f: dict[str, np.ndarray] = {}

    # 3.1 union building: the sums that are figures themselves, as they are
    for name in OWN_SUMS:
        if name in BY_NAME:
            f[name] = s[name]
    f["coverage_rate"] = _ratio(s["unionized"], s["enterprises"])
    f["membership_rate"] = _ratio(s["members"], s["unionized_employees"])
    f["migrant_membership_rate"] = _ratio(s["migrant_members"], s["migrant_workers"])
    f["dispatch_membership_rate"] = _ratio(s["dispatch_members"], s["dispatch_workers"])
    f["female_membership_rate"] = _ratio(s["female_members"], s["female_workers"])
    # over all unionized ones (3.1), but only where some of them said anything
    f["congress_rate"] = _ratio(s["congress"], np.where(s["congress_given"] > 0, s["unionized"], 0))
    f["bargaining_rate"] = _ratio(
        s["bargaining"], np.where(s["bargaining_given"] > 0, s["unionized"], 0)
    )
    f["new_members"] = s["members"] - _shifted(s["members"], prev)

    # 3.2 targets and schedule
    years = sorted({p.year for p in periods})
    elapsed = np.array([p.elapsed for p in periods], dtype=np.float64)[:, None]
    f["elapsed"] = np.broadcast_to(elapsed, (n_p, h.n)).copy()

    def target(column: str) -> np.ndarray:
        by_year = _targets(h, targets, years, column)
        return np.stack([by_year[p.year] for p in periods]) if n_p else np.zeros((0, h.n))

    f["target_new_unions"] = target("new_unions")
    f["target_new_members"] = target("new_members")
    f["target_completion"] = _ratio(s["ytd_new_unions"], f["target_new_unions"])
    f["schedule_rate"] = _ratio(f["target_completion"], elapsed)
    # 3.6: members gained since the end of the previous year (its last period of this cadence;
    # null when that period is not in the project), against the new-members target.
    year_end = np.array([where.get(str(p.previous_year_end()), -1) for p in periods])
    f["ytd_new_members"] = s["members"] - _shifted(s["members"], year_end.astype(np.int64))
    f["members_completion"] = _ratio(f["ytd_new_members"], f["target_new_members"])
    f["members_schedule_rate"] = _ratio(f["members_completion"], elapsed)

    # 3.5 volunteers and campaigns
    _volunteer_figures(h, periods, volunteers, own["qualifying"], config, f)
    _review_figures(h, periods, volunteers, reviews or {}, f)
    _reporting_figures(h, periods, reporting or {}, f)
    for key, campaign in CAMPAIGNS.items():
        frame = campaigns.get(key)
        frame = empty_frame(campaign.roster) if frame is None else frame
        _campaign_figures(h, periods, campaign, frame, f)
        if campaign.target is not None:
            f[f"target_{key}"] = target(campaign.target)
            f[f"{key}_completion"] = _ratio(f[f"{key}_ytd_new"], f[f"target_{key}"])
            f[f"{key}_schedule_rate"] = _ratio(f[f"{key}_completion"], elapsed)

    # comparisons with the previous period and the same period last year
    for name in ("coverage_rate", "membership_rate", "unionized", "members"):
        f[f"{name}_change"] = f[name] - _shifted(f[name], prev)
        f[f"{name}_yoy_change"] = f[name] - _shifted(f[name], yoy)

    # 3.7 key areas and groups
    rolled = {
        key: key_areas.roll_groups(h, r.groups, r.federations)
        for key, r in zip(keys, reductions, strict=True)
    }
    counts = [key_areas.federation_counts(h, rolled[key]) for key in keys]
    f["federations"] = np.stack(counts) if n_p else np.zeros((0, h.n))
    if given:
        _given_counts(h, given, f, elapsed)

    # 3.9: rectifications past their deadline at each period's end, per unit inspected
    f["_overdue_rectifications"] = _overdue_rectifications(h, periods, inspections)

    # 3.4 score and rank
    warnings = _score(h, periods, f, config)
    _rank(h, prev, f)

    indicators = _indicator_frame(h, keys, f)
    judgments = _judgments(h, periods, f, config)
    warnings += _undecided(h, periods, f, config)
    lacking = f.pop("_lacking")
    f.pop("_overdue_rectifications")
    lacking_volunteer = {
        key: [h.codes[i] for i in h.official if lacking[p, i]] for p, key in enumerate(keys)
    }
    ledgers = {key: r.ledger for key, r in zip(keys, reductions, strict=True)}
    federations = {key: r.federations for key, r in zip(keys, reductions, strict=True)}
    return Figures(indicators, judgments, ledgers, lacking_volunteer, warnings, rolled, federations)


def _given_counts(
    h: Hierarchy, given: Mapping[str, np.ndarray], f: dict[str, np.ndarray], elapsed: np.ndarray
) -> None:
    """Counts given by the members of a level above, rolled up, and the rates made of them."""
    for name, own in given.items():
        f[name] = h.roll(own)
    if "ytd_new_members" in given:  # the members' own, summed: the rates made of them again
        f["members_completion"] = _ratio(f["ytd_new_members"], f["target_new_members"])
        f["members_schedule_rate"] = _ratio(f["members_completion"], elapsed)
    f["volunteer_coverage"] = _ratio(
        f["volunteer_covered_townships"], f["volunteer_required_townships"]
    )
    f["volunteer_good_share"] = _ratio(f["volunteers_good"], f["volunteers_graded"])
    for key, campaign in CAMPAIGNS.items():
        if campaign.target is not None:
            f[f"{key}_completion"] = _ratio(f[f"{key}_ytd_new"], f[f"target_{key}"])
            f[f"{key}_schedule_rate"] = _ratio(f[f"{key}_completion"], elapsed)


def _overdue_rectifications(
    h: Hierarchy, periods: list[Period], inspections: pd.DataFrame | None
) -> np.ndarray:
    """Inspection rectifications past their deadline at each period's end, per unit (3.8)."""
    out = np.zeros((len(periods), h.n))
    if inspections is None or not len(inspections):
        return out
    for p, period in enumerate(periods):
        overdue = overdue_at(inspections, period)
        if len(overdue):
            pos = h.positions(overdue["unit"].astype("string"))
            out[p] = h.count(pos, np.ones(len(pos), dtype=bool))
    return out


def _volunteer_figures(
    h: Hierarchy,
    periods: list[Period],
    volunteers: pd.DataFrame,
    qualifying: np.ndarray,
    config: Config,
    f: dict[str, np.ndarray],
) -> None:
    """3.5: volunteers active at period end, required and covered townships, coverage."""
    pos = h.positions(volunteers["unit"])
    hired = _dates(volunteers["hired_on"])
    left = _dates(volunteers["left_on"])
    active = []
    for p in periods:
        end = np.datetime64(p.end.isoformat(), "D")
        on = (hired <= end) & (np.isnat(left) | (left > end))
        active.append(h.count(pos, on))
    own_active = np.stack(active).astype(np.float64) if periods else np.zeros((0, h.n))
    f["volunteers_active"] = h.roll(own_active)

    stated = np.array([v is not None for v in h.volunteer_required])
    stated_value = np.array([bool(v) for v in h.volunteer_required])
    by_rule = qualifying >= config.volunteer_min_enterprises
    required = np.where(stated, stated_value, by_rule) & h.is_township
    covered = required & (own_active >= 1)
    f["volunteer_required_townships"] = h.roll(required.astype(np.float64))
    f["volunteer_covered_townships"] = h.roll(covered.astype(np.float64))
    f["volunteer_coverage"] = _ratio(
        f["volunteer_covered_townships"], f["volunteer_required_townships"]
    )
    # A bool per township, null for the city and counties.
    f["volunteer_required"] = np.where(h.is_township, required.astype(np.float64), np.nan)
    f["_lacking"] = required & ~covered


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _review_figures(
    h: Hierarchy,
    periods: list[Period],
    volunteers: pd.DataFrame,
    reviews: Mapping[str, pd.DataFrame | None],
    f: dict[str, np.ndarray],
) -> None:
    """3.5: volunteers given a grade in the period's reviews, and the share 优秀 or 称职.

    Each review was matched to its volunteer within its county when read (`volunteer_unit`,
    rosters.load.match_reviews): 编号 restart at 001 in every county. A review of nobody known
    is an error and never reaches here.
    """
    graded, good = [], []
    for p in periods:
        frame = reviews.get(str(p))
        units: list[str] = []
        goods: list[bool] = []
        if frame is not None and len(frame):
            for unit, grade in zip(frame["volunteer_unit"], frame["grade"], strict=True):
                if not _text(unit) or not _text(grade):
                    continue
                units.append(str(unit))
                goods.append(_text(grade) in GOOD_GRADES)
        pos = h.positions(pd.Series(units, dtype="string"))
        flags = np.array(goods, dtype=bool)
        graded.append(h.count(pos, np.ones(len(units), dtype=bool)))
        good.append(h.count(pos, flags))
    stack = (
        (lambda v: np.stack(v).astype(np.float64)) if periods else (lambda v: np.zeros((0, h.n)))
    )
    f["volunteers_graded"] = h.roll(stack(graded))
    f["volunteers_good"] = h.roll(stack(good))
    f["volunteer_good_share"] = _ratio(f["volunteers_good"], f["volunteers_graded"])


def _reporting_figures(
    h: Hierarchy,
    periods: list[Period],
    reporting: Mapping[str, Sequence[Any]],
    f: dict[str, np.ndarray],
) -> None:
    """1.1: each county's 报送情况 as figures a rule can name.

    `report_late` is 1 for a county whose first file arrived after the deadline or that did
    not report (its rows carried from an earlier period), 0 for one on time, null where receipt
    times were not recorded or the deadline has not passed; `report_days_late` the days after the deadline (0 on time). The city and the
    townships have neither.
    """
    late = np.full((len(periods), h.n), np.nan)
    days = np.full((len(periods), h.n), np.nan)
    where = {code: i for i, code in enumerate(h.codes)}
    for p, period in enumerate(periods):
        for item in reporting.get(str(period), ()):
            i = where.get(item.code)
            if i is None:
                continue
            # before the deadline (as of the bulletin's date) nobody is late yet: no verdict
            if item.late:
                late[p, i] = 1.0
            elif item.state == "on_time":
                late[p, i] = 0.0
            if item.days_late is not None:
                days[p, i] = float(item.days_late)
    f["report_late"] = late
    f["report_days_late"] = days


def _campaign_figures(
    h: Hierarchy,
    periods: list[Period],
    campaign: Campaign,
    frame: pd.DataFrame,
    f: dict[str, np.ndarray],
) -> None:
    """3.5: a campaign's entries counted by the end of each period, new in it, new this year."""
    key = campaign.key
    pos = h.positions(frame["unit"])
    day = _dates(frame[campaign.date])
    counts = np.ones(len(frame), dtype=bool)
    if campaign.counted is not None:
        column, value, _ = campaign.counted
        counts = _flags(frame[column] == value)
    sums = [(name, _ints(frame[name])) for name, _, _ in campaign.sums]
    out: dict[str, list[np.ndarray]] = {key: [], f"{key}_new": []}
    if campaign.target is not None:
        out[f"{key}_ytd_new"] = []
    for name, _ in sums:
        out[name] = []
    for p in periods:
        counted = counts & _within(day, None, p.end)
        out[key].append(h.count(pos, counted))
        out[f"{key}_new"].append(h.count(pos, counts & _within(day, p.start, p.end)))
        if campaign.target is not None:
            out[f"{key}_ytd_new"].append(h.count(pos, counts & _within(day, p.year_start, p.end)))
        for name, values in sums:
            out[name].append(h.count(pos, counted, values))
    for name, values_by_period in out.items():
        stacked = np.stack(values_by_period).astype(np.float64) if periods else np.zeros((0, h.n))
        f[name] = h.roll(stacked)


def all_unionized(f: Mapping[str, np.ndarray]) -> np.ndarray:
    """Units with active enterprises and none of them left to unionise (已全部建会, 3.9)."""
    enterprises, unionized = f["enterprises"], f["unionized"]
    return np.asarray((enterprises > 0) & (unionized >= enterprises))


def _score_groups(h: Hierarchy) -> list[np.ndarray]:
    """The units scored together: the city alone, the counties, each county's townships."""
    groups = [np.flatnonzero(~(h.is_county | h.is_township)), np.flatnonzero(h.is_county)]
    townships = np.flatnonzero(h.is_township)
    for parent in dict.fromkeys(h.parent[townships].tolist()):
        groups.append(townships[h.parent[townships] == parent])
    return [g for g in groups if len(g)]


def _score(
    h: Hierarchy, periods: list[Period], f: dict[str, np.ndarray], config: Config
) -> list[Problem]:
    """score = Σ weight × min(component, 1) within each ranking group (CONTRACT §3.4).

    A component null for every unit of a group is left out for that group and the score
    scaled to 100 over the remaining weights; a unit with a null component that others of its
    group have gets no score (and so no rank: 未排名), with a warning.
    """
    score = np.full((len(periods), h.n), np.nan)
    warnings: list[Problem] = []
    warned_targets: set[tuple[int, str]] = set()
    weights = list(config.score_weights.items())
    groups = _score_groups(h)
    # 3.9: a unit with nothing left to unionise has met its schedule, whatever its target
    done = all_unionized(f)
    for p, period in enumerate(periods):
        for group in groups:
            present = {c: ~np.isnan(f[c][p, group]) for c, _w in weights}
            used = [(c, w) for c, w in weights if present[c].any()]
            total = sum(w for _c, w in used)
            if not used or total <= 0:
                continue
            met = {c: done[p, group] if c == "schedule_rate" else False for c, _w in weights}
            complete = np.logical_and.reduce([present[c] | met[c] for c, _w in used])
            values = sum(
                w * np.where(met[c], 1.0, np.minimum(np.nan_to_num(f[c][p, group]), 1.0))
                for c, w in used
            )
            score[p, group[complete]] = np.asarray(values)[complete] * (100.0 / total)
            for component, _w in weights:
                for j in np.flatnonzero(~(present[component] | met[component])):
                    i, code = int(group[j]), h.codes[int(group[j])]
                    if component == "schedule_rate":
                        if (period.year, code) in warned_targets:
                            continue  # one warning per unit and year: targets are per year
                        warned_targets.add((period.year, code))
                    left_out = not present[component].any()
                    warnings.append(_score_warning(h, period, code, component, f, p, i, left_out))
    f["score"] = score
    return warnings


def _score_warning(
    h: Hierarchy,
    period: Period,
    code: str,
    component: str,
    f: dict[str, np.ndarray],
    p: int,
    i: int,
    left_out: bool = False,
) -> Problem:
    name = h.names.get(code, code)
    label = BY_NAME[component].label
    if component == "schedule_rate":
        file, column = "data/targets.csv", "新建会目标"
        target = f["target_new_unions"][p, i]
        why = (
            f"{period.year}年度新建会目标为0"
            if target == 0
            else f"没有{period.year}年度新建会目标"
            + ("" if h.is_township[i] else "（其下级单位也都没有）")
        )
        fix = "请在 data/targets.csv 中补充该单位的新建会目标。"
        value = str(period.year)
    else:
        # the period's ledgers, whichever files of the folder they came in
        file, column, value = f"data/{period}/", "所属单位代码", code
        why = (
            f"{period.label}没有存续企业"
            if component == "coverage_rate"
            else f"{period.label}没有已建会存续企业的职工人数"
        )
        fix = "请核对本期台账中该单位的企业是否漏报。"
    effect = (
        "同组各单位都没有此项，综合得分不计此项，按其余指标折算为百分制"
        if left_out
        else "本期不参加排名（未排名）"
    )
    county = str(h.county_of.get(code, ""))
    return Problem(
        file=file,
        row=None,
        column=column,
        code=SCORE_WARNING,
        severity="warning",
        value=value,
        message=f"{name}（{code}）{why}，{label}无法计算，{effect}。{fix}",
        county=county,
        county_name=h.names.get(county, "") if county else "",
    )


def competition_rank(scores: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank scores within each group, highest first; equal to 2 decimals share (1, 2, 2, 4).

    Returns each score's rank and the size of its group.
    """
    frame = pd.DataFrame({"group": groups, "cents": _half_up_cents(np.asarray(scores))})
    grouped = frame.groupby("group", sort=False)["cents"]
    rank = grouped.rank(method="min", ascending=False).to_numpy(dtype=np.float64)
    among = grouped.transform("size").to_numpy(dtype=np.float64)
    return rank, among


def _rank(h: Hierarchy, prev: np.ndarray, f: dict[str, np.ndarray]) -> None:
    """Counties among counties, townships within their county, in every period."""
    n_p = f["score"].shape[0]
    rank = np.full((n_p, h.n), np.nan)
    among = np.full((n_p, h.n), np.nan)
    ranked = np.flatnonzero(h.is_county | h.is_township)
    if n_p and len(ranked):
        group = np.where(h.is_county, "county", h.parent)[ranked]
        periods = np.repeat(np.arange(n_p), len(ranked)).astype(str)
        keys = np.char.add(np.char.add(periods, "/"), np.tile(group, n_p).astype(str))
        scores = f["score"][:, ranked].ravel()
        scored = ~np.isnan(scores)  # a unit without a score is not ranked (未排名)
        r, a = competition_rank(scores[scored], keys[scored])
        flat_rank = np.full(scores.shape, np.nan)
        flat_among = np.full(scores.shape, np.nan)
        flat_rank[scored], flat_among[scored] = r, a
        rank[:, ranked] = flat_rank.reshape(n_p, len(ranked))
        among[:, ranked] = flat_among.reshape(n_p, len(ranked))
    f["rank"] = rank
    f["ranked_among"] = among
    f["rank_change"] = _shifted(rank, prev) - rank


def _indicator_frame(h: Hierarchy, keys: list[str], f: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per (period, unit) in official order; columns exactly INDICATOR_DTYPES."""
    order = h.official
    index = pd.MultiIndex.from_arrays(
        [
            np.repeat(np.array(keys, dtype=object), len(order)),
            np.tile(np.array(h.codes, dtype=object)[order], len(keys)),
        ],
        names=["period", "code"],
    )
    columns: dict[str, Any] = {}
    for name, dtype in INDICATOR_DTYPES.items():
        values = f[name][:, order].ravel() if len(keys) else np.zeros(0)
        if dtype == "Int64":
            values = np.where(np.isnan(values), np.nan, np.rint(values))
            columns[name] = pd.array(values, dtype="Float64").astype("Int64")
        elif dtype == "boolean":
            columns[name] = pd.array([None if v != v else bool(v) for v in values], dtype="boolean")
        else:
            columns[name] = pd.array(values, dtype="Float64")
    return pd.DataFrame(columns, index=index)


# --- judgments ------------------------------------------------------------------------------------

#: Each completion metric: (year-to-date count, target, what the target is of, unit).
COMPLETIONS: dict[str, tuple[str, str, str, str]] = {
    "target_completion": ("ytd_new_unions", "target_new_unions", "年度目标", "家"),
    "members_completion": ("ytd_new_members", "target_new_members", "新增会员目标", "人"),
    **{
        f"{c.key}_completion": (f"{c.key}_ytd_new", f"target_{c.key}", f"{c.label}目标", c.unit)
        for c in CAMPAIGNS.values()
        if c.target
    },
}
#: Each schedule metric and its completion metric (schedule = completion / elapsed).
SCHEDULE_OF: dict[str, str] = {
    "schedule_rate": "target_completion",
    "members_schedule_rate": "members_completion",
    **{f"{c.key}_schedule_rate": f"{c.key}_completion" for c in CAMPAIGNS.values() if c.target},
}
#: Each schedule metric and the target whose share is due by now (CONTRACT 3.9).
SCHEDULE_TARGETS: dict[str, str] = {m: COMPLETIONS[c][1] for m, c in SCHEDULE_OF.items()}
#: The rules a unit with nothing left to unionise is not judged by (3.9).
NEW_UNION_METRICS = ("schedule_rate", "target_completion")
#: Figures a reason may quote beside the rules' own metrics.
_CONTEXT_FACTS = (
    "report_days_late",
    "enterprises",
    "unionized",
    "new_unions",
    "coverage_rate",
    "coverage_rate_change",
    "priority_closed",
    "elapsed",
)
#: A schedule rate above this is not quoted: far ahead of schedule is said so, not as 1200 %.
SCHEDULE_QUOTED_UP_TO = 2.0


def amount_due(target: float | None, elapsed: float | None) -> int:
    """What a target asks for by now: target × elapsed, rounded half up (CONTRACT 3.9)."""
    if target is None or target != target or elapsed is None or elapsed != elapsed:
        return 0
    return int(np.floor(round(float(target) * float(elapsed), 9) + 0.5))


def fair_rule(rule: Rule, figures: Mapping[str, Any], all_done: bool) -> bool:
    """Whether a criticism or veto rule may blame the unit at all (CONTRACT 3.9).

    A schedule rule waits until at least one whole unit of the target is due; a unit with no
    enterprise left to unionise is not judged on new-union targets.
    """
    if all_done and rule.metric in NEW_UNION_METRICS:
        return False
    target = SCHEDULE_TARGETS.get(rule.metric or "")
    if target is not None:
        return amount_due(figures.get(target), figures.get("elapsed")) >= 1
    return True


@dataclass(frozen=True)
class Standing:
    """What a judgment's text needs to know of the unit besides its figures."""

    #: whom the rank is among: 各县市区, 松岚县各乡镇（街道）
    among_label: str = ""
    #: 本月 / 本季度
    period_word: str = "本期"
    #: no active enterprise left to unionise (已全部建会)
    all_unionized: bool = False
    #: the first period of the year: this period's new unions are the year's
    year_start: bool = False


def _judgments(
    h: Hierarchy, periods: list[Period], f: dict[str, np.ndarray], config: Config
) -> pd.DataFrame:
    """One judgment per unit and period: veto over criticism over praise (CONTRACT 3.4, 3.9).

    Every county and township is judged; a unit left unranked (3.4) matches no rule on rank,
    and no rule on a metric it lacks. Criticism and veto rules pass `fair_rule`; a unit with a
    rectification past its deadline, or late in reporting, is not praised. A veto quotes every
    veto and criticism rule the unit matched, a criticism every criticism rule; a commendation
    says what the unit did.
    """
    rules = config.judgments
    wanted = [*RULE_METRICS, *_CONTEXT_FACTS]
    for ytd, target, _noun, _unit in COMPLETIONS.values():
        wanted += [ytd, target]
    facts = [m for m in dict.fromkeys(wanted) if m in f]
    judged = [int(i) for i in h.official if h.is_county[i] or h.is_township[i]]
    done = all_unionized(f)
    overdue = f["_overdue_rectifications"]
    rows: list[tuple[str, str, str, str]] = []
    for p, period in enumerate(periods):
        key, year_end = str(period), period.is_year_end
        after = period.end >= volunteer_deadline_of(period.year, config.volunteer_deadline)
        word = "本月" if period.cadence == "month" else "本季度"
        # Plain Python values once per period: a province has some 2 000 units to judge.
        values = {m: f[m][p, judged].tolist() for m in (*facts, "rank", "ranked_among")}
        for j, i in enumerate(judged):
            rank_value = values["rank"][j]
            r = None if rank_value != rank_value else int(rank_value)
            among_value = values["ranked_among"][j]
            among = 0 if among_value != among_value else int(among_value)
            figures = {m: (None if values[m][j] != values[m][j] else values[m][j]) for m in facts}
            all_done = bool(done[p, i])

            def matching(kind: str) -> list[Rule]:
                return [
                    rule
                    for rule in rules.get(kind, ())
                    if rule.matches(figures, r, among, year_end, after)  # noqa: B023
                    and (kind == "commend" or fair_rule(rule, figures, all_done))  # noqa: B023
                ]

            criticize = matching("criticize")
            veto = matching("veto") if year_end else []
            blocked = overdue[p, i] > 0 or figures.get("report_late") == 1
            commend = [] if criticize or veto or blocked else matching("commend")[:1]
            if veto:
                kind, matched = "veto", [*veto, *criticize]
            elif criticize:
                kind, matched = "criticize", criticize
            elif commend:
                kind, matched = "commend", commend
            else:
                continue
            township = bool(h.is_township[i])
            county = h.names.get(str(h.parent[i]), "") if township else ""
            standing = Standing(
                among_label=f"{county}各乡镇（街道）" if township else "各县市区",
                period_word=word,
                all_unionized=all_done,
                year_start=period.index == 1,
            )
            reason = judgment_reason(
                kind,
                matched,
                figures,
                r,
                among,
                volunteer_deadline=config.volunteer_deadline,
                township=township,
                standing=standing,
            )
            rows.append((key, h.codes[i], kind, reason))
    frame = pd.DataFrame(rows, columns=list(JUDGMENT_COLUMNS))
    return frame.astype("string")


UNDECIDED_WARNING = "W-JUDGMENT-UNDECIDED"


def _undecided(
    h: Hierarchy, periods: list[Period], f: dict[str, np.ndarray], config: Config
) -> list[Problem]:
    """Judgments the office's missing records leave undecided, as warnings for `check` (3.9).

    Nothing the office lacks is printed; it learns of it here: a unit whose members at the
    previous year's end are not in the data cannot be judged on a new-members rule. (A receipt
    not recorded, which leaves a report_late rule undecided, is the record's own problem.)
    """
    rules = config.judgments
    metrics = {r.metric for kind in ("criticize", "veto") for r in rules.get(kind, ())}
    out: list[Problem] = []
    warned_members: set[tuple[int, str]] = set()
    for p, period in enumerate(periods):
        used = sorted(m for m in metrics if m in ("members_completion", "members_schedule_rate"))
        if not used:
            continue
        missing = np.isnan(f["ytd_new_members"][p]) & ~np.isnan(f["target_new_members"][p])
        for i in np.flatnonzero(missing & (h.is_county | h.is_township)):
            code = h.codes[int(i)]
            if (period.year, code) in warned_members:
                continue
            warned_members.add((period.year, code))
            name = h.names.get(code, code)
            out.append(
                _undecided_problem(
                    h,
                    period,
                    code,
                    f"data/{period}",
                    "会员人数",
                    f"{name}（{code}）{period.year - 1}年末的会员人数不在数据中，本年新增会员无法"
                    f"计算：规则 {'、'.join(used)} 对它不起作用。请补上"
                    f"{period.previous_year_end().label}的台账。",
                )
            )
    return out


def _undecided_problem(
    h: Hierarchy, period: Period, code: str, file: str, column: str, message: str
) -> Problem:
    county = str(h.county_of.get(code, ""))
    return Problem(
        file=file,
        row=None,
        column=column,
        code=UNDECIDED_WARNING,
        severity="warning",
        value=str(period),
        message=message,
        county=county,
        county_name=h.names.get(county, "") if county else "",
    )


def volunteer_deadline_of(year: int, month_day: tuple[int, int]) -> date:
    """The volunteer deadline of a year (02-29 falls on 02-28 in a common year)."""
    month, day = month_day
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _threshold(rule: Rule, metric: str) -> str:
    """低于60.0%: the bound of a rule, said on the metric it applies to."""
    bound = rule.below if rule.below is not None else rule.at_least
    word = "低于" if rule.below is not None else "不低于"
    return word + BY_NAME[metric].show(bound) + BY_NAME[metric].unit


def _fall(label: str, value: float, unit: str) -> str:
    """A fall said as one: 本期新增会员 −141 -> 本期会员减少141人."""
    return f"{label.replace('新增', '')}减少{fmt.integer(-value)}{unit}"


def metric_fact(metric: str, figures: Mapping[str, Any]) -> str:
    """A metric's value as a reader says it: no negative rate, no schedule over 200 %.

    已完成年度目标（12家，目标10家）; 本年会员减少141人（新增会员目标300人）; 新建会序时进度
    完成率超过200.0%; 本期会员减少20人; 建会率76.3%.
    """
    indicator = BY_NAME[metric]
    value = figures.get(metric)
    completion = SCHEDULE_OF.get(metric, metric)
    if completion in COMPLETIONS:
        ytd, target, noun, unit = COMPLETIONS[completion]
        got, goal = figures.get(ytd), figures.get(target)
        if got is not None and got < 0:
            return _fall(BY_NAME[ytd].label, got, unit) + f"（{noun}{fmt.integer(goal)}{unit}）"
        done = figures.get(completion)
        if metric == completion and done is not None and done >= 1:
            return f"已完成{noun}（{fmt.integer(got)}{unit}，目标{fmt.integer(goal)}{unit}）"
        if metric != completion and value is not None and value > SCHEDULE_QUOTED_UP_TO:
            return f"{indicator.label}超过{fmt.percent(SCHEDULE_QUOTED_UP_TO)}"
    if indicator.kind == "delta" and value is not None and value < 0:
        return _fall(indicator.label, value, indicator.unit)
    return f"{indicator.label}{indicator.show(value)}{indicator.unit}"


def _new_unions_fact(
    kind: str, figures: Mapping[str, Any], notes: Mapping[str, list[str]]
) -> list[str]:
    """The year's new unions against the target, as a reader says them; `notes` hold the
    thresholds of the new-union metrics the judgment is about, quoted on their metric."""
    ytd = figures.get("ytd_new_unions") or 0
    target = figures.get("target_new_unions")
    completion = figures.get("target_completion")
    schedule = figures.get("schedule_rate")
    if target is None:
        return [f"本年新建会{fmt.integer(ytd)}家（未下达年度目标）"]
    if target == 0:
        return [f"本年新建会{fmt.integer(ytd)}家（年度目标为0家）"]
    if completion is not None and completion >= 1:
        done = metric_fact("target_completion", figures)
        if notes.get("target_completion"):  # a rule asking for more than the target
            bounds = "，".join(notes["target_completion"])
            return [done, f"完成年度目标的{fmt.percent(completion)}（{bounds}）"]
        return [done]
    if kind == "commend":
        said = [f"本年累计新建会{fmt.integer(ytd)}家，完成年度目标的{fmt.percent(completion)}"]
        if schedule is not None and schedule > SCHEDULE_QUOTED_UP_TO:
            said.append("超过序时进度")
        elif schedule is not None and schedule >= 1:
            said.append(f"序时进度完成率{fmt.percent(schedule)}")
        return said

    def noted(text: str, metric: str) -> str:
        return f"{text}（{'，'.join(notes[metric])}）" if notes.get(metric) else text

    said = [
        "本年尚未新建会"
        if not ytd
        else f"本年新建会{fmt.integer(ytd)}家（年度目标{fmt.integer(target)}家）"
    ]
    quoted = [m for m in NEW_UNION_METRICS if m in notes]
    if "target_completion" in quoted or not quoted:
        said.append(noted(f"完成年度目标的{fmt.percent(completion)}", "target_completion"))
    # at year end the schedule is the completion: said once
    if (
        "schedule_rate" in quoted
        and ("target_completion" not in quoted or (figures.get("elapsed") or 0) < 1)
        and schedule is not None
        and schedule <= SCHEDULE_QUOTED_UP_TO
    ):
        said.append(noted(f"序时进度完成率{fmt.percent(schedule)}", "schedule_rate"))
    return said


def judgment_reason(
    kind: str,
    rule: Rule | list[Rule],
    figures: Mapping[str, Any],
    rank: int | None,
    among: int,
    *,
    volunteer_deadline: tuple[int, int] = (7, 1),
    township: bool = False,
    standing: Standing | None = None,
) -> str:
    """The Chinese reason of a judgment, quoting the numbers behind it as a reader says them.

    A commendation says what was done: 本月新建会5家、销号重点企业2家，已完成年度目标（52家，
    目标40家），建会率86.2%，较上期提高1.5个百分点，综合得分94.1分，在松岚县各乡镇（街道）中
    排名第1. A criticism or veto names each threshold on the metric it applies to:
    本年新建会3家（年度目标12家），序时进度完成率36.0%（低于60.0%）.
    """
    standing = standing or Standing()
    rules = [rule] if isinstance(rule, Rule) else list(rule)
    by_rank = any(r.rank_at_most is not None or r.rank_from_bottom_at_most for r in rules)
    ranking = ""
    if rank is not None and (kind == "commend" or by_rank):
        where = f"在{standing.among_label}中" if standing.among_label else ""
        ranking = f"综合得分{fmt.number(figures.get('score'))}分，{where}排名第{rank}"
        if any(r.rank_from_bottom_at_most is not None for r in rules):
            ranking += f"（共{among}个，倒数第{among - rank + 1}）"
    if kind == "commend":
        return _commendation(rules, figures, ranking, standing)

    month, day = volunteer_deadline
    notes: dict[str, list[str]] = {}
    said: dict[str, str] = {}
    for one in rules:
        metric = one.metric
        if metric is None:
            continue
        if metric == "score":
            bound = f"（{_threshold(one, metric)}）"
            score = f"综合得分{fmt.number(figures.get('score'))}分"
            ranking = ranking.replace(score, score + bound) if ranking else score + bound
            continue
        if metric == "report_late":
            # 报送情况 (1.1): said as what happened, not as a flag below a threshold
            late = figures.get("report_days_late")
            said[metric] = (
                f"本期{words().ledger}逾期{fmt.integer(late)}天报送"
                if late
                else f"本期{words().ledger}未按时报送（沿用上期数据）"
            )
            continue
        lacking = township and metric == "volunteer_coverage" and figures.get(metric) == 0
        if metric not in NEW_UNION_METRICS:
            said.setdefault(
                metric, "应配备工会工作志愿者而未配备" if lacking else metric_fact(metric, figures)
            )
        note = notes.setdefault(metric, [])
        if not lacking:
            note.append(_threshold(one, metric))
        if one.after_volunteer_deadline:
            note.append(f"已过{month}月{day}日配备期限")
    parts: list[str] = [ranking] if ranking else []
    about_targets = any(
        r.metric in (*NEW_UNION_METRICS, "ytd_new_unions", "score") for r in rules
    ) or (by_rank and not said)
    if about_targets:
        if standing.all_unionized:
            parts.append(f"已全部建会（{fmt.integer(figures.get('enterprises'))}家企业）")
        else:
            parts += _new_unions_fact(kind, figures, notes)
    for metric, text in said.items():
        if metric == "ytd_new_unions" and about_targets:
            continue
        bounds = "，".join(notes.get(metric, []))
        parts.append(f"{text}（{bounds}）" if bounds else text)
    return "，".join(parts)


def _commendation(
    rules: list[Rule], figures: Mapping[str, Any], ranking: str, standing: Standing
) -> str:
    """What a praised unit did, from its figures: this period's work, the year, its standing."""
    deeds = []
    new = figures.get("new_unions") or 0
    closed = figures.get("priority_closed") or 0
    if new:
        deeds.append(f"新建会{fmt.integer(new)}家")
    if closed:
        deeds.append(f"销号重点企业{fmt.integer(closed)}家")
    parts = [standing.period_word + "、".join(deeds)] if deeds else []
    if standing.all_unionized:
        parts.append(f"已全部建会（{fmt.integer(figures.get('enterprises'))}家企业）")
    else:
        said = _new_unions_fact("commend", figures, {})
        if standing.year_start and new:  # this period's are the year's: said once
            said[0] = said[0].replace(f"本年累计新建会{fmt.integer(new)}家，", "")
        parts += said
        rate, change = figures.get("coverage_rate"), figures.get("coverage_rate_change")
        if rate is not None:
            shown = f"建会率{fmt.percent(rate)}"
            parts.append(
                shown + ("，较上期" + fmt.change_phrase(change) if change and change > 0 else "")
            )
    for one in rules:
        metric = one.metric
        if metric is None or metric in ("score", "coverage_rate", *NEW_UNION_METRICS):
            continue
        parts.append(metric_fact(metric, figures))
    if ranking:
        parts.append(ranking)
    return "，".join(parts)
