"""Writing tables for people: CSV that Excel opens (UTF-8 with BOM) and deterministic XLSX.

Cells that a spreadsheet would read as a formula (=, +, -, @, tab, CR) are neutralised with a
leading apostrophe, because these files carry names typed by many people (formula injection).
"""

from __future__ import annotations

import csv
import io
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
    typically the bulletin's date; DEFAULT_DATE without it.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = wb.create_sheet(_sheet_title(sheet.title))
        ws.append(list(sheet.headers))
        for cell in ws[1]:
            cell.font = bold
        formats = [(index + 1, fmt) for index, fmt in sheet.formats.items()]
        for number, row in enumerate(sheet.rows, start=2):
            ws.append([None if v is None else safe_cell(v) for v in row])
            # Row by row: a column (ws["C"]) would look for the sheet's last row on every call.
            for column, fmt in formats:
                ws.cell(row=number, column=column).number_format = fmt
        for index, header in enumerate(sheet.headers):
            width = sheet.widths.get(index, max(8.0, min(40.0, 2.2 * len(str(header)) + 2)))
            ws.column_dimensions[get_column_letter(index + 1)].width = width
        ws.freeze_panes = "A2"
    return save_workbook(wb, path, when)


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
    return title[:31] or "Sheet"


def _fixed_zip(data: bytes, stamp: datetime) -> bytes:
    """Rewrite a zip with fixed entry times so equal content gives equal bytes.

    openpyxl stamps the entries with the local clock time and `modified` with the current time.
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
