"""Inspections' rectification deadlines (整改期限) checked against China's official working days.

The inspectors set the deadline and the signed bulletin prints it (督查情况): one that falls on a
public holiday or a weekend that is no 调休 working day is pointed out, so that the office can
check it with the inspectors before the leader signs. Inspections of an issued period are a
record: nothing to act on.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.common.workdays import WorkCalendar
from generator.rosters import codes
from generator.rosters.ledger import relative
from generator.rosters.read import roster_files
from generator.rosters.specs import INSPECTIONS
from generator.rosters.units import UnitTree


def deadlines_off(
    root: Path,
    inspections: pd.DataFrame,
    calendar: WorkCalendar,
    periods: list[Period],
    index: UnitTree,
) -> list[Problem]:
    """W-INSPECTION-DEADLINE-OFF for each open inspection whose 整改期限 is no working day."""
    readable = roster_files(ProjectPaths(root).data, INSPECTIONS.name)
    if inspections.empty or not readable:
        return []
    file = relative(root, readable[0])  # the roster read (read_roster reads the first)
    issued = [p for p in periods if (ProjectPaths(root).issued / str(p)).is_dir()]
    header = INSPECTIONS.column("deadline").title
    out = []
    rows = zip(
        inspections["_row"],
        inspections["date"],
        inspections["deadline"],
        inspections["rectified_on"],
        inspections["unit"],
        strict=True,
    )
    for row, inspected, deadline, rectified, unit in rows:
        if pd.isna(deadline) or not pd.isna(rectified):
            continue  # no deadline, or rectified: the deadline is history
        day = pd.Timestamp(deadline).date()
        if calendar.is_workday(day):
            continue
        if not pd.isna(inspected) and any(
            p.contains(pd.Timestamp(inspected).date()) for p in issued
        ):
            continue
        holiday = calendar.holiday_name(day)
        said = f"放假日（{holiday}）" if holiday else f"星期{'六' if day.weekday() == 5 else '日'}"
        county = index.county.get(str(unit), "") if isinstance(unit, str) else ""
        out.append(
            codes.W_INSPECTION_DEADLINE_OFF.problem(
                file, int(row), header, day.isoformat(), (county, ""), holiday=said
            )
        )
    return out
