"""Readers: a roster file (.csv or .xlsx) to a raw table of text cells with Excel row numbers.

One registry keyed by extension. Both readers first produce a grid (every cell as text, empty
cells null) and then share the same structure finding: the header row (the row matching the most
known headers, so title rows above it are skipped), a two-row header flattened, blank rows,
total rows (合计/小计/总计, checked against the rows they cover) and trailing notes (注：…,
填表人：…) taken out of the data.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator.common.problems import Problem
from generator.rosters import codes
from generator.rosters.errors import ReadError
from generator.rosters.specs import INT, NUMBER, Column, Roster
from generator.rosters.values import (
    header_key,
    header_keys,
    normalise_number,
    normalise_text,
    trim_array,
)
from generator.rosters.workbook import SPREADSHEET_SUFFIXES, Workbook, open_workbook

T = TypeVar("T")

#: Rows searched for the header row.
HEADER_SEARCH_ROWS = 30
#: Leading columns searched for a 合计 label or a note.
LABEL_COLUMNS = 3

_TOTAL_RE = r"^[^0-9A-Za-z]{0,12}?(合\s*计|小\s*计|总\s*计)\s*[:：]?\s*$"
#: The labels of a county workbook's footer lines (填表单位（盖章）：…, 填表人：…, 日期：…), a
#: bracketed remark allowed before the colon; a label alone, or a date alone, is a footer too.
_FOOTER_LABELS = (
    "注|备注|说明|填表人|填报人|制表人|制表|审核人|审核|填报日期|填表日期|制表日期|日期|负责人|"
    "单位负责人|主要负责人|分管领导|联系人|联系电话|电话|填表单位|填报单位|制表单位|报送单位"
)
_NOTE_RE = (
    rf"^({_FOOTER_LABELS})\s*([(（][^)）]{{0,8}}[)）])?\s*[:：]|^注\s*\d"
    r"|^(填表人|审核人|制表人|填报人|单位负责人|联系人|填表单位|填报单位|制表单位|日期)"
)
#: A footer line of one cell without a label: the date under the signature, the seal's place.
_LONE_FOOTER = re.compile(
    r"^(\d{4}\s*)?年\s*(\d{1,2}\s*)?月\s*(\d{1,2}\s*)?日$|^[(（]\s*盖\s*章\s*[)）]$"
)


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


# --- header matching ---------------------------------------------------------------------------


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


# --- grids -------------------------------------------------------------------------------------


#: File signatures of things that are not text, and what to tell the user about each.
_ZIP_MAGIC = b"PK\x03\x04"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, encrypted .xlsx
_NOT_CSV = (
    (_ZIP_MAGIC, "这是 Excel（.xlsx）文件，扩展名却是 .csv：请把扩展名改为 .xlsx"),
    (
        _CFB_MAGIC,
        "这是旧版 Excel（.xls）文件或加了密码的 Excel 文件，扩展名却是 .csv："
        "请在 Excel 中另存为 .xlsx 或“CSV UTF-8（逗号分隔）”",
    ),
)


def _csv_grid(path: Path, rel: str) -> Grid:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data or data.isspace():
        return Grid([], np.zeros(0, dtype=np.int64))
    _refuse_binary(data, rel)
    end = data.find(b"\n")
    _refuse_wide(data[: end if end >= 0 else len(data)].count(b","), rel)
    # pyarrow reads UTF-8 only and skips empty lines (which would shift row numbers); files it
    # cannot read exactly come back as None and take the Python reader.
    grid = _csv_grid_arrow(data)
    if grid is not None:
        return grid
    lossy = False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text, lossy = _decode_other(data, rel)
        grid = _csv_grid_arrow(text.encode("utf-8"))
        if grid is not None:
            grid.lossy = lossy
            return grid
    _refuse_wide(max((line.count(",") for line in text.splitlines()), default=0), rel)
    try:
        grid = _csv_grid_python(text)
    except csv.Error as exc:  # not expected after the checks above; a safety net
        detail = "不是规范的 CSV 文件，请用 Excel 另存为“CSV UTF-8（逗号分隔）”"
        raise ReadError(codes.E_FILE_UNREADABLE.problem(rel, None, detail=detail)) from exc
    grid.lossy = lossy
    return grid


#: The most columns a CSV line may have (Excel's own limit); a roster has about twenty.
MAX_COLUMNS = 16384


def _refuse_wide(separators: int, rel: str) -> None:
    """Raise ReadError for a line with more cells than any spreadsheet holds."""
    if separators >= MAX_COLUMNS:
        detail = (
            f"有一行被逗号分成了 {separators + 1} 格，超过了 {MAX_COLUMNS} 列的上限："
            "文件可能缺少换行，或不是名册文件"
        )
        raise ReadError(codes.E_FILE_TOO_LARGE.problem(rel, None, detail=detail))


def _refuse_binary(data: bytes, rel: str) -> None:
    """Raise ReadError for a file that is not text: an Excel file, UTF-16, or binary."""
    for magic, detail in _NOT_CSV:
        if data.startswith(magic):
            raise ReadError(codes.E_FILE_UNREADABLE.problem(rel, None, detail=detail))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 ("Unicode 文本" in Excel)
        raise ReadError(codes.E_ENCODING.problem(rel, None))
    if b"\x00" in data:
        detail = "文件中含有空字符，不是文本格式的 CSV（可能是其他格式的文件，或文件已损坏）"
        raise ReadError(codes.E_FILE_UNREADABLE.problem(rel, None, detail=detail))


def _decode_other(data: bytes, rel: str) -> tuple[str, bool]:
    """Text of a file that is not clean UTF-8: (text, whether bytes were replaced).

    A file that is UTF-8 but for a few bytes (a line pasted from a GBK file, a file cut off in
    the middle of a character) is read as UTF-8 with those bytes replaced, so the rest of it is
    checked and the cells holding them are named; reading it as GB18030 would garble every
    cell. Otherwise the file is GB18030 (what Excel saves on Chinese Windows), or unreadable.
    """
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd") - data.count("\ufffd".encode())
    # Each non-ASCII character adds its extra UTF-8 bytes; U+FFFD adds two.
    extra = len(text.encode("utf-8")) - len(text)
    readable = extra // 2 - replaced
    if readable >= 4 and readable >= 3 * replaced:
        return text, True
    try:
        return data.decode("gb18030"), False
    except UnicodeDecodeError:
        raise ReadError(codes.E_ENCODING.problem(rel, None)) from None


def _csv_grid_arrow(data: bytes) -> Grid | None:
    """Read with pyarrow, every column as text; None when the Python reader must take over."""
    import pyarrow.csv as pcsv

    end = data.find(b"\n")
    first_line = data[: end if end >= 0 else len(data)].decode("utf-8", errors="replace")
    if "\r" in first_line.rstrip("\r"):
        return None  # old Mac line ends: the Python reader knows them
    try:
        width = len(next(csv.reader([first_line.rstrip("\r")]), []))
    except csv.Error:
        return None
    quoted = b'"' in data
    try:
        table = pcsv.read_csv(
            pa.BufferReader(data),
            read_options=pcsv.ReadOptions(autogenerate_column_names=True),
            # An empty line then is a short row, which fails and goes to the Python reader
            # instead of being skipped (that would shift every row number after it).
            parse_options=pcsv.ParseOptions(newlines_in_values=quoted, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # not UTF-8, or ragged rows (the Python reader pads them)
    # Rows are numbered by record, as Excel shows the file: a quoted cell with line breaks is
    # one row there. A quote left open swallows the rest of the file into the last row (or
    # breaks the parse): such a row goes to the Python reader, which reports it.
    if quoted and table.num_rows:
        last = table.slice(table.num_rows - 1)
        for column in last.columns:
            if pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py():
                return None
    # Columns stay chunked here; each is combined in its own validation thread.
    return Grid(list(table.columns), np.arange(1, table.num_rows + 1, dtype=np.int64))


def _csv_grid_python(text: str) -> Grid:
    # A cell may be as long as the file: its length is checked (and reported) with the values.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    rows: list[int] = []
    # Rows are numbered by record, blank lines included, as Excel shows the file (a quoted
    # cell with line breaks is one row there, not several).
    for number, record in enumerate(reader, start=1):
        if not record or all(not c.strip() for c in record):
            continue
        records.append(record)
        rows.append(number)
    width = max((len(r) for r in records), default=0)
    columns = [
        pa.array([(r[j] if j < len(r) and r[j] != "" else None) for r in records], pa.string())
        for j in range(width)
    ]
    grid = Grid(columns, np.asarray(rows, dtype=np.int64))
    # A quote never closed swallows the rest of the file into the last record's cell.
    if records and text.count('"') % 2 and any("\n" in cell for cell in records[-1]):
        grid.problems.append(codes.E_CSV_QUOTE.problem("", rows[-1]))
    return grid


def cell_text(value: Any) -> str | None:
    """An XLSX cell value as the text a user would see (dates as ISO, whole floats as ints)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        # Excel keeps 15 significant digits; a longer number has lost its tail (9.13701E+17).
        return f"{value:.6G}" if abs(value) >= 10**15 else str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def sheet_order(sheets: list[Any], roster: Roster) -> list[Any]:
    """Sheets in the order they are tried: named like the roster, then visible, then hidden."""
    keys = {header_key(roster.name), header_key(roster.title)}
    named = [ws for ws in sheets if header_key(ws.name) in keys]
    named += [
        ws for ws in sheets if ws not in named and header_key(roster.title) in header_key(ws.name)
    ]
    visible = [ws for ws in sheets if ws not in named and ws.visible]
    hidden = [ws for ws in sheets if ws not in named and not ws.visible]
    return named + visible + hidden


def _required_found(head: list[list[Any]], roster: Roster, lookup: dict[str, str]) -> int:
    """How many columns of the roster the best header row of a sheet's first rows names."""
    rows = [[cell_text(v) for v in row] for row in head]
    found = find_header(rows, lookup)
    if found is None:
        return 0
    return len({m for h in found[2] if (m := match_header(h, lookup)) is not None})


def pick_sheet(book: Workbook, roster: Roster, skip: Collection[str] = ()) -> tuple[Any, int]:
    """The sheet holding the roster: the first (in sheet_order) whose header names most of its
    columns; and how many columns it names (0: no sheet has the roster's header). Sheets named
    in `skip` (already another roster's) are not looked at."""
    lookup = header_lookup(roster)
    order = [sheet for sheet in sheet_order(book.sheets, roster) if sheet.name not in skip]
    best, best_score = (order[0] if order else None), 0
    for sheet in order:
        score = _required_found(book.cells(sheet, HEADER_SEARCH_ROWS), roster, lookup)
        if score > best_score:
            best, best_score = sheet, score
        if score >= 2 and sheet in order[:1]:
            break  # the named (or first) sheet has the header: the usual case, read it
    return best, best_score


def _xlsx_grid(path: Path, rel: str, roster: Roster) -> Grid:
    """A workbook's roster sheet as a grid (.xlsx, .xls or .ods, whatever the extension)."""
    with opened_workbook(path, rel) as book:
        if not book.sheets:
            return Grid([], np.zeros(0, dtype=np.int64))
        sheet, _score = pick_sheet(book, roster)
        return workbook_grid(book, sheet)


_DAMAGED = "文件已损坏（可能没有完整复制或下载），无法读取其中的内容"


@contextmanager
def opened_workbook(path: Path, rel: str) -> Iterator[Workbook]:
    """A workbook open while it is read, closed after; a damaged file is a ReadError."""
    book = open_workbook(path, rel)
    try:
        yield book
    except (ReadError, MemoryError):
        raise
    except Exception as exc:  # a damaged file fails anywhere in zipfile, zlib or the XML parser
        raise ReadError(codes.E_FILE_UNREADABLE.problem(rel, None, detail=_DAMAGED)) from exc
    finally:
        book.close()


def workbook_grid(book: Workbook, sheet: Any) -> Grid:
    """A worksheet's cells as text, and where its formulas have no stored value."""
    # Millions of cell objects at once: the cyclic collector would walk them all again and
    # again while they are made, and none of them can form a cycle.
    with _collector_paused():
        values = book.cells(sheet)
        grid = grid_of(values)
        del values
    formulas: list[tuple[int, int]] | None = []
    if book.kind == "xlsx":
        formulas = sheet.extent.formulas if sheet.extent is not None else None
        if formulas is None:  # cells without references: found by reading the formulas too
            formulas = _formulas_by_reading(book.path, sheet.name)
    grid.formulas = formulas or []
    return grid


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def grid_of(values: list[list[Any]], formulas: list[tuple[int, int]] | None = None) -> Grid:
    """A grid of text columns from rows of cell values (row 1 first), empty rows left out.

    Column by column: cells as cell_text shows them, with a fast path for the usual cells
    (text, numbers) since a ledger has millions of them.
    """
    n = len(values)
    width = max((len(r) for r in values), default=0)
    if not n or not width:
        return Grid([], np.zeros(0, dtype=np.int64), formulas=formulas or [])
    if any(len(r) != width for r in values):
        values = [list(r) + [None] * (width - len(r)) for r in values]
    columns = [_column_text(column) for column in zip(*values, strict=True)]
    present = np.zeros(n, dtype=bool)
    for column in columns:
        present |= ~np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    keep = np.flatnonzero(present)
    if len(keep) < n:
        taken = pa.array(keep, pa.int64())
        columns = [c.take(taken) for c in columns]
    if not len(keep):
        return Grid([], np.zeros(0, dtype=np.int64), formulas=formulas or [])
    return Grid(columns, keep.astype(np.int64) + 1, formulas=formulas or [])


def _float_text(value: float) -> str | None:
    if value != value:
        return None
    if abs(value) >= 1e15:
        return f"{value:.6G}"
    if value.is_integer():
        return str(int(value))
    return repr(value)


def _column_text(cells: tuple[Any, ...]) -> pa.Array:
    """One column's cells as text, as cell_text shows each ("" and white space: empty)."""
    try:
        text = pa.array(cells, pa.string())  # only text cells (the usual column)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    else:
        blank = pc.or_(pc.equal(text, ""), pc.utf8_is_space(text))
        return pc.if_else(blank, pa.scalar(None, pa.string()), text)
    memo: dict[float, str | None] = {}  # numbers repeat (職工人数 25, 30 …): each shown once
    out: list[str | None] = []
    append = out.append
    for v in cells:
        kind = type(v)
        if kind is str:
            append(v if v and not v.isspace() else None)
        elif kind is float:
            shown = memo.get(v, _UNSEEN)
            if shown is _UNSEEN:
                shown = memo[v] = _float_text(v)
            append(shown)
        else:
            append(cell_text(v))
    return pa.array(out, pa.string())


_UNSEEN: Any = object()


def _formulas_by_reading(path: Path, title: str) -> list[tuple[int, int]]:
    """Formula cells without a value, by reading the sheet twice (with and without values)."""
    from openpyxl import load_workbook

    found = []
    values_wb = load_workbook(path, read_only=True, data_only=True)
    formula_wb = load_workbook(path, read_only=True, data_only=False)
    try:
        pairs = zip(
            values_wb[title].iter_rows(values_only=True),
            formula_wb[title].iter_rows(values_only=True),
            strict=False,
        )
        for number, (values, written) in enumerate(pairs, start=1):
            for j, (value, formula) in enumerate(zip(values, written, strict=False)):
                if value is None and _is_formula(formula):
                    found.append((number, j))
    finally:
        values_wb.close()
        formula_wb.close()
    return found


def _is_formula(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


_POOL: ThreadPoolExecutor | None = None


def _forget_pool() -> None:
    global _POOL
    _POOL = None  # a forked child has none of its parent's threads


os.register_at_fork(after_in_child=_forget_pool)


def parallel_map(fn: Callable[[Any], T], items: Sequence[Any]) -> list[T]:
    """Map over items in a thread pool (for arrow work, which releases the GIL), in order."""
    global _POOL
    if len(items) < 2:
        return [fn(item) for item in items]
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1))
    return list(_POOL.map(fn, items))


GridReader = Callable[[Path, str, Roster], Grid]

#: The readers, keyed by file extension.
READERS: dict[str, GridReader] = {
    ".csv": lambda path, rel, roster: _csv_grid(path, rel),
    **dict.fromkeys(SPREADSHEET_SUFFIXES, _xlsx_grid),
}

__all__ = ["READERS", "RawTable", "ReadError", "read_table"]


# --- structure ---------------------------------------------------------------------------------


def read_table(path: Path, rel: str, roster: Roster) -> RawTable:
    """Read a roster file into a RawTable; raise ReadError for a file that cannot be read."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        detail = f"不支持 {path.suffix} 格式，请另存为 .xlsx 或 .csv"
        raise ReadError(codes.E_FILE_UNREADABLE.problem(rel, None, detail=detail))
    grid = reader(path, rel, roster)
    return structure(grid, rel, roster)


#: A sheet is the roster's when its header row names at least this many of its columns.
SHEET_MIN_COLUMNS = 2


@dataclass
class FoundSheet:
    """Where a file's roster was looked for: the table read, or the sheets that were looked at."""

    table: RawTable | None
    sheets: list[str]
    sheet: str = ""  # the name of the sheet read (workbooks)


def read_roster_sheet(path: Path, rel: str, roster: Roster) -> FoundSheet:
    """Read the sheet of a file whose header is the roster's, whatever it is called.

    `table` is None when no sheet's header names SHEET_MIN_COLUMNS of the roster's columns (a
    CSV counts as one sheet). Raises ReadError for a file that cannot be read at all.
    """
    return read_roster_sheets(path, rel, [roster])[roster.name]


def read_roster_sheets(path: Path, rel: str, rosters: Sequence[Roster]) -> dict[str, FoundSheet]:
    """Each roster's sheet of one file, the file opened once (a period file's ledger and its
    志愿者考核 sheet); a sheet is the first roster's that names SHEET_MIN_COLUMNS of its columns.
    The tables of the rosters after the first are named `file（sheet）` in problems.

    A CSV is one sheet, of the first roster whose header it has. Raises ReadError for a file that
    cannot be read at all.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        grid = _csv_grid(path, rel)
        head = _head(grid)
        out: dict[str, FoundSheet] = {}
        for roster in rosters:
            lookup = header_lookup(roster)
            found = find_header(head, lookup) if head else None
            if found is not None and _row_score(found[2], lookup) >= SHEET_MIN_COLUMNS:
                out[roster.name] = FoundSheet(structure(grid, rel, roster), [])
                break
        return {r.name: out.get(r.name, FoundSheet(None, [])) for r in rosters}
    if suffix not in READERS:
        detail = f"不支持 {path.suffix} 格式，请另存为 .xlsx 或 .csv"
        raise ReadError(codes.E_FILE_UNREADABLE.problem(rel, None, detail=detail))
    with opened_workbook(path, rel) as book:
        names = [sheet.name for sheet in book.sheets]
        tables: dict[str, FoundSheet] = {}
        used: list[str] = []
        for roster in rosters:
            sheet, score = pick_sheet(book, roster, used) if book.sheets else (None, 0)
            if sheet is None or score < SHEET_MIN_COLUMNS:
                tables[roster.name] = FoundSheet(None, names)
                continue
            used.append(sheet.name)
            # Another roster's sheet of the file is named with its sheet, so that its problems
            # say where to look (and its rows are not taken for the first roster's).
            label = rel if roster is rosters[0] else f"{rel}（{sheet.name}）"
            table = structure(workbook_grid(book, sheet), label, roster)
            tables[roster.name] = FoundSheet(table, names, sheet.name)
        return tables


def _empty_table(rel: str, roster: Roster, problems: list[Problem]) -> RawTable:
    return RawTable(rel, [], [], np.zeros(0, dtype=np.int64), 1, [], problems)


def _head(grid: Grid) -> list[list[Any]]:
    """The grid's first HEADER_SEARCH_ROWS rows, where a header is looked for."""
    head_n = min(len(grid.rows), HEADER_SEARCH_ROWS)
    heads = [c.slice(0, head_n).to_pylist() for c in grid.columns]
    return [list(r) for r in zip(*heads, strict=True)]


def structure(grid: Grid, rel: str, roster: Roster) -> RawTable:
    """Find the header, drop blank, total and note rows, and check totals."""
    lookup = header_lookup(roster)
    n = len(grid.rows)
    if not grid.columns or n == 0:
        return _empty_table(rel, roster, [codes.E_FILE_EMPTY.problem(rel, None)])
    head = _head(grid)
    found = find_header(head, lookup)
    if found is None:
        expected = "、".join(c.title for c in roster.columns if c.required)
        problem = codes.E_HEADER_NOT_FOUND.problem(rel, None, expected=expected)
        return _empty_table(rel, roster, [problem])
    _first, last, headers = found
    header_row = int(grid.rows[last])
    body = [c.slice(last + 1) for c in grid.columns]
    rows = grid.rows[last + 1 :]
    matched = [match_header(h, lookup) for h in headers]
    texts = [None if h is None else str(h).strip() for h in headers]

    keep = np.ones(len(rows), dtype=bool)
    problems: list[Problem] = [replace(p, file=rel) for p in grid.problems]
    if grid.lossy:
        problems.extend(_lossy_cells(grid, texts, rel))
    if len(rows):
        # Cells are not trimmed here: text columns are trimmed when validated, and the typed
        # parsers trim the few values that miss their fast path.
        label = _label_column(body)
        is_total = _total_rows(label)
        blank = _blank_rows(body, label)
        trailing_notes = np.zeros(len(rows), dtype=bool)
        for i in range(len(rows) - 1, -1, -1):
            if blank[i] or _footer_row(label, body, i):
                trailing_notes[i] = True
            elif not is_total[i]:
                break
        repeated = _repeated_headers(body, headers, matched)
        keep = ~(is_total | trailing_notes | blank | repeated)
        for i in np.flatnonzero(repeated).tolist():
            problems.append(codes.W_HEADER_REPEATED.problem(rel, int(rows[i])))
        if is_total.any():
            problems.extend(
                _check_totals(body, rows, keep, is_total, label, roster, matched, texts, rel)
            )
        if grid.formulas:
            kept = set(rows[keep].tolist())
            for row, j in grid.formulas:
                name = matched[j] if j < len(matched) else None
                if row in kept and name is not None:
                    title = roster.column(name).title
                    problems.append(
                        codes.E_FORMULA_NO_VALUE.problem(rel, row, texts[j] or "", label=title)
                    )
    index = np.flatnonzero(keep)
    if len(index) < len(rows):
        taken = pa.array(index, pa.int64())
        body = [c.take(taken) for c in body]
        rows = rows[index]
    return RawTable(
        rel, [t or "" for t in texts], body, np.asarray(rows), header_row, matched, problems
    )


def _lossy_cells(grid: Grid, texts: list[str | None], rel: str) -> list[Problem]:
    """E-ENCODING-CELL for each cell holding a replaced byte (U+FFFD), header rows included."""
    problems = []
    for j, column in enumerate(grid.columns):
        hits = np.flatnonzero(_mask(pc.match_substring(column, "\ufffd")))
        for i in hits.tolist():
            text = texts[j] if j < len(texts) else None
            header = text or f"第{_letters(j)}列"
            value = column[i].as_py()
            problems.append(codes.E_ENCODING_CELL.problem(rel, int(grid.rows[i]), header, value))
    return problems


def _letters(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(j + 1))


def _footer_row(label: pa.Array, body: list[pa.Array], i: int) -> bool:
    """Whether a trailing row is a footer line: its label (or, when the leading columns are
    empty, its first cell: 日期：… is often written to the right) is a note's, and it has no
    more cells than a note line has; or it is one cell holding a date or （盖章） alone.

    填表人：周敏 … 审核人：陈立新 spreads over a few cells, each label perhaps with its value in
    the next cell (填报单位： | 东湖区总工会 | 填表人： | 周敏); a row with values in many more
    cells than labels is data whose first cell happens to start like a note (and is reported,
    not skipped).
    """
    cells = [str(c) for c in (column[i].as_py() for column in body) if c is not None]
    cells = [c for c in cells if c.strip()]
    if len(cells) == 1 and _LONE_FOOTER.match(cells[0].strip(" \t\u3000\xa0")):
        return True
    first = label[i].as_py()
    if not _is_note(str(first) if first is not None else (cells[0] if cells else None)):
        return False
    notes = sum(1 for c in cells if _is_note(c))
    other = len(cells) - notes
    return other < 3 or other <= notes


def _repeated_headers(
    body: list[pa.Array], headers: list[Any], matched: list[str | None]
) -> np.ndarray:
    """Rows that repeat the header row in most of its known columns (files pasted together)."""
    known = [
        (j, str(headers[j]))
        for j, name in enumerate(matched)
        if name is not None and headers[j] is not None
    ]
    none = np.zeros(len(body[0]), dtype=bool)
    if len(known) < 2:
        return none
    # Such a row repeats the first or the second known header; only those rows are compared.
    first = pc.or_kleene(
        pc.equal(body[known[0][0]], known[0][1]), pc.equal(body[known[1][0]], known[1][1])
    )
    candidates = np.flatnonzero(_mask(first))
    if not len(candidates):
        return none
    take = pa.array(candidates)
    hits = np.zeros(len(candidates), dtype=np.int32)
    for j, text in known:
        hits += _mask(pc.equal(body[j].take(take), text))
    none[candidates[hits >= max(2, (len(known) + 1) // 2)]] = True
    return none


def _mask(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _label_column(body: list[pa.Array]) -> pa.Array:
    """Per row, the first non-empty cell among the leading columns."""
    label = trim_array(body[0])
    for column in body[1:LABEL_COLUMNS]:
        if not label.null_count:
            break  # later columns only matter where the first is empty
        label = pc.coalesce(label, trim_array(column))
    return label


def _total_rows(label: pa.Array) -> np.ndarray:
    # A plain substring test first: the regex runs only when some label mentions 计.
    if not pc.any(pc.match_substring(label, "计")).as_py():
        return np.zeros(len(label), dtype=bool)
    return _mask(pc.match_substring_regex(label, _TOTAL_RE))


_NOTE = re.compile(_NOTE_RE)


def _is_note(text: str | None) -> bool:
    return text is not None and bool(_NOTE.match(text.strip(" \t\u3000\xa0")))


def _blank_rows(body: list[pa.Array], label: pa.Array) -> np.ndarray:
    """Rows whose cells are all empty or white space."""
    blank = np.zeros(len(body[0]), dtype=bool)
    # A blank row has no label (its leading cells are empty): only those rows are checked.
    rest = np.flatnonzero(_mask(pc.is_null(label)))
    if len(rest):
        take = pa.array(rest)
        empty = np.ones(len(rest), dtype=bool)
        for column in body:
            cells = trim_array(column.take(take))
            empty &= np.asarray(cells.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        blank[rest[empty]] = True
    return blank


def _check_totals(
    body: list[pa.Array],
    rows: np.ndarray,
    keep: np.ndarray,
    is_total: np.ndarray,
    label: pa.Array,
    roster: Roster,
    matched: list[str | None],
    texts: list[str | None],
    rel: str,
) -> list[Problem]:
    """Compare each total row with the sum of the data rows it covers."""
    numeric: list[tuple[int, Column]] = []
    for j, name in enumerate(matched):
        if name is not None and roster.column(name).kind in (INT, NUMBER):
            numeric.append((j, roster.column(name)))
    values: dict[int, np.ndarray] = {}
    for j, _column in numeric:
        parsed, _bad = normalise_number(normalise_text(body[j]))
        values[j] = np.asarray(parsed.to_numpy(zero_copy_only=False).astype(float), dtype=float)
    labels = label.to_pylist()
    problems: list[Problem] = []
    segment_start = 0
    data = keep & ~is_total
    for t in np.flatnonzero(is_total).tolist():
        subtotal = "小" in str(labels[t])
        start = segment_start if subtotal else 0
        covered = np.zeros(len(rows), dtype=bool)
        covered[start:t] = True
        covered &= data
        for j, _column in numeric:
            total = values[j][t]
            if total != total:  # the total row leaves this column empty
                continue
            expected = float(np.nansum(values[j][covered]))
            if abs(expected - total) > 1e-6 * max(1.0, abs(total)):
                problems.append(
                    codes.E_TOTAL_MISMATCH.problem(
                        rel,
                        int(rows[t]),
                        texts[j] or "",
                        _fmt(total),
                        total=_fmt(total),
                        expected=_fmt(expected),
                    )
                )
        segment_start = t + 1
    return problems


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def roster_files(folder: Path, base: str) -> list[Path]:
    """The files of a roster in a folder, whatever the case of their extension."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("~$", ".")) or not path.is_file():
            continue
        if path.stem == base and path.suffix.lower() in READERS:
            found.append(path)
    return found
