"""Checks made over whole columns give what the row-by-row code they replace gave.

Each vectorised rule is compared with a plain Python version of what it replaced, kept here as
the reference, on rows of the test corpus's projects and on rows built to hit its edge cases.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from generator.rosters.load import _county_digests


def _digests(table: pa.Table, groups: list[int]) -> list[str]:
    codes = np.asarray(groups, dtype=np.int32)
    return [digest for digest, _rows in _county_digests(table, codes, max(groups) + 1)]


def test_a_countys_digest_depends_on_its_rows_only() -> None:
    rows_a = {"uscc": ["A1", None, "A3"], "n": [1, None, 3], "d": [True, None, False]}
    rows_b = {"uscc": ["B1", "B2"], "n": [None, 5], "d": [False, True]}
    grouped = pa.table({k: rows_a[k] + rows_b[k] for k in rows_a})
    # The same rows of each county, interleaved with the other county's and after a null.
    mixed = pa.table(
        {k: [rows_b[k][0], *rows_a[k][:2], rows_b[k][1], rows_a[k][2]] for k in rows_a}
    )
    first, second = _digests(grouped, [0, 0, 0, 1, 1])
    b_first, a_second = _digests(mixed, [0, 1, 1, 0, 1])
    assert (first, second) == (a_second, b_first)
    # Any cell changed, an empty text made a null, or rows swapped: another digest.
    changed = pa.table({**rows_a, "n": [1, None, 4]})
    assert _digests(changed, [0, 0, 0]) != [first]
    emptied = pa.table({**rows_a, "uscc": ["A1", "", "A3"]})
    assert _digests(emptied, [0, 0, 0]) != [first]
    swapped = pa.table({k: list(reversed(v)) for k, v in rows_a.items()})
    assert _digests(swapped, [0, 0, 0]) != [first]
    # Each county's row count comes with its digest.
    assert [rows for _d, rows in _county_digests(mixed, np.array([0, 1, 1, 0, 1]), 2)] == [2, 3]
