"""Validation driven by the spec table: raw text tables to typed DataFrames plus Problems.

Every check is a vectorised mask over a whole column; Problems are made only for the cells that
fail, so a clean 100 000-row ledger costs a few array passes. Rows with errors stay in the frame
(errors stop the build anyway) with the unreadable cell set to NA.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from generator.common.periods import Period
from generator.common.problems import Problem
from generator.rosters import codes
from generator.rosters.codes import Code
from generator.rosters.read import RawTable, parallel_map
from generator.rosters.specs import (
    BOOL,
    CAMPAIGNS,
    DATE,
    ENTERPRISES,
    ENUM,
    INT,
    LISTED_VALUES,
    NUMBER,
    RATE,
    TARGETS,
    TEXT,
    UNITS,
    VOLUNTEER_REVIEWS,
    VOLUNTEERS,
    Campaign,
    Column,
    Roster,
)
from generator.rosters.units import UnitTree
from generator.rosters.values import (
    SCIENTIFIC_PATTERN,
    as_string_array,
    enum_table,
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

LEVEL_NAMES = {"city": "市", "county": "县市区", "township": "乡镇（街道）"}

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int32)
_USCC_LUT = np.full(256, 255, dtype=np.uint8)  # 255: not a USCC character
for _i, _ch in enumerate(USCC_ALPHABET):
    _USCC_LUT[ord(_ch)] = _i

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


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character of the first 17 characters of a USCC."""
    total = sum(USCC_ALPHABET.index(c) * int(w) for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


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


def _np_int(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, 0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _np_mask(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _null_mask(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)


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


def validate_table(raw: RawTable, roster: Roster, ctx: Context) -> Validated:
    """Type every spec column of raw, check values, row rules and references."""
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
    jobs = [(c, raw.columns[present[c.name]]) for c in roster.columns if c.name in present]
    # The slowest columns first, so two threads finish together.
    jobs.sort(key=lambda job: (job[0].kind != DATE, job[0].name != "uscc"))
    results = parallel_map(lambda job: _normalise(job[1], job[0]), jobs)
    done = {column.name: result for (column, _), result in zip(jobs, results, strict=True)}
    for column in roster.columns:
        if column.name in done:
            texts[column.name] = done[column.name].text
            arrays[column.name] = _check_column(done[column.name], column, out)

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

    frame = _frame(arrays, roster, raw.rows, large)
    county_of = _county_resolver(roster, arrays, ctx)
    return Validated(frame, [*raw.problems, *out.resolve(county_of)], arrays)


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


def _normalise(arr: pa.Array, column: Column) -> ColumnResult:
    """Everything about one column that needs no other column (runs in a worker thread)."""
    arr = as_string_array(arr)
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


def _frame(
    arrays: dict[str, pa.Array],
    roster: Roster,
    rows: np.ndarray,
    large: dict[str, pa.Array] | None = None,
) -> pd.DataFrame:
    """The contract's DataFrame: masked pandas arrays built from the arrow buffers."""
    data: dict[str, Any] = {}
    for column in roster.columns:
        arr = arrays[column.name]
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        kind = column.kind
        if kind in (TEXT, ENUM):
            # pandas stores large_string: a text column cast in its thread is not cast again
            values: Any = pd.arrays.ArrowStringArray((large or {}).get(column.name, arr))
        elif kind == DATE:
            values = arr.to_numpy(zero_copy_only=False).astype("datetime64[ns]", copy=False)
        else:  # pandas' own conversion from arrow to its masked arrays
            values = _MASKED[kind].__from_arrow__(arr)
        data[column.name] = values
    data["_row"] = np.asarray(rows, dtype=np.int64)
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


def _check_units(
    arrays: dict[str, pa.Array],
    out: Collector,
    ctx: Context,
    column: str,
    header: str,
    allowed: tuple[str, ...] = (),
) -> None:
    """Every unit code refers to a unit (of an allowed level, when given)."""
    units = ctx.units
    if units is None:
        return
    values = arrays[column]
    encoded = pc.dictionary_encode(values)
    dictionary = encoded.dictionary.to_pylist()
    unknown = [v not in units.level for v in dictionary]
    wrong = [
        bool(allowed) and v in units.level and units.level[v] not in allowed for v in dictionary
    ]
    if not any(unknown) and not any(wrong):
        return
    idx = encoded.indices.to_numpy(zero_copy_only=False)
    valid = ~_null_mask(encoded.indices)
    safe = np.where(valid, idx, 0).astype(np.int64)
    unknown_mask = valid & np.asarray(unknown, dtype=bool)[safe]
    wrong_mask = valid & np.asarray(wrong, dtype=bool)[safe]
    out.add_mask(codes.E_UNIT_UNKNOWN, unknown_mask, header, values)
    if wrong_mask.any():
        codes_ = values.to_pylist()
        names = [units.name.get(c or "", "") for c in codes_]
        levels = [LEVEL_NAMES.get(units.level.get(c or "", ""), "") for c in codes_]
        allowed_text = "或".join(LEVEL_NAMES[a] for a in allowed)
        out.add_mask(
            codes.E_UNIT_LEVEL,
            wrong_mask,
            header,
            values,
            name=names,
            level=levels,
            allowed=allowed_text,
        )


# --- roster rules --------------------------------------------------------------------------------


def _enterprise_rules(
    a: dict[str, pa.Array], texts: dict[str, pa.Array], out: Collector, ctx: Context
) -> None:
    """The §2 rules of the enterprise ledger."""
    R = ENTERPRISES

    h = lambda name: out.header(R.column(name))  # noqa: E731
    for name, listed in LISTED_VALUES.items():
        a[name] = _listed_category(a[name], listed, out, h(name))
    _check_uscc(texts["uscc"], out, h("uscc"), out.findings.get("uscc"))
    _check_units(a, out, ctx, "unit", h("unit"), ("township", "county"))

    number = lambda name: out.floats.get(name, np.full(len(a[name]), np.nan))  # noqa: E731
    employees = number("employees")
    migrant = number("migrant_workers")
    dispatch = number("dispatch_workers")
    members = number("members")
    migrant_members = number("migrant_members")
    unionized = _np_mask(a["unionized"])
    with np.errstate(invalid="ignore"):
        out.add_mask(
            codes.E_MIGRANT_EXCEEDS,
            migrant > employees,
            h("migrant_workers"),
            migrant,
            employees=employees,
        )
        out.add_mask(
            codes.E_DISPATCH_EXCEEDS,
            dispatch > employees,
            h("dispatch_workers"),
            dispatch,
            employees=employees,
        )
        out.add_mask(
            codes.W_MEMBERS_EXCEED,
            members > employees,
            h("members"),
            members,
            employees=employees,
        )
        out.add_mask(
            codes.W_MIGRANT_MEMBERS_EXCEED,
            migrant_members > migrant,
            h("migrant_members"),
            migrant_members,
            migrant_workers=migrant,
        )
        out.add_mask(
            codes.W_DISPATCH_MEMBERS_EXCEED,
            number("dispatch_members") > dispatch,
            h("dispatch_members"),
            number("dispatch_members"),
            dispatch_workers=dispatch,
        )

    # Only cells that were empty (not unreadable) count as missing here: no double report.
    date_empty = out.absent["union_date"]
    out.add_mask(codes.E_UNION_DATE_REQUIRED, unionized & date_empty, h("union_date"), None)
    members_empty = out.absent["members"]
    out.add_mask(codes.E_MEMBERS_REQUIRED, unionized & members_empty, h("members"), None)

    if ctx.period is not None:
        end = pa.scalar(np.datetime64(ctx.period.end.isoformat(), "ns"), pa.timestamp("ns"))
        future = _np_mask(pc.greater(a["union_date"], end))
        out.add_mask(
            codes.E_UNION_DATE_FUTURE,
            future,
            h("union_date"),
            a["union_date"],
            end=ctx.period.end.isoformat(),
        )

    status = a["status"]
    active = _np_mask(pc.or_kleene(pc.is_null(status), pc.equal(status, "存续")))
    not_unionized = _np_mask(pc.invert(a["unionized"]))
    with np.errstate(invalid="ignore"):
        big = employees >= ctx.priority_min_employees
    reason_missing = _null_mask(a["not_unionized_reason"])
    out.add_mask(
        codes.W_REASON_MISSING,
        active & not_unionized & big & reason_missing,
        h("not_unionized_reason"),
        None,
        minimum=ctx.priority_min_employees,
    )


@dataclass
class UsccFindings:
    """What is wrong with a column of USCCs, by position (computed off the main thread)."""

    scientific: np.ndarray
    form_bad: np.ndarray
    checksum_bad: np.ndarray
    expected: list[str]  # the right check character, at the positions of checksum_bad
    candidates: np.ndarray  # positions that may be duplicates (to compare as text)


def _listed_category(
    arr: pa.Array, listed: tuple[str, ...], out: Collector, header: str
) -> pa.Array:
    """A category column (3.7) in its listed values: each written value matched without spaces
    and bracket forms (“商贸　楼宇” is 商贸楼宇, “村（社区）” is 村(社区)); a value none of the
    listed is W-CATEGORY-UNLISTED and becomes 其他 where the list has it (组建形式 has not:
    kept as written, and counted as no federation). Worked out once per distinct value."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not len(arr) or arr.null_count == len(arr):
        return arr
    table = enum_table(listed, {})
    encoded = pc.dictionary_encode(arr)
    written = encoded.dictionary.to_pylist()
    canonical = [table.get(header_key(value)) for value in written]
    other = "其他" if "其他" in listed else None
    values = [c or other or w for c, w in zip(canonical, written, strict=True)]
    unlisted = np.array([c is None for c in canonical] + [False], dtype=bool)
    at = np.asarray(pc.fill_null(encoded.indices, len(written)).to_numpy(zero_copy_only=False))
    counted = "暂按“其他”统计" if other else "不计入区域性、行业性联合会"
    out.add_mask(
        codes.W_CATEGORY_UNLISTED,
        unlisted[at],
        header,
        arr,
        choices="、".join(listed),
        counted=counted,
    )
    return pa.array(values, pa.string()).take(encoded.indices)


def analyse_uscc(text: pa.Array) -> UsccFindings:
    """Form, scientific notation, check character and duplicate candidates, over the bytes."""
    n = len(text)
    length18 = _np_mask(pc.equal(pc.binary_length(text), 18))
    present = ~_null_mask(text)
    checksum_bad = np.zeros(n, dtype=bool)
    expected: list[str] = []
    idx = np.flatnonzero(length18)
    chars_bad = np.zeros(len(idx), dtype=bool)
    maybe = np.zeros(len(idx), dtype=bool)
    if len(idx):
        sub = text if len(idx) == n else pc.take(text, pa.array(idx))
        if isinstance(sub, pa.ChunkedArray):
            sub = sub.combine_chunks()
        offsets = np.frombuffer(sub.buffers()[1], dtype=np.int32)
        offsets = offsets[sub.offset : sub.offset + len(sub) + 1]
        raw = np.frombuffer(sub.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        # Character by character over a transposed copy: short vector operations, and a table
        # lookup (`take`) per character position; the weighted sum stays below 2**16.
        columns = np.ascontiguousarray(raw.reshape(-1, 18).T)
        values = [_USCC_LUT.take(columns[i]) for i in range(18)]
        for v in values:
            if v.max() == 255:
                chars_bad |= v == 255
        total = np.zeros(len(idx), dtype=np.uint16)
        for i in range(17):
            total += values[i].astype(np.uint16) * np.uint16(USCC_WEIGHTS[i])
        check = (31 - total % 31) % 31
        wrong = ~chars_bad & (values[17] != check)
        if wrong.any():
            checksum_bad[idx[wrong]] = True
            expected = [""] * n
            alphabet = np.array(list(USCC_ALPHABET), dtype=object)
            for pos, char in zip(idx[wrong].tolist(), alphabet[check[wrong]], strict=True):
                expected[pos] = char
        # Duplicates: a 64-bit hash of the 18 bytes finds candidates in one pass; only those
        # (and codes of other lengths) are compared as text.
        words = np.ascontiguousarray(raw.reshape(-1, 18)[:, :16]).view(np.uint64)
        tail = raw.reshape(-1, 18)[:, 16:].astype(np.uint64)
        with np.errstate(over="ignore"):
            digest = (words[:, 0] * np.uint64(0x9E3779B97F4A7C15)) ^ words[:, 1]
            digest ^= (tail[:, 0] << np.uint64(56)) ^ (tail[:, 1] << np.uint64(48))
        maybe = pd.Series(digest).duplicated(keep=False).to_numpy()
    # Excel's form has a `.`, `+` or `-`, which no USCC character is: only cells of another
    # length or with such characters can be one (none, in a clean ledger).
    suspects = present & ~length18
    suspects[idx[chars_bad]] = True
    scientific = np.zeros(n, dtype=bool)
    if suspects.any():
        where = np.flatnonzero(suspects)
        found = pc.match_substring_regex(pc.take(text, pa.array(where)), SCIENTIFIC_PATTERN)
        scientific[where] = _np_mask(found)
    form_bad = suspects & ~scientific
    # Codes Excel turned into numbers are not compared: equal numbers say nothing of the codes.
    others = np.flatnonzero(present & ~length18 & ~scientific)
    candidates = np.sort(np.concatenate([idx[maybe & ~scientific[idx]], others]))
    return UsccFindings(scientific, form_bad, checksum_bad, expected, candidates)


def _check_uscc(
    text: pa.Array, out: Collector, header: str, found: UsccFindings | None = None
) -> None:
    """Report the USCC findings (computing them here unless the column pass did)."""
    if len(text) == 0:
        return
    found = found or analyse_uscc(text)
    out.add_mask(codes.E_USCC_SCIENTIFIC, found.scientific, header, text)
    out.add_mask(codes.E_USCC_FORMAT, found.form_bad, header, text)
    out.add_mask(codes.E_USCC_CHECKSUM, found.checksum_bad, header, text, expected=found.expected)
    _unique(text, out, header, found.candidates)


#: control characters (C0, DEL, C1) and the Unicode line and paragraph separators
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SHOWN = {"\r": "␍", "\n": "␊", "\t": "␉"}


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return _SHOWN.get(char, f"U+{ord(char):04X}")


def _unit_rules(
    a: dict[str, pa.Array], texts: dict[str, pa.Array], out: Collector, ctx: Context
) -> None:
    """The unit hierarchy: one city, parents exist and have the right level, no cycles."""
    R = UNITS

    h = lambda name: out.header(R.column(name))  # noqa: E731
    codes_ = a["code"].to_pylist()
    levels = a["level"].to_pylist()
    parents = a["parent"].to_pylist()
    level_of = {c: lv for c, lv in zip(codes_, levels, strict=True) if c is not None}
    cities = [i for i, lv in enumerate(levels) if lv == "city"]
    if len(cities) != 1:
        if cities:
            for i in cities:
                out.add(codes.E_UNITS_ROOT, i, h("level"), "市", count=len(cities))
        else:
            out.add(codes.E_UNITS_ROOT, None, h("level"), "", count=0)
    expected_parent = {"county": "city", "township": "county"}
    for i, (code, level, parent) in enumerate(zip(codes_, levels, parents, strict=True)):
        if level is None or code is None:
            continue
        if parent is None:
            if level != "city":
                out.add(codes.E_UNIT_PARENT_REQUIRED, i, h("parent"), "")
            continue
        if parent not in level_of:
            out.add(codes.E_UNIT_PARENT_UNKNOWN, i, h("parent"), parent)
            continue
        want = expected_parent.get(level)
        got = level_of[parent]
        if want is not None and got != want:
            out.add(
                codes.E_UNIT_PARENT_LEVEL,
                i,
                h("parent"),
                parent,
                level=LEVEL_NAMES.get(got or "", "未知层级"),
                child=LEVEL_NAMES[level],
                expected=LEVEL_NAMES[want],
            )
    parent_of = {c: p for c, p in zip(codes_, parents, strict=True) if c is not None}
    reported: set[str] = set()
    for i, code in enumerate(codes_):
        if code is None or code in reported:
            continue
        chain = [code]
        node = parent_of.get(code)
        while node is not None and node in parent_of and node not in chain:
            chain.append(node)
            node = parent_of.get(node)
        if node is not None and node in chain:
            loop = chain[chain.index(node) :]
            if code in loop:
                reported.update(loop)
                out.add(
                    codes.E_UNIT_CYCLE,
                    i,
                    h("parent"),
                    parent_of[code],
                    chain=" → ".join([*loop, node]),
                )
    # 是 on a county or the city has no effect and says so; 否 there is simply true
    flags = a["volunteer_required"]
    given = np.asarray(pc.fill_null(flags, False).to_numpy(zero_copy_only=False), dtype=bool)
    not_township = np.asarray([lv != "township" for lv in levels], dtype=bool)
    out.add_mask(
        codes.W_VOLUNTEER_REQUIRED_IGNORED,
        given & not_township,
        h("volunteer_required"),
        texts["volunteer_required"],
    )
    # A name or address goes into mail headers and file names: one line, nothing invisible.
    for name in ("name", "email"):
        cells = a[name].to_pylist()
        bad = np.asarray([bool(v and _CONTROL.search(str(v))) for v in cells], dtype=bool)
        shown = [_CONTROL.sub(_visible, str(v)) if v else "" for v in cells]
        out.add_mask(codes.E_CONTROL_CHAR, bad, h(name), shown)
    # The official order defaults to the file order.
    order = a["order"]
    position = pa.array(np.arange(1, len(order) + 1, dtype=np.int64))
    a["order"] = pc.coalesce(order, position)


def _target_rules(
    a: dict[str, pa.Array], texts: dict[str, pa.Array], out: Collector, ctx: Context
) -> None:
    R = TARGETS

    header = out.header(R.column("unit"))
    _check_units(a, out, ctx, "unit", header)
    # "2026年 990100", or null when either is missing
    keys = pc.binary_join_element_wise(pc.cast(a["year"], pa.string()), a["unit"], "年 ")
    _unique(as_string_array(keys), out, header)


def _volunteer_rules(
    a: dict[str, pa.Array], texts: dict[str, pa.Array], out: Collector, ctx: Context
) -> None:
    R = VOLUNTEERS

    _check_units(a, out, ctx, "unit", out.header(R.column("unit")), ("township",))
    _unique_within_county(a["id"], a["unit"], out, out.header(R.column("id")), ctx)
    before = _np_mask(pc.less(a["left_on"], a["hired_on"]))
    # The hiring date is shown only beside the rows reported.
    hired = np.full(len(before), "", dtype=object)
    wrong = np.flatnonzero(before)
    hired[wrong] = [_show(v) for v in a["hired_on"].take(pa.array(wrong)).to_pylist()]
    out.add_mask(
        codes.E_LEFT_BEFORE_HIRED,
        before,
        out.header(R.column("left_on")),
        a["left_on"],
        hired=hired,
    )


def _unique_within_county(
    ids: pa.Array, units: pa.Array, out: Collector, header: str, ctx: Context
) -> None:
    """E-DUPLICATE for an id seen twice in one county (counties number from 001 each)."""
    index = ctx.units
    ids = as_string_array(ids)
    if index is not None and index.county:
        keys = pa.array(list(index.county), pa.string())
        counties = pa.array([*index.county.values(), ""], pa.string())
        county = counties.take(pc.fill_null(pc.index_in(units, value_set=keys), len(keys)))
    else:
        county = pa.array([""] * len(ids), pa.string())
    joined = pc.binary_join_element_wise(county, ids, "\x1f")  # null where the id is
    dup = _duplicated(joined)
    if dup is None:
        return
    groups: dict[str, list[int]] = {}
    positions = np.flatnonzero(dup)
    for pos, key in zip(
        positions.tolist(), joined.take(pa.array(positions)).to_pylist(), strict=True
    ):
        groups.setdefault(str(key), []).append(pos)
    for key, positions_ in groups.items():
        shown = "、".join(str(out.raw.rows[i]) for i in positions_[:10])
        for k in positions_:
            out.add(codes.E_DUPLICATE, k, header, key.split("\x1f", 1)[1], rows=shown)


def _duplicated(values: pa.Array) -> np.ndarray | None:
    """Cells (not null) whose value another cell holds too, or None when there are none."""
    values = as_string_array(values)
    if pc.count_distinct(values).as_py() == len(values) - values.null_count:
        return None  # one hash pass answers the usual case
    series = pd.Series(values.to_pandas(), dtype=object)
    dup = series.duplicated(keep=False).to_numpy() & series.notna().to_numpy()
    return dup if dup.any() else None


def _review_rules(
    a: dict[str, pa.Array], texts: dict[str, pa.Array], out: Collector, ctx: Context
) -> None:
    R = VOLUNTEER_REVIEWS

    # Which volunteer a review is of, and a review given twice, are decided per county over
    # all of the period's reviews (rosters.reviews.match_reviews).
    _check_units(a, out, ctx, "unit", out.header(R.column("unit")), ("county", "township"))


def _campaign_rules(
    campaign: Campaign,
    a: dict[str, pa.Array],
    texts: dict[str, pa.Array],
    out: Collector,
    ctx: Context,
) -> None:
    """A campaign roster: the unit exists; a counted entry has its date; no entry twice."""
    R = campaign.roster
    _check_units(a, out, ctx, "unit", out.header(R.column("unit")))
    if campaign.counted is not None:
        column, value, _ = campaign.counted
        counted = _np_mask(pc.equal(a[column], value))
        missing = out.absent[campaign.date]
        header = out.header(R.column(campaign.date))
        out.add_mask(codes.E_NAMED_ON_REQUIRED, counted & missing, header, None)
    key = [a[name] for name in campaign.identity]
    _duplicate_rows(out, out.header(R.column(campaign.identity[0])), key)


def _duplicate_rows(out: Collector, header: str, keys: Iterable[pa.Array]) -> None:
    """W-DUPLICATE-ROW on each repeat of an entry (its identity columns all given and equal)."""
    columns = [as_string_array(k) for k in keys]
    if not columns or not len(columns[0]):
        return
    joined = pc.binary_join_element_wise(*columns, " / ")  # null where any part is
    dup = _duplicated(joined)
    if dup is None:
        return
    groups: dict[str, list[int]] = {}
    positions = np.flatnonzero(dup)
    for pos, value in zip(
        positions.tolist(), joined.take(pa.array(positions)).to_pylist(), strict=True
    ):
        groups.setdefault(value or "", []).append(pos)
    for value, index in groups.items():
        rows = "、".join(str(out.raw.rows[i]) for i in index[:10])
        for k in index[1:]:
            out.add(codes.W_DUPLICATE_ROW, k, header, value, rows=rows)


_ROSTER_RULES = {
    "enterprises": _enterprise_rules,
    "units": _unit_rules,
    "targets": _target_rules,
    "volunteers": _volunteer_rules,
    "volunteer_reviews": _review_rules,
}
