"""Stage 2: the figures of CONTRACT §3, from the typed roster DataFrames.

`reduce_snapshot` reduces one period's enterprise ledger to sums per unit code and the period's
priority ledger (figures.ledger), so that only one snapshot need be alive at a time
(province-sized projects); `compute_figures` (figures.compute) rolls the sums up the hierarchy
(figures.hierarchy) and derives rates, targets, comparisons, scores and ranks (figures.score) and
judgments (figures.judgments) for every period at once, as arrays of shape (periods, units).
No I/O; the only text made here is the Chinese reason of each judgment and warning.

This module is the stage's front: the build imports it alone, and only when it has figures to
redo (cli.LAZY_IMPORTS), and the cache names `PeriodReduction` by it; it gives every name of the
stage the rest of the project uses.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from generator.common.config import Config
from generator.common.periods import Period
from generator.figures import key_areas
from generator.figures.columns import (
    LEDGER_COLUMNS,
    MISSING,
    OWN_SUMS,
    STALLED_PERIODS,
)
from generator.figures.compute import (
    GOOD_GRADES,
    INDICATOR_DTYPES,
    Figures,
    compute_figures,
    project_figures,
)
from generator.figures.hierarchy import (
    Hierarchy,
    bool_array,
    day_array,
    int_array,
    iso_dates,
    optional_column,
    within,
)
from generator.figures.judgments import (
    COMPLETIONS,
    JUDGMENT_COLUMNS,
    NEW_UNION_METRICS,
    SCHEDULE_OF,
    SCHEDULE_QUOTED_UP_TO,
    SCHEDULE_TARGETS,
    UNDECIDED_WARNING,
    Standing,
    amount_due,
    fair_rule,
    judgment_reason,
    metric_fact,
    volunteer_deadline_of,
)
from generator.figures.ledger import ledger_table, looked_up, no_dormant, priority_changes
from generator.figures.score import SCORE_WARNING, all_unionized, competition_rank
from generator.rosters.read import in_background

__all__ = [
    "COMPLETIONS",
    "FEDERATION_FORMS",
    "GOOD_GRADES",
    "INDICATOR_DTYPES",
    "JUDGMENT_COLUMNS",
    "LEDGER_COLUMNS",
    "MISSING",
    "NEW_UNION_METRICS",
    "OWN_SUMS",
    "SCHEDULE_OF",
    "SCHEDULE_QUOTED_UP_TO",
    "SCHEDULE_TARGETS",
    "SCORE_WARNING",
    "STALLED_PERIODS",
    "UNDECIDED_WARNING",
    "Figures",
    "Hierarchy",
    "PeriodReduction",
    "Standing",
    "all_unionized",
    "amount_due",
    "competition_rank",
    "compute_figures",
    "fair_rule",
    "iso_dates",
    "judgment_reason",
    "metric_fact",
    "project_figures",
    "reduce_snapshot",
    "volunteer_deadline_of",
]

FEDERATION_FORMS = key_areas.FEDERATION_FORMS


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
    dormant: pd.DataFrame = field(default_factory=no_dormant)

    @property
    def priority(self) -> pd.DataFrame:
        """The priority enterprises at the end of the period (what the next period compares)."""
        return self.ledger[self.ledger["state"] == "open"]


# --- stage 2a: one snapshot -----------------------------------------------------------------------


def _libc_malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, where the C library has one."""
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):  # no C library to load by name (Windows)
        return None


_MALLOC_TRIM = _libc_malloc_trim()


def _give_back_memory() -> None:
    """Return what was freed to the system: Arrow's pool and the C heap both keep it."""
    pa.default_memory_pool().release_unused()
    # numpy's arrays of a million rows (a dozen MB each) come from the C heap, which keeps
    # them once freed (some 500 MB after a province period): kept, they stack on the next
    # period's read, whose Arrow buffers come from another pool.
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


P = ParamSpec("P")
R = TypeVar("R")


def _memory_given_back(reduce: Callable[P, R]) -> Callable[P, R]:
    """`reduce` with what was freed given back after it: its own working arrays and the read's
    parsing buffers, so that neither stacks on what the next period's read takes. Once a
    period, not also before it: what the read freed is given back with the rest (the reduction
    reuses the C heap's free memory meanwhile), and the peak stays that of the read."""

    @functools.wraps(reduce)
    def given_back(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return reduce(*args, **kwargs)
        finally:
            _give_back_memory()

    return given_back


def _hashed_columns(e: pd.DataFrame) -> tuple[dict[str, key_areas.Numbered], np.ndarray]:
    """The key areas' categories (key_areas.dimension_codes) and each row's federation form."""
    forms = key_areas.form_numbers(optional_column(e, "union_form"))
    return key_areas.dimension_codes(e), forms


def _unit_positions(
    h: Hierarchy, units: pd.Series, numbered: tuple[np.ndarray, list[str]] | None
) -> np.ndarray:
    """Each row's unit as its position in the hierarchy (-1: unknown or missing), from the
    numbers the reader made when it has them."""
    if numbered is None or len(numbered[0]) != len(units):
        return h.positions(units)
    numbers, codes = numbered
    if codes == h.codes:
        return np.asarray(numbers, dtype=np.int64)
    # numbered among other codes: each of those placed in the hierarchy once
    placed = np.append(h.positions(pd.Series(codes, dtype="string")), -1)
    return placed[np.asarray(numbers, dtype=np.int64)]


@_memory_given_back
def reduce_snapshot(
    units: pd.DataFrame,
    enterprises: pd.DataFrame,
    period: Period,
    config: Config,
    previous: PeriodReduction | None,
    units_numbered: tuple[np.ndarray, list[str]] | None = None,
) -> PeriodReduction:
    """Reduce one period's ledger to sums per own unit code and the period's priority ledger.

    `units_numbered`, when the reader has it (Snapshot.units_numbered): each row's unit
    numbered among the codes given (-1: none of them), so that the column is not hashed again.
    """
    h = Hierarchy.of(units)
    e = enterprises
    compared = previous is not None and previous.period == period.previous()
    # The Arrow hashing left (each row's code among the previous ledger's, the categories of
    # the key areas, the federation forms) runs in the pool while the sums are counted here.
    where = (
        in_background(functools.partial(looked_up, e, previous), len(e))
        if previous is not None and compared
        else None
    )
    hashed = in_background(functools.partial(_hashed_columns, e), len(e))
    slot = _unit_positions(h, e["unit"], units_numbered) + 1  # 0: an unknown unit, dropped
    status = e["status"]
    active = np.asarray((status.isna() | (status == "存续")).to_numpy(dtype=bool, na_value=False))
    unionized_flag = bool_array(e["unionized"])
    unionized = active & unionized_flag
    employees = int_array(e["employees"])
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
    union_date = day_array(e["union_date"])
    big = (employees >= config.priority_min_employees) & e["employees"].notna().to_numpy(dtype=bool)
    priority = active & ~unionized_flag & big

    def total(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        # float weights times the mask: one pass, where np.where and bincount's cast were two
        sums = np.bincount(
            slot, weights=mask if weights is None else weights * mask, minlength=h.n + 1
        )[1:]
        return np.rint(sums).astype(np.int64)

    def count(name: str) -> np.ndarray:
        """A count column as float weights (a missing count is 0; sums stay exact)."""
        return np.asarray(e[name].to_numpy(dtype=np.float64, na_value=0.0))

    staff = employees.astype(np.float64)
    sums: dict[str, np.ndarray] = {
        "enterprises": total(active),
        "unionized": total(unionized),
        "employees": total(active, staff),
        "members": total(unionized, count("members")),
        "unionized_employees": total(unionized, staff),
        "migrant_workers": total(migrant_given, count("migrant_workers")),
        "migrant_members": total(migrant_given, count("migrant_members")),
        "dispatch_workers": total(dispatch_given, count("dispatch_workers")),
        "dispatch_members": total(dispatch_given, count("dispatch_members")),
        "female_workers": total(female_given, count("female_workers")),
        "female_members": total(female_given, count("female_members")),
        "congress": total(unionized & bool_array(e["workers_congress"])),
        "bargaining": total(unionized & bool_array(e["wage_bargaining"])),
        "congress_given": total(unionized & e["workers_congress"].notna().to_numpy(dtype=bool)),
        "bargaining_given": total(unionized & e["wage_bargaining"].notna().to_numpy(dtype=bool)),
        "new_unions": total(active & within(union_date, period.start, period.end)),
        "ytd_new_unions": total(active & within(union_date, period.year_start, period.end)),
        "qualifying": total(active & big),
        "priority_open": total(priority),
    }
    categories, forms = hashed.result()
    federated = unionized & (forms >= 0)
    sums["federation_enterprises"] = total(federated)
    sums["federation_employees"] = total(federated, staff)

    found = priority_changes(
        e,
        priority,
        unionized,
        active,
        previous if compared else None,
        where.result() if where is not None else None,
    )
    if found.changes is not None:
        added, closed, left = found.changes
        sums["priority_added"] = total(added)
        for name, part in (("priority_closed", closed), ("priority_left", left)):
            sums[name] = np.bincount(h.positions(part["unit"]) + 1, minlength=h.n + 1)[1:]
    else:
        for name in ("priority_added", "priority_closed", "priority_left"):
            sums[name] = np.zeros(h.n, dtype=np.int64)
    ledger, marked = ledger_table(found.ledger, h, period)
    sums.update(marked)
    own = pd.DataFrame({name: sums[name] for name in OWN_SUMS}, index=h.index)
    own.index.name = "code"
    numbered = (slot - 1, np.asarray(h.codes, dtype=object))
    groups, federations = key_areas.reduce_groups(
        e, slot > 0, active, unionized, numbered, staff, forms, categories
    )
    return PeriodReduction(
        period=period,
        own=own,
        ledger=ledger,
        compared=compared,
        groups=groups,
        federations=federations,
        dormant=found.dormant,
    )
