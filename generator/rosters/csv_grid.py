"""CSV files to grids: pyarrow's reader for clean UTF-8, Python's csv module for the rest (blank
lines, ragged rows, old Mac line ends), GB18030 or mostly-UTF-8 text decoded first; files that
are not CSV at all (an .xlsx renamed, UTF-16, binary) refused with what to do."""

from __future__ import annotations

import contextlib
import csv
import io
import mmap
import os
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator.rosters import codes
from generator.rosters.errors import ReadError
from generator.rosters.grid import Grid

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


#: Files of at least this many bytes are read through a memory map, not copied into memory
#: first: a province's ledger (some 200 MB) would be copied once more and its pages touched
#: anew for every period.
MAP_MIN_BYTES = 1 << 20

_NOT_SPACE = re.compile(rb"[^ \t\n\r\x0b\x0c]")


def _csv_grid(path: Path, rel: str) -> Grid:
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < MAP_MIN_BYTES or not size:  # (an empty file cannot be mapped)
            return _bytes_grid(handle.read(), rel)
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        grid = _mapped_grid(mapped, rel)
        return grid if grid is not None else _bytes_grid(mapped[:], rel)
    finally:
        # still exported (an exception's frames): closed when collected
        with contextlib.suppress(BufferError):
            mapped.close()


def _mapped_grid(mapped: mmap.mmap, rel: str) -> Grid | None:
    """A large clean UTF-8 file read by pyarrow from its memory map, with the checks of
    _bytes_grid made on the map; None when it takes the other ways of _bytes_grid."""
    start = 3 if mapped[:3] == b"\xef\xbb\xbf" else 0
    if _NOT_SPACE.search(mapped, start) is None:
        return None  # only white space: said as _bytes_grid says it
    head = mapped[start : start + 16]
    if head.startswith((_ZIP_MAGIC, _CFB_MAGIC, b"\xff\xfe", b"\xfe\xff")):
        return None
    if mapped.find(b"\x00", start) >= 0:
        return None
    end = mapped.find(b"\n", start)
    first = mapped[start : end if end >= 0 else len(mapped)]
    _refuse_wide(first.count(b","), rel)
    quoted = mapped.find(b'"', start) >= 0
    return _csv_grid_arrow(pa.py_buffer(mapped).slice(start), first, quoted)


def _bytes_grid(data: bytes, rel: str) -> Grid:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data or data.isspace():
        return Grid([], np.zeros(0, dtype=np.int64))
    _refuse_binary(data, rel)
    end = data.find(b"\n")
    _refuse_wide(data[: end if end >= 0 else len(data)].count(b","), rel)
    # pyarrow reads UTF-8 only and skips empty lines (which would shift row numbers); files it
    # cannot read exactly come back as None and take the Python reader.
    grid = _arrow_grid(data)
    if grid is not None:
        return grid
    lossy = False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text, lossy = _decode_other(data, rel)
        grid = _arrow_grid(text.encode("utf-8"))
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


def _arrow_grid(data: bytes) -> Grid | None:
    """_csv_grid_arrow of a file's bytes."""
    end = data.find(b"\n")
    return _csv_grid_arrow(data, data[: end if end >= 0 else len(data)], b'"' in data)


def _csv_grid_arrow(data: bytes | pa.Buffer, first: bytes, quoted: bool) -> Grid | None:
    """Read with pyarrow, every column as text; None when the Python reader must take over.
    (`first`: the file's first line; `quoted`: whether the file has a quote.)"""
    import pyarrow.csv as pcsv

    first_line = first.decode("utf-8", errors="replace")
    if "\r" in first_line.rstrip("\r"):
        return None  # old Mac line ends: the Python reader knows them
    try:
        width = len(next(csv.reader([first_line.rstrip("\r")]), []))
    except csv.Error:
        return None
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
