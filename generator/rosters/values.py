"""Reading cell values the way people type them (CONTRACT §2 "Reading rules").

Two layers: scalar parsers (`parse_int`, `parse_date`, …) that accept one value and raise
`ValueError` when it cannot be read, and vectorised normalisers (`normalise_int`, …) that take a
whole column as a pyarrow string array and return the typed array plus a mask of unreadable
cells. The vectorised ones cast clean values directly and send only the rest through the scalar
parser, so a 100 000-row ledger costs a few array passes, not 100 000 Python calls.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Cell texts that mean "nothing here" (in a required column they are reported as missing).
MISSING_MARKERS = frozenset(
    {"", "—", "——", "-", "--", "－", "－－", "–", "/", "／", "\\", "无", "N/A", "n/a", "#N/A"}
)

#: What trimming removes: Python's white space (str.isspace: ASCII, NBSP, U+3000, the en and em
#: spaces Word pastes, …) and the zero-width space and BOM some exports leave behind.
_SPACES = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + "\u200b\ufeff"
_UNIT_SUFFIX = "(?:家|人|个|名|户|册|本|次|项|所|支|间|处|位|人次|分)"
_INT_RE = re.compile(rf"^([+-]?)(\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.0*)?\s*{_UNIT_SUFFIX}?$")
_NUMBER_RE = re.compile(
    rf"^([+-]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d*)?|[+-]?\.\d+)\s*{_UNIT_SUFFIX}?$"
)
_PERCENT_RE = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%$")
_DATE_SEP_RE = re.compile(
    r"^(\d{4})([-/.])(\d{1,2})[-/.](\d{1,2})(?:[ T]+\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?$"
)
_DATE_CJK_RE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_DATE_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL_RE = re.compile(r"^\d{1,5}(?:\.\d+)?$")
#: How Excel shows a long digit string it turned into a number: a mantissa with a decimal point
#: or an exponent with a sign (9.13701E+17, 9.1310000E+17, 913100001E+17). A bare `\d+E\d+` is
#: not matched: E is a USCC character, and 9199100072819E7237 is a valid code. Every match holds
#: a `.`, `+` or `-`, none of which a USCC may contain, so a valid code never matches.
SCIENTIFIC_PATTERN = r"^[+-]?(?:\d+\.\d*[eE][+-]?\d+|\d+[eE][+-]\d+)$"
_SCIENTIFIC_RE = re.compile(SCIENTIFIC_PATTERN)

TRUE_WORDS = ("是", "有", "已", "y", "yes", "true", "1", "√", "✓", "✔", "对")
FALSE_WORDS = ("否", "无", "未", "n", "no", "false", "0", "×", "✗", "✘", "x", "错")
_BOOLS = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}

#: Excel's day 0 for serial dates after 1900-02-28 (Excel counts a 29 February 1900 that never was).
_EXCEL_EPOCH = date(1899, 12, 30)
#: A plain number in a date column is read as an Excel serial only inside this window (a small
#: number such as 1.5 is a typo, not 1900-01-01).
_SERIAL_MIN, _SERIAL_MAX = 3654, 73050  # 1910-01-01 .. 2099-12-31
_YEAR_MIN, _YEAR_MAX = 1900, 2100


# --- scalar parsers ----------------------------------------------------------------------------


def clean(value: Any) -> str | None:
    """Return the cell as trimmed text, or None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip(_SPACES)
    return text


def is_missing(value: Any) -> bool:
    """Whether a cell means "nothing here": empty, —, -, /, 无 …"""
    text = clean(value)
    return text is None or text in MISSING_MARKERS


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip(_SPACES)


def _matched(value: Any, pattern: re.Pattern[str], what: str) -> re.Match[str]:
    """A text cell read by `pattern` (full-width forms folded); ValueError when it is empty or
    not `what`."""
    text = clean(value)
    if text is None:
        raise ValueError("空值")
    m = pattern.match(_nfkc(text))
    if not m:
        raise ValueError(f"不是{what}：{text}")
    return m


def parse_int(value: Any) -> int:
    """Read an integer: 1234, １２３４, 1,234, 1，234, 1234.0, 12家, 30人."""
    if isinstance(value, bool):
        raise ValueError(f"不是整数：{value}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or not value.is_integer():
            raise ValueError(f"不是整数：{value}")
        return int(value)
    m = _matched(value, _INT_RE, "整数")
    number = int(m.group(2).replace(",", ""))
    return -number if m.group(1) == "-" else number


def parse_number(value: Any) -> float:
    """Read a number: 85, 85.5, １２.５, 1,234.5, 90分."""
    if isinstance(value, bool):
        raise ValueError(f"不是数字：{value}")
    if isinstance(value, int | float):
        if value != value:
            raise ValueError("空值")
        return float(value)
    m = _matched(value, _NUMBER_RE, "数字")
    return float(m.group(1).replace(",", ""))


def parse_rate(value: Any) -> float:
    """Read a rate as a fraction: 85% / 85％ / 0.85 / 85 all give 0.85 (a value > 1 is a percent)."""
    if isinstance(value, str):
        text = clean(value)
        if text is None:
            raise ValueError("空值")
        m = _PERCENT_RE.match(_nfkc(text))
        if m:
            return float(m.group(1)) / 100
    number = parse_number(value)
    return number / 100 if number > 1 else number


def parse_bool(value: Any) -> bool:
    """Read yes/no: 是/否, 有/无, 已/未, Y/N, yes/no, true/false, 1/0, √/×."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = clean(value)
    if text is None:
        raise ValueError("空值")
    key = _nfkc(text).lower()
    if key.endswith(".0") and key[:-2] in ("0", "1"):
        key = key[:-2]
    if key in _BOOLS:
        return _BOOLS[key]
    raise ValueError(f"不是“是/否”：{text}")


def _make_date(year: int, month: int, day: int) -> date:
    if not _YEAR_MIN <= year <= _YEAR_MAX:
        raise ValueError(f"年份不合理：{year}")
    return date(year, month, day)  # raises ValueError for 2026-02-30


def excel_serial_date(serial: float) -> date:
    """The date of an Excel serial day number (1 = 1900-01-01)."""
    if not _SERIAL_MIN <= serial <= _SERIAL_MAX:
        raise ValueError(f"不是日期：{serial}")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def parse_date(value: Any) -> date:
    """Read a date: 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, 20260305, Excel serials, datetimes."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"不是日期：{value}")
    if isinstance(value, int | float):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            return parse_date(str(int(value)))
        return excel_serial_date(float(value))
    text = clean(value)
    if text is None:
        raise ValueError("空值")
    text = _nfkc(text)
    if m := _DATE_SEP_RE.match(text):
        return _make_date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    if m := _DATE_CJK_RE.match(text):
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _DATE_COMPACT_RE.match(text):
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if _SERIAL_RE.match(text):
        return excel_serial_date(float(text))
    raise ValueError(f"不是日期：{text}")


def parse_text(value: Any) -> str | None:
    """Trimmed text, or None when the cell means missing."""
    text = clean(value)
    if text is None or text in MISSING_MARKERS:
        return None
    return text


def normalise_code(value: Any) -> str | None:
    """A code (unit code, USCC, id): NFKC, no spaces, upper case, Excel's `.0` removed."""
    text = parse_text(value)
    if text is None:
        return None
    text = re.sub(r"\s+", "", _nfkc(text)).upper()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text or None


def is_scientific(text: str) -> bool:
    """Whether a text is a number in scientific notation, as Excel shows long digit strings."""
    return bool(_SCIENTIFIC_RE.match(_nfkc(text)))


def parse_enum(value: Any, choices: Iterable[str], synonyms: dict[str, str]) -> str:
    """The canonical value of an enumeration cell (synonyms and spacing variants allowed)."""
    text = clean(value)
    if text is None:
        raise ValueError("空值")
    table = enum_table(tuple(choices), synonyms)
    key = header_key(text)
    if key in table:
        return table[key]
    raise ValueError(f"不是允许的值：{text}")


def enum_table(choices: tuple[str, ...], synonyms: dict[str, str]) -> dict[str, str]:
    """Lookup from normalised written value to canonical value."""
    table = {header_key(c): c for c in choices}
    table.update({header_key(k): v for k, v in synonyms.items()})
    return table


# --- headers -----------------------------------------------------------------------------------

_BRACKETS = "()[]{}（）【】〔〕［］｛｝<>《》〈〉"
_BRACKET_DROP = str.maketrans("", "", _BRACKETS)
_BRACKETED = re.compile(r"[(\[{（【〔［｛<《〈][^)\]}）】〕］｝>》〉]*[)\]}）】〕］｝>》〉]")


def header_key(text: Any) -> str:
    """A header reduced for matching: NFKC, lower case, no spaces, brackets or '*' marks."""
    if text is None:
        return ""
    return _header_key(str(text))


@lru_cache(maxsize=8192)
def _header_key(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s).lower().lstrip("*")
    return s.translate(_BRACKET_DROP)


def header_keys(text: Any) -> tuple[str, ...]:
    """Keys a header may match by: as written, and without a bracketed note such as （人）."""
    return _header_keys(None if text is None else str(text))


@lru_cache(maxsize=8192)  # every cell of the rows above a table is tried as a header
def _header_keys(text: str | None) -> tuple[str, ...]:
    first = header_key(text)
    s = unicodedata.normalize("NFKC", text) if text is not None else ""
    second = header_key(_BRACKETED.sub("", s))
    return (first, second) if second and second != first else (first,)


# --- vectorised normalisers --------------------------------------------------------------------
# Each takes a pyarrow string array of trimmed cells (`trim_array`; nulls for empty cells) and
# returns (typed array, bad): `bad` is a numpy bool mask of cells that are present but
# unreadable. Missing markers (—, -, /, 无 …) become nulls and are not bad. Clean values take an
# array fast path; only the others go through the scalar parser, once per distinct value.

_MISSING_ARRAY = pa.array(sorted(MISSING_MARKERS), type=pa.string())
_LONGEST_MARKER = max(len(m.encode()) for m in MISSING_MARKERS)


def _string_parts(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, data bytes) of a string array, without copying."""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[
        arr.offset : arr.offset + len(arr) + 1
    ]
    buffer = arr.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)
    return offsets, data


def as_string_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous string array."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    return arr


def trim_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Trim white space (incl. full-width) from every cell; cells left empty become null."""
    arr = as_string_array(arr)
    if len(arr) == 0 or arr.null_count == len(arr):
        return arr
    if not _may_need_trim(arr):
        return arr
    trimmed = pc.utf8_trim(arr, characters=_SPACES)
    empty = pc.equal(trimmed, "")
    if pc.any(empty).as_py():
        trimmed = pc.if_else(empty, pa.scalar(None, pa.string()), trimmed)
    return trimmed


#: First and last UTF-8 bytes of the white space trimmed. A false alarm only costs a trim.
_SPACE_BYTES = [ch.encode() for ch in _SPACES]
_EDGE_FIRST = np.zeros(256, dtype=bool)
_EDGE_FIRST[[b[0] for b in _SPACE_BYTES]] = True
_EDGE_LAST = np.zeros(256, dtype=bool)
_EDGE_LAST[[b[-1] for b in _SPACE_BYTES]] = True
_ONE_BYTE = np.zeros(256, dtype=bool)
_ONE_BYTE[[b[0] for b in _SPACE_BYTES if len(b) == 1]] = True
_TWO_BYTES = [b[0] << 8 | b[1] for b in _SPACE_BYTES if len(b) == 2]
_THREE_LEAD = np.zeros(256, dtype=bool)
_THREE_LEAD[[b[0] for b in _SPACE_BYTES if len(b) == 3]] = True
_THREE_BYTES = [b[0] << 16 | b[1] << 8 | b[2] for b in _SPACE_BYTES if len(b) == 3]


def _may_need_trim(arr: pa.Array) -> bool:
    """Whether some cell is empty or starts or ends with a byte of white space."""
    offsets, data = _string_parts(arr)
    lengths = np.diff(offsets)
    empty = lengths == 0
    if arr.null_count:
        empty &= ~_null_mask(arr)
    if empty.any():
        return True  # an empty string: the trim pass turns it into a null
    filled = lengths > 0
    if not filled.any():
        return False
    starts = offsets[:-1][filled]
    ends = offsets[1:][filled] - 1
    lengths = lengths[filled]
    if _EDGE_FIRST.take(data.take(starts)).any():
        return True
    # The last byte alone is ambiguous (many CJK characters end in 0x80): only where it is
    # one of those bytes is the whole ending compared.
    last = data.take(ends)
    suspects = _EDGE_LAST.take(last)
    if not suspects.any():
        return False
    final = last[suspects]
    if _ONE_BYTE.take(final).any():
        return True
    idx, size = ends[suspects], lengths[suspects]
    before = data.take(np.maximum(idx - 1, 0))
    two = (size >= 2) & (before == 0xC2)  # NBSP and NEL, the only two-byte spaces
    if two.any() and np.isin(0xC200 | final[two].astype(np.int64), _TWO_BYTES).any():
        return True
    # Three-byte spaces start with E1, E2, E3 or EF; CJK characters with E4..E9.
    lead = data.take(np.maximum(idx - 2, 0))
    three = (size >= 3) & _THREE_LEAD.take(lead)
    if not three.any():
        return False
    code = lead[three].astype(np.int64) << 16 | before[three].astype(np.int64) << 8
    return bool(np.isin(code | final[three], _THREE_BYTES).any())


def _marker_mask(arr: pa.Array, markers: pa.Array = _MISSING_ARRAY) -> pa.Array | None:
    """Cells that are missing markers, or None when there are none (checked cheaply first)."""
    if len(arr) == 0:
        return None
    offsets, _data = _string_parts(arr)
    if not (np.diff(offsets) <= _LONGEST_MARKER).any():
        return None
    mask = pc.fill_null(pc.is_in(arr, value_set=markers), False)
    return mask if pc.any(mask).as_py() else None


def normalise_text(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Trimmed text with missing markers turned into nulls."""
    arr = trim_array(arr)
    mask = _marker_mask(arr)
    if mask is None:
        return arr
    return pc.if_else(mask, pa.scalar(None, pa.string()), arr)


def normalise_code_column(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Code cells (unit codes, USCC, ids) as read: trimmed, normalised, missing markers null."""
    arr = as_string_array(arr)
    if len(arr) == 0 or arr.null_count == len(arr):
        return arr
    offsets, data = _string_parts(arr)
    data = data[offsets[0] : offsets[-1]]
    # Digits, upper-case letters and most punctuation lie in 0x21..0x60: two reductions decide.
    if not len(data) or (data.min() >= 0x21 and data.max() <= 0x60):
        # Plain upper-case ASCII without spaces, as codes usually are: only markers and `.0`.
        mask = _marker_mask(arr)
        if mask is not None:
            arr = pc.if_else(mask, pa.scalar(None, pa.string()), arr)
        if pc.any(pc.ends_with(arr, ".0")).as_py():
            arr = pc.replace_substring_regex(arr, r"^(\d+)\.0$", r"\1")
        return arr
    return normalise_code_array(normalise_text(arr))


#: Python's `\s` (what `normalise_code` removes) in RE2, whose own `\s` is ASCII only.
_RE2_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f\x85\p{Z}]"


def normalise_code_array(arr: pa.Array) -> pa.Array:
    """Codes: NFKC, upper case, no inner spaces, Excel's trailing `.0` removed."""
    if len(arr) == 0 or arr.null_count == len(arr):
        return arr
    if pc.all(pc.fill_null(pc.string_is_ascii(arr), True)).as_py():
        arr = pc.ascii_upper(arr)
    else:
        arr = pc.utf8_upper(pc.utf8_normalize(arr, "NFKC"))  # full-width ９１ → 91
    if pc.any(pc.match_substring_regex(arr, _RE2_SPACE)).as_py():
        arr = pc.replace_substring_regex(arr, _RE2_SPACE + "+", "")
        empty = pc.equal(arr, "")
        if pc.any(empty).as_py():
            arr = pc.if_else(empty, pa.scalar(None, pa.string()), arr)
    if pc.any(pc.ends_with(arr, ".0")).as_py():
        arr = pc.replace_substring_regex(arr, r"^(\d+)\.0$", r"\1")
    return arr


def _by_unique(
    arr: pa.Array,
    parse: Callable[[str], Any],
    out_type: pa.DataType,
    missing: frozenset[str] = MISSING_MARKERS,
) -> tuple[pa.Array, np.ndarray]:
    """Parse each distinct value once with a scalar parser and spread the results."""
    encoded = pc.dictionary_encode(arr)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    parsed: list[Any] = []
    failed: list[bool] = []
    for text in encoded.dictionary.to_pylist():
        if text in missing or text.strip(_SPACES) in missing:
            parsed.append(None)
            failed.append(False)
            continue
        try:
            parsed.append(parse(text))
            failed.append(False)
        except (ValueError, OverflowError):
            parsed.append(None)
            failed.append(True)
    dictionary = pa.array(parsed, type=out_type)
    indices = encoded.indices
    result = pc.take(dictionary, indices)
    bad = np.zeros(len(arr), dtype=bool)
    if any(failed):
        idx = indices.to_numpy(zero_copy_only=False)
        valid = ~_null_mask(indices)
        bad[valid] = np.asarray(failed, dtype=bool)[idx[valid].astype(np.int64)]
    return result, bad


def _null_mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Which cells are null, read from the validity bitmap (one pass; no Arrow mask is made)."""
    n = len(arr)
    nulls = arr.null_count
    if not nulls:
        return np.zeros(n, dtype=bool)
    if nulls == n:
        return np.ones(n, dtype=bool)
    bitmap = arr.buffers()[0] if isinstance(arr, pa.Array) else None
    if bitmap is None:  # a chunked column (or a type without a bitmap): Arrow's own way
        return np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    bits = np.unpackbits(
        np.frombuffer(bitmap, dtype=np.uint8), count=arr.offset + n, bitorder="little"
    )
    return bits[arr.offset :] == 0


def _none(n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool)


def normalise_int(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Integers: a column of clean digit strings is cast at once; otherwise by distinct value."""
    try:
        return pc.cast(arr, pa.int64()), _none(len(arr))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _by_unique(arr, _int64, pa.int64())


def _int64(text: str) -> int:
    value = parse_int(text)
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"数值过大：{text}")
    return value


def normalise_number(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Numbers: a column of clean decimal strings is cast at once; otherwise by distinct value."""
    # Arrow also casts 1e3, nan and inf, which the scalar parser refuses: a cell must not be
    # read differently because of the other cells of its column.
    if not pc.any(pc.match_substring_regex(arr, r"[^0-9.+\-]")).as_py():
        try:
            return pc.cast(arr, pa.float64()), _none(len(arr))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return _by_unique(arr, _finite, pa.float64())


def _finite(text: str) -> float:
    value = parse_number(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"不是数字：{text}")
    return value


def normalise_rate(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Rates as fractions (85% → 0.85; a plain value > 1 is a percent)."""
    return _by_unique(arr, parse_rate, pa.float64())


#: In a yes/no column 无 means "no" (有/无), so it is not a missing marker there.
_BOOL_MISSING = MISSING_MARKERS - {"无"}


def _by_lookup(
    arr: pa.Array,
    known: dict[str, Any],
    out_type: pa.DataType,
    parse: Callable[[str], Any],
    missing: frozenset[str] = MISSING_MARKERS,
) -> tuple[pa.Array, np.ndarray]:
    """Map the usual written forms through one hash lookup; parse only the rest, by value."""
    keys = pa.array(list(known), pa.string())
    index = pc.index_in(arr, value_set=keys)
    mapped = pc.take(pa.array(list(known.values()), out_type), index)
    rest_mask = pc.and_(pc.is_null(index), pc.is_valid(arr))
    if not pc.any(rest_mask).as_py():
        return mapped, _none(len(arr))
    rest = np.flatnonzero(np.asarray(rest_mask.to_numpy(zero_copy_only=False), dtype=bool))
    slow, bad_rest = _by_unique(arr.take(pa.array(rest)), parse, out_type, missing)
    values = mapped.to_pylist() if out_type == pa.string() else None
    if values is not None:
        for pos, value in zip(rest.tolist(), slow.to_pylist(), strict=True):
            values[pos] = value
        result = pa.array(values, out_type)
    else:
        filled = np.asarray(mapped.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
        valid = ~_null_mask(mapped)
        filled[rest] = np.asarray(slow.fill_null(False).to_numpy(zero_copy_only=False), bool)
        valid[rest] = ~_null_mask(slow)
        result = pa.array(filled, out_type, mask=~valid)
    bad = np.zeros(len(arr), dtype=bool)
    bad[rest] = bad_rest
    return result, bad


#: The forms of 是/否 people usually write, for the one-lookup fast path.
_BOOL_FORMS = {
    **{w: True for w in ("是", "有", "已", "√", "Y", "y", "yes", "Yes", "YES", "true", "True")},
    **{w: True for w in ("TRUE", "1")},
    **{w: False for w in ("否", "无", "未", "×", "N", "n", "no", "No", "NO", "false", "False")},
    **{w: False for w in ("FALSE", "0")},
    **dict.fromkeys(_BOOL_MISSING),
}


def normalise_bool(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Booleans (是/否 …)."""
    return _by_lookup(arr, _BOOL_FORMS, pa.bool_(), parse_bool, _BOOL_MISSING)


def _date_to_ns(value: str) -> datetime:
    d = parse_date(value)
    return datetime(d.year, d.month, d.day)


def normalise_date(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Dates as timestamp[ns]: Y-M-D forms parsed at once, other forms by distinct value."""
    n = len(arr)
    if n == 0 or arr.null_count == n:
        return pa.nulls(n, pa.timestamp("ns")), _none(n)
    iso, iso_ok = _iso_dates(arr)
    if iso_ok.all() or (iso_ok | _null_mask(arr)).all():
        return pa.array(iso, type=pa.timestamp("ns"), mask=~iso_ok), _none(n)
    # The other forms are compacted first, so the arrow kernels only see those cells.
    others = np.flatnonzero(~iso_ok & ~_null_mask(arr))
    typed, bad_others = _dates_by_strptime(arr.take(pa.array(others)))
    iso[others] = np.asarray(typed.to_numpy(zero_copy_only=False), dtype="datetime64[ns]")
    bad = np.zeros(n, dtype=bool)
    bad[others] = bad_others
    return pa.array(iso, type=pa.timestamp("ns"), mask=np.isnat(iso)), bad


def _iso_dates(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Y-M-D cells (2026-03-05, 2026/3/5, 2026.3.5) read straight from the bytes.

    Returns (datetime64[ns] values, which cells were read); others are left for the slower paths.
    """
    n = len(arr)
    stamps = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok_all = np.zeros(n, dtype=bool)
    offsets, data = _string_parts(arr)
    lengths = np.diff(offsets)
    candidates = np.flatnonzero((lengths >= 8) & (lengths <= 10))
    if not len(candidates):
        return stamps, ok_all
    # A block of cells at a time: the working arrays (a dozen per cell) stay in the CPU's cache
    # and off fresh pages of memory.
    for lo in range(0, len(candidates), _DATE_BLOCK):
        part = candidates[lo : lo + _DATE_BLOCK]
        ok, epoch_days = _iso_block(lengths.take(part), offsets[:-1].take(part), data)
        stamps[part[ok]] = (epoch_days[ok] * 86_400_000_000_000).view("datetime64[ns]")
        ok_all[part[ok]] = True
    return stamps, ok_all


#: Date cells read at a time by _iso_dates.
_DATE_BLOCK = 16_384


def _iso_block(
    size: np.ndarray, starts: np.ndarray, data: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which cells of 8 to 10 bytes (`size`, at `starts` in `data`) are Y-M-D dates, and their
    days since 1970-01-01 (any number where not)."""
    # One row per character position (10 × k), so every operation is on contiguous data;
    # positions past a shorter cell repeat its last character and are masked out below.
    positions = np.minimum(np.arange(10, dtype=np.int32)[:, None], size[None, :] - 1)
    raw = data.take(starts[None, :] + positions)
    digits = raw - np.uint8(48)  # wraps around: only '0'..'9' give 0..9
    is_digit = digits < 10

    def sep(i: int) -> np.ndarray:
        row = raw[i]
        return (row == 45) | (row == 47) | (row == 46)  # '-', '/', '.'

    short_month = sep(6)  # 2026/3/5: the month has one digit
    long_month = ~short_month & sep(7)
    day_len = size - np.where(short_month, 7, 8)
    ok = is_digit[0] & is_digit[1] & is_digit[2] & is_digit[3] & sep(4)
    ok &= short_month | long_month
    ok &= is_digit[5] & (short_month | is_digit[6])
    one_day = day_len == 1
    ok &= (one_day | (day_len == 2)) & np.where(
        short_month, is_digit[7] & (one_day | is_digit[8]), is_digit[8] & (one_day | is_digit[9])
    )
    d = digits.astype(np.int16)
    year = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]
    month = np.where(short_month, d[5], d[5] * 10 + d[6])
    first = np.where(short_month, d[7], d[8])
    second = np.where(short_month, d[8], d[9])
    day = np.where(one_day, first, first * 10 + second)
    ok &= (year >= _YEAR_MIN) & (year <= _YEAR_MAX) & (month >= 1) & (month <= 12) & (day >= 1)
    # Calendar arithmetic by table lookup (numpy's month-to-day conversions are slow).
    first_day, month_days = _calendar_tables()
    y = np.where(ok, year - _YEAR_MIN, 0).astype(np.intp)
    m = np.where(ok, month, 1).astype(np.intp)
    ok &= day <= month_days[y, m]  # 2026-02-30 is not a date
    return ok, first_day[y, m] + day - 1


_CALENDAR: tuple[np.ndarray, np.ndarray] | None = None


def _calendar_tables() -> tuple[np.ndarray, np.ndarray]:
    """(days from 1970-01-01 to the first of each month, days in each month), by year and month."""
    global _CALENDAR
    if _CALENDAR is None:
        import calendar

        years = _YEAR_MAX - _YEAR_MIN + 1
        first = np.zeros((years, 13), dtype=np.int64)
        length = np.zeros((years, 13), dtype=np.int64)
        epoch = date(1970, 1, 1)
        for i in range(years):
            for month in range(1, 13):
                first[i, month] = (date(_YEAR_MIN + i, month, 1) - epoch).days
                length[i, month] = calendar.monthrange(_YEAR_MIN + i, month)[1]
        _CALENDAR = (first, length)
    return _CALENDAR


#: The Y-M-D and 年月日 forms `parse_date` reads (time parts and full-width digits go to it).
_DASHED_FORM = r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$"
_CJK_FORM = r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]?$"


def _dates_by_strptime(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Other date forms: Y/M/D, Y.M.D and 年月日 at once, the rest by distinct value."""
    n = len(arr)
    # 2026/3/5, 2026.3.5 and 2026年3月5日 become 2026-3-5, which strptime reads at once. Only
    # cells of exactly those forms are rewritten (2026/3/5日 is none of them), so a cell is
    # read the same whatever else its column holds; the rest go to the scalar parser.
    dashed = pc.if_else(
        pc.match_substring_regex(arr, _DASHED_FORM),
        pc.replace_substring_regex(arr, "[/.]", "-"),
        pa.scalar(None, pa.string()),
    )
    if pc.any(pc.match_substring(arr, "年")).as_py():
        written = pc.replace_substring_regex(
            pc.replace_substring_regex(arr, r"\s*[年月]\s*", "-"), r"\s*[日号]$", ""
        )
        dashed = pc.coalesce(
            dashed,
            pc.if_else(
                pc.match_substring_regex(arr, _CJK_FORM), written, pa.scalar(None, pa.string())
            ),
        )
    stamps = pc.strptime(dashed, format="%Y-%m-%d", unit="ns", error_is_null=True)
    # strptime rolls 2026-02-30 over to March: the day read must be the day written.
    last = pc.utf8_ltrim(pc.utf8_slice_codeunits(dashed, -2), characters="-")
    digits = pc.fill_null(pc.match_substring_regex(last, r"^\d{1,2}$"), False)
    written_day = pc.cast(pc.if_else(digits, last, pa.scalar(None, pa.string())), pa.int64())
    year = pc.year(stamps)
    exact = pc.and_(
        pc.equal(pc.day(stamps), written_day),
        pc.and_(pc.greater_equal(year, 1900), pc.less_equal(year, 2100)),
    )
    exact = pc.fill_null(exact, False)
    fast = pc.if_else(exact, stamps, pa.scalar(None, pa.timestamp("ns")))
    rest = pc.if_else(exact, pa.scalar(None, pa.string()), arr)
    if rest.null_count == n:
        return fast, _none(n)
    slow, bad = _by_unique(rest, _date_to_ns, pa.timestamp("ns"))
    return pc.coalesce(fast, slow), bad


def normalise_enum(
    arr: pa.Array, choices: tuple[str, ...], synonyms: dict[str, str]
) -> tuple[pa.Array, np.ndarray]:
    """Enumerations: the canonical value of each cell (synonyms allowed)."""
    table = enum_table(choices, synonyms)

    def parse(text: str) -> str:
        key = header_key(text)
        if key in table:
            return table[key]
        raise ValueError(text)

    known: dict[str, Any] = {c: c for c in choices}
    known.update({k: v for k, v in synonyms.items() if k not in known})
    known.update(dict.fromkeys(MISSING_MARKERS - known.keys()))
    return _by_lookup(arr, known, pa.string(), parse)
