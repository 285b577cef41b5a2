"""Checks made over whole columns give what the row-by-row code they replace gave.

Each vectorised rule is compared with a plain Python version of what it replaced, kept here as
the reference, on rows of the test corpus's projects and on rows built to hit its edge cases.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import Project, uscc
from corpus.cases import CASES

from generator.common.config import load_config
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.figures.reduce import iso_dates
from generator.rosters import codes, collector, rules, values
from generator.rosters.collector import Collector
from generator.rosters.counties import _county_digests, county_of_rows, first_file_by_county
from generator.rosters.load import Snapshot, _named_rows, load_project, read_snapshot
from generator.rosters.read import READERS, RawTable, read_table, roster_files
from generator.rosters.specs import (
    CAMPAIGNS,
    ENTERPRISES,
    LISTED_VALUES,
    TARGETS,
    VOLUNTEERS,
    Roster,
)
from generator.rosters.units import UnitTree
from generator.rosters.uscc import _repeated, uscc_check_char
from generator.rosters.validate import Context, validate_table

REPO = Path(__file__).resolve().parent.parent

#: The corpus cases whose projects the comparisons read: ledgers with problems on rows, an
#: enterprise gone since last month, and each small roster's repeated entries and bad dates.
CORPUS = {
    "uscc-duplicate",
    "uscc-check-character",
    "unit-unknown",
    "enterprise-gone",
    "many-errors",
    "blank-rows-then-error-row",
    "priority-without-reason",
    "members-exceed",
    "union-date-future",
    "units-code-duplicate",
    "volunteer-id-duplicate",
    "volunteer-id-in-two-counties",
    "volunteer-left-before-hired",
    "volunteer-unit-unknown",
    "targets-twice",
    "targets-unit-missing",
    "team-twice",
    "team-enterprise-missing",
    "book-room-twice",
}


@pytest.fixture(scope="module")
def corpus(corpus_roots: list[Path]) -> list[tuple[Any, list[Snapshot]]]:
    """(project data, every period's snapshot) of the corpus cases above and of the demo city's
    last period (a file per county)."""
    out = []
    for root in corpus_roots:
        data = _project_data(root)
        snapshots, state = [], None
        for period in data.periods:
            snapshots.append(read_snapshot(data, period, state))
            state = snapshots[-1].state
        out.append((data, snapshots))
    demo = _project_data(REPO)
    out.append((demo, [read_snapshot(demo, demo.periods[-1])]))
    return out


@pytest.fixture(scope="module")
def corpus_roots(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The projects of the corpus cases above, each broken as its case says."""
    folder = tmp_path_factory.mktemp("vectorised")
    base = Project(folder / "base").root
    roots = []
    for case in CASES:
        if case.name not in CORPUS:
            continue
        root = folder / case.name
        shutil.copytree(base, root)
        project = Project.__new__(Project)
        project.root, project.fmt, project.encoding = root, "csv", "utf-8-sig"
        case.breaks(project)
        roots.append(root)
    return roots


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


# --- the rules of the small rosters ------------------------------------------------------------


@functools.cache
def _project_data(root: Path) -> Any:
    return load_project(root, load_config(root))


def _tables(
    roots: list[Path], roster: Roster
) -> list[tuple[RawTable, dict[str, pa.Array], Context]]:
    """Each corpus project's table of a roster, and its typed columns, as the rules get them."""
    out = []
    for root in [*roots, REPO]:
        data = _project_data(root)
        ctx = Context(units=data.unit_index, priority_min_employees=25)
        for path in roster_files(root / "data", roster.name):
            raw = read_table(path, path.name, roster)
            if raw.headers:
                out.append((raw, validate_table(raw, roster, ctx).arrays, ctx))
    return out


def _pending(out: Collector) -> list[tuple[Any, ...]]:
    return [(p.code.name, p.index, p.column, p.value, p.fields) for p in out.pending]


def _duplicate_rows_by_row(out: Collector, header: str, keys: list[pa.Array]) -> None:
    """The row-by-row _duplicate_rows the column version replaced."""
    columns = [k.to_pylist() for k in keys]
    if not columns or not columns[0]:
        return
    joined = [
        None if any(v is None for v in values) else " / ".join(str(v) for v in values)
        for values in zip(*columns, strict=True)
    ]
    series = pd.Series(joined, dtype=object)
    dup = series.duplicated(keep=False).to_numpy() & series.notna().to_numpy()
    groups: dict[str, list[int]] = {}
    for pos in np.flatnonzero(dup).tolist():
        groups.setdefault(joined[pos] or "", []).append(pos)
    for value, index in groups.items():
        rows = "、".join(str(out.raw.rows[i]) for i in index[:10])
        for k in index[1:]:
            out.add(codes.W_DUPLICATE_ROW, k, header, value, rows=rows)


def test_duplicate_campaign_entries_are_the_row_by_row_ones(corpus_roots: list[Path]) -> None:
    found = 0
    for campaign in CAMPAIGNS.values():
        for raw, arrays, _ctx in _tables(corpus_roots, campaign.roster):
            keys = [arrays[name] for name in campaign.identity]
            got, want = Collector(raw), Collector(raw)
            rules._duplicate_rows(got, "名称", keys)
            _duplicate_rows_by_row(want, "名称", keys)
            assert _pending(got) == _pending(want)
            found += len(want.pending)
    assert found >= 2  # team-twice and book-room-twice
    # Three of one entry, a part missing, a name that holds the separator.
    raw = RawTable("t.csv", ["名称", "单位"], [], np.arange(2, 9), 1, ["name", "unit"], [])
    names = pa.array(["甲", "甲", "乙", "甲", None, "甲 / 1", "甲"])
    units = pa.array(["1", "1", "1", "1", "1", "2", "2"])
    got, want = Collector(raw), Collector(raw)
    rules._duplicate_rows(got, "名称", [names, units])
    _duplicate_rows_by_row(want, "名称", [names, units])
    assert _pending(got) == _pending(want)
    assert [p[1] for p in _pending(got)] == [1, 3]


def _unique_within_county_by_row(
    ids: pa.Array, units: pa.Array, out: Collector, header: str, ctx: Context
) -> None:
    """The row-by-row _unique_within_county the column version replaced."""
    index = ctx.units
    county = [
        (index.county.get(u, "") if index is not None and u else "") for u in units.to_pylist()
    ]
    keys = pd.Series(
        [
            None if i is None else f"{c}\x1f{i}"
            for c, i in zip(county, ids.to_pylist(), strict=True)
        ],
        dtype=object,
    )
    dup = (keys.duplicated(keep=False) & keys.notna()).to_numpy()
    if not dup.any():
        return
    groups: dict[str, list[int]] = {}
    for pos in np.flatnonzero(dup).tolist():
        groups.setdefault(str(keys.iloc[pos]), []).append(pos)
    for key, positions in groups.items():
        shown = "、".join(str(out.raw.rows[i]) for i in positions[:10])
        for k in positions:
            out.add(codes.E_DUPLICATE, k, header, key.split("\x1f", 1)[1], rows=shown)


def test_volunteer_ids_twice_in_a_county_are_the_row_by_row_ones(
    corpus_roots: list[Path],
) -> None:
    found = 0
    for raw, arrays, ctx in _tables(corpus_roots, VOLUNTEERS):
        got, want = Collector(raw), Collector(raw)
        rules._unique_within_county(arrays["id"], arrays["unit"], got, "编号", ctx)
        _unique_within_county_by_row(arrays["id"], arrays["unit"], want, "编号", ctx)
        assert _pending(got) == _pending(want)
        found += len(want.pending)
    assert found >= 2  # volunteer-id-duplicate
    # Ids repeated in another county, without a unit, of an unknown unit, or missing.
    raw, _arrays, ctx = _tables(corpus_roots[:1], VOLUNTEERS)[0]
    raw = RawTable("v.csv", ["编号"], [], np.arange(2, 9), 1, ["id"], [])
    ids = pa.array(["001", "001", "001", None, "002", "002", "002"])
    units = pa.array(["990101", "990201", "990101", "990101", None, "nowhere", "990201"])
    got, want = Collector(raw), Collector(raw)
    rules._unique_within_county(ids, units, got, "编号", ctx)
    _unique_within_county_by_row(ids, units, want, "编号", ctx)
    assert _pending(got) == _pending(want)
    assert [p[1] for p in _pending(got)] == [0, 2, 4, 5]


def test_target_twice_and_left_before_hired_are_the_row_by_row_ones(
    corpus_roots: list[Path],
) -> None:
    """The targets' year-and-unit keys and the hiring dates shown are made from the columns;
    the problems of the corpus's targets and volunteers are those of the row-by-row keys."""
    twice = left = 0
    for raw, arrays, _ctx in _tables(corpus_roots, TARGETS):
        years, units = arrays["year"].to_pylist(), arrays["unit"].to_pylist()
        keys = [
            f"{y}年 {u}" if y is not None and u is not None else None
            for y, u in zip(years, units, strict=True)
        ]
        got, want = Collector(raw), Collector(raw)
        rules._target_rules(dict(arrays), {}, got, Context())
        collector._unique(pd.Series(keys, dtype=object), want, "单位代码")
        got_dups = [p for p in _pending(got) if p[0] == "E-DUPLICATE"]
        assert [(p[1], p[3], p[4]) for p in got_dups] == [
            (p[1], p[3], p[4]) for p in _pending(want)
        ]
        twice += len(got_dups)
    for raw, arrays, _ctx in _tables(corpus_roots, VOLUNTEERS):
        got = Collector(raw)
        rules._volunteer_rules(dict(arrays), {}, got, Context())
        hired = [collector._show(v) for v in arrays["hired_on"].to_pylist()]
        for p in got.pending:
            if p.code.name == "E-LEFT-BEFORE-HIRED":
                assert p.fields["hired"] == hired[p.index] != ""
                left += 1
    assert twice >= 2 and left >= 1


def _iso_by_row(value: Any) -> Any:
    """The per-cell conversion iso_dates replaced (a priority row's 计划建会时间)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return pd.NA
    if isinstance(value, float) and value != value:
        return pd.NA
    return pd.Timestamp(value).date().isoformat()


def test_planned_dates_are_the_row_by_row_ones(corpus: list[tuple[Any, list[Snapshot]]]) -> None:
    given = 0
    for _data, snapshots in corpus:
        for snapshot in snapshots:
            column = snapshot.enterprises["planned_on"]
            values = column.to_numpy(dtype=object)  # as the priority ledger holds them
            want = [_iso_by_row(v) for v in values]
            assert list(iso_dates(pd.Series(values, dtype=object))) == want
            assert list(iso_dates(column)) == want  # the ledger's own date column
            given += sum(isinstance(v, str) for v in want)
    assert given > 10  # the demo plans some
    edge = [pd.Timestamp("2026-03-05"), pd.NaT, pd.NA, None, float("nan")]
    edge.append(pd.Timestamp("1901-12-31 13:00"))
    want = ["2026-03-05", pd.NA, pd.NA, pd.NA, pd.NA, "1901-12-31"]
    assert [_iso_by_row(v) for v in edge] == want
    assert list(iso_dates(pd.Series(edge, dtype=object))) == want
    assert list(iso_dates(pd.Series([], dtype=object))) == []


def test_county_digests_of_a_frame_are_those_of_its_arrow_table(
    corpus: list[tuple[Any, list[Snapshot]]],
) -> None:
    """The digests read the frame's own arrays (no conversion of the frame to Arrow), and
    digest text of few values by value: the same digests as the frame converted to Arrow, and
    each county's the same whether its rows are interleaved with others' or alone."""
    from generator.rosters.specs import ENTERPRISES

    compared = 0
    for data, snapshots in corpus:
        for snapshot in snapshots:
            frame = snapshot.enterprises
            if not len(frame):
                continue
            columns = [c.name for c in ENTERPRISES.columns]
            counties = county_of_rows(frame, data.unit_index).to_numpy(zero_copy_only=False)
            names, groups = np.unique(counties, return_inverse=True)
            got = _county_digests(frame[columns], groups, len(names))
            table = pa.Table.from_pandas(frame[columns], preserve_index=False)
            assert got == _county_digests(table, groups, len(names))
            for g in range(len(names)):
                alone = frame[columns].loc[groups == g].reset_index(drop=True)
                own = _county_digests(alone, np.zeros(len(alone), dtype=np.int64), 1)
                assert own == [got[g]]
                compared += 1
    assert compared >= 9  # the demo's counties at least
    # A value of a by-value column changed, or moved to another row: another digest.
    frame = pd.DataFrame(
        {
            "unit": pd.array(["990101", "990102", None], "string[pyarrow]"),
            "employees": pd.array([3, None, 5], "Int64"),
        }
    )
    one = np.zeros(3, dtype=np.int64)
    first = _county_digests(frame, one, 1)
    changed = frame.assign(unit=pd.array(["990101", "990103", None], "string[pyarrow]"))
    moved = frame.assign(unit=pd.array(["990102", "990101", None], "string[pyarrow]"))
    emptied = frame.assign(unit=pd.array(["990101", "990102", ""], "string[pyarrow]"))
    for other in (changed, moved, emptied):
        assert _county_digests(other, one, 1) != first


def test_county_digests_made_on_first_use_are_those_of_the_frame(
    corpus: list[tuple[Any, list[Snapshot]]],
) -> None:
    """A period read alone leaves its counties' digests unmade until something asks for them
    (the next period's read, the build's cache entry): then they are the digests of the rows
    read, county by county, as made at once before; `settle` makes them and lets go of the
    columns they are made of."""
    from generator.rosters.specs import ENTERPRISES

    compared = 0
    for k, (data, _snapshots) in enumerate(corpus):
        last = data.periods[-1]
        state = None
        # every period of the corpus cases; the demo city's last (a file per county) alone
        for period in data.periods if k < len(corpus) - 1 else [last]:
            state_before = state
            snapshot = read_snapshot(data, period, state)
            state = snapshot.state
            assert state is not None
            frame = snapshot.enterprises
            if not len(frame) or not data.unit_index.county:
                continue
            if state_before is None:  # compared with nothing: nothing asked for them yet
                assert "county_digests" not in vars(state), "made before it was asked for"
            columns = [c.name for c in ENTERPRISES.columns]
            counties = county_of_rows(frame, data.unit_index).to_numpy(zero_copy_only=False)
            names, groups = np.unique(counties, return_inverse=True)
            made = _county_digests(frame[columns], groups, len(names))
            want = {str(n): digest for n, (digest, _rows) in zip(names, made, strict=True)}
            want = {c: want[c] for c in state.rows_by_county}  # in the order the rows meet them
            assert state.county_digests == want
            assert state.rows_by_county == {
                str(n): int((groups == g).sum()) for g, n in enumerate(names)
            }
            state.settle()
            assert "_digest_work" not in vars(state)
            compared += period == last
    assert compared >= 10
    # A state without pending work has no such attribute to make (a typo stays an error).
    with pytest.raises(AttributeError):
        _ = state.county_digest  # type: ignore[union-attr]


def _group_counts_by_groupby(
    code: pd.Series, categories: dict[str, pd.Series], unionized: np.ndarray, employees: np.ndarray
) -> pd.DataFrame:
    """The pandas groupby over strings that key_areas.group_counts replaced."""
    base = pd.DataFrame(
        {
            "code": code,
            "enterprises": np.ones(len(code), dtype=np.int64),
            "unionized": unionized.astype(np.int64),
            "employees": employees,
        }
    )
    parts = [base.assign(dimension=d, category=c) for d, c in categories.items()]
    return (
        pd.concat(parts, ignore_index=True)
        .groupby(["code", "dimension", "category"], sort=True, as_index=False)[
            ["enterprises", "unionized", "employees"]
        ]
        .sum()
    )


def test_group_counts_are_the_groupby_ones(corpus: list[tuple[Any, list[Snapshot]]]) -> None:
    """The key areas' counts per unit and category (bincount over numbered pairs) are those
    of the groupby they replaced, row for row, on every corpus ledger and on edge cases."""
    from generator.figures.key_areas import DIMENSIONS, _category, category_codes, group_counts

    def compare(code: pd.Series, categories: dict[str, pd.Series], u: Any, n: Any) -> int:
        at, values = pd.factorize(code)
        numbered = {d: category_codes(c, nfkc=d == "area_type") for d, c in categories.items()}
        got = group_counts(
            (at, np.asarray(values, dtype=object)),
            numbered,
            np.asarray(u, bool),
            np.asarray(n, np.int64),
        )
        strings = {d: _category(c, nfkc=d == "area_type") for d, c in categories.items()}
        want = _group_counts_by_groupby(code, strings, np.asarray(u, bool), np.asarray(n))
        want = want.astype({"code": "string", "dimension": "string", "category": "string"})
        got = got.astype({"dimension": "string"})
        pd.testing.assert_frame_equal(got, want.loc[:, list(got.columns)])
        return len(want)

    groups = 0
    for _data, snapshots in corpus:
        for snapshot in snapshots:
            e = snapshot.enterprises
            code = e["unit"].astype("string").fillna("？")
            categories = {d: e[d] for d in DIMENSIONS if d != "union_form"}
            unionized = e["unionized"].to_numpy(dtype=bool, na_value=False)
            employees = e["employees"].to_numpy(dtype=np.int64, na_value=0)
            groups += compare(code, categories, unionized, employees)
    assert groups > 100
    # Codes and categories out of order, one code only, categories sorting by code point.
    code = pd.Series(["990102", "990101", "990102", "990101", "990102"], dtype="string")
    area = pd.Series(["其他", "开发区", "其他", "村(社区)", "Z区"], dtype="string")
    assert compare(code, {"area_type": area}, [1, 0, 1, 1, 0], [5, 3, 7, 1, 2]) == 4
    assert compare(code[:1], {"industry": area[:1]}, [True], [4]) == 1
    # A row without a code is in no group; a category empty or missing is 未填写, one written
    # with spaces or in full-width forms the category it names.
    with_na = pd.Series(["990101", None, "990102", "990101", "990101"], dtype="string")
    areas = pd.Series(["其他", "其他", None, " 其他 ", "村（社区）"], dtype="string")
    assert compare(with_na, {"area_type": areas}, [1, 1, 0, 0, 1], [3, 4, 5, 6, 7]) == 3


# --- the enterprise ledger's rules against a row-by-row reading of each cell -------------------

#: The problems the enterprise ledger's rules make (the column pass's own are compared with the
#: scalar parsers in tests/test_values.py).
_LEDGER_RULE_CODES = frozenset(
    {
        "W-CATEGORY-UNLISTED",
        "E-UNIT-UNKNOWN",
        "E-UNIT-LEVEL",
        "E-USCC-SCIENTIFIC",
        "E-USCC-FORMAT",
        "E-USCC-CHECKSUM",
        "E-MIGRANT-EXCEEDS",
        "E-DISPATCH-EXCEEDS",
        "W-MEMBERS-EXCEED",
        "W-MIGRANT-MEMBERS-EXCEED",
        "W-DISPATCH-MEMBERS-EXCEED",
        "E-UNION-DATE-REQUIRED",
        "E-MEMBERS-REQUIRED",
        "E-UNION-DATE-FUTURE",
        "W-REASON-MISSING",
    }
)
_USCC_FORM = re.compile("[0-9A-HJ-NPQRTUWXY]{18}")


def _ledger_problems_by_row(raw: RawTable, ctx: Context) -> list[Problem]:
    """The enterprise ledger's rules read row by row from the cells as written, each cell
    through the scalar parsers (CONTRACT §2): what the column rules must give."""
    R = ENTERPRISES
    where = {name: j for j, name in reversed(list(enumerate(raw.matched))) if name}
    cells = {name: raw.columns[j].to_pylist() for name, j in where.items()}
    n = len(raw)
    header = {name: raw.headers[j] for name, j in where.items()}

    def cell(name: str, i: int) -> Any:
        return cells[name][i] if name in cells else None

    def number(name: str, i: int) -> int | None:
        text = cell(name, i)
        if values.is_missing(text):
            return None
        try:
            value = values.parse_int(text)
        except ValueError:
            return None
        minimum = R.column(name).minimum
        return None if minimum is not None and value < minimum else value

    def flag(name: str, i: int) -> bool | None:
        text = values.clean(cell(name, i))
        if text is None or text in values.MISSING_MARKERS - {"无"}:
            return None
        try:
            return values.parse_bool(text)
        except ValueError:
            return None

    def day(name: str, i: int) -> dt.date | None:
        text = cell(name, i)
        if values.is_missing(text):
            return None
        try:
            return values.parse_date(text)
        except ValueError:
            return None

    units = ctx.units
    out: list[Problem] = []

    def add(code: Any, i: int, column: str, value: Any, /, **fields: Any) -> None:
        unit = values.normalise_code(cell("unit", i))
        county = (
            (ctx.file_county, units.name.get(ctx.file_county, ""))
            if units is not None and ctx.file_county
            else (units.county_of(unit) if units is not None else ("", ""))
        )
        text = header[column]
        out.append(
            code.problem(
                raw.file, int(raw.rows[i]), text, value, county, R.column(column).title, **fields
            )
        )

    # categories (3.7): matched without spaces and bracket forms
    for name, listed in LISTED_VALUES.items():
        table = values.enum_table(listed, {})
        counted = "暂按“其他”统计" if "其他" in listed else "不计入区域性、行业性联合会"
        for i in range(n):
            text = values.parse_text(cell(name, i))
            if text is not None and values.header_key(text) not in table:
                add(
                    codes.W_CATEGORY_UNLISTED,
                    i,
                    name,
                    text,
                    choices="、".join(listed),
                    counted=counted,
                )
    # USCC: Excel's scientific form, the form, the check character, a code twice
    seen: dict[str, list[int]] = {}
    for i in range(n):
        code = values.normalise_code(cell("uscc", i))
        if code is None:
            continue
        if values.is_scientific(code):
            add(codes.E_USCC_SCIENTIFIC, i, "uscc", code)
            continue
        seen.setdefault(code, []).append(i)
        if not _USCC_FORM.fullmatch(code):
            add(codes.E_USCC_FORMAT, i, "uscc", code)
        elif code[17] != uscc_check_char(code[:17]):
            add(codes.E_USCC_CHECKSUM, i, "uscc", code, expected=uscc_check_char(code[:17]))
    twice = [(code, rows) for code, rows in seen.items() if len(rows) > 1]
    for code, rows in twice:
        shown = "、".join(str(raw.rows[i]) for i in rows[:10]) + ("…" if len(rows) > 10 else "")
        for i in rows:
            add(codes.E_DUPLICATE, i, "uscc", code, rows=shown)
    names = {"city": "市", "county": "县市区", "township": "乡镇（街道）"}
    for i in range(n):
        unit = values.normalise_code(cell("unit", i))
        if units is None or unit is None:
            continue
        if unit not in units.level:
            add(codes.E_UNIT_UNKNOWN, i, "unit", unit)
        elif units.level[unit] not in ("township", "county"):
            level = names.get(units.level[unit], "")
            name = units.name.get(unit, "")
            add(
                codes.E_UNIT_LEVEL,
                i,
                "unit",
                unit,
                name=name,
                level=level,
                allowed="乡镇（街道）或县市区",
            )
    end = ctx.period.end if ctx.period is not None else None
    for i in range(n):
        employees, migrant = number("employees", i), number("migrant_workers", i)
        dispatch, members = number("dispatch_workers", i), number("members", i)
        migrant_members = number("migrant_members", i)
        dispatch_members = number("dispatch_members", i)
        pairs = [
            (codes.E_MIGRANT_EXCEEDS, "migrant_workers", migrant, employees, "employees"),
            (codes.E_DISPATCH_EXCEEDS, "dispatch_workers", dispatch, employees, "employees"),
            (codes.W_MEMBERS_EXCEED, "members", members, employees, "employees"),
            (
                codes.W_MIGRANT_MEMBERS_EXCEED,
                "migrant_members",
                migrant_members,
                migrant,
                "migrant_workers",
            ),
            (
                codes.W_DISPATCH_MEMBERS_EXCEED,
                "dispatch_members",
                dispatch_members,
                dispatch,
                "dispatch_workers",
            ),
        ]
        for code, name, part, whole, field in pairs:
            if part is not None and whole is not None and part > whole and name in header:
                add(code, i, name, str(part), **{field: str(whole)})
        unionized = flag("unionized", i)
        if unionized and values.is_missing(cell("union_date", i)) and "union_date" in header:
            add(codes.E_UNION_DATE_REQUIRED, i, "union_date", "")
        if unionized and values.is_missing(cell("members", i)) and "members" in header:
            add(codes.E_MEMBERS_REQUIRED, i, "members", "")
        union_date = day("union_date", i)
        if end is not None and union_date is not None and union_date > end:
            add(
                codes.E_UNION_DATE_FUTURE,
                i,
                "union_date",
                union_date.isoformat(),
                end=end.isoformat(),
            )
        status_text = cell("status", i)
        try:
            status = (
                None
                if values.is_missing(status_text)
                else values.parse_enum(
                    status_text, R.column("status").choices, R.column("status").synonyms
                )
            )
        except ValueError:
            status = None
        active = status is None or status == "存续"
        big = employees is not None and employees >= ctx.priority_min_employees
        reason = values.parse_text(cell("not_unionized_reason", i))
        if (
            active
            and unionized is False
            and big
            and reason is None
            and "not_unionized_reason" in header
        ):
            add(
                codes.W_REASON_MISSING,
                i,
                "not_unionized_reason",
                "",
                minimum=ctx.priority_min_employees,
            )
    return out


def _rule_problems(problems: list[Problem], uscc_header: str) -> list[tuple[Any, ...]]:
    return sorted(
        (p.code, p.row or 0, p.column, p.value, p.message, p.county, p.county_name)
        for p in problems
        if p.code in _LEDGER_RULE_CODES or (p.code == "E-DUPLICATE" and p.column == uscc_header)
    )


def _ledger_tables(roots: list[Path]) -> list[tuple[RawTable, Context]]:
    """Every ledger file of the corpus projects' periods and of the demo's last, with the
    context the ledger is checked in."""
    out = []
    for root in [*roots, REPO]:
        data = _project_data(root)
        periods = data.periods if root != REPO else data.periods[-1:]
        for period in periods:
            folder = root / "data" / str(period)
            for path in sorted(folder.iterdir()):
                if path.stem.startswith(("~", ".")) or path.suffix.lower() not in READERS:
                    continue
                try:
                    raw = read_table(path, path.name, ENTERPRISES)
                except Exception:  # a corpus file meant to be unreadable
                    continue
                if not raw.headers or "uscc" not in raw.matched:
                    continue
                ctx = Context(
                    units=data.unit_index,
                    period=period,
                    priority_min_employees=data.config.priority_min_employees,
                )
                out.append((raw, ctx))
    return out


def test_enterprise_rules_are_the_row_by_row_ones(corpus_roots: list[Path]) -> None:
    """Each rule of the ledger (categories, USCC, units, the counts' bounds, the union's date
    and members, the priority reason) gives, on every ledger of the corpus and the demo, the
    problems a row-by-row reading of the cells gives: same rows, values and messages."""
    seen: set[str] = set()
    tables = _ledger_tables(corpus_roots)
    assert len(tables) >= 20
    for raw, ctx in tables:
        header = raw.headers[raw.matched.index("uscc")]
        got = _rule_problems(validate_table(raw, ENTERPRISES, ctx).problems, header)
        want = _rule_problems(_ledger_problems_by_row(raw, ctx), header)
        assert got == want, raw.file
        seen.update(p[0] for p in want)
    # the corpus breaks these rules at least once
    assert {
        "E-USCC-CHECKSUM",
        "E-DUPLICATE",
        "E-UNIT-UNKNOWN",
        "W-MEMBERS-EXCEED",
        "E-UNION-DATE-FUTURE",
        "W-REASON-MISSING",
    } <= seen


def test_enterprise_rules_on_edge_rows_are_the_row_by_row_ones(
    corpus_roots: list[Path],
) -> None:
    """Rows built on each rule's edges: equal counts, cells missing or unreadable, codes of
    every wrong form, a unit of the wrong level, categories written loosely."""
    data = _project_data(corpus_roots[0])
    ctx = Context(units=data.unit_index, period=Period.parse("2026-10"), priority_min_employees=25)
    good = uscc("91990101MA0000001")
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        # uscc, unit, area, employees, migrant, dispatch, unionized, date, members, mig.m, status, reason
        [good, "990101", "开发区", "30", "30", "0", "是", "2020-01-01", "30", "30", "存续", None],
        [good.lower(), "990101", "商贸　楼宇", "30", "31", "31", "是", "—", "31", "0", None, None],
        [bad_check, "990100", "村（社区）", "10", "11", None, "否", None, None, None, "注销", None],
        ["9.13701E+17", "nowhere", "园区外", "25", "0", "0", "否", None, None, None, None, None],
        [good[:17], "990000", None, "24", "0", "0", "否", None, None, None, None, None],
        [good, "990101", "其他", "一百", "5", "0", "是", "2026-11-01", "—", "9", "存续", "在筹建"],
        [
            "91990101MA00000O1",
            " 990101 ",
            "开 发 区",
            "25",
            "-1",
            "0",
            "否",
            "2031-1-1",
            "5",
            "x",
            "",
            "—",
        ],
        [
            good.replace("9", "９", 1),
            "990101",
            "工业园区",
            "100",
            "50",
            "3",
            "是",
            "不详",
            "无",
            "60",
            "存续",
            None,
        ],
    ]
    heads = [
        "统一社会信用代码",
        "所属单位代码",
        "所在区域类型",
        "职工人数",
        "农民工人数",
        "劳务派遣工人数",
        "是否建会",
        "建会日期",
        "会员人数",
        "农民工会员人数",
        "经营状态",
        "未建会原因",
    ]
    names = [
        "uscc",
        "unit",
        "area_type",
        "employees",
        "migrant_workers",
        "dispatch_workers",
        "unionized",
        "union_date",
        "members",
        "migrant_members",
        "status",
        "not_unionized_reason",
    ]
    columns = [pa.array([r[j] for r in rows], pa.string()) for j in range(len(heads))]
    raw = RawTable("e.csv", heads, columns, np.arange(2, 2 + len(rows)), 1, names, [])
    got = _rule_problems(validate_table(raw, ENTERPRISES, ctx).problems, heads[0])
    want = _rule_problems(_ledger_problems_by_row(raw, ctx), heads[0])
    assert got == want
    assert {p[0] for p in want} >= {
        "E-USCC-SCIENTIFIC",
        "E-USCC-FORMAT",
        "E-USCC-CHECKSUM",
        "E-DUPLICATE",
        "E-UNIT-UNKNOWN",
        "E-UNIT-LEVEL",
        "W-CATEGORY-UNLISTED",
        "E-MIGRANT-EXCEEDS",
        "E-DISPATCH-EXCEEDS",
        "W-MEMBERS-EXCEED",
        "W-MIGRANT-MEMBERS-EXCEED",
        "E-UNION-DATE-REQUIRED",
        "E-MEMBERS-REQUIRED",
        "E-UNION-DATE-FUTURE",
        "W-REASON-MISSING",
    }


def _campaign_problems_by_row(raw: RawTable, campaign: Any, ctx: Context) -> list[Problem]:
    """A campaign roster's unit references and counted entries without their date, row by
    row from the cells as written (CONTRACT 3.5)."""
    R = campaign.roster
    where = {name: j for j, name in reversed(list(enumerate(raw.matched))) if name}
    cells = {name: raw.columns[j].to_pylist() for name, j in where.items()}
    units = ctx.units
    assert units is not None
    out: list[Problem] = []

    def add(code: Any, i: int, name: str, value: Any, county: tuple[str, str]) -> None:
        text, title = raw.headers[where[name]], R.column(name).title
        out.append(code.problem(raw.file, int(raw.rows[i]), text, value, county, title))

    for i in range(len(raw)):
        unit = values.normalise_code(cells["unit"][i]) if "unit" in cells else None
        county = units.county_of(unit)

        if unit is not None and unit not in units.level:
            add(codes.E_UNIT_UNKNOWN, i, "unit", unit, county)
        if campaign.counted is None or campaign.date not in cells:
            continue
        column, counted, _shown = campaign.counted
        spec = R.column(column)
        text = cells[column][i] if column in cells else None
        try:
            value = (
                None
                if values.is_missing(text)
                else values.parse_enum(text, spec.choices, spec.synonyms)
            )
        except ValueError:
            value = None
        if value == counted and values.is_missing(cells[campaign.date][i]):
            add(codes.E_NAMED_ON_REQUIRED, i, campaign.date, "", county)
    return out


def test_campaign_rules_are_the_row_by_row_ones(corpus_roots: list[Path]) -> None:
    """Each campaign roster's unit references and counted entries without their date: on the
    corpus and the demo, and on edge rows, those of a row-by-row reading of the cells."""
    wanted = {"E-UNIT-UNKNOWN", "E-NAMED-ON-REQUIRED"}

    def rule_problems(problems: list[Problem]) -> list[tuple[Any, ...]]:
        return sorted(
            (p.code, p.row or 0, p.column, p.value, p.message, p.county)
            for p in problems
            if p.code in wanted
        )

    found = 0
    for campaign in CAMPAIGNS.values():
        for raw, _arrays, ctx in _tables(corpus_roots, campaign.roster):
            got = rule_problems(validate_table(raw, campaign.roster, ctx).problems)
            want = rule_problems(_campaign_problems_by_row(raw, campaign, ctx))
            assert got == want, raw.file
            found += 1
    assert found >= 3 * len(CAMPAIGNS)  # each campaign's roster of several projects
    # 已命名 written loosely, a date missing or a dash, a unit unknown or padded.
    teams = CAMPAIGNS["pioneer_teams"]
    heads = ["班组名称", "所在企业", "所属单位代码", "状态", "命名日期"]
    names = ["name", "enterprise", "unit", "status", "named_on"]
    rows = [
        ["甲组", "甲厂", "990101", "已命名", None],
        ["乙组", "乙厂", " 990101 ", "已 命名", "—"],
        ["丙组", "丙厂", "990199", "已命名", "2026-01-05"],
        ["丁组", "丁厂", "990101", "创建中", None],
        ["戊组", "戊厂", None, "已命名", "不详"],
        ["己组", "己厂", "990101", "命名了", None],
    ]
    columns = [pa.array([r[j] for r in rows], pa.string()) for j in range(len(heads))]
    raw = RawTable("t.csv", heads, columns, np.arange(2, 2 + len(rows)), 1, names, [])
    ctx = _tables(corpus_roots[:1], teams.roster)[0][2]
    got = rule_problems(validate_table(raw, teams.roster, ctx).problems)
    want = rule_problems(_campaign_problems_by_row(raw, teams, ctx))
    assert got == want
    assert [(p[0], p[1]) for p in want] == [
        ("E-NAMED-ON-REQUIRED", 2),
        ("E-NAMED-ON-REQUIRED", 3),
        ("E-UNIT-UNKNOWN", 4),
    ]


def test_repeated_uscc_digests_are_the_hashtable_ones() -> None:
    """The USCC duplicate candidates found by one sort are those pandas' duplicated found."""
    rng = np.random.default_rng(5)
    cases = [np.zeros(0, np.uint64), np.array([7], np.uint64), np.array([2**64 - 1] * 3, np.uint64)]
    cases += [
        rng.integers(0, hi, n, dtype=np.uint64) for n, hi in [(9, 3), (500, 40), (20000, 2**63)]
    ]
    for digests in cases:
        want = pd.Series(digests, dtype="uint64").duplicated(keep=False).to_numpy()
        assert (_repeated(digests) == want).all()


# --- columns worked out once per distinct value -------------------------------------------------


def _column_outcome(result: Any) -> tuple[Any, ...]:
    """What the checks and the frame take of a column's result, as plain values."""
    from generator.rosters.validate import _decoded

    def plain(arr: Any) -> list[Any]:
        return _decoded(arr).to_pylist()

    too_long = None
    if result.too_long is not None:
        mask, lengths, original = result.too_long
        too_long = (mask.tolist(), lengths[mask].tolist(), plain(original))
    # the frame's text column: cast in the worker, or the one read when no value changed
    shown = result.large if result.large is not None else result.typed
    return (
        plain(result.text),
        plain(result.typed),
        plain(shown),
        result.bad.tolist(),
        result.absent.tolist(),
        None if result.out_of_range is None else result.out_of_range.tolist(),
        None if result.floats is None else np.nan_to_num(result.floats, nan=-1.5).tolist(),
        too_long,
    )


def test_columns_by_distinct_value_are_the_cell_by_cell_ones(corpus_roots: list[Path]) -> None:
    """A column worked out once per distinct value and spread to its rows reads every cell as
    reading the cells one by one does (text, value, unreadable, missing, out of range, too
    long): every column of every roster of the corpus and the demo, and cells on the edges."""
    from generator.rosters.specs import ROSTERS
    from generator.rosters.validate import _normalise_by_value, _normalise_cells

    compared = 0
    for root in [*corpus_roots, REPO]:
        tables: list[tuple[RawTable, Roster]] = []
        for roster in ROSTERS.values():
            folders = [root / "data", *sorted((root / "data").glob("20*"))]
            for folder in folders if roster.per_period else folders[:1]:
                for path in roster_files(folder, roster.name):
                    try:
                        tables.append((read_table(path, path.name, roster), roster))
                    except Exception:  # a corpus file meant to be unreadable
                        continue
        for raw, roster in tables:
            for name, column in zip(raw.matched, raw.columns, strict=True):
                if name is None or not len(column):
                    continue
                spec = roster.column(name)
                cells = _normalise_cells(values.as_string_array(column), spec)
                once = _normalise_by_value(column, spec)
                assert _column_outcome(once) == _column_outcome(cells), (raw.file, name)
                compared += 1
    assert compared >= 500
    edge = [
        None, "", " ", "—", "无", "12", "１２", "12人", "1,234", "-3", "x", "12", "2026-02-30",
        "2026/3/5", "2026年3月5日", "45000", "是", "否", " 是 ", "Y", "√", "开发区", "村（社区）",
        "a" * 2001, "商贸　楼宇", None, "12.0", "1e3", "85%", "990101", " 990101 ", "９９０１０１",
    ]  # fmt: skip
    arrays = [pa.array(edge, pa.string()), pa.chunked_array([edge[:9], edge[9:]], pa.string())]
    for roster in (ENTERPRISES, VOLUNTEERS, TARGETS, *(c.roster for c in CAMPAIGNS.values())):
        for spec in roster.columns:
            for arr in arrays:
                cells = _normalise_cells(values.as_string_array(arr), spec)
                once = _normalise_by_value(arr, spec)
                assert _column_outcome(once) == _column_outcome(cells), (roster.name, spec.name)


def test_row_words_made_while_checking_are_those_of_the_frame(
    corpus: list[tuple[Any, list[Snapshot]]],
) -> None:
    """The ledger rows' digest words made from the typed columns while a file is checked (text
    of few values still encoded) are the words of the frame's own columns: a county's digest is
    the same whichever way its rows came (checked now, or carried from an earlier period)."""
    from generator.rosters.counties import WORDS, row_words
    from generator.rosters.ledger import read_ledger

    compared = 0
    for data, snapshots in corpus:
        for snapshot in snapshots:
            ctx = Context(units=data.unit_index, period=snapshot.period)
            folder = data.config.root / "data" / str(snapshot.period)
            frame = read_ledger(data.config.root, folder, ctx).frame
            if not len(frame):
                continue
            assert WORDS not in snapshot.enterprises.columns
            columns = [(c.name, frame[c.name]) for c in ENTERPRISES.columns]
            assert frame[WORDS].to_numpy().tolist() == row_words(columns).tolist()
            compared += len(frame)
    assert compared >= 3000  # the demo's last period at least


# --- masks and words read from the Arrow buffers ------------------------------------------------


def _buffer_cases() -> list[pa.Array | pa.ChunkedArray]:
    """Arrays of every kind the checks read, with and without nulls, sliced at odd offsets."""
    rng = np.random.default_rng(11)
    out: list[pa.Array | pa.ChunkedArray] = []
    for n in (0, 1, 7, 8, 9, 100, 1000):
        for share in (0.0, 0.3, 1.0):
            mask = rng.random(n) < share
            arrays = [
                pa.array(rng.integers(-5, 5, n), pa.int64(), mask=mask),
                pa.array(rng.random(n), pa.float64(), mask=mask),
                pa.array(rng.random(n) < 0.5, pa.bool_(), mask=mask),
                pa.array(rng.integers(0, 10**17, n).astype("datetime64[ns]"), mask=mask),
                pa.array([None if m else f"值{i % 5}" for i, m in enumerate(mask)], pa.string()),
                pa.nulls(n, pa.string()),
                pa.nulls(n, pa.int64()),
            ]
            for arr in arrays:
                out += [arr, arr.slice(n // 3, n // 2), arr.slice(min(n, 5))]
                if pa.types.is_string(arr.type):
                    encoded = pa.compute.dictionary_encode(arr)
                    out += [encoded, encoded.slice(n // 3)]
                out.append(pa.chunked_array([arr, arr.slice(n // 2)], arr.type))
    return out


def test_null_masks_read_from_the_bitmap_are_arrows_own() -> None:
    """The null mask read from an array's validity bitmap is the one Arrow's is_null gives, for
    every kind of column, sliced at any offset, encoded or in chunks."""
    for arr in _buffer_cases():
        want = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        got = values._null_mask(arr)
        assert got.dtype == bool and got.tolist() == want.tolist(), arr.type


def test_row_words_read_from_the_buffers_are_those_of_the_converted_values() -> None:
    """A column's share of the row words read from its Arrow buffers (numbers, dates, flags,
    columns of nulls only) is the one made from the values Arrow converts to numpy."""
    from generator.rosters.counties import _column_constants, _column_parts, column_words

    compared = 0
    for arr in _buffer_cases():
        if isinstance(arr, pa.ChunkedArray | pa.DictionaryArray):
            continue
        for name in ("employees", "unit", "union_date"):
            if pa.types.is_string(arr.type) and (name != "unit" or arr.null_count < len(arr)):
                continue  # (text of values is digested by value, as before)
            kind, nulls, converted = _column_parts(arr, name == "unit")
            odd, blank = _column_constants(name, kind)
            with np.errstate(over="ignore"):
                want = converted * odd
            want[nulls] = blank
            got = column_words(name, arr)
            assert got.dtype == np.uint64 and got.tolist() == want.tolist(), (name, arr.type)
            compared += 1
    assert compared >= 300


# --- a province's ledger on both cores ----------------------------------------------------------


def test_ledgers_checked_on_worker_threads_are_those_checked_in_one(
    corpus: list[tuple[Any, list[Snapshot]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ledger as large as a province's has its columns, digests and missing enterprises
    worked out on worker threads: the same frame, problems, state and digests as in the calling
    thread (a city's ledger), for every period of the corpus cases and the demo."""
    from generator.rosters import read

    compared = 0
    for data, snapshots in corpus:
        state = None
        monkeypatch.setattr(read, "PARALLEL_MIN_ROWS", 0)  # every table "large"
        for period, alone in zip(data.periods[-len(snapshots) :], snapshots, strict=True):
            threaded = read_snapshot(data, period, state)
            state = threaded.state
            pd.testing.assert_frame_equal(threaded.enterprises, alone.enterprises)
            assert threaded.problems.items == alone.problems.items
            assert threaded.state is not None and alone.state is not None
            assert threaded.state.county_digests == alone.state.county_digests
            assert (threaded.state.active == alone.state.active).all()
            compared += 1
        monkeypatch.setattr(read, "PARALLEL_MIN_ROWS", 250_000)
    assert compared >= len(corpus)


# --- large CSV files read through a memory map -------------------------------------------------


def _grid_or_error(path: Path) -> Any:
    """What the CSV reader makes of a file: its cells, rows and findings, or its refusal."""
    from generator.rosters.csv_grid import _csv_grid
    from generator.rosters.errors import ReadError

    try:
        grid = _csv_grid(path, "data/x.csv")
    except ReadError as exc:
        return exc.problem
    cells = [pa.chunked_array([c]).to_pylist() if isinstance(c, pa.Array) else c.to_pylist()
             for c in grid.columns]  # fmt: skip
    return cells, grid.rows.tolist(), grid.lossy, grid.problems


def test_csv_files_read_through_a_memory_map_are_those_read_as_bytes(
    corpus_roots: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CSV file of a megabyte or more is read through a memory map instead of copied into
    memory: the same cells, rows and problems (or the same refusal) as read as bytes, for every
    CSV file of the corpus cases and for the forms that leave pyarrow's way (a byte-order mark,
    GB18030, blank lines, quoted line breaks, old Mac line ends, white space only, an Excel
    file or UTF-16 renamed .csv, a NUL byte, a quote never closed)."""
    from generator.rosters import csv_grid

    header = "统一社会信用代码,企业名称,职工人数\n"
    one, two, three = (uscc(f"91330100MA000000{d}") for d in "123")
    row = f"{one},示例企业,12\n"
    odd = {
        "bom.csv": ("\ufeff" + header + row * 3).encode("utf-8"),
        "gb18030.csv": (header + row * 3).encode("gb18030"),
        "blank-lines.csv": (header + row + "\n" + row).encode(),
        "quoted.csv": (header + f'{two},"两行\n名称",3\n' + row).encode(),
        "mac.csv": (header + row * 2).replace("\n", "\r").encode(),
        "spaces.csv": b" \r\n\t \n",
        "renamed.csv": b"PK\x03\x04" + b"x" * 40,
        "utf16.csv": (header + row).encode("utf-16"),
        "nul.csv": (header + row).encode() + b"\x00",
        "open-quote.csv": (header + f'{three},"未闭合,4\n' + row).encode(),
        "empty.csv": b"",
    }
    for name, content in odd.items():
        (tmp_path / name).write_bytes(content)
    files = sorted(tmp_path.glob("*.csv"))
    for root in corpus_roots:
        files += sorted((root / "data").rglob("*.csv"))
    assert len(files) >= 60
    as_bytes = [_grid_or_error(path) for path in files]
    monkeypatch.setattr(csv_grid, "MAP_MIN_BYTES", 0)  # every file "large"
    mapped = [_grid_or_error(path) for path in files]
    for path, want, got in zip(files, as_bytes, mapped, strict=True):
        assert got == want, path.name
    refused = sum(not isinstance(found, tuple) for found in as_bytes)
    assert refused >= 3  # the renamed workbook, UTF-16 and the NUL byte
