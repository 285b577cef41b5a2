"""The priority ledger of a period (CONTRACT 3.8): open, closed and left priority enterprises,
compared with the previous period's, with their overdue and stalled flags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from generator.common.periods import Period
from generator.figures.columns import LEDGER_COLUMNS, MISSING, STALLED_PERIODS
from generator.figures.hierarchy import (
    Hierarchy,
    in_set,
    index_in,
    iso_dates,
    optional_column,
    str_array,
)

if TYPE_CHECKING:
    from generator.figures.reduce import PeriodReduction


@dataclass
class PriorityChanges:
    """A period's priority rows (open, and when compared: closed and left) before typing."""

    ledger: pd.DataFrame
    dormant: pd.DataFrame
    #: when compared: the enterprises newly open (a row mask), the rows closed and left
    changes: tuple[np.ndarray, pd.DataFrame, pd.DataFrame] | None = None


_CLEARED = ("progress", "responsible", "planned_on")


def _priority_rows(e: pd.DataFrame, rows: np.ndarray, state: str) -> pd.DataFrame:
    """The ledger rows of the enterprises at positions `rows`, in one state."""
    picked = e[["uscc", "name", "unit", "employees", "not_unionized_reason"]].take(rows)
    picked = picked.rename(columns={"not_unionized_reason": "reason"}).reset_index(drop=True)
    picked["state"] = state
    picked["added"] = False
    picked["left_reason"] = ""
    for name in _CLEARED:
        if name != "planned_on":  # a date, written as ISO text below
            picked[name] = optional_column(e, name).take(rows).array
    picked["planned_on"] = iso_dates(optional_column(e, "planned_on").take(rows))
    picked["open_periods"] = 1
    return picked


def priority_changes(
    e: pd.DataFrame,
    priority: np.ndarray,
    unionized: np.ndarray,
    active: np.ndarray,
    previous: PeriodReduction | None,
) -> PriorityChanges:
    """The open rows, and against the previous period (when given) the rows closed and left
    and the enterprises missing from the ledger (dormant)."""
    open_rows = _priority_rows(e, np.flatnonzero(priority), "open")
    if previous is None:
        return PriorityChanges(open_rows, no_dormant())
    before = previous.priority.reset_index(drop=True)
    away = previous.dormant.reset_index(drop=True)
    # The ledger's enterprises looked up once among those of the previous ledger or dormant
    # (a province ledger has a million rows, the priority ones some ten thousand); only the
    # rows found are looked up again, in each of the two.
    uscc = str_array(e["uscc"])
    either = pa.chunked_array([str_array(before["uscc"]), str_array(away["uscc"])], pa.string())
    seen = np.flatnonzero(in_set(uscc, either.combine_chunks()))
    seen_uscc = uscc.take(seen)
    was = np.zeros(len(e), dtype=bool)
    was[seen] = in_set(seen_uscc, before["uscc"])
    # Back after missing from one or more ledgers: open again, its count going on from
    # where it stood (the periods it was missing are not known to be open: not counted).
    came_back = np.zeros(len(e), dtype=bool)
    came_back[seen] = in_set(seen_uscc, away["uscc"])
    back = priority & ~was & came_back
    open_rows["added"] = ~(was | back)[priority]
    # Open again: one period more than it had been open at the end of the previous one.
    known = pd.concat([before[["uscc", "open_periods"]], away], ignore_index=True)
    where_before = index_in(open_rows["uscc"][~open_rows["added"]], known["uscc"])
    earlier = known["open_periods"].to_numpy(dtype=np.int64, na_value=1)
    open_rows.loc[~open_rows["added"], "open_periods"] = earlier[where_before] + 1

    # Closed: unionized now; the reason it was not is kept from the previous ledger.
    closed = _priority_rows(e, np.flatnonzero(was & unionized), "closed")
    where = index_in(closed["uscc"], before["uscc"])
    closed["reason"] = np.append(before["reason"].to_numpy(dtype=object), "")[where]
    closed["open_periods"] = before["open_periods"].to_numpy(dtype=np.int64, na_value=1)[where]

    # Left: no longer active (its status says why), or missing from the snapshot altogether.
    gone = e[["uscc", "status"]].take(np.flatnonzero(was & ~active))
    missing = ~in_set(before["uscc"], uscc.filter(was))
    stopped = in_set(before["uscc"], gone["uscc"])
    left = before.loc[missing | stopped, list(open_rows.columns)].reset_index(drop=True)
    left["state"] = "left"
    left["added"] = False
    statuses = np.append(gone["status"].to_numpy(dtype=object), MISSING)
    why = statuses[index_in(left["uscc"], gone["uscc"])]
    left["left_reason"] = np.where(missing[missing | stopped], MISSING, why)

    # one without a code can never be recognised when it comes back: not kept as dormant
    gone_now = left.loc[
        (left["left_reason"] == MISSING) & left["uscc"].notna(), ["uscc", "open_periods"]
    ]
    still = away.loc[~in_set(away["uscc"], seen_uscc), ["uscc", "open_periods"]]
    dormant = pd.concat([gone_now, still], ignore_index=True).astype(
        {"uscc": "string", "open_periods": "int64"}
    )
    ledger = pd.concat([open_rows, closed, left], ignore_index=True)
    return PriorityChanges(ledger, dormant, (priority & ~(was | back), closed, left))


def ledger_table(
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


def no_dormant() -> pd.DataFrame:
    return pd.DataFrame(
        {"uscc": pd.Series(dtype="string"), "open_periods": pd.Series(dtype="int64")}
    )
