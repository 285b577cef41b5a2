"""Per-county views of a ledger frame, over the columns: each row's county, each county's first
file, and each county's digest of its rows (a ledger sent again unchanged, E-LEDGER-STALE)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from generator.rosters.read import parallel_map
from generator.rosters.units import UnitTree
from generator.rosters.values import _null_mask


def _arrow(series: pd.Series) -> pa.Array:
    """A string column as a pyarrow array (zero-copy for the frames made here)."""
    arr = pa.array(series.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


#: The frame column holding each ledger row's word (row_words), made while the file is checked.
WORDS = "_word"


def _county_digests(
    table: pa.Table | pd.DataFrame | Sequence[tuple[str, Any]],
    codes_np: np.ndarray,
    groups: int,
    words: np.ndarray | None = None,
) -> list[tuple[str, int]]:
    """(digest, rows) of each group of rows (codes_np: its group per row), in group order.

    A group's digest is of its rows' cells in their order, wherever the rows lie. Columns of
    fixed width (numbers, flags, dates, and text of few values as a digest of each value) are
    folded into one 64-bit word per row first (`row_words`; `words` when the validation made
    them already, in the same pass as its checks); other text is digested as its bytes. Only
    the row words and those texts are brought into the groups' order (unless each group's rows
    already lie together, as when each county sends its own file); then each group hashes its
    range. The frame's own arrays are read as they are.
    """
    runs = np.flatnonzero(codes_np[1:] != codes_np[:-1]) + 1
    order: np.ndarray | None = None
    if len(runs) + 1 == groups:
        starts, ends = np.r_[0, runs], np.r_[runs, len(codes_np)]
        groups_in_order = codes_np[starts]
    else:
        # a stable sort of small integers is a radix sort in numpy: far quicker than of int32
        small = codes_np.astype(np.int16) if groups < 2**15 else codes_np
        order = np.argsort(small, kind="stable")
        edges = np.searchsorted(codes_np[order], np.arange(groups + 1))
        starts, ends, groups_in_order = edges[:-1], edges[1:], np.arange(groups)
    columns = _columns(table)
    if words is None:
        words = row_words(columns)
    text_columns = [(name, column) for name, column in columns if _as_bytes(name, column)]

    def in_order(column: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # each text column brought into the groups' order in its own thread (Arrow's take)
        _, nulls, offsets, data = _column_parts(column)
        if order is not None:
            return _text_in_order(nulls, offsets, data, order)
        return nulls, offsets, data

    parts = parallel_map(in_order, [column for _name, column in text_columns], len(codes_np))
    texts = [(name, *part) for (name, _column), part in zip(text_columns, parts, strict=True)]
    if order is not None:
        words = words[order]
    bounds = dict(
        zip(groups_in_order.tolist(), zip(starts.tolist(), ends.tolist(), strict=True), strict=True)
    )

    def digest(group: int) -> tuple[str, int]:
        start, end = bounds[group]
        # SHA-256: the quickest of hashlib's on this work (the CPU's own instructions)
        h = hashlib.sha256(str(end - start).encode())
        h.update(b"words\0")
        h.update(words[start:end].data)
        for name, nulls, offsets, data in texts:
            h.update(f"\0{name}:text\0".encode())
            # Null flags packed eight to a byte, and only for a range that has a null.
            flags = nulls[start:end]
            h.update(np.packbits(flags).data if flags.any() else b"-")
            h.update(np.diff(offsets[start : end + 1]).astype(np.int32).data)
            h.update(data[int(offsets[start]) : int(offsets[end])].data)
        return h.hexdigest()[:32], end - start

    return parallel_map(digest, range(groups), len(codes_np))


def _columns(table: pa.Table | pd.DataFrame | Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """A table's or a frame's columns by name (or those columns, given by name)."""
    if isinstance(table, Sequence):
        return list(table)
    if isinstance(table, pd.DataFrame):
        return [(str(name), table[name]) for name in table.columns]
    return [(name, table.column(i)) for i, name in enumerate(table.column_names)]


def _as_bytes(name: str, column: Any) -> bool:
    """Whether a column is digested as its text's bytes (text of many values), not as words."""
    if name in _FEW_VALUES:
        return False
    if isinstance(column, pd.Series):
        dtype = column.dtype
        return not isinstance(dtype, _MASKED) and dtype.kind != "M"
    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def row_words(
    columns: Sequence[tuple[str, Any]], made: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """One 64-bit word per row folding the columns not digested as bytes (see _county_digests).

    Each column's values times its own odd constant (so one cell changed always changes its
    row's word), nulls its own constant. Columns are frame Series, Arrow arrays (chunked or
    not) or, for text of few values, dictionary-encoded arrays (each distinct value digested
    once). The same values give the same words whichever form they come in. `made`: a
    column's words already worked out (column_words, once per distinct value).
    """
    made = made or {}
    folded = [
        (name, column)
        for name, column in columns
        if name not in made and not _as_bytes(name, column)
    ]
    n = len(columns[0][1]) if columns else 0
    words = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for part in made.values():
            words += part
        # a few columns at a time: a province's columns' words at once would be ~300 MB
        for start in range(0, len(folded), _WORDS_BATCH):
            batch = folded[start : start + _WORDS_BATCH]
            for part in parallel_map(lambda job: column_words(*job), batch, n):
                words += part
    return words


#: Columns whose words are made at once (by the worker threads) before they are added up.
_WORDS_BATCH = 4


def column_words(name: str, column: Any) -> np.ndarray:
    """A column's share of each row's word (row_words): its value times the column's odd
    constant, or the column's constant for a null."""
    fixed = _fixed_parts(column, name in _FEW_VALUES)
    kind, nulls, values = fixed or _column_parts(column, name in _FEW_VALUES)
    odd, blank = _column_constants(name, kind)
    if nulls is None:  # every cell null
        return np.full(len(column), blank, dtype=np.uint64)
    with np.errstate(over="ignore"):
        values = values * odd
    values[nulls] = blank
    return values


#: Arrow types of fixed width, read from their buffers: the kind _column_parts names them by
#: (numpy's dtype string) and the width of their values.
_FIXED = {pa.int64(): ("<i8", np.int64), pa.float64(): ("<f8", np.float64)}
_FIXED[pa.timestamp("ns")] = ("<i8", np.int64)


def _fixed_parts(column: Any, by_value: bool) -> _ColumnParts | None:
    """_column_parts of a plain Arrow array of fixed-width values or flags, read from its own
    buffers (what a null's slot holds does not matter: its word is the column's constant);
    nulls None for a column of nulls only. None for other columns."""
    if not isinstance(column, pa.Array) or isinstance(column, pa.DictionaryArray):
        return None
    n, kind = len(column), column.type
    if column.null_count == n and n:
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return ("text by value" if by_value else "text"), None, None
        if kind in _FIXED or pa.types.is_boolean(kind):
            return (_FIXED[kind][0] if kind in _FIXED else "|b1"), None, None
        return None
    if kind in _FIXED:
        name, dtype = _FIXED[kind]
        data = np.frombuffer(column.buffers()[1], dtype=dtype)[column.offset : column.offset + n]
        return name, _null_mask(column), data.view(np.uint64)
    if pa.types.is_boolean(kind):
        bits = np.unpackbits(
            np.frombuffer(column.buffers()[1], dtype=np.uint8),
            count=column.offset + n,
            bitorder="little",
        )[column.offset :]
        return "|b1", _null_mask(column), bits.astype(np.uint64)
    return None


def spread_words(name: str, values: pa.Array, at: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """column_words of a column from those of its distinct `values`: `at` is each row's value
    (any where the row is `empty`, a null)."""
    words = column_words(name, values).take(at)
    if empty.any():
        words[empty] = column_words(name, pa.nulls(1, values.type))[0]
    return words


def _column_constants(name: str, kind: str) -> tuple[np.uint64, np.uint64]:
    """A column's multiplier (odd, so no change of a value is lost) and word for a null."""
    seed = hashlib.sha256(f"{name}:{kind}".encode()).digest()
    odd = int.from_bytes(seed[:8], "little") | 1
    return np.uint64(odd), np.uint64(int.from_bytes(seed[8:16], "little"))


def _text_in_order(
    nulls: np.ndarray, offsets: np.ndarray, data: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A text column's null flags, offsets and bytes with its rows in `order`."""
    wide = pa.large_string() if offsets.dtype == np.int64 else pa.string()
    arr = pa.Array.from_buffers(
        wide, len(nulls), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    ).take(pa.array(order))
    return nulls[order], *_text_buffers(arr)


def _text_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A text array's offsets and bytes as numpy (zero-copy)."""
    wide = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=wide)[arr.offset : arr.offset + len(arr) + 1]
    buffer = arr.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)
    return offsets, data


_ColumnParts = tuple[Any, ...]


#: Text columns of few distinct values (units, categories, reasons): digested by a digest of
#: each distinct value, looked up per row, far cheaper than bringing their text together when
#: the counties' rows are interleaved. Other text (codes, names, persons) as its bytes.
_FEW_VALUES = frozenset(
    {
        "unit",
        "industry",
        "ownership",
        "area_type",
        "union_form",
        "not_unionized_reason",
        "status",
        "federation",
        "progress",
    }
)


_MASKED = (pd.BooleanDtype, pd.Float64Dtype, pd.Int64Dtype)


def _column_parts(
    column: pa.Array | pa.ChunkedArray | pd.Series, by_value: bool = False
) -> _ColumnParts:
    """A column as plain arrays: ("text", null flags, offsets, bytes) for text, else (kind,
    null flags, values as uint64). A frame's column is read from its own arrays: text from its
    Arrow array, masked numbers and flags as numpy, dates as int64. Text `by_value` is one
    8-byte digest per row, of its value."""
    if isinstance(column, pa.DictionaryArray):
        if by_value:
            return _by_value(column.dictionary, column.indices)
        column = column.dictionary.take(column.indices)
    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    if isinstance(column, pd.Series):
        dtype = column.dtype
        if not isinstance(dtype, _MASKED) and dtype.kind != "M":
            column = pa.chunked_array([pa.array(column.array, from_pandas=True)])
        else:
            nulls = np.asarray(column.isna().to_numpy(), dtype=bool)
            if isinstance(dtype, pd.BooleanDtype):
                values = column.to_numpy(dtype=bool, na_value=False)
            elif isinstance(dtype, pd.Float64Dtype):
                values = column.to_numpy(dtype=np.float64, na_value=0.0)
            elif isinstance(dtype, pd.Int64Dtype):
                values = column.to_numpy(dtype=np.int64, na_value=0)
            else:  # dates: their int64 counts
                values = column.to_numpy().view(np.int64)
            return values.dtype.str, nulls, _as_words(values)
    arr = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    nulls = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        if by_value:
            encoded = pc.dictionary_encode(arr)
            return _by_value(encoded.dictionary, encoded.indices)
        return ("text", nulls, *_text_buffers(arr))
    blank = pa.scalar(False if pa.types.is_boolean(arr.type) else 0, arr.type)
    values = np.asarray(pc.fill_null(arr, blank).to_numpy(zero_copy_only=False))
    if values.dtype.kind in "mM":  # dates: their int64 counts (numpy exports no date buffer)
        values = values.view(np.int64)
    return values.dtype.str, nulls, _as_words(values)


def _by_value(dictionary: pa.Array, indices: pa.Array) -> _ColumnParts:
    """Text of few values as one 8-byte digest per row, of its value (each value once)."""
    if dictionary.null_count:  # a null value: encoded again, so that only indices are null
        encoded = pc.dictionary_encode(dictionary.take(indices))
        dictionary, indices = encoded.dictionary, encoded.indices
    digests = b"".join(
        hashlib.sha256(value.encode()).digest()[:8] for value in dictionary.to_pylist()
    )
    lookup = np.frombuffer(digests + bytes(8), dtype=np.uint64)  # the last: a null
    nulls = np.asarray(indices.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    at = pc.fill_null(indices, len(dictionary)).to_numpy(zero_copy_only=False)
    return "text by value", nulls, lookup[at]


def _as_words(values: np.ndarray) -> np.ndarray:
    """Fixed-width values as uint64 words (their bits; flags as 0 and 1)."""
    if values.dtype.itemsize == 8:
        return values.view(np.uint64)
    return values.astype(np.uint64)


def _bool(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def county_of_rows(enterprises: pd.DataFrame, index: UnitTree) -> pa.Array:
    """The county code of each row's unit ('' for the city or an unknown unit)."""
    units = _arrow(enterprises["unit"])
    keys = pa.array(list(index.county), pa.string())
    values = pa.array([*index.county.values(), ""], pa.string())
    at = pc.fill_null(pc.index_in(units, value_set=keys), len(keys))
    return values.take(at)


def first_file_by_county(enterprises: pd.DataFrame, index: UnitTree) -> dict[str, str]:
    """The file of each county's first row (a row with a unit and a file; "" for the city's and
    unknown units), over the columns rather than row by row."""
    if "_file" not in enterprises.columns or not len(enterprises):
        return {}
    files = _arrow(enterprises["_file"])
    known = _bool(pc.and_(pc.is_valid(_arrow(enterprises["unit"])), pc.is_valid(files)))
    if not known.any():
        return {}
    rows = np.flatnonzero(known)
    counties = county_of_rows(enterprises, index).take(pa.array(rows))
    encoded = pc.dictionary_encode(counties)
    _, first = np.unique(encoded.indices.to_numpy(zero_copy_only=False), return_index=True)
    first = np.sort(first)  # in the order of the rows, as the counties are met
    owners = counties.take(pa.array(first)).to_pylist()
    taken = files.take(pa.array(rows[first])).to_pylist()
    return {str(c): str(f) for c, f in zip(owners, taken, strict=True)}
