"""Fuzzing the roster readers and value parsers: any input is read or reported, never a crash.

Random bytes and randomly structured CSV and XLSX files go through the readers and the
validation; random cells go through every value parser. A scalar parser either returns a value
or raises ValueError; a column normaliser agrees with its scalar parser cell by cell; a reader
either returns a table or raises ReadError carrying a problem, and validation turns any table
into a frame plus problems. Example counts keep the whole module to a few seconds.
"""

from __future__ import annotations

import contextlib
import csv
import io
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from conftest import roster_headers, rows_of
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.common.periods import Period
from generator.common.problems import Problem
from generator.rosters import values as v
from generator.rosters.read import ReadError, cell_text, read_table
from generator.rosters.specs import ENTERPRISES, LEVEL_SYNONYMS, ROSTERS, Roster
from generator.rosters.uscc import analyse_uscc
from generator.rosters.validate import Context, validate_table

FAST = settings(max_examples=200, deadline=None)
FILES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
XLSX = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- cells -------------------------------------------------------------------------------------

#: Pieces people type into cells, so random cells often come close to a valid value.
TOKENS = [
    "0", "1", "12", "１２", "1,234", "1，234", "12.0", "12.5", "-3", "+4", "1e3", "9.13701E+17",
    "12家", "30人", "85%", "85％", "0.85", "是", "否", "有", "无", "Y", "n", "TRUE", "√", "×",
    "2026-03-05", "2026/3/5", "2026.3.5", "2026年3月5日", "20260305", "46000", "2026-02-30",
    "—", "-", "/", "N/A", " ", "\u3000", "\xa0", "市", "县", "乡镇（街道）", "存续", "注销", "优秀",
    "合计", "注：", "E", ".", ":", "年", "月", "日",
]  # fmt: skip
CELL = st.one_of(
    st.sampled_from(TOKENS),
    st.lists(st.sampled_from(TOKENS), min_size=2, max_size=4).map("".join),
    st.text(max_size=12),
)
SCALAR = st.one_of(
    CELL,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
)
SCALAR_PARSERS: list[Callable[[Any], Any]] = [
    v.parse_int,
    v.parse_number,
    v.parse_rate,
    v.parse_bool,
    v.parse_date,
]


@FAST
@given(SCALAR)
def test_scalar_parsers_return_a_value_or_raise_value_error(value: Any) -> None:
    for parse in SCALAR_PARSERS:
        with contextlib.suppress(ValueError):
            parse(value)
    text = v.parse_text(value)
    assert text is None or (isinstance(text, str) and text == text.strip())
    code = v.normalise_code(value)
    assert code is None or " " not in code
    assert isinstance(v.is_missing(value), bool)


@FAST
@given(CELL)
def test_text_helpers_never_fail(text: str) -> None:
    assert isinstance(v.is_scientific(text), bool)
    assert isinstance(v.header_key(text), str)
    assert v.header_keys(text)
    choices = ("city", "county", "township")
    with contextlib.suppress(ValueError):
        assert v.parse_enum(text, choices, LEVEL_SYNONYMS) in choices


def _agrees(
    cells: list[str | None],
    normalise: Callable[[pa.Array], tuple[pa.Array, Any]],
    parse: Callable[[str], Any],
    convert: Callable[[Any], Any] = lambda x: x,
) -> None:
    """A column normaliser reads each cell as its scalar parser does, or flags it as bad."""
    arr = v.trim_array(pa.array(cells, pa.string()))
    typed, bad = normalise(arr)
    assert len(typed) == len(cells) and len(bad) == len(cells)
    for text, value, flagged in zip(arr.to_pylist(), typed.to_pylist(), bad.tolist(), strict=True):
        if text is None or text in v.MISSING_MARKERS:
            assert value is None and not flagged
            continue
        try:
            expected = convert(parse(text))
        except (ValueError, OverflowError):
            assert flagged and value is None, (text, value)
            continue
        assert not flagged and value == expected, (text, value, expected)


COLUMN = st.lists(st.one_of(st.none(), CELL), max_size=12)


def _int64(text: str) -> int:
    value = v.parse_int(text)
    if not -(2**63) <= value < 2**63:
        raise ValueError(text)
    return value


def _finite(text: str) -> float:
    value = v.parse_number(text)
    if value in (float("inf"), float("-inf")) or value != value:
        raise ValueError(text)
    return value


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


@FAST
@given(COLUMN)
@example(["1e3"])  # arrow's cast reads it; the scalar parser does not
@example(["年", "2000/1/1日"])  # once read as a date because another cell had 年
def test_column_normalisers_agree_with_the_scalar_parsers(cells: list[str | None]) -> None:
    _agrees(cells, v.normalise_int, _int64)
    _agrees(cells, v.normalise_number, _finite)
    _agrees(cells, v.normalise_rate, v.parse_rate)
    _agrees(cells, v.normalise_date, v.parse_date, _midnight)
    level = ROSTERS["units"].column("level")

    def enum(arr: pa.Array) -> tuple[pa.Array, Any]:
        return v.normalise_enum(arr, level.choices, level.synonyms)

    _agrees(cells, enum, lambda t: v.parse_enum(t, level.choices, level.synonyms))


@FAST
@given(COLUMN)
def test_booleans_agree_with_the_scalar_parser(cells: list[str | None]) -> None:
    arr = v.trim_array(pa.array(cells, pa.string()))
    typed, bad = v.normalise_bool(arr)
    for text, value, flagged in zip(arr.to_pylist(), typed.to_pylist(), bad.tolist(), strict=True):
        if text is None or (text in v.MISSING_MARKERS and text != "无"):
            assert value is None and not flagged
            continue
        try:
            assert value == v.parse_bool(text) and not flagged, text
        except ValueError:
            assert flagged and value is None, text


def _code_character(ch: str) -> bool:
    return ch.isascii() or ch.isspace() or "\uff00" <= ch <= "\uffef" or "\u4e00" <= ch <= "\u9fff"


@FAST
@given(COLUMN)
def test_text_and_code_columns(cells: list[str | None]) -> None:
    arr = pa.array(cells, pa.string())
    texts = v.normalise_text(arr).to_pylist()
    assert texts == [v.parse_text(c) for c in cells]
    codes = v.normalise_code_column(arr).to_pylist()
    for cell, code in zip(cells, codes, strict=True):
        # Python and arrow case other scripts differently (ß → SS or ẞ; their Unicode versions
        # differ): codes are ASCII, full-width forms, CJK and spaces, and either is invalid.
        if cell is None or all(_code_character(ch) for ch in cell):
            assert code == v.normalise_code(cell), cell
    found = analyse_uscc(v.normalise_code_column(arr))
    assert len(found.scientific) == len(cells)
    assert not (found.scientific & found.form_bad).any()


@FAST
@given(SCALAR)
def test_xlsx_cell_text(value: Any) -> None:
    text = cell_text(value)
    assert text is None or (isinstance(text, str) and text.strip())


# --- CSV files ---------------------------------------------------------------------------------


def _read(path: Path, roster: Roster = ENTERPRISES) -> list[Problem] | None:
    """Read and validate a file; the problems, or None for a file reported as unreadable."""
    rel = f"data/2026-10/{path.name}"
    try:
        raw = read_table(path, rel, roster)
    except ReadError as exc:
        problem = exc.problem
        assert problem.code.startswith("E-") and problem.file == rel
        assert any("\u4e00" <= ch <= "\u9fff" for ch in problem.message)
        return None
    rows = raw.rows.tolist()
    assert rows == sorted(set(rows)) and all(r > raw.header_row for r in rows)
    result = validate_table(raw, roster, Context(period=Period.parse("2026-10")))
    assert len(result.frame) == len(raw)
    for problem in result.problems:
        assert problem.code and any("\u4e00" <= ch <= "\u9fff" for ch in problem.message)
        assert len(problem.value) <= 100
    return result.problems


@FILES
@given(st.binary(max_size=400))
def test_any_bytes_as_a_csv(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "enterprises.csv"
    path.write_bytes(data)
    _read(path)


@FILES
@given(st.binary(max_size=200), st.integers(min_value=0, max_value=2000))
def test_a_valid_csv_with_random_bytes_spliced_in(tmp_path: Path, junk: bytes, at: int) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(roster_headers("enterprises"))
    names = [c.name for c in ENTERPRISES.columns]
    writer.writerows([[r.get(n, "") for n in names] for r in rows_of("enterprises", "2026-10")])
    data = buffer.getvalue().encode()
    at = min(at, len(data))
    path = tmp_path / "enterprises.csv"
    path.write_bytes(data[:at] + junk + data[at:])
    _read(path)


#: Cells that never look like a header, a total, a note or a blank: rows stay data.
DATA_CELL = st.one_of(
    st.sampled_from(["东方机械", "990101", "120", "是", "2026-03-05", "a,b", 'say "hi"', "x"]),
    st.sampled_from(["第一行\n第二行", "回车\r\n换行"]),
    st.just(""),
)
RECORD = st.one_of(st.just(None), st.lists(DATA_CELL, min_size=1, max_size=20))


@FILES
@given(
    st.lists(RECORD, max_size=12),
    st.sampled_from(["\r\n", "\n"]),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    st.lists(st.sampled_from(["2026年10月企业建会台账", "填报单位：甲县"]), max_size=2),
)
def test_csv_rows_are_numbered_as_excel_shows_them(
    tmp_path: Path,
    records: list[list[str] | None],
    newline: str,
    encoding: str,
    titles: list[str],
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    for title in titles:
        writer.writerow([title])
    writer.writerow(roster_headers("enterprises"))
    # Excel shows one row per record, blank lines included; a quoted line break stays in its cell.
    expected = []
    for number, record in enumerate(records, start=len(titles) + 2):
        if record is None:
            buffer.write(newline)
        else:
            writer.writerow(record)
            if any(cell.strip() for cell in record):
                expected.append(number)
    path = tmp_path / "enterprises.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    raw = read_table(path, "x.csv", ENTERPRISES)
    assert raw.header_row == len(titles) + 1
    assert raw.rows.tolist() == expected


# --- XLSX files --------------------------------------------------------------------------------


def _valid_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(roster_headers("enterprises"))
    names = [c.name for c in ENTERPRISES.columns]
    for row in rows_of("enterprises", "2026-10"):
        ws.append([row.get(n) or None for n in names])
    ws.append(["合计", None, None, None, None, None, "=SUM(G2:G5)"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


VALID_XLSX = _valid_xlsx()
with zipfile.ZipFile(io.BytesIO(VALID_XLSX)) as _archive:
    XLSX_PARTS = {name: _archive.read(name) for name in _archive.namelist()}


@XLSX
@given(st.binary(max_size=300), st.booleans())
def test_any_bytes_as_an_xlsx(tmp_path: Path, data: bytes, zip_magic: bool) -> None:
    path = tmp_path / "enterprises.xlsx"
    path.write_bytes((b"PK\x03\x04" if zip_magic else b"") + data)
    assert _read(path) is None


@XLSX
@given(st.integers(min_value=0, max_value=len(VALID_XLSX)), st.binary(max_size=16))
def test_a_truncated_or_damaged_xlsx(tmp_path: Path, cut: int, patch: bytes) -> None:
    path = tmp_path / "enterprises.xlsx"
    path.write_bytes(VALID_XLSX[:cut] + patch + VALID_XLSX[cut + len(patch) :])
    _read(path)


@XLSX
@given(
    st.sampled_from(sorted(XLSX_PARTS)),
    st.one_of(
        st.binary(max_size=200),
        st.integers(min_value=0, max_value=4000).map(lambda n: ("cut", n)),
        st.tuples(st.integers(min_value=0, max_value=4000), st.binary(min_size=1, max_size=8)),
    ),
    st.booleans(),
)
def test_a_zip_with_one_part_damaged_or_missing(
    tmp_path: Path, part: str, damage: Any, drop: bool
) -> None:
    members = dict(XLSX_PARTS)
    if drop:
        del members[part]
    elif isinstance(damage, bytes):
        members[part] = damage
    elif damage[0] == "cut":
        members[part] = members[part][: damage[1]]
    else:
        at, patch = damage
        members[part] = members[part][:at] + patch + members[part][at + len(patch) :]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path = tmp_path / "enterprises.xlsx"
    path.write_bytes(buffer.getvalue())
    _read(path)


@pytest.mark.parametrize("roster", sorted(ROSTERS))
def test_an_empty_file_of_any_roster_is_one_problem(tmp_path: Path, roster: str) -> None:
    path = tmp_path / f"{roster}.csv"
    path.write_bytes(b"")
    problems = _read(path, ROSTERS[roster])
    assert problems is not None and [p.code for p in problems] == ["E-FILE-EMPTY"]
