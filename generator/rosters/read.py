"""Readers: a roster file (.csv or .xlsx) to a raw table of text cells with Excel row numbers.

One registry keyed by extension. Both readers first produce a grid (every cell as text, empty
cells null) and then share the same structure finding: the header row (the row matching the most
known headers, so title rows above it are skipped), a two-row header flattened, blank rows,
total rows (合计/小计/总计, checked against the rows they cover) and trailing notes (注：…,
填表人：…) taken out of the data.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator.rosters import codes
from generator.rosters.csv_grid import _csv_grid
from generator.rosters.errors import ReadError
from generator.rosters.grid import (
    HEADER_SEARCH_ROWS,
    Grid,
    RawTable,
    _row_score,
    find_header,
    header_lookup,
    match_header,
)
from generator.rosters.specs import Roster
from generator.rosters.structure import _head, structure
from generator.rosters.values import header_key
from generator.rosters.workbook import SPREADSHEET_SUFFIXES, Workbook, open_workbook

T = TypeVar("T")


# --- workbook grids ----------------------------------------------------------------------------


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


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1))
    return _POOL


#: Tables of fewer rows are worked on in the calling thread: handing their columns to threads
#: costs more CPU time (the threads' hand-overs, the lock between them) than it saves in time.
PARALLEL_MIN_ROWS = 250_000


def parallel_map(fn: Callable[[Any], T], items: Sequence[Any], rows: int | None = None) -> list[T]:
    """Map over items in a thread pool (for arrow work, which releases the GIL), in order; in
    this thread for a table of fewer than PARALLEL_MIN_ROWS `rows`."""
    if len(items) < 2 or (rows is not None and rows < PARALLEL_MIN_ROWS):
        return [fn(item) for item in items]
    return list(_pool().map(fn, items))


def in_background(fn: Callable[[], T], rows: int | None = None) -> Future[T]:
    """Run fn in the thread pool while the caller goes on (arrow work, which releases the GIL);
    at once for a table of fewer than PARALLEL_MIN_ROWS `rows`."""
    if rows is not None and rows < PARALLEL_MIN_ROWS:
        done: Future[T] = Future()
        done.set_result(fn())
        return done
    return _pool().submit(fn)


GridReader = Callable[[Path, str, Roster], Grid]

#: The readers, keyed by file extension.
READERS: dict[str, GridReader] = {
    ".csv": lambda path, rel, roster: _csv_grid(path, rel),
    **dict.fromkeys(SPREADSHEET_SUFFIXES, _xlsx_grid),
}

__all__ = ["READERS", "RawTable", "ReadError", "read_table"]


# --- reading a roster's table ------------------------------------------------------------------


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
