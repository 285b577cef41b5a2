"""What every reader makes of a roster file: a grid of text cells, then a raw table of data rows
under the header row; and how a header row is found and matched to the spec's columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from generator.common.problems import Problem
from generator.rosters.specs import Roster
from generator.rosters.values import header_keys

#: Rows searched for the header row.
HEADER_SEARCH_ROWS = 30


@dataclass
class RawTable:
    """The data rows of a roster file: one text array per column, with headers as written."""

    file: str  # path relative to the project, e.g. data/2026-10/enterprises.xlsx
    headers: list[str]  # one per column, as written (a flattened two-row header joined by '/')
    columns: list[pa.Array | pa.ChunkedArray]  # text cells, null for empty cells
    rows: np.ndarray  # Excel row number of each data row (header row included in the count)
    header_row: int  # Excel row number of the (last) header row
    matched: list[str | None]  # the spec column each header matched, or None
    problems: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Grid:
    """Every non-empty-file row as text cells: the raw material both readers produce."""

    columns: list[pa.Array | pa.ChunkedArray]
    rows: np.ndarray
    #: Some bytes were not UTF-8 and were read as U+FFFD: the cells holding one are reported.
    lossy: bool = False
    #: (Excel row, column index) of formula cells without a stored value.
    formulas: list[tuple[int, int]] = field(default_factory=list)
    #: Problems found while reading (located by Excel row; the column is filled in later).
    problems: list[Problem] = field(default_factory=list)


def header_lookup(roster: Roster) -> dict[str, str]:
    """Map every matching key of every name and alias to the canonical column name."""
    lookup: dict[str, str] = {}
    for column in roster.columns:
        for text in (column.name, *column.aliases, column.title):
            for key in header_keys(text):
                lookup.setdefault(key, column.name)
    return lookup


def match_header(text: Any, lookup: dict[str, str]) -> str | None:
    """The canonical column a header names, or None."""
    if text is None:
        return None
    for key in header_keys(text):
        if key in lookup:
            return lookup[key]
    return None


def _row_score(cells: list[Any], lookup: dict[str, str]) -> int:
    return len({m for c in cells if (m := match_header(c, lookup)) is not None})


def _flatten(upper: list[Any], lower: list[Any], lookup: dict[str, str]) -> list[Any]:
    """Flatten a two-row header: per column, the lower, upper or joined text that matches."""
    filled: list[Any] = []
    last = None
    for cell in upper:
        # Read-only XLSX shows a merged cell as its value followed by empty cells.
        last = cell if cell is not None else last
        filled.append(last)
    out: list[Any] = []
    for up, fill, low in zip(upper, filled, lower, strict=True):
        joined = f"{fill}/{low}" if fill is not None and low is not None else None
        for candidate in (low, up, joined):
            if candidate is not None and match_header(candidate, lookup) is not None:
                out.append(candidate)
                break
        else:
            out.append(low if low is not None else up)
    return out


def find_header(head: list[list[Any]], lookup: dict[str, str]) -> tuple[int, int, list[Any]] | None:
    """Return (first header row, last header row, flattened headers) as 0-based grid rows."""
    scores: list[int] = []
    for row in head:
        scores.append(_row_score(row, lookup))
        # Two rows matching nothing after a header are data: no need to look further.
        if len(scores) >= 3 and max(scores[:-2]) > 0 and scores[-1] == scores[-2] == 0:
            break
    head = head[: len(scores)]
    if not scores or max(scores) == 0:
        return None
    best = scores.index(max(scores))
    choice = (best, best, list(head[best]))
    score = scores[best]
    for first in (best - 1, best):
        if first < 0 or first + 1 >= len(head):
            continue
        flat = _flatten(head[first], head[first + 1], lookup)
        flat_score = _row_score(flat, lookup)
        if flat_score > score:
            choice, score = (first, first + 1, flat), flat_score
    return choice
