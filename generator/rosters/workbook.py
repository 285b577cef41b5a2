"""Spreadsheet workbooks (.xlsx, .xls, .ods) read with python-calamine, checked before reading.

calamine reads a sheet into one dense rectangle from its first to its last cell with a value, so
a single value far away (XFD1048576) would ask for hundreds of gigabytes, and a zip whose members
inflate to gigabytes (a decompression bomb) would run out of memory. Both are measured from the
file before calamine sees it: the zip's central directory (declared sizes and ratios, then the
sizes actually inflated while the sheets are scanned) and the extent of the cells with a value.
A workbook over the limits is refused with a Chinese message; nothing is read past them.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from xml.etree import ElementTree

from generator.rosters import codes
from generator.rosters.errors import ReadError

ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, encrypted .xlsx

#: The most a workbook's members may inflate to, in all.
MAX_UNCOMPRESSED = 1 << 30
#: Members larger than this must not inflate more than MAX_RATIO times their compressed size.
RATIO_FLOOR = 8 << 20
MAX_RATIO = 200
#: The most cells a sheet's rectangle (first to last cell with a value) may hold.
MAX_CELLS = 30_000_000
#: Members read whole with an XML parser (workbook, relationships, ODS content).
MAX_XML_PART = 64 << 20

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def _unreadable(rel: str, detail: str) -> ReadError:
    return ReadError(codes.E_FILE_UNREADABLE.problem(rel, None, detail=detail))


def _too_large(rel: str, detail: str) -> ReadError:
    return ReadError(codes.E_FILE_TOO_LARGE.problem(rel, None, detail=detail))


def file_kind(path: Path, rel: str) -> str:
    """'xlsx', 'ods' or 'xls' from the file's own bytes (a renamed file is read as what it is)."""
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic == CFB_MAGIC:
        return "xls"
    if not magic.startswith(ZIP_MAGIC):
        detail = "不是 Excel 或 WPS 表格文件，可能是改了扩展名的其他文件：请用 Excel 另存为 .xlsx"
        raise _unreadable(rel, detail)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and "content.xml" in names:
                return "ods"
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable(rel, _DAMAGED) from exc
    return "xlsx"


_DAMAGED = "文件已损坏（可能没有完整复制或下载），无法读取其中的内容"


def check_zip(path: Path, rel: str) -> None:
    """Refuse a zip whose central directory promises a decompression bomb."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable(rel, _DAMAGED) from exc
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise _too_large(
                rel,
                f"其中的“{info.filename}”解压后是压缩前的 {ratio:.0f} 倍"
                f"（{info.file_size // (1 << 20)} MB），不是正常的表格文件（疑似“压缩炸弹”）",
            )
    if total > MAX_UNCOMPRESSED:
        raise _too_large(
            rel, f"解压后共 {total // (1 << 20)} MB，超过了 {MAX_UNCOMPRESSED >> 20} MB 的上限"
        )


def _read_member(archive: zipfile.ZipFile, name: str, rel: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_XML_PART:
        raise _too_large(rel, f"其中的“{name}”有 {info.file_size >> 20} MB，超过了上限")
    with archive.open(info) as stream:
        data = stream.read(MAX_XML_PART + 1)
    if len(data) > MAX_XML_PART:
        raise _too_large(rel, f"其中的“{name}”超过了 {MAX_XML_PART >> 20} MB 的上限")
    return data


# --- XLSX: sheets and their extent ---------------------------------------------------------------

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def xlsx_sheet_members(archive: zipfile.ZipFile, rel: str) -> dict[str, str]:
    """Each sheet's name and the zip member holding its XML."""
    names = set(archive.namelist())
    part = "xl/workbook.xml"
    if "_rels/.rels" in names:  # the workbook part is where the package says it is
        root_rels = ElementTree.fromstring(_read_member(archive, "_rels/.rels", rel))
        for node in root_rels.iter(f"{{{_NS_PKG}}}Relationship"):
            if node.get("Type", "").endswith("/officeDocument"):
                part = node.get("Target", part).lstrip("/")
    if part not in names:
        return {}
    base = str(PurePosixPath(part).parent)
    workbook = ElementTree.fromstring(_read_member(archive, part, rel))
    targets: dict[str, str] = {}
    part_rels = f"{base}/_rels/{PurePosixPath(part).name}.rels"
    if part_rels in names:
        rels = ElementTree.fromstring(_read_member(archive, part_rels, rel))
        for node in rels.iter(f"{{{_NS_PKG}}}Relationship"):
            target = node.get("Target", "")
            if target.startswith("/"):
                member = target.lstrip("/")
            else:
                member = str(PurePosixPath(base) / target)
            # "xl/../x.xml" is not normalised by PurePosixPath
            parts: list[str] = []
            for part in member.split("/"):
                if part == "..":
                    if parts:
                        parts.pop()
                elif part not in ("", "."):
                    parts.append(part)
            targets[node.get("Id", "")] = "/".join(parts)
    out: dict[str, str] = {}
    for sheet in workbook.iter(f"{{{_NS_MAIN}}}sheet"):
        found = targets.get(sheet.get(f"{{{_NS_REL}}}id", ""))
        if found and found in names:
            out[sheet.get("name", "")] = found
    return out


_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_LAST_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_BLOCK = 1 << 20


def column_index(letters: str) -> int:
    """1-based index of a column's letters (A -> 1, XFD -> 16384)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class Extent:
    """The rows and columns a sheet's cells with a value reach (1-based, inclusive)."""

    rows: int = 0
    columns: int = 0
    #: (Excel row, column index) of formula cells saved without a value (XLSX); None when some
    #: have no reference and must be found by reading the formulas
    formulas: list[tuple[int, int]] | None = None

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def _rows_chunks(chunks: Iterator[bytes], rel: str) -> Iterator[bytes]:
    """A sheet's XML from its inflated chunks, cut after a `</row>` so that rows stay whole."""
    tail = b""
    for block in chunks:
        data = tail + block
        cut = data.rfind(b"</row>")
        if cut >= 0:
            cut += 2  # so that cut + 4 is the end of "</row>"
        else:  # a prefixed close tag (</x:row>), rare
            ends = [m.end() - 4 for m in _ROW_END.finditer(data)]
            cut = ends[-1] if ends else -1
        if cut < 0:
            tail = data
            if len(tail) > 64 << 20:  # one row of 64 MB is no ledger
                raise _too_large(rel, "其中一张工作表的一行超过了 64 MB")
            continue
        yield data[: cut + 4]
        tail = data[cut + 4 :]
    if tail:
        yield tail


_VALUE_MARKS = (b"<v>", b"<v ", b":v>", b"<is>", b":is>")


_ROW_END = re.compile(rb"</\w+:row>")
_ROW_START = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
#: A reference to a column of two or three letters (AA…XFD).
_WIDE_REF = re.compile(rb'r="([A-Z]{2,3})[0-9]')  # no \b: a literal prefix is searched fast
#: A formula cell saved without its value (`<c r="H2"><f>G2/3</f><v /></c>`), as scripts write
#: them; Excel saves the value beside each formula, and that is what is read.
_FORMULA_CELL = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*"
    rb"(?:<(?:\w+:)?f\b[^>]*/>|<(?:\w+:)?f\b[^>]*>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:</(?:\w+:)?c>|<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)"
)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_CELL_TYPE = re.compile(rb'\bt="([A-Za-z]+)"')
#: Columns A to Z, the width assumed of any sheet with a value (wider ones are measured).
NARROW = 26


def xlsx_extent(chunks: Iterator[bytes], rel: str) -> Extent:
    """How far the cells with a value of one sheet reach, and its formulas without a value,
    read from its XML without parsing it (calamine then reads a rectangle of that size)."""
    extent = Extent(formulas=[])
    counted = 0  # rows seen so far
    formulas: set[tuple[int, int]] = set()
    for chunk in _rows_chunks(chunks, rel):
        rows = chunk.count(b"<row ") + chunk.count(b"<row>")
        if not rows:  # prefixed tags (<x:row>), rare
            rows = len(_ROW_START.findall(chunk))
        base, counted = counted, counted + rows
        # Rows come in order: the chunk's last row with a value is its furthest. Walk back
        # from the end of the chunk, a row at a time, until one has a value.
        end, k = len(chunk), rows
        while k > 0:
            at = max(chunk.rfind(b"<row ", 0, end), chunk.rfind(b"<row>", 0, end))
            if at < 0:
                found_starts = list(_ROW_START.finditer(chunk, 0, end))
                if not found_starts:
                    break
                at = found_starts[-1].start()
            k -= 1
            if any(mark in chunk[at:end] for mark in _VALUE_MARKS):
                head = chunk[at : chunk.find(b">", at) + 1]
                found = _ROW_NUMBER.search(head)
                # Rows without a number (r=) are numbered by their position.
                number = int(found.group(1)) if found else base + k + 1
                extent.rows = max(extent.rows, number, base + k + 1)
                extent.columns = max(extent.columns, NARROW)
                break
            end = at
        # Cells beyond column Z: each checked for a value (a formatted empty one is no cell).
        for match in _WIDE_REF.finditer(chunk):
            open_at = chunk.rfind(b"<", 0, match.start())
            close_tag = chunk.find(b">", match.end())
            if close_tag < 0 or chunk[close_tag - 1 : close_tag] == b"/":
                continue  # <c r="XFD1048576" s="1"/>: formatted, empty
            if open_at < 0 or (
                chunk[open_at + 1 : open_at + 2] not in (b"c",)
                and b":c" not in chunk[open_at : open_at + 8]
            ):
                continue
            close = chunk.find(b"c>", close_tag)
            body = chunk[close_tag : close if close >= 0 else len(chunk)]
            if any(mark in body for mark in _VALUE_MARKS):
                extent.columns = max(extent.columns, column_index(match.group(1).decode()))
        if extent.formulas is not None and (b"<f" in chunk or b":f" in chunk):
            for match in _FORMULA_CELL.finditer(chunk):
                attributes = match.group(1)
                kind = _CELL_TYPE.search(attributes)
                if kind and kind.group(1) in (b"str", b"inlineStr"):
                    continue  # a formula whose value is the empty text
                ref = _CELL_REF.search(attributes)
                if ref is None:  # cells without references: found by reading the formulas
                    extent.formulas = None
                    break
                formulas.add((int(ref.group(2)), column_index(ref.group(1).decode()) - 1))
    if extent.formulas is not None:
        extent.formulas = sorted(formulas)
    return extent


def inflate(handle: BinaryIO, info: zipfile.ZipInfo, rel: str) -> Iterator[bytes]:
    """A member's bytes as actually inflated (not as its header says), in chunks.

    Refuses a member that inflates to more than its declared size: the declared sizes are what
    check_zip measured, and a reader that trusts them would inflate the rest without limit.
    """
    if info.flag_bits & 1:
        raise _unreadable(rel, _ENCRYPTED)
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) < 30 or header[:4] != ZIP_MAGIC:
        raise _unreadable(rel, _DAMAGED)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    if info.compress_type == zipfile.ZIP_STORED:
        inflater = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
    else:
        raise _unreadable(rel, _DAMAGED)
    left = info.compress_size
    produced = 0
    while left > 0:
        data = handle.read(min(left, 1 << 16))
        if not data:
            raise _unreadable(rel, _DAMAGED)
        left -= len(data)
        while data:
            if inflater is None:
                piece, data = data, b""
            else:
                piece = inflater.decompress(data, _BLOCK)
                data = inflater.unconsumed_tail
            produced += len(piece)
            if produced > info.file_size:
                raise _too_large(
                    rel, f"其中的“{info.filename}”解压后比文件中记录的大小更大，不是正常的表格文件"
                )
            if piece:
                yield piece
    if inflater is not None:
        piece = inflater.flush()
        produced += len(piece)
        if produced > info.file_size:
            raise _too_large(rel, f"其中的“{info.filename}”解压后比文件中记录的大小更大")
        if piece:
            yield piece


def scan_zip(path: Path, rel: str, sheets: dict[str, str]) -> dict[str, Extent]:
    """Inflate every member once, counting; return the extent of each XLSX sheet (by name)."""
    by_member = {member: name for name, member in sheets.items()}
    extents: dict[str, Extent] = {}
    with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
        for info in archive.infolist():
            if info.is_dir():
                continue
            chunks = inflate(handle, info, rel)
            name = by_member.get(info.filename)
            if name is not None:
                extents[name] = xlsx_extent(chunks, rel)
            else:
                for _ in chunks:
                    pass
    return extents


# --- ODS: the extent of each table ---------------------------------------------------------------

_NS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_NS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_NS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def ods_extents(archive: zipfile.ZipFile, rel: str) -> dict[str, Extent]:
    """How far the cells with a value of each table of an ODS reach (repeats expanded)."""
    data = _read_member(archive, "content.xml", rel)
    root = ElementTree.fromstring(data)
    out: dict[str, Extent] = {}
    t_rep = f"{{{_NS_TABLE}}}number-rows-repeated"
    c_rep = f"{{{_NS_TABLE}}}number-columns-repeated"
    for table in root.iter(f"{{{_NS_TABLE}}}table"):
        extent = Extent()
        row = 0
        for node in table.iter(f"{{{_NS_TABLE}}}table-row"):
            repeat = int(node.get(t_rep, "1") or 1)
            column = 0
            last = 0
            for cell in node:
                span = int(cell.get(c_rep, "1") or 1)
                has_value = cell.get(f"{{{_NS_OFFICE}}}value-type") is not None or any(
                    True for _ in cell.iter(f"{{{_NS_TEXT}}}p")
                )
                column += span
                if has_value:
                    last = column
            if last:
                extent.rows = row + repeat
                extent.columns = max(extent.columns, last)
            row += repeat
        out[table.get(f"{{{_NS_TABLE}}}name", "")] = extent
    return out


# --- reading ---------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One worksheet of a workbook: its name, whether it is shown, and where its XML is."""

    name: str
    visible: bool
    member: str | None = None  # XLSX only
    extent: Extent | None = None


@dataclass
class Workbook:
    """A workbook opened with calamine after its checks; sheets are read on demand."""

    path: Path
    rel: str
    kind: str
    sheets: list[Sheet]
    book: Any = field(repr=False)
    _loaded: dict[str, Any] = field(default_factory=dict, repr=False)

    def cells(self, sheet: Sheet, nrows: int | None = None) -> list[list[Any]]:
        """The sheet's values from A1, one list per row (empty cells as "")."""
        extent = sheet.extent
        if extent is not None and extent.cells > MAX_CELLS:
            raise _too_large(
                self.rel,
                f"工作表“{sheet.name}”的数据范围有 {extent.rows} 行 × {extent.columns} 列，"
                f"超过了 {MAX_CELLS // 10000} 万个单元格的上限（可能有一格数据填在很远的地方）",
            )

        if extent is None and self.kind != "xls":
            # Not measured (the sheet is not where the workbook's own records say): calamine
            # would read it without a bound.
            raise _unreadable(self.rel, _DAMAGED)
        try:
            data = self._loaded.get(sheet.name)
            if data is None:  # calamine reads a whole sheet at once: once per sheet
                data = self._loaded[sheet.name] = self.book.get_sheet_by_name(sheet.name)
            return list(data.to_python(skip_empty_area=False, nrows=nrows))
        except MemoryError:
            raise
        except Exception as exc:  # calamine's errors for a damaged sheet
            raise _unreadable(self.rel, _DAMAGED) from exc

    def close(self) -> None:
        self.book.close()


def open_workbook(path: Path, rel: str) -> Workbook:
    """Check and open a .xlsx, .xls or .ods workbook; raise ReadError when it cannot be read."""
    import python_calamine

    kind = file_kind(path, rel)
    members: dict[str, str] = {}
    extents: dict[str, Extent] = {}
    if kind in ("xlsx", "ods"):
        check_zip(path, rel)
        try:
            with zipfile.ZipFile(path) as archive:
                if kind == "xlsx":
                    members = xlsx_sheet_members(archive, rel)
                else:
                    extents = ods_extents(archive, rel)
            scanned = scan_zip(path, rel, members)
            extents = extents or scanned
        except (ReadError, MemoryError):
            raise
        except Exception as exc:  # a damaged zip fails anywhere in zipfile, zlib or the parser
            raise _unreadable(rel, _DAMAGED) from exc
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        metadata = list(book.sheets_metadata)
    except python_calamine.PasswordError as exc:
        raise _unreadable(rel, _ENCRYPTED) from exc
    except Exception as exc:  # calamine's errors for a damaged or unknown file
        detail = _ENCRYPTED if kind == "xls" and path.suffix.lower() != ".xls" else _DAMAGED
        raise _unreadable(rel, detail) from exc
    sheets = []
    for meta in metadata:
        if "Work" not in str(meta.typ):  # chart sheets, macro sheets
            continue
        sheets.append(
            Sheet(
                name=meta.name,
                visible="Visible" in str(meta.visible) and "Hidden" not in str(meta.visible),
                member=members.get(meta.name),
                extent=extents.get(meta.name),
            )
        )
    return Workbook(path, rel, kind, sheets, book)


_ENCRYPTED = "文件设置了打开密码（已加密），或不是 Excel 文件：请在 Excel 中取消打开密码，另存为 .xlsx 后再放入"
