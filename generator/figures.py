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

from generator import formatting as fmt
from generator import key_areas
from generator.config import DEFAULT_JUDGMENTS, Config, Rule
from generator.indicators import BY_NAME, INDICATORS, RULE_METRICS
from generator.periods import Period
from generator.problems import Problem
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
    "congress",
    "bargaining",
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
        "congress": total(unionized & _flags(e["workers_congress"])),
        "bargaining": total(unionized & _flags(e["wage_bargaining"])),
        "new_unions": total(active & _within(union_date, period.start, period.end)),
        "ytd_new_unions": total(active & _within(union_date, period.year_start, period.end)),
        "qualifying": total(active & big),
        "federation_enterprises": total(federated),
        "federation_employees": total(federated, employees),
        "priority_open": total(priority),
    }

    clear = ["progress", "responsible", "planned_on"]

    def rows(mask: np.ndarray, state: str) -> pd.DataFrame:
        picked = e.loc[mask, ["uscc", "name", "unit", "employees", "not_unionized_reason"]]
        picked = picked.rename(columns={"not_unionized_reason": "reason"})
        picked["state"] = state
        picked["added"] = False
        picked["left_reason"] = ""
        for name in clear:
            picked[name] = _column(e, name)[mask].to_numpy(dtype=object)
        picked["planned_on"] = iso_dates(_column(e, "planned_on")[mask])
        picked["open_periods"] = 1
        return picked.reset_index(drop=True)

    compared = previous is not None and previous.period == period.previous()
    open_rows = rows(priority, "open")
    parts = [open_rows]
    dormant = _no_dormant()
    if compared:
        assert previous is not None
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
        closed = rows(was & unionized, "closed")
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

        parts += [closed, left]
        gone_now = left.loc[left["left_reason"] == MISSING, ["uscc", "open_periods"]]
        still = away.loc[~_in(away["uscc"], e["uscc"]), ["uscc", "open_periods"]]
        dormant = pd.concat([gone_now, still], ignore_index=True).astype(
            {"uscc": "string", "open_periods": "int64"}
        )
        sums["priority_added"] = total(priority & ~(was | back))
        for name, part in (("priority_closed", closed), ("priority_left", left)):
            sums[name] = np.bincount(h.positions(part["unit"]) + 1, minlength=h.n + 1)[1:]
    else:
        for name in ("priority_added", "priority_closed", "priority_left"):
            sums[name] = np.zeros(h.n, dtype=np.int64)

    ledger = pd.concat(parts, ignore_index=True) if len(parts) > 1 else open_rows
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
    for name, flag in (("priority_overdue", "overdue"), ("priority_stalled", "stalled")):
        marked = ledger[flag].to_numpy(dtype=bool)
        sums[name] = np.bincount(ledger_pos[marked], minlength=h.n + 1)[1:].astype(np.int64)
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
        dormant=dormant,
    )


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
) -> Figures:
    """Every §3 figure of every unit and period, rolled up, compared, scored, ranked, judged.

    `campaigns` holds the frame of each campaign roster by its key (CAMPAIGNS); a campaign
    without a frame has no entries. `reporting` holds each period's 报送情况
    (generator.record.CountyReport per county).
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
    f["congress_rate"] = _ratio(s["congress"], s["unionized"])
    f["bargaining_rate"] = _ratio(s["bargaining"], s["unionized"])
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

    # 3.4 score and rank
    warnings = _score(h, periods, f, config)
    _rank(h, prev, f)

    indicators = _indicator_frame(h, keys, f)
    judgments = _judgments(h, periods, f, config)
    lacking = f.pop("_lacking")
    lacking_volunteer = {
        key: [h.codes[i] for i in h.official if lacking[p, i]] for p, key in enumerate(keys)
    }
    ledgers = {key: r.ledger for key, r in zip(keys, reductions, strict=True)}
    federations = {key: r.federations for key, r in zip(keys, reductions, strict=True)}
    return Figures(indicators, judgments, ledgers, lacking_volunteer, warnings, rolled, federations)


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
    for p, period in enumerate(periods):
        for group in groups:
            present = {c: ~np.isnan(f[c][p, group]) for c, _w in weights}
            used = [(c, w) for c, w in weights if present[c].any()]
            total = sum(w for _c, w in used)
            if not used or total <= 0:
                continue
            complete = np.logical_and.reduce([present[c] for c, _w in used])
            values = sum(w * np.minimum(np.nan_to_num(f[c][p, group]), 1.0) for c, w in used)
            score[p, group[complete]] = np.asarray(values)[complete] * (100.0 / total)
            for component, _w in weights:
                for j in np.flatnonzero(~present[component]):
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
        file, column, value = f"data/{period}/enterprises.csv", "所属单位代码", code
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


def _judgments(
    h: Hierarchy, periods: list[Period], f: dict[str, np.ndarray], config: Config
) -> pd.DataFrame:
    """Criticize; veto at year end only; commend unless criticized or vetoed (CONTRACT §3.4).

    Every county and township is judged; a unit left unranked (3.4) matches no rule on rank,
    and no rule on a metric it lacks. Every criticism and veto rule a unit matches is quoted in
    its reason; a commendation quotes the first rule that matched.
    """
    rules = config.judgments or {
        kind: tuple(Rule(**raw) for raw in raws) for kind, raws in DEFAULT_JUDGMENTS.items()
    }
    facts = [*(m for m in RULE_METRICS if m in f), "target_new_unions", "report_days_late"]
    judged = [int(i) for i in h.official if h.is_county[i] or h.is_township[i]]
    rows: list[tuple[str, str, str, str]] = []
    for p, period in enumerate(periods):
        key, year_end = str(period), period.is_year_end
        after = period.end >= volunteer_deadline_of(period.year, config.volunteer_deadline)
        # Plain Python values once per period: a province has some 2 000 units to judge.
        values = {m: f[m][p, judged].tolist() for m in (*facts, "rank", "ranked_among")}
        for j, i in enumerate(judged):
            rank_value = values["rank"][j]
            r = None if rank_value != rank_value else int(rank_value)
            among_value = values["ranked_among"][j]
            among = 0 if among_value != among_value else int(among_value)
            figures = {m: (None if values[m][j] != values[m][j] else values[m][j]) for m in facts}

            def matching(kind: str) -> list[Rule]:
                return [
                    rule
                    for rule in rules.get(kind, ())
                    if rule.matches(figures, r, among, year_end, after)  # noqa: B023
                ]

            criticize = matching("criticize")
            veto = matching("veto") if year_end else []
            commend = matching("commend")[:1] if not criticize and not veto else []
            for kind, matched in (("commend", commend), ("criticize", criticize), ("veto", veto)):
                if matched:
                    reason = judgment_reason(
                        kind,
                        matched,
                        figures,
                        r,
                        among,
                        volunteer_deadline=config.volunteer_deadline,
                        township=bool(h.is_township[i]),
                    )
                    rows.append((key, h.codes[i], kind, reason))
    frame = pd.DataFrame(rows, columns=list(JUDGMENT_COLUMNS))
    return frame.astype("string")


def volunteer_deadline_of(year: int, month_day: tuple[int, int]) -> date:
    """The volunteer deadline of a year (02-29 falls on 02-28 in a common year)."""
    month, day = month_day
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def judgment_reason(
    kind: str,
    rule: Rule | list[Rule],
    figures: dict[str, Any],
    rank: int | None,
    among: int,
    *,
    volunteer_deadline: tuple[int, int] = (7, 1),
    township: bool = False,
) -> str:
    """The Chinese reason of a judgment, quoting the numbers behind it.

    E.g. 综合得分96.6分，排名第1，本年新建会120家，完成年度目标的115.0%，序时进度完成率138.0%;
    a criticism or veto names the threshold it fell below: 序时进度完成率36.0%（低于60.0%）,
    and quotes the year's targets only when they are what it is for; several rules matched are
    quoted together, each metric once.
    """
    rules = [rule] if isinstance(rule, Rule) else list(rule)
    parts: list[str] = []
    by_rank = any(r.rank_at_most is not None or r.rank_from_bottom_at_most for r in rules)
    if rank is not None and (kind == "commend" or by_rank):
        ranking = f"综合得分{fmt.number(figures.get('score'))}分，排名第{rank}"
        if any(r.rank_from_bottom_at_most is not None for r in rules):
            ranking += f"（共{among}个，倒数第{among - rank + 1}）"
        parts.append(ranking)

    ytd = figures.get("ytd_new_unions")
    target = figures.get("target_new_unions")
    facts: dict[str, str] = {"ytd_new_unions": f"本年新建会{fmt.integer(ytd)}家"}
    if target is None:
        facts["target_new_unions"] = "未下达年度目标"
    elif target == 0:
        facts["target_new_unions"] = "年度目标为0家"
    else:
        facts["target_completion"] = (
            f"完成年度目标的{fmt.percent(figures.get('target_completion'))}"
        )
        facts["schedule_rate"] = f"序时进度完成率{fmt.percent(figures.get('schedule_rate'))}"

    month, day = volunteer_deadline
    for one in rules:
        metric = one.metric
        if metric == "report_late" and figures.get(metric):
            # 报送情况 (1.1): said as what happened, not as a flag below a threshold
            late = figures.get("report_days_late")
            facts[metric] = (
                f"本期台账逾期{fmt.integer(late)}天报送"
                if late
                else "本期台账未按时报送（沿用上期数据）"
            )
            continue
        lacking = township and metric == "volunteer_coverage" and figures.get(metric) == 0
        if metric is not None and metric != "score" and metric not in facts:
            indicator = BY_NAME[metric]
            facts[metric] = (
                "应配备工会工作志愿者而未配备"
                if lacking
                else f"{indicator.label}{indicator.show(figures.get(metric))}{indicator.unit}"
            )
        if metric is not None and metric == "score" and not parts:
            parts.append(f"综合得分{fmt.number(figures.get('score'))}分")
        if kind != "commend" and metric is not None:
            bound = one.below if one.below is not None else one.at_least
            word = "低于" if one.below is not None else "不低于"
            shown = BY_NAME[metric].show(bound) + BY_NAME[metric].unit
            notes = [] if lacking else [word + shown]
            if one.after_volunteer_deadline:
                notes.append(f"已过{month}月{day}日配备期限")
            if not notes:
                continue
            note = "，".join(notes)
            if metric in facts:
                facts[metric] += f"（{note}）"
            elif parts:
                parts[-1] += f"（{note}）"
    context = ("ytd_new_unions", "target_new_unions", "target_completion", "schedule_rate")
    about_targets = any(one.metric in (*context, "score") for one in rules)  # score counts them
    if kind != "commend" and not by_rank and not about_targets:
        # criticised for something else (volunteers, a late ledger): a target well met, quoted
        # first, would read as the reason
        facts = {k: v for k, v in facts.items() if k not in context}
    return "，".join([*parts, *facts.values()])
