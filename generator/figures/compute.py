"""Stage 2b: every period's sums rolled up the hierarchy and turned into rates, targets,
comparisons, scores, ranks and judgments, as arrays of shape (periods, units)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from generator.common.config import Config
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.figures import key_areas
from generator.figures.columns import OWN_SUMS
from generator.figures.hierarchy import (
    Hierarchy,
    bool_array,
    day_array,
    int_array,
    ratio,
    shifted,
    within,
)
from generator.figures.indicators import BY_NAME, INDICATORS
from generator.figures.inspections import overdue_at
from generator.figures.judgments import (
    member_year_end_warnings,
    undecided_warnings,
    unit_judgments,
)
from generator.figures.score import rank_units, score_units
from generator.rosters.specs import CAMPAIGNS, Campaign
from generator.rosters.validate import empty_frame

if TYPE_CHECKING:
    from generator.figures.reduce import PeriodReduction
    from generator.rosters.load import ProjectData

#: review grades counted as good in a county's share of volunteers (CONTRACT 3.5)
GOOD_GRADES = ("优秀", "称职")

#: The indicator columns: every declared figure, in declaration order, with its dtype.
INDICATOR_DTYPES: dict[str, str] = {i.name: i.dtype for i in INDICATORS}


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


# --- stage 2b: every period -----------------------------------------------------------------------


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
    h = Hierarchy.of(units)
    reductions = sorted(reductions, key=lambda r: r.period)
    axis = _Axis.of([r.period for r in reductions])
    own = _own_sums(h, reductions)
    s = {name: h.roll(values) for name, values in own.items()}
    f: dict[str, np.ndarray] = {}
    _union_building(axis, s, f)
    _target_figures(h, axis, targets, s, f)
    # 3.5 volunteers and campaigns
    _volunteer_figures(h, axis.periods, volunteers, own["qualifying"], config, f)
    _review_figures(h, axis.periods, volunteers, reviews or {}, f)
    _reporting_figures(h, axis.periods, reporting or {}, f)
    _all_campaign_figures(h, axis, campaigns, targets, f)
    _comparisons(axis, f)
    rolled = _key_area_figures(h, axis, reductions, f)
    if given:
        _given_counts(h, given, f, axis.elapsed)
    # 3.9: rectifications past their deadline at each period's end, per unit inspected
    f["_overdue_rectifications"] = _overdue_rectifications(h, axis.periods, inspections)
    # 3.4 score and rank
    warnings = score_units(h, axis.periods, f, config)
    rank_units(h, axis.prev, f)

    indicators = _indicator_frame(h, axis.keys, f)
    judgments = unit_judgments(h, axis.periods, f, config)
    warnings += undecided_warnings(h, axis.periods, f, config)
    if given:  # a level above: why its members' sums are not stated (CONTRACT §7)
        warnings += member_year_end_warnings(h, axis.periods, given, config)
    lacking = f.pop("_lacking")
    f.pop("_overdue_rectifications")
    lacking_volunteer = {
        key: [h.codes[i] for i in h.official if lacking[p, i]] for p, key in enumerate(axis.keys)
    }
    ledgers = {key: r.ledger for key, r in zip(axis.keys, reductions, strict=True)}
    federations = {key: r.federations for key, r in zip(axis.keys, reductions, strict=True)}
    return Figures(indicators, judgments, ledgers, lacking_volunteer, warnings, rolled, federations)


@dataclass(frozen=True)
class _Axis:
    """The periods computed, in order, and where each finds the periods it is compared with."""

    periods: list[Period]
    keys: list[str]
    #: position of the previous period, of the same period last year, of the previous year's
    #: end (-1: not in the project)
    prev: np.ndarray
    yoy: np.ndarray
    year_end: np.ndarray
    #: the share of its year each period has run, as a column (periods, 1)
    elapsed: np.ndarray

    @classmethod
    def of(cls, periods: list[Period]) -> _Axis:
        """The axis of periods sorted in time."""
        keys = [str(p) for p in periods]
        where = {k: i for i, k in enumerate(keys)}

        def find(others: list[Period]) -> np.ndarray:
            return np.array([where.get(str(o), -1) for o in others], dtype=np.int64)

        return cls(
            periods=periods,
            keys=keys,
            prev=find([p.previous() for p in periods]),
            yoy=find([p.same_last_year() for p in periods]),
            year_end=find([p.previous_year_end() for p in periods]),
            elapsed=np.array([p.elapsed for p in periods], dtype=np.float64)[:, None],
        )

    @property
    def n(self) -> int:
        """How many periods."""
        return len(self.periods)


def _own_sums(h: Hierarchy, reductions: list[PeriodReduction]) -> dict[str, np.ndarray]:
    """Each reduction's sums per own unit, stacked as (periods, units) in roster order."""
    if not reductions:
        return {name: np.zeros((0, h.n)) for name in OWN_SUMS}
    # in roster order already, as reduce_snapshot makes them: put in it only when not
    owns = [
        r.own if r.own.index.equals(h.index) else r.own.reindex(h.index, fill_value=0)
        for r in reductions
    ]
    return {name: np.stack([own[name].to_numpy(np.float64) for own in owns]) for name in OWN_SUMS}


def _union_building(axis: _Axis, s: Mapping[str, np.ndarray], f: dict[str, np.ndarray]) -> None:
    """3.1 union building: the sums that are figures themselves, as they are, and their rates."""
    for name in OWN_SUMS:
        if name in BY_NAME:
            f[name] = s[name]
    f["coverage_rate"] = ratio(s["unionized"], s["enterprises"])
    f["membership_rate"] = ratio(s["members"], s["unionized_employees"])
    f["migrant_membership_rate"] = ratio(s["migrant_members"], s["migrant_workers"])
    f["dispatch_membership_rate"] = ratio(s["dispatch_members"], s["dispatch_workers"])
    f["female_membership_rate"] = ratio(s["female_members"], s["female_workers"])
    # over all unionized ones (3.1), but only where some of them said anything
    f["congress_rate"] = ratio(s["congress"], np.where(s["congress_given"] > 0, s["unionized"], 0))
    f["bargaining_rate"] = ratio(
        s["bargaining"], np.where(s["bargaining_given"] > 0, s["unionized"], 0)
    )
    f["new_members"] = s["members"] - shifted(s["members"], axis.prev)


def _target(h: Hierarchy, axis: _Axis, targets: pd.DataFrame, column: str) -> np.ndarray:
    """A target column of targets.csv for each period's year, per unit (periods, units)."""
    if not axis.n:
        return np.zeros((0, h.n))
    by_year = _targets(h, targets, sorted({p.year for p in axis.periods}), column)
    return np.stack([by_year[p.year] for p in axis.periods])


def _target_figures(
    h: Hierarchy,
    axis: _Axis,
    targets: pd.DataFrame,
    s: Mapping[str, np.ndarray],
    f: dict[str, np.ndarray],
) -> None:
    """3.2 targets and schedule, and 3.6 members gained this year against their target."""
    elapsed = axis.elapsed
    f["elapsed"] = np.broadcast_to(elapsed, (axis.n, h.n)).copy()
    f["target_new_unions"] = _target(h, axis, targets, "new_unions")
    f["target_new_members"] = _target(h, axis, targets, "new_members")
    f["target_completion"] = ratio(s["ytd_new_unions"], f["target_new_unions"])
    f["schedule_rate"] = ratio(f["target_completion"], elapsed)
    # 3.6: members gained since the end of the previous year (its last period of this cadence;
    # null when that period is not in the project), against the new-members target.
    f["ytd_new_members"] = s["members"] - shifted(s["members"], axis.year_end)
    f["members_completion"] = ratio(f["ytd_new_members"], f["target_new_members"])
    f["members_schedule_rate"] = ratio(f["members_completion"], elapsed)


def _all_campaign_figures(
    h: Hierarchy,
    axis: _Axis,
    campaigns: Mapping[str, pd.DataFrame],
    targets: pd.DataFrame,
    f: dict[str, np.ndarray],
) -> None:
    """3.5: every campaign's counts, and where it has a target, its completion and schedule."""
    for key, campaign in CAMPAIGNS.items():
        frame = campaigns.get(key)
        frame = empty_frame(campaign.roster) if frame is None else frame
        _campaign_figures(h, axis.periods, campaign, frame, f)
        if campaign.target is not None:
            f[f"target_{key}"] = _target(h, axis, targets, campaign.target)
            f[f"{key}_completion"] = ratio(f[f"{key}_ytd_new"], f[f"target_{key}"])
            f[f"{key}_schedule_rate"] = ratio(f[f"{key}_completion"], axis.elapsed)


def _comparisons(axis: _Axis, f: dict[str, np.ndarray]) -> None:
    """Changes against the previous period and against the same period last year."""
    for name in ("coverage_rate", "membership_rate", "unionized", "members"):
        f[f"{name}_change"] = f[name] - shifted(f[name], axis.prev)
        f[f"{name}_yoy_change"] = f[name] - shifted(f[name], axis.yoy)


def _key_area_figures(
    h: Hierarchy, axis: _Axis, reductions: list[PeriodReduction], f: dict[str, np.ndarray]
) -> dict[str, pd.DataFrame]:
    """3.7 key areas and groups rolled up per period, and the federations counted per unit."""
    rolled = {
        key: key_areas.roll_groups(h, r.groups, r.federations)
        for key, r in zip(axis.keys, reductions, strict=True)
    }
    counts = [key_areas.federation_counts(h, rolled[key]) for key in axis.keys]
    f["federations"] = np.stack(counts) if axis.n else np.zeros((0, h.n))
    return rolled


def _given_counts(
    h: Hierarchy, given: Mapping[str, np.ndarray], f: dict[str, np.ndarray], elapsed: np.ndarray
) -> None:
    """Counts given by the members of a level above, rolled up, and the rates made of them."""
    for name, own in given.items():
        f[name] = h.roll(own)
    if "ytd_new_members" in given:  # the members' own, summed: the rates made of them again
        f["members_completion"] = ratio(f["ytd_new_members"], f["target_new_members"])
        f["members_schedule_rate"] = ratio(f["members_completion"], elapsed)
    f["volunteer_coverage"] = ratio(
        f["volunteer_covered_townships"], f["volunteer_required_townships"]
    )
    f["volunteer_good_share"] = ratio(f["volunteers_good"], f["volunteers_graded"])
    for key, campaign in CAMPAIGNS.items():
        if campaign.target is not None:
            f[f"{key}_completion"] = ratio(f[f"{key}_ytd_new"], f[f"target_{key}"])
            f[f"{key}_schedule_rate"] = ratio(f[f"{key}_completion"], elapsed)


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
    hired = day_array(volunteers["hired_on"])
    left = day_array(volunteers["left_on"])
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
    f["volunteer_coverage"] = ratio(
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
    rosters.reviews.match_reviews): 编号 restart at 001 in every county. A review of nobody known
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
    f["volunteer_good_share"] = ratio(f["volunteers_good"], f["volunteers_graded"])


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
    day = day_array(frame[campaign.date])
    counts = np.ones(len(frame), dtype=bool)
    if campaign.counted is not None:
        column, value, _ = campaign.counted
        counts = bool_array(frame[column] == value)
    sums = [(name, int_array(frame[name])) for name, _, _ in campaign.sums]
    out: dict[str, list[np.ndarray]] = {key: [], f"{key}_new": []}
    if campaign.target is not None:
        out[f"{key}_ytd_new"] = []
    for name, _ in sums:
        out[name] = []
    for p in periods:
        counted = counts & within(day, None, p.end)
        out[key].append(h.count(pos, counted))
        out[f"{key}_new"].append(h.count(pos, counts & within(day, p.start, p.end)))
        if campaign.target is not None:
            out[f"{key}_ytd_new"].append(h.count(pos, counts & within(day, p.year_start, p.end)))
        for name, values in sums:
            out[name].append(h.count(pos, counted, values))
    for name, values_by_period in out.items():
        stacked = np.stack(values_by_period).astype(np.float64) if periods else np.zeros((0, h.n))
        f[name] = h.roll(stacked)


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
