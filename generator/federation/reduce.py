"""The level above's figures: its members' additive counts as the city pipeline's per-unit sums.

Only counts travel up (CONTRACT §7): every rate, score, rank and judgment of the level above is
computed again from the summed counts by `figures.compute_figures`, exactly as a city computes
them from its enterprises, never by averaging the members' rates. Each member is a unit of the
level above; the level above is the root, its figures the sums of its members'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from generator.common.config import Config
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.common.record import (
    CountyReport,
    in_zone,
    read_receipts,
    report_deadline,
    wall_text,
)
from generator.federation.package import MemberPackage, period_packages
from generator.federation.roster import Members, read_members
from generator.figures import key_areas
from generator.figures.indicators import BY_NAME, COUNT, DELTA
from generator.figures.reduce import (
    LEDGER_COLUMNS,
    OWN_SUMS,
    Figures,
    Hierarchy,
    PeriodReduction,
    compute_figures,
)
from generator.rosters import codes
from generator.rosters.specs import CAMPAIGNS, TARGETS, VOLUNTEERS
from generator.rosters.validate import empty_frame

#: The per-unit sums the city pipeline reduces a ledger to, and the member figure each is
#: read from. Counts the level above does not have are 0 (qualifying enterprises only decide a
#: township's need of a volunteer, which the member has already decided).
SUMMED = {name: name for name in OWN_SUMS if name != "qualifying"}

#: Counts the members give that the level above has no roster of: volunteers and their reviews,
#: federations, and every campaign count (CONTRACT §7). They replace what its rosters would give.
GIVEN = (
    "volunteers_active",
    "volunteer_required_townships",
    "volunteer_covered_townships",
    "volunteers_graded",
    "volunteers_good",
    "federations",
    *(
        name
        for c in CAMPAIGNS.values()
        for name in (
            c.key,
            f"{c.key}_new",
            *((f"{c.key}_ytd_new",) if c.target is not None else ()),
            *(column for column, _, _ in c.sums),
        )
    ),
)

#: Changes in members that each member measures against its own history (the previous period,
#: the previous year's end), which the level above may not hold yet: summed when every member
#: below a unit gives one, else null.
GIVEN_IF_KNOWN = ("new_members", "ytd_new_members")

#: Targets, by their targets.csv column -> the member figure that carries them.
TARGET_FIGURES = {
    "new_unions": "target_new_unions",
    "new_members": "target_new_members",
    **{c.target: f"target_{c.key}" for c in CAMPAIGNS.values() if c.target is not None},
}


@dataclass
class Level:
    """A province or national project's members, their packages and the figures made of them."""

    members: Members
    periods: list[Period]
    packages: dict[str, dict[str, MemberPackage]]  # period -> member code -> package
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # period -> problems
    reporting: dict[str, list[CountyReport]] = field(default_factory=dict)  # 报送情况
    figures: Figures | None = None


def _count(figures: dict[str, Any], name: str) -> float:
    value = figures.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def member_periods(root: Path, config: Config) -> list[Period]:
    """The period folders of the project (data/YYYY-MM or YYYY-Qn of its cadence), sorted."""
    folder = ProjectPaths(root).data
    found = []
    for path in folder.iterdir() if folder.is_dir() else ():
        if path.is_dir() and Period.is_period_name(path.name):
            period = Period.parse(path.name)
            if period.cadence == config.cadence:
                found.append(period)
    return sorted(found)


def _reporting(
    root: Path, period: Period, config: Config, members: Members, got: dict[str, MemberPackage]
) -> list[CountyReport]:
    """报送情况 of each member: when its package arrived against the reporting deadline."""
    deadline = report_deadline(period, config.report_deadline)
    folder = ProjectPaths(root).period(period)
    arrived: dict[str, datetime | None] = {}
    sent_as: dict[str, str] = {}  # the member's own name of its package
    zone = config.zone  # the deadline is a day on the project's clock
    for receipt in read_receipts(folder, zone=zone):
        for code in receipt.counties:
            arrived.setdefault(code, receipt.received_at)
            sent_as.setdefault(code, receipt.source)
    out = []
    for code, name in members.names.items():
        package = got.get(code)
        when = arrived.get(code) if package is not None else None
        if package is None:
            state, status, days = "not_reported", "未报送", None
        elif when is None:
            state, status, days = "unknown", "收到时间不详", None
        elif in_zone(when, zone).date() <= deadline:
            state, status, days = "on_time", "按时报送", 0
        else:
            days = (in_zone(when, zone).date() - deadline).days
            state, status = "late", f"逾期{days}天"
        out.append(
            CountyReport(
                code=code,
                name=name,
                files=(
                    [sent_as.get(code) or Path(package.file).name] if package is not None else []
                ),
                received_at=[wall_text(when, zone)] if package is not None else [],
                received=wall_text(when, zone),
                deadline=deadline.isoformat(),
                state=state,
                status=status,
                days_late=days,
            )
        )
    return out


def _reduction(h: Hierarchy, period: Period, got: dict[str, MemberPackage]) -> PeriodReduction:
    """One period's members as the per-unit sums a city's ledger reduces to."""
    where = {code: i for i, code in enumerate(h.codes)}
    sums = np.zeros((h.n, len(OWN_SUMS)), dtype=np.int64)
    columns = [(j, SUMMED.get(name)) for j, name in enumerate(OWN_SUMS)]
    for code, package in got.items():
        i = where.get(code)
        if i is not None:
            for j, figure in columns:
                if figure is not None:
                    sums[i, j] = round(_count(package.figures, figure))
    own = pd.DataFrame(sums, index=h.index, columns=list(OWN_SUMS))
    own.index.name = "code"
    ledger = pd.DataFrame({name: pd.Series(dtype="object") for name in LEDGER_COLUMNS})
    return PeriodReduction(
        period=period,
        own=own,
        ledger=ledger,
        compared=True,
        groups=key_areas.empty_groups(),
        federations=key_areas.empty_federations(),
    )


def _targets(packages: dict[str, dict[str, MemberPackage]]) -> pd.DataFrame:
    """The members' targets as a targets roster: per year, each member's latest stated."""
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for key in sorted(packages):
        year = Period.parse(key).year
        for code, package in packages[key].items():
            row = {"year": year, "unit": code}
            for column, figure in TARGET_FIGURES.items():
                value = package.figures.get(figure)
                row[column] = None if value is None else int(value)
            rows[(year, code)] = row
    frame = empty_frame(TARGETS)
    if not rows:
        return frame
    values = list(rows.values())
    out = pd.DataFrame(
        {
            "year": pd.array([r["year"] for r in values], dtype="Int64"),
            "unit": pd.array([r["unit"] for r in values], dtype="string"),
        }
    )
    for column in TARGET_FIGURES:
        out[column] = pd.array([r[column] for r in values], dtype="Int64")
    for column in frame.columns:
        if column == "_row":
            out[column] = np.zeros(len(out), dtype=np.int64)
        elif column not in out:
            out[column] = pd.Series([pd.NA] * len(out), dtype=frame[column].dtype)
    return out


def _given(
    h: Hierarchy, keys: list[str], packages: dict[str, dict[str, MemberPackage]]
) -> dict[str, np.ndarray]:
    """Per period and unit, the members' counts the level above has no roster of."""
    out = {name: np.zeros((len(keys), h.n)) for name in GIVEN}
    # each unit's own value is 0 (the level has no rows of its own): a member's null (no
    # history of its own yet) makes its sums null, never a smaller number
    out.update({name: np.zeros((len(keys), h.n)) for name in GIVEN_IF_KNOWN})
    where = {code: i for i, code in enumerate(h.codes)}
    for p, key in enumerate(keys):
        for code, package in packages.get(key, {}).items():
            i = where.get(code)
            if i is None:
                continue
            for name in GIVEN:
                out[name][p, i] = _count(package.figures, name)
            for name in GIVEN_IF_KNOWN:
                value = package.figures.get(name)
                known = isinstance(value, int | float) and not isinstance(value, bool)
                out[name][p, i] = value if known else np.nan
    return out


def read_level(root: Path, config: Config, upto: Period | None = None) -> Level:
    """Read a province or national project: its members, every period's packages, verified."""
    members = read_members(root, config.level)
    periods = [p for p in member_periods(root, config) if upto is None or p <= upto]
    level = Level(members, periods, {})
    for period in periods:
        key = str(period)
        got, problems = period_packages(root, period, members.names)
        for code, name in members.names.items():
            if code not in got and not any(p.county == code for p in problems):
                problems.append(
                    codes.E_MEMBER_MISSING.problem(
                        f"data/{key}/",
                        None,
                        value=code,
                        county=(code, name),
                        member=f"{name}（{code}）",
                        period=key,
                        example=(
                            f'bulletin intake {key} {name}-{key}.zip --received "YYYY-MM-DD HH:MM"'
                        ),
                    )
                )
        level.packages[key] = got
        level.problems[key] = [*members.problems, *problems]
        level.reporting[key] = _reporting(root, period, config, members, got)
    _apply_corrections(level.packages)
    return level


def _number(text: Any) -> int | None:
    digits = str(text).replace(",", "").replace("，", "").strip()
    return int(digits) if digits.lstrip("-").isdigit() else None


def _apply_corrections(packages: dict[str, dict[str, MemberPackage]]) -> None:
    """A member's later bulletin corrects counts of its earlier issued ones (its 更正说明):
    the earlier period's counts of that member are taken as corrected, the latest correction
    last, so that the level above's figures of that period change as the member's did."""
    for key in sorted(packages, key=Period.parse):
        for code, package in packages[key].items():
            for item in package.corrections:
                if not isinstance(item, dict) or item.get("unit") != code:
                    continue
                earlier = packages.get(str(item.get("period", "")), {}).get(code)
                indicator = BY_NAME.get(str(item.get("figure", "")))
                value = _number(item.get("corrected"))
                if earlier is None or indicator is None or value is None:
                    continue
                if indicator.kind in (COUNT, DELTA) and Period.parse(earlier.period) < Period.parse(
                    key
                ):
                    earlier.figures = {**earlier.figures, indicator.name: value}


def level_figures(level: Level, config: Config) -> Figures:
    """Every figure of the members and the level above, from the members' counts."""
    units = level.members.units
    h = Hierarchy(units)
    keys = [str(p) for p in level.periods]
    reductions = [_reduction(h, p, level.packages[str(p)]) for p in level.periods]
    campaigns = {key: empty_frame(c.roster) for key, c in CAMPAIGNS.items()}

    figures = compute_figures(
        reductions,
        config,
        units=units,
        targets=_targets(level.packages),
        volunteers=empty_frame(VOLUNTEERS),
        campaigns=campaigns,
        reporting=level.reporting,
        given=_given(h, keys, level.packages),
    )
    level.figures = figures
    return figures
