"""Stage 2, inspections (督查, CONTRACT §3.8): a period's visits and overdue rectifications.

Pure functions on the typed `data/inspections.*` roster; no I/O. Everything here is internal:
the inspectors' names and the findings never reach the public model.
"""

from __future__ import annotations

import pandas as pd

from generator.common.periods import Period


def _days(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column], errors="coerce").dt.normalize()


def held_in(inspections: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The inspections dated in the period, by date and unit."""
    day = _days(inspections, "date")
    mask = (day >= pd.Timestamp(period.start)) & (day <= pd.Timestamp(period.end))
    return _sorted(inspections[mask.fillna(False)])


def overdue_at(inspections: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Rectifications due on or before the period's end and not done by then (整改逾期)."""
    end = pd.Timestamp(period.end)
    deadline = _days(inspections, "deadline")
    done = _days(inspections, "rectified_on")
    due = (deadline <= end).fillna(False)
    outstanding = done.isna() | (done > end).fillna(False)
    dated = (_days(inspections, "date") <= end).fillna(False)
    return _sorted(inspections[due & outstanding & dated])


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.assign(_day=_days(frame, "date"))
    out = out.sort_values(["_day", "unit"], kind="stable").drop(columns="_day")
    return out.reset_index(drop=True)
