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
    arrow_strings,
    index_in,
    iso_dates,
    optional_column,
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


def _known_codes(previous: PeriodReduction, to: pa.DataType) -> pa.Array:
    """The codes of the previous ledger, then of the dormant enterprises, as Arrow text."""
    before, away = previous.priority["uscc"], previous.dormant["uscc"]
    return pa.concat_arrays([arrow_strings(before).cast(to), arrow_strings(away).cast(to)])


def looked_up(e: pd.DataFrame, previous: PeriodReduction) -> np.ndarray:
    """Each row's position among the previous ledger's codes, then the dormant ones (-1: not
    there, or no code: never matched), for priority_changes."""
    uscc = arrow_strings(e["uscc"])
    return index_in(uscc, _known_codes(previous, uscc.type))


def priority_changes(
    e: pd.DataFrame,
    priority: np.ndarray,
    unionized: np.ndarray,
    active: np.ndarray,
    previous: PeriodReduction | None,
    where: np.ndarray | None = None,
) -> PriorityChanges:
    """The open rows, and against the previous period (when given) the rows closed and left
    and the enterprises missing from the ledger (dormant); `where`: looked_up, when the caller
    has worked it out."""
    open_rows = _priority_rows(e, np.flatnonzero(priority), "open")
    if previous is None:
        return PriorityChanges(open_rows, no_dormant())
    before = previous.priority.reset_index(drop=True)
    away = previous.dormant.reset_index(drop=True)
    # Every enterprise of the ledger looked up once among those of the previous ledger, then
    # dormant (a province ledger has a million rows, these some ten thousand): `where` is the
    # position of its code's first row there. Each of those looked up once among themselves,
    # so that "is it in the snapshot / among those gone" is a mark at that first row, read
    # back for each (a code twice in the previous ledger is the same enterprise twice).
    if where is None:
        where = looked_up(e, previous)
    known_uscc = _known_codes(previous, pa.large_string())
    n_before, n_known = len(before), len(known_uscc)
    first = index_in(known_uscc, known_uscc)
    found = where >= 0
    was = found & (where < n_before)
    # Back after missing from one or more ledgers: open again, its count going on from
    # where it stood (the periods it was missing are not known to be open: not counted).
    back = priority & ~was & (where >= n_before)
    open_rows["added"] = ~(was | back)[priority]
    # Open again: one period more than it had been open at the end of the previous one.
    earlier = np.concatenate(
        [
            before["open_periods"].to_numpy(dtype=np.int64, na_value=1),
            away["open_periods"].to_numpy(dtype=np.int64, na_value=1),
        ]
    )
    again = where[priority][~open_rows["added"].to_numpy(dtype=bool)]
    open_rows.loc[~open_rows["added"], "open_periods"] = earlier[again] + 1

    def marked(rows: np.ndarray) -> np.ndarray:
        """Per previous row: whether a row of `rows` has its code (no code: never)."""
        marks = np.zeros(n_known + 1, dtype=bool)
        marks[where[rows]] = True
        marks[-1] = False  # first == -1: a row without a code
        return marks[first]

    # Closed: unionized now; the reason it was not is kept from the previous ledger.
    closing = np.flatnonzero(was & unionized)
    closed = _priority_rows(e, closing, "closed")
    at = where[closing]  # the first row of each code in the previous ledger
    closed["reason"] = before["reason"].to_numpy(dtype=object)[at]
    closed["open_periods"] = before["open_periods"].to_numpy(dtype=np.int64, na_value=1)[at]

    # Left: no longer active (its status says why), or missing from the snapshot altogether.
    gone = np.flatnonzero(was & ~active)
    present = marked(np.flatnonzero(found))
    missing = ~present[:n_before]
    stopped = marked(gone)[:n_before]
    leaving = missing | stopped
    left = before.loc[leaving, list(open_rows.columns)].reset_index(drop=True)
    left["state"] = "left"
    left["added"] = False
    # the status of the first row gone with the code, by the first previous row of the code
    codes, first_gone = np.unique(where[gone], return_index=True)
    gone_row = np.full(n_known + 1, -1, dtype=np.int64)
    gone_row[codes] = first_gone
    statuses = np.append(e["status"].take(gone).to_numpy(dtype=object), MISSING)
    why = statuses[gone_row[first[:n_before][leaving]]]
    left["left_reason"] = np.where(missing[leaving], MISSING, why)

    # one without a code can never be recognised when it comes back: not kept as dormant
    gone_now = left.loc[
        (left["left_reason"] == MISSING) & left["uscc"].notna(), ["uscc", "open_periods"]
    ]
    still = away.loc[~present[n_before:], ["uscc", "open_periods"]]
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
