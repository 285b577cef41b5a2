"""Problems of one table collected by frame position, and the small array helpers the checks
share: masks from Arrow arrays, values as a message shows them, duplicates of a column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from generator.common.problems import Problem
from generator.rosters import codes
from generator.rosters.codes import Code
from generator.rosters.grid import RawTable
from generator.rosters.specs import Column
from generator.rosters.values import _null_mask as _null_mask  # the checks import it from here


@dataclass
class _Pending:
    code: Code
    index: int | None  # position in the frame, None for a header-level problem
    column: str  # header as written
    value: Any
    fields: dict[str, Any]


class Collector:
    """Problems of one table, located by frame position and resolved to Excel rows at the end."""

    def __init__(self, raw: RawTable) -> None:
        self.raw = raw
        self.pending: list[_Pending] = []
        self.headers: dict[str, str] = {}  # canonical column -> header as written
        self.labels: dict[str, str] = {}  # header as written -> Chinese title, for messages
        self.absent: dict[str, np.ndarray] = {}  # column -> cells empty or a missing marker
        self.findings: dict[str, Any] = {}  # column -> findings computed in the column pass
        self.floats: dict[str, np.ndarray] = {}  # numeric column -> float64 values, NaN missing

    def header(self, column: Column) -> str:
        return self.headers.get(column.name, column.title)

    def add(
        self, code: Code, index: int | None, column: str, value: Any = "", **fields: Any
    ) -> None:
        self.pending.append(_Pending(code, index, column, value, fields))

    def add_mask(
        self,
        code: Code,
        mask: np.ndarray,
        column: str,
        values: pa.Array | Sequence[Any] | None,
        **fields: Any,
    ) -> None:
        """One problem per True cell of mask; `fields` may hold per-row sequences (by position)."""
        index = np.flatnonzero(mask)
        if not len(index):
            return
        if values is None:
            shown: list[Any] = [""] * len(index)
        elif isinstance(values, pa.Array | pa.ChunkedArray):
            shown = values.take(pa.array(index)).to_pylist()
        else:
            shown = [values[i] for i in index.tolist()]
        per_row = {k: v for k, v in fields.items() if isinstance(v, np.ndarray | list)}
        fixed = {k: v for k, v in fields.items() if k not in per_row}
        for n, i in enumerate(index):
            extra = {k: _show(v[i]) for k, v in per_row.items()}
            self.pending.append(_Pending(code, int(i), column, _show(shown[n]), {**fixed, **extra}))

    def resolve(self, county_of_index: Any = None) -> list[Problem]:
        """The Problems, with Excel rows and counties."""
        out = []
        for p in self.pending:
            row = int(self.raw.rows[p.index]) if p.index is not None else self.raw.header_row
            if p.code.name in ("W-UNKNOWN-COLUMN", "E-COLUMN-MISSING", "E-COLUMN-DUPLICATE"):
                row = self.raw.header_row
            county = (
                county_of_index(p.index) if county_of_index and p.index is not None else ("", "")
            )
            label = self.labels.get(p.column)
            out.append(
                p.code.problem(self.raw.file, row, p.column, p.value, county, label, **p.fields)
            )
        return out


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp | np.datetime64):
        return str(pd.Timestamp(value).date())
    if hasattr(value, "isoformat") and not isinstance(value, str):
        try:
            return str(value.date())  # datetime -> date
        except AttributeError:
            return str(value.isoformat())
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def _np_int(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, 0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _np_mask(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _unique(
    values: pa.Array | pd.Series,
    out: Collector,
    header: str,
    candidates: np.ndarray | None = None,
) -> None:
    """E-DUPLICATE on every occurrence of a value seen twice (among `candidates` positions)."""
    if candidates is not None:
        if not len(candidates):
            return
        assert isinstance(values, pa.Array)
        positions = candidates
        values = values.take(pa.array(candidates))
    else:
        positions = np.arange(len(values))
    if isinstance(values, pa.Array):
        # One hash pass answers the usual case: no value twice.
        if pc.count_distinct(values).as_py() == len(values) - values.null_count:
            return
        values = values.to_pandas()
    series = pd.Series(values)
    present = series.notna().to_numpy()
    dup = series.duplicated(keep=False).to_numpy() & present
    if not dup.any():
        return
    excel_rows = out.raw.rows
    groups: dict[Any, list[int]] = {}
    for pos in np.flatnonzero(dup).tolist():
        groups.setdefault(series.iloc[pos], []).append(int(positions[pos]))
    for value, index in groups.items():
        shown = "、".join(str(excel_rows[i]) for i in index[:10]) + ("…" if len(index) > 10 else "")
        for k in index:
            out.add(codes.E_DUPLICATE, k, header, value, rows=shown)
