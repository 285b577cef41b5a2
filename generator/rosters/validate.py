"""Validation driven by the spec table: raw text tables to typed DataFrames plus Problems.

Every check is a vectorised mask over a whole column; Problems are made only for the cells that
fail, so a clean 100 000-row ledger costs a few array passes. Rows with errors stay in the frame
(errors stop the build anyway) with the unreadable cell set to NA.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from generator.common.periods import Period
from generator.common.problems import Problem
from generator.rosters import codes
from generator.rosters.collector import Collector, _np_int, _np_mask, _null_mask, _unique
from generator.rosters.counties import WORDS, row_words, spread_words
from generator.rosters.grid import RawTable
from generator.rosters.read import parallel_map
from generator.rosters.rules import _ROSTER_RULES, _campaign_rules
from generator.rosters.specs import (
    BOOL,
    CAMPAIGNS,
    DATE,
    ENTERPRISES,
    ENUM,
    INT,
    NUMBER,
    RATE,
    TEXT,
    Column,
    Roster,
)
from generator.rosters.units import UnitTree
from generator.rosters.uscc import UsccFindings, analyse_uscc
from generator.rosters.values import (
    as_string_array,
    header_key,
    normalise_bool,
    normalise_code_column,
    normalise_date,
    normalise_enum,
    normalise_int,
    normalise_number,
    normalise_rate,
    normalise_text,
)

#: Text columns holding codes: normalised (NFKC, upper case, no spaces) before use.
CODE_COLUMNS = frozenset({"uscc", "code", "parent", "unit", "volunteer", "id"})


_DTYPES: dict[str, Any] = {
    TEXT: pd.StringDtype("pyarrow"),
    ENUM: pd.StringDtype("pyarrow"),
    INT: "Int64",
    NUMBER: "Float64",
    RATE: "Float64",
    BOOL: "boolean",
    DATE: "datetime64[ns]",
}
_MASKED: dict[str, Any] = {
    INT: pd.Int64Dtype(),
    NUMBER: pd.Float64Dtype(),
    RATE: pd.Float64Dtype(),
    BOOL: pd.BooleanDtype(),
}
_ARROW_TYPES = {
    TEXT: pa.string(),
    ENUM: pa.string(),
    INT: pa.int64(),
    NUMBER: pa.float64(),
    RATE: pa.float64(),
    BOOL: pa.bool_(),
    DATE: pa.timestamp("ns"),
}
_KIND_CODES = {
    INT: codes.E_INT,
    NUMBER: codes.E_NUMBER,
    RATE: codes.E_RATE,
    BOOL: codes.E_BOOL,
    DATE: codes.E_DATE,
    ENUM: codes.E_ENUM,
}


@dataclass
class Context:
    """What validating a roster needs beyond its own rows."""

    units: UnitTree | None = None
    period: Period | None = None
    priority_min_employees: int = 25
    #: volunteer id -> unit code, for the ids used in one county only (a review's county)
    volunteer_units: dict[str, str] | None = None
    #: the county of the file being read, when it is one county's (its returned workbook)
    file_county: str = ""


#: The longest cell any roster column holds; a longer one is a paste gone wrong, and would be
#: copied into pages, PDFs and problem lists.
MAX_CELL_CHARS = 2000


def _too_long(arr: pa.Array) -> np.ndarray | None:
    """Cells longer than MAX_CELL_CHARS, or None when there are none (bytes checked first)."""
    if len(arr) == 0 or arr.null_count == len(arr):
        return None
    lengths = np.diff(
        np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]
    )
    if not (lengths > MAX_CELL_CHARS).any():  # a character is at least one byte
        return None
    mask = _np_mask(pc.greater(pc.utf8_length(arr), MAX_CELL_CHARS))
    return mask if mask.any() else None


def _floats(arr: pa.Array) -> np.ndarray:
    """A numeric arrow array as float64 numpy with NaN for nulls (numpy converts: no cast)."""
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=float)


# --- the table pass ----------------------------------------------------------------------------


@dataclass
class Validated:
    """A typed frame and the problems found while building it."""

    frame: pd.DataFrame
    problems: list[Problem]
    arrays: dict[str, pa.Array]


#: Headers of the row-number column every county form has (序号): read past without a warning,
#: which would otherwise stand in every problem list sent back to every county.
ROW_NUMBER_HEADERS = frozenset({"序号", "序", "行号", "no", "no."})


def validate_table(raw: RawTable, roster: Roster, ctx: Context, release: bool = False) -> Validated:
    """Type every spec column of raw, check values, row rules and references.

    With `release`, raw's columns are let go as each is read (raw keeps its rows and headers):
    a province's ledger as read and as typed would not fit in memory together.
    """
    out = Collector(raw)
    n = len(raw)
    present: dict[str, int] = {}
    for j, (name, text) in enumerate(zip(raw.matched, raw.headers, strict=True)):
        if name is None:
            column_has_data = (
                n > 0 and not pc.all(pc.is_null(normalise_text(raw.columns[j]))).as_py()
            )
            if header_key(text) in ROW_NUMBER_HEADERS:
                continue  # the forms' own row numbers (序号): nothing of the roster's
            if text or column_has_data:
                shown = text or f"第{_letters(j)}列（无表头）"
                out.add(codes.W_UNKNOWN_COLUMN, None, shown)
            continue
        if name in present:
            first = raw.headers[present[name]]
            out.add(codes.E_COLUMN_DUPLICATE, None, text, first=first)
            continue
        present[name] = j
        out.headers[name] = text
        out.labels[text] = roster.column(name).title
    for column in roster.columns:
        # Without a header row (already reported) there is no column to call missing.
        if column.required and column.name not in present and raw.headers:
            out.add(codes.E_COLUMN_MISSING, None, column.title)

    arrays: dict[str, pa.Array] = {}
    texts: dict[str, pa.Array] = {}
    for column in roster.columns:
        if column.name not in present:
            arrays[column.name] = pa.nulls(n, _ARROW_TYPES[column.kind])
            texts[column.name] = pa.nulls(n, pa.string())
            out.absent[column.name] = np.ones(n, dtype=bool)
            continue
    # Normalising is pure arrow work that releases the GIL: columns go to threads, like
    # pyarrow's own CSV reader; problems are then collected in column order.
    cells = {c.name: raw.columns[present[c.name]] for c in roster.columns if c.name in present}
    if release:
        raw.columns = []
    # The slowest columns first, so two threads finish together.
    jobs = sorted(
        (c for c in roster.columns if c.name in cells),
        key=lambda c: (c.kind != DATE, c.name != "uscc"),
    )
    # Each column is taken out of `cells` by its thread, so it is freed once read (`release`).
    results = parallel_map(lambda column: _normalise(cells.pop(column.name), column), jobs, n)
    done = {column.name: result for column, result in zip(jobs, results, strict=True)}
    for column in roster.columns:
        if column.name in done:
            texts[column.name] = done[column.name].text
            arrays[column.name] = _check_column(done[column.name], column, out)

    if roster.name != ENTERPRISES.name:  # the ledger's rules read encoded columns as they are
        arrays = {name: _decoded(arr) for name, arr in arrays.items()}
    rules = _ROSTER_RULES.get(roster.name)
    if roster.name in CAMPAIGNS:
        rules = functools.partial(_campaign_rules, CAMPAIGNS[roster.name])
    if rules is not None and raw.headers:  # without a header row the file is already an error
        rules(arrays, texts, out, ctx)

    # The casts made in the threads, for the columns no rule has replaced (the rules ran above).
    large = {
        name: result.large
        for name, result in done.items()
        if result.large is not None and arrays[name] is result.typed
    }

    # The ledger's row words for the counties' digests (E-LEDGER-STALE), from the typed columns
    # while they are at hand: text of few values digested once per value.
    words = None
    if roster.name == ENTERPRISES.name:
        made = {
            name: result.words
            for name, result in done.items()
            if result.words is not None and arrays[name] is result.typed
        }
        words = row_words([(c.name, arrays[c.name]) for c in roster.columns], made)
    frame = _frame(arrays, roster, raw.rows, large, words)
    county_of = _county_resolver(roster, arrays, ctx)
    return Validated(frame, [*raw.problems, *out.resolve(county_of)], arrays)


def _decoded(arr: pa.Array) -> pa.Array:
    """A column worked out per distinct value as a plain array of its rows' values."""
    if isinstance(arr, pa.DictionaryArray):
        return arr.dictionary.take(arr.indices)
    return arr


def _letters(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def _clean_column(arr: pa.Array, column: Column) -> pa.Array:
    """Text columns trimmed, without missing markers, codes normalised; others as read."""
    if column.kind != TEXT:
        return arr  # the typed normalisers treat missing markers themselves
    if column.name in CODE_COLUMNS:
        return normalise_code_column(arr)
    return normalise_text(arr)


@dataclass
class ColumnResult:
    """One column after the column pass: its text, typed values and the masks of its problems."""

    text: pa.Array
    typed: pa.Array
    bad: np.ndarray  # present but unreadable
    absent: np.ndarray  # empty or a missing marker
    out_of_range: np.ndarray | None = None
    floats: np.ndarray | None = None  # numeric columns as float64 with NaN, for row rules
    uscc: UsccFindings | None = None
    #: cells over the length limit, their lengths, and the column as read
    too_long: tuple[np.ndarray, np.ndarray, pa.Array] | None = None
    #: text columns as pandas stores them (large_string), cast here in the worker thread
    large: pa.Array | None = None
    #: the column's share of the ledger rows' digest words (counties.row_words), when made
    #: once per distinct value
    words: np.ndarray | None = None


#: The kinds worked out once per distinct value when a column repeats its values.
_BY_VALUE = frozenset({TEXT, ENUM, DATE})


def _normalise(arr: pa.Array | pa.ChunkedArray, column: Column) -> ColumnResult:
    """Everything about one column that needs no other column (runs in a worker thread).

    A text or date column of few distinct values (units, categories, statuses, dates) is worked
    out once per distinct value and spread to its rows by their dictionary indices: every check
    of a cell depends on that cell alone, so the result is the one cell by cell. Numbers and
    flags are read cell by cell: their clean forms are cast or looked up at once (cheaper than
    hashing the column), and the other forms go to their parser once per distinct value anyway.
    """
    if column.kind not in _BY_VALUE or column.unique or not _few_values(arr):
        return _normalise_cells(as_string_array(arr), column)
    return _normalise_by_value(arr, column)


def _normalise_by_value(arr: pa.Array | pa.ChunkedArray, column: Column) -> ColumnResult:
    """_normalise once per distinct value of the column, spread to its rows."""
    encoded = pc.dictionary_encode(arr)
    if isinstance(encoded, pa.ChunkedArray):  # the chunks share one dictionary
        encoded = encoded.combine_chunks()
    if not len(encoded.dictionary):
        return _normalise_cells(as_string_array(arr), column)
    dictionary = as_string_array(encoded.dictionary)
    once = _normalise_cells(dictionary, column)
    if column.kind in (TEXT, ENUM) and _unchanged(once.typed, dictionary):
        # Every value is kept as written: the column is the one read, without decoding it.
        result = ColumnResult(
            encoded, encoded, _none(len(arr)), _null_mask(encoded.indices), large=_large(arr)
        )
        return result
    return _spread(once, encoded.indices, column)


def _unchanged(typed: pa.Array, written: pa.Array) -> bool:
    """Whether the distinct values of a column are all kept as written (none trimmed, read as
    a missing marker, or rewritten)."""
    return not typed.null_count and bool(pc.all(pc.equal(typed, written)).as_py())


def _large(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A text column as pandas stores it (large_string, one chunk)."""
    return pc.cast(as_string_array(arr), pa.large_string())


def _none(n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool)


#: Rows looked at to decide whether a column is worked out per distinct value.
_SAMPLE_ROWS = 4096


def _few_values(arr: pa.Array | pa.ChunkedArray) -> bool:
    """Whether a column's first rows repeat their values (at most one distinct in two)."""
    sample = arr.slice(0, _SAMPLE_ROWS)
    return len(sample) > 0 and 2 * pc.count_distinct(sample).as_py() <= len(sample)


def _spread(once: ColumnResult, indices: pa.Array, column: Column) -> ColumnResult:
    """A column's result from the result of its distinct values (`indices`: each row's value)."""
    empty = _null_mask(indices)
    has_empty = bool(empty.any())
    # The indices' own buffer (a null's slot holds any value: set to 0 before it is used),
    # as numpy's own index type once, not converted again by every take.
    at = np.frombuffer(indices.buffers()[1], dtype=np.int32)[
        indices.offset : indices.offset + len(indices)
    ].astype(np.intp)
    if has_empty:
        at[empty] = 0

    def rows(values: np.ndarray, blank: Any) -> np.ndarray:
        if values.dtype == bool and not values.any():  # the usual mask: nothing to spread
            return empty.copy() if blank is True else np.zeros(len(at), dtype=bool)
        spread = values.take(at)
        if has_empty:
            spread[empty] = blank
        return spread

    def shown(values: pa.Array) -> pa.Array:
        return pa.DictionaryArray.from_arrays(indices, values)

    if column.kind in (TEXT, ENUM):
        # Kept encoded (a dictionary of each distinct value once) for the rules; the frame
        # decodes it. The dictionary is made unique and null-free first, so that a row is null
        # exactly where its value is.
        clean = pc.dictionary_encode(once.typed)
        typed: pa.Array = pa.DictionaryArray.from_arrays(
            clean.indices.take(indices), clean.dictionary
        )
    else:
        typed = once.typed.take(indices)
    result = ColumnResult(shown(once.text), typed, rows(once.bad, False), rows(once.absent, True))
    if column.kind not in (TEXT, ENUM):  # (text is digested after the rules, which rewrite it)
        result.words = spread_words(column.name, once.typed, at, empty)
    if once.out_of_range is not None:
        result.out_of_range = rows(once.out_of_range, False)
    if once.floats is not None:
        result.floats = rows(once.floats, np.nan)
    if once.too_long is not None:
        mask, lengths, original = once.too_long
        result.too_long = (rows(mask, False), rows(lengths, 0), shown(original))
    return result


def _normalise_cells(arr: pa.Array, column: Column) -> ColumnResult:
    """_normalise cell by cell, over a plain text array."""
    too_long = _too_long(arr)
    original = arr
    if too_long is not None:
        # Reported as too long and read as empty, so no other check repeats a pasted blob.
        lengths = _np_int(pc.utf8_length(arr))
        arr = pc.if_else(pa.array(too_long), pa.scalar(None, pa.string()), arr)
    text = _clean_column(arr, column)
    bad = np.zeros(len(text), dtype=bool)
    if column.kind == TEXT:
        typed = text
    elif column.kind == INT:
        typed, bad = normalise_int(text)
    elif column.kind == NUMBER:
        typed, bad = normalise_number(text)
    elif column.kind == RATE:
        typed, bad = normalise_rate(text)
    elif column.kind == BOOL:
        typed, bad = normalise_bool(text)
    elif column.kind == DATE:
        typed, bad = normalise_date(text)
    elif column.kind == ENUM:
        typed, bad = normalise_enum(text, column.choices, column.synonyms)
    else:  # pragma: no cover - the spec table only uses the kinds above
        raise ValueError(column.kind)
    result = ColumnResult(text, typed, bad, _null_mask(typed) & ~bad)
    if too_long is not None:
        result.absent &= ~too_long
        result.too_long = (too_long, lengths, original)
    if column.kind in (INT, NUMBER, RATE):
        result.floats = _floats(typed)
        if column.minimum is not None or column.maximum is not None:
            values = result.floats
            with np.errstate(invalid="ignore"):
                low = values < column.minimum if column.minimum is not None else False
                high = values > column.maximum if column.maximum is not None else False
            out_of_range = np.asarray(low | high, dtype=bool)
            if out_of_range.any():
                result.out_of_range = out_of_range
                result.typed = pc.if_else(
                    pa.array(out_of_range), pa.scalar(None, typed.type), typed
                )
                result.floats = np.where(out_of_range, np.nan, values)
    if column.name == "uscc" and len(text):
        result.uscc = analyse_uscc(text)
    if column.kind in (TEXT, ENUM):
        result.large = pc.cast(result.typed, pa.large_string())
    return result


def _check_column(result: ColumnResult, column: Column, out: Collector) -> pa.Array:
    """Report unreadable, missing, out-of-range and duplicate cells; return the typed column."""
    header = out.header(column)
    text = result.text
    if result.too_long is not None:
        mask, lengths, original = result.too_long
        out.add_mask(
            codes.E_CELL_TOO_LONG, mask, header, original, length=lengths, limit=MAX_CELL_CHARS
        )
    if result.bad.any():
        fields = {"choices": "、".join(column.choices)} if column.kind == ENUM else {}
        out.add_mask(_KIND_CODES[column.kind], result.bad, header, text, **fields)
    out.absent[column.name] = result.absent
    if result.floats is not None:
        out.floats[column.name] = result.floats
    if result.uscc is not None:
        out.findings[column.name] = result.uscc
    if column.required:
        out.add_mask(codes.E_REQUIRED, result.absent, header, text)
    if result.out_of_range is not None:
        out.add_mask(codes.E_RANGE, result.out_of_range, header, text, bound=_bound(column))
    if column.unique and column.name != "uscc":  # USCC duplicates: see _check_uscc
        _unique(text, out, header)
    return result.typed


def _bound(column: Column) -> str:
    low, high = column.minimum, column.maximum
    fmt = lambda v: str(int(v)) if float(v).is_integer() else str(v)  # noqa: E731
    if low is not None and high is not None:
        return f"{fmt(low)}～{fmt(high)}"
    if low is not None:
        return f"不小于 {fmt(low)}"
    return f"不大于 {fmt(high)}"


def _frame(
    arrays: dict[str, pa.Array],
    roster: Roster,
    rows: np.ndarray,
    large: dict[str, pa.Array] | None = None,
    words: np.ndarray | None = None,
) -> pd.DataFrame:
    """The contract's DataFrame: masked pandas arrays built from the arrow buffers (and the
    ledger's row words, `_word`, until the period's state is made of them)."""
    data: dict[str, Any] = {}
    for column in roster.columns:
        arr = arrays[column.name]
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        kind = column.kind
        values: Any
        if large is not None and column.name in large:
            # pandas stores large_string: a text column cast in its thread is not cast again
            values = pd.arrays.ArrowStringArray(large[column.name])
        elif isinstance(arr, pa.DictionaryArray):  # worked out per distinct value: decoded here
            large_values = arr.dictionary.cast(pa.large_string())
            values = pd.arrays.ArrowStringArray(large_values.take(arr.indices))
        elif kind in (TEXT, ENUM):
            values = pd.arrays.ArrowStringArray(arr)
        elif kind == DATE:
            values = arr.to_numpy(zero_copy_only=False).astype("datetime64[ns]", copy=False)
        else:  # pandas' own conversion from arrow to its masked arrays
            values = _MASKED[kind].__from_arrow__(arr)
        data[column.name] = values
    data["_row"] = np.asarray(rows, dtype=np.int64)
    if words is not None:
        data[WORDS] = words
    return pd.DataFrame(data, copy=False)


def empty_frame(roster: Roster) -> pd.DataFrame:
    """A frame with every column of the roster and no rows."""
    arrays = {c.name: pa.nulls(0, _ARROW_TYPES[c.kind]) for c in roster.columns}
    return _frame(arrays, roster, np.zeros(0, dtype=np.int64))


def _county_resolver(roster: Roster, arrays: dict[str, pa.Array], ctx: Context) -> Any:
    units = ctx.units
    if units is None:
        return None
    if roster.name == "units":
        codes_ = arrays["code"]
        return lambda i: units.county_of(codes_[i].as_py())
    if roster.name == "volunteer_reviews":
        ids, unit = arrays["volunteer"], arrays["unit"]
        owners = ctx.volunteer_units or {}

        def review_county(i: int) -> tuple[str, str]:
            code = unit[i].as_py()
            if code:
                return units.county_of(code)
            if ctx.file_county:
                return ctx.file_county, units.name.get(ctx.file_county, "")
            return units.county_of(owners.get(ids[i].as_py() or ""))

        return review_county
    if "unit" in arrays:
        if ctx.file_county:  # a county's own file: its problems are the county's to fix
            owner = (ctx.file_county, units.name.get(ctx.file_county, ""))
            return lambda i: owner
        unit = arrays["unit"]
        return lambda i: units.county_of(unit[i].as_py())
    return None


# --- references ----------------------------------------------------------------------------------


# --- roster rules --------------------------------------------------------------------------------
