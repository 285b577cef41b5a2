"""Checks made over whole columns give what the row-by-row code they replace gave.

Each vectorised rule is compared with a plain Python version of what it replaced, kept here as
the reference, on rows of the test corpus's projects and on rows built to hit its edge cases.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import Project
from corpus.cases import CASES

from generator.config import load_config
from generator.rosters.load import (
    Snapshot,
    _county_digests,
    _named_rows,
    first_file_by_county,
    load_project,
    read_snapshot,
)
from generator.rosters.units import UnitTree

REPO = Path(__file__).resolve().parent.parent

#: The corpus cases whose projects the comparisons read: every way of breaking the ledger, the
#: unit roster or the volunteer rosters that still leaves rows to check.
CORPUS = [
    c.name
    for c in CASES
    if c.name.startswith(("uscc-", "unit-", "units-", "employees-", "members-", "volunteer-"))
    or c.name.startswith(("union-date-", "migrant-", "dispatch-", "review-", "team-"))
    or c.name
    in ("enterprise-gone", "many-errors", "blank-rows-then-error-row", "priority-without-reason")
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Any, list[Snapshot]]]:
    """(project data, every period's snapshot) of the corpus cases above and of the demo city's
    last period (a file per county)."""
    folder = tmp_path_factory.mktemp("vectorised")
    base = Project(folder / "base").root
    out = []
    for case in CASES:
        if case.name not in CORPUS:
            continue
        root = folder / case.name
        shutil.copytree(base, root)
        project = Project.__new__(Project)
        project.root, project.fmt, project.encoding = root, "csv", "utf-8-sig"
        case.breaks(project)
        data = load_project(root, load_config(root))
        snapshots, state = [], None
        for period in data.periods:
            snapshots.append(read_snapshot(data, period, state))
            state = snapshots[-1].state
        out.append((data, snapshots))
    demo = load_project(REPO, load_config(REPO))
    out.append((demo, [read_snapshot(demo, demo.periods[-1])]))
    return out


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


def _first_file_by_county_rows(enterprises: pd.DataFrame, index: UnitTree) -> dict[str, str]:
    """The row-by-row code first_file_by_county replaced (in _missing_enterprises)."""
    own: dict[str, str] = {}
    if "_file" in enterprises.columns:
        for unit, file in zip(enterprises["unit"], enterprises["_file"], strict=True):
            if isinstance(unit, str) and isinstance(file, str):
                own.setdefault(index.county.get(unit, ""), file)
    return own


def test_first_file_by_county_is_the_row_by_row_one(
    corpus: list[tuple[Any, list[Snapshot]]],
) -> None:
    compared = 0
    for data, snapshots in corpus:
        for snapshot in snapshots:
            frame = snapshot.enterprises
            want = _first_file_by_county_rows(frame, data.unit_index)
            got = first_file_by_county(frame, data.unit_index)
            assert list(got.items()) == list(want.items())
            compared += bool(want)
    assert compared >= len(corpus)  # every project had a ledger with rows
    # Rows without a unit or a file, of the city, of unknown units, files in any order.
    index = next(d.unit_index for d, _ in corpus if {"990101", "990201"} <= set(d.unit_index.level))
    units = [None, "990101", "990000", "nowhere", "990201", "990102", "990101", "990201"]
    files = ["a.csv", None, "b.csv", "c.csv", "d.csv", "e.csv", "f.csv", "g.csv"]
    frame = pd.DataFrame({"unit": pd.array(units, "string"), "_file": pd.array(files, "string")})
    want = _first_file_by_county_rows(frame, index)
    assert want == {"": "b.csv", "990200": "d.csv", "990100": "f.csv"}
    assert list(first_file_by_county(frame, index).items()) == list(want.items())


def _named_rows_by_row(snapshot: Snapshot) -> dict[tuple[str, int], tuple[str, str]]:
    """The row-by-row code of _named_rows before it looked only at the rows problems name."""
    wanted = {(p.file, p.row) for p in snapshot.problems if p.row is not None}
    frame = snapshot.enterprises
    if not wanted or "_file" not in frame.columns:
        return {}
    out = {}
    columns = (frame["_file"], frame["_row"], frame["name"], frame["uscc"])
    for file, row, name, code in zip(*columns, strict=True):
        key = (str(file), int(row))
        if key in wanted:
            out[key] = (
                "" if not isinstance(name, str) else name,
                code if isinstance(code, str) else "",
            )
    return out


def test_named_rows_are_the_row_by_row_ones(corpus: list[tuple[Any, list[Snapshot]]]) -> None:
    named = 0
    for _data, snapshots in corpus:
        for snapshot in snapshots:
            want = _named_rows_by_row(snapshot)
            assert _named_rows(snapshot) == want
            named += len(want)
    assert named > 50
