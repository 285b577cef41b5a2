"""Writing tables for people: CSV that Excel opens (UTF-8 with BOM) and deterministic XLSX.

Cells that a spreadsheet would read as a formula (=, +, -, @, tab, CR) are neutralised with a
leading apostrophe, because these files carry names typed by many people (formula injection).
"""

from __future__ import annotations

import csv
import io
import numbers
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: A plain number as the tables write it (-3, 12.5, -0.3%): never a formula, kept as it is.
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?%?")
#: The date a workbook carries when its caller gives none (never the clock).
DEFAULT_DATE = date(2000, 1, 1)


def safe_cell(value: Any) -> Any:
    """Neutralise a text cell that a spreadsheet would evaluate; numbers pass through.

    Spaces before the sign do not make a cell safe: some spreadsheets trim them on import.
    """
    if (
        isinstance(value, str)
        and value.lstrip(" \u3000").startswith(_FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


@dataclass
class Sheet:
    """One worksheet: a title, Chinese headers, rows, and optional per-column number formats."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    formats: dict[int, str] = field(default_factory=dict)  # column index -> Excel number format
    widths: dict[int, float] = field(default_factory=dict)


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a CSV with a BOM (so Excel on Chinese Windows reads UTF-8) and CRLF line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def write_xlsx(path: Path, sheets: Sequence[Sheet], when: date | None = None) -> Path:
    """Write sheets to an XLSX file whose bytes depend only on the content and `when`.

    `when` is the date the workbook says it was made (its properties and zip entries),
    typically the bulletin's date; DEFAULT_DATE without it. Written by XlsxWriter, in under half
    openpyxl's time (the workbooks were a sixth of a build's own CPU), to the same contents.
    """
    import xlsxwriter  # here: most commands that write tables write no workbook

    stamp = datetime.combine(when or DEFAULT_DATE, datetime.min.time())
    buffer = io.BytesIO()
    # Strings stay strings: nothing is turned into a number, a formula or a link.
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    wb = xlsxwriter.Workbook(buffer, options)
    wb.set_properties({"author": "bulletin", "created": stamp})
    bold = wb.add_format({"bold": True})
    number_formats: dict[str, Any] = {}
    titles: set[str] = set()
    for sheet in sheets:
        ws = wb.add_worksheet(_unique_title(_sheet_title(sheet.title), titles))
        for index, header in enumerate(sheet.headers):
            width = sheet.widths.get(index, max(8.0, min(40.0, 2.2 * len(str(header)) + 2)))
            ws.set_column_pixels(index, index, _pixels(width))
        ws.freeze_panes(1, 0)
        for column, header in enumerate(sheet.headers):
            ws.write_string(0, column, str(header), bold)
        formats = {
            index: number_formats.setdefault(fmt, wb.add_format({"num_format": fmt}))
            for index, fmt in sheet.formats.items()
        }
        for number, row in enumerate(sheet.rows, start=1):
            for column, value in enumerate(row):
                _write_cell(ws, number, column, value, formats.get(column))
    wb.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_fixed_zip(buffer.getvalue(), stamp))
    return path


def _write_cell(ws: Any, row: int, column: int, value: Any, fmt: Any) -> None:
    """One cell as openpyxl wrote it: an empty text is a blank cell, formula-like text
    neutralised (safe_cell), numbers as numbers; the column's number format on every row."""
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(row, column, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, column, value, fmt)
    elif isinstance(value, numbers.Real):
        ws.write_number(row, column, value, fmt)
    else:
        ws.write_string(row, column, safe_cell(str(value)), fmt)


def _pixels(width: float) -> int:
    """The pixels Excel shows a column of `width` characters in (as it reads openpyxl's
    widths): XlsxWriter is given pixels, so that the columns look as they did."""
    return int(width * 7 + 18 / 256 * 7)


def _unique_title(title: str, taken: set[str]) -> str:
    """`title`, numbered (within 31 characters) when the workbook has a sheet of that name."""
    candidate, n = title, 0
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{title[: 31 - len(str(n))]}{n}"
    taken.add(candidate.casefold())
    return candidate


def save_workbook(wb: Any, path: Path, when: date | None = None) -> Path:
    """Save an openpyxl workbook so that its bytes depend only on its content and `when`."""
    stamp = datetime.combine(when or DEFAULT_DATE, datetime.min.time())
    wb.properties.creator = "bulletin"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_fixed_zip(buffer.getvalue(), stamp))
    return path


def _sheet_title(title: str) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, "_")
    # Excel takes no sheet name beginning or ending with an apostrophe
    return title[:31].strip("'") or "Sheet"


def _fixed_zip(data: bytes, stamp: datetime) -> bytes:
    """Rewrite a zip with its entries dated `stamp`, so equal content gives equal bytes.

    openpyxl stamps the entries with the local clock time and `modified` with the current time;
    XlsxWriter stamps them 1980-01-01. A workbook's files carry the bulletin's date.
    """
    day = max(stamp, datetime(1980, 1, 1))  # the earliest time a zip entry can hold
    entry_time = (day.year, day.month, day.day, 0, 0, 0)
    modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=entry_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                # openpyxl stamps `modified` with the current time when saving, whatever was set
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + modified + rb"\g<2>",
                    content,
                )
            target.writestr(info, content)
    return out.getvalue()
