"""Spreadsheets as real offices and hostile files make them: read right, or refused in bounds.

Files made by other writers (LibreOffice's .xls and .ods, committed under corpus/files/) must give
the values the same rows give as CSV. Crafted workbooks (an understated or `A1` dimension, a
formatted cell at XFD1048576, a value there, decompression bombs, a CSV on one 60 MB line) run
through `bulletin check` in a child process with a memory ceiling and a generous time limit:
each is read right or refused with a Chinese message naming the file, never a crash.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_child import run_cli
from conftest import ENTERPRISES, Project, uscc, write_roster

from generator.rosters.load import load_project, read_snapshot

FILES = Path(__file__).parent / "corpus" / "files"
OCT = "2026-10"
#: Address space allowed to a new interpreter running the check (Python, pandas and pyarrow need
#: about 1.8 GB); a child forked from this process has the same room above its libraries.
MEMORY_CEILING = 3 << 30
TIME_LIMIT = 240  # seconds: generous on a loaded machine; the cases take a few seconds


def check_in_child(root: Path) -> tuple[int, str, list[dict[str, str]]]:
    """Run `bulletin check` on a project under the memory ceiling, in a child forked from this
    process (tests/cli_child.py); exit code, output, problems."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    done = run_cli(["check", str(root)], env=env, memory=MEMORY_CEILING, timeout=TIME_LIMIT)
    output = done.stdout + done.stderr
    listing = root / "problems" / "problems.csv"
    problems = []
    if listing.exists():
        with listing.open(encoding="utf-8-sig", newline="") as handle:
            problems = list(csv.DictReader(handle))
    return done.returncode, output, problems


def ledger_rows(n: int) -> list[dict[str, str]]:
    """n valid enterprises, distinct codes: n - 1 of 西镇 (甲县), then one of 乙区."""
    base = dict(ENTERPRISES[1])
    rows = []
    for i in range(n - 1):
        row = dict(base)
        row["uscc"] = uscc(f"91990102MA{i:07d}")
        row["name"] = f"企业{i:03d}有限公司"
        rows.append(row)
    return [*rows, dict(ENTERPRISES[2])]


def _project(tmp_path: Path, name: str = "project") -> Project:
    project = Project(tmp_path / name)
    for old in (project.root / "data" / OCT).glob("enterprises.*"):
        old.unlink()
    return project


def _rewrite(path: Path, member: str, change: Callable[[bytes], bytes]) -> None:
    """Rewrite one member of a zip (the others copied as they are)."""
    source = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == member:
                data = change(data)
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def _enterprises(root: Path) -> list[tuple[str, int]]:
    data = load_project(root)
    snapshot = read_snapshot(data, data.periods[-1])
    frame = snapshot.enterprises
    return sorted(zip(frame["uscc"].tolist(), frame["_row"].tolist(), strict=True))


# --- other writers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["ledger-libreoffice.xls", "ledger-libreoffice.ods"])
def test_libreoffice_files_read_as_the_same_rows_in_csv(tmp_path: Path, fixture: str) -> None:
    """LibreOffice's .xls and .ods (typed cells: numbers, dates) give the CSV's values and rows."""
    as_csv = _project(tmp_path, "csv")
    write_roster(
        as_csv.root / "data" / OCT / "enterprises.csv",
        "enterprises",
        ENTERPRISES,
        above=[["2026年10月企业建会台账"], ["填报单位：甲县总工会"], []],
        below=[[], ["合计", "", "", "", "", "", "360"], ["填表人：周敏"]],
    )
    other = _project(tmp_path, "other")
    # An upper-case extension, as Windows users save it.
    target = other.root / "data" / OCT / f"enterprises{Path(fixture).suffix.upper()}"
    shutil.copy(FILES / fixture, target)
    frames = []
    for root in (as_csv.root, other.root):
        data = load_project(root)
        snapshot = read_snapshot(data, data.periods[-1])
        # saved by hand: no receipt time (W-RECEIPT-MISSING), not what is read
        found = [p for p in snapshot.problems.items if p.code != "W-RECEIPT-MISSING"]
        assert not found, found
        frames.append(snapshot.enterprises.drop(columns=["_file"]).reset_index(drop=True))
    csv_frame, other_frame = frames
    assert list(csv_frame.columns) == list(other_frame.columns)
    assert csv_frame.astype(str).to_dict("records") == other_frame.astype(str).to_dict("records")
    # Rows 5-8 hold the enterprises in both (three title rows and the header above them).
    assert other_frame["_row"].tolist() == [5, 6, 7, 8]
    assert other_frame["employees"].tolist() == [120, 30, 10, 200]


def test_lock_and_temporary_files_are_not_rosters(tmp_path: Path) -> None:
    project = Project(tmp_path / "project", fmt="xlsx")
    folder = project.root / "data" / OCT
    (folder / "~$enterprises.xlsx").write_bytes(b"\x00" * 165)
    (folder / ".~lock.enterprises.xlsx#").write_text("x", encoding="utf-8")
    code, output, problems = check_in_child(project.root)
    assert code == 0, output
    assert not [p for p in problems if p["问题代码"].startswith("E-")]


# --- crafted workbooks -----------------------------------------------------------------------------


def _xlsx_project(tmp_path: Path, n: int = 17) -> tuple[Project, Path]:
    project = _project(tmp_path)
    path = write_roster(
        project.root / "data" / OCT / "enterprises.xlsx", "enterprises", [*ledger_rows(n)]
    )
    return project, path


def _set_dimension(ref: str) -> Callable[[bytes], bytes]:
    def change(xml: bytes) -> bytes:
        if b"<dimension" in xml:
            return re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml)
        return xml.replace(b"<sheetViews", f'<dimension ref="{ref}"/><sheetViews'.encode(), 1)

    return change


@pytest.mark.parametrize("ref", ["A1:R7", "A1"])
def test_a_dimension_that_understates_the_sheet_loses_no_row(tmp_path: Path, ref: str) -> None:
    project, path = _xlsx_project(tmp_path, 17)
    _rewrite(path, "xl/worksheets/sheet1.xml", _set_dimension(ref))
    assert f'<dimension ref="{ref}"'.encode() in zipfile.ZipFile(path).read(
        "xl/worksheets/sheet1.xml"
    )
    code, output, _problems = check_in_child(project.root)
    assert code == 0, output
    found = _enterprises(project.root)
    assert len(found) == 17
    assert [row for _, row in found] == list(range(2, 19))


def test_a_formatted_cell_at_the_last_cell_of_the_sheet_is_read_right(tmp_path: Path) -> None:
    project, path = _xlsx_project(tmp_path, 5)

    def far_style(xml: bytes) -> bytes:
        return xml.replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>'
        )

    _rewrite(path, "xl/worksheets/sheet1.xml", far_style)
    code, output, _problems = check_in_child(project.root)
    assert code == 0, output
    assert len(_enterprises(project.root)) == 5


def test_a_value_at_the_last_cell_of_the_sheet_is_refused(tmp_path: Path) -> None:
    project, path = _xlsx_project(tmp_path, 5)

    def far_value(xml: bytes) -> bytes:
        return xml.replace(
            b"</sheetData>",
            b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
            b"</sheetData>",
        )

    _rewrite(path, "xl/worksheets/sheet1.xml", far_value)
    code, output, problems = check_in_child(project.root)
    assert code == 1, output
    refused = [p for p in problems if p["问题代码"] == "E-FILE-TOO-LARGE"]
    assert refused and refused[0]["文件"] == f"data/{OCT}/enterprises.xlsx"
    assert "1048576 行" in refused[0]["说明"]


def _bomb(path: Path, member: str, make: Callable[[zipfile.ZipFile], None]) -> None:
    """Replace a member by one written in a streamed way (never whole in memory), deflated at the
    fastest level: hundreds of megabytes of one repeated block still take a few megabytes."""
    source = path.read_bytes()
    writing = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
    with zipfile.ZipFile(io.BytesIO(source)) as src, writing as dst:
        for info in src.infolist():
            if info.filename == member:
                make(dst)
            else:
                dst.writestr(info, src.read(info), compress_type=zipfile.ZIP_DEFLATED)


def _stream(member: str, head: bytes, repeat: bytes, times: int, tail: bytes):  # type: ignore[no-untyped-def]
    def make(archive: zipfile.ZipFile) -> None:
        # deflated at the archive's level (the fastest, see _bomb)
        with archive.open(member, "w", force_zip64=True) as out:
            out.write(head)
            block = repeat * max(1, (1 << 20) // len(repeat))
            written = 0
            while written < times * len(repeat):
                out.write(block)
                written += len(block)
            out.write(tail)

    return make


def _sheet_head(xml: bytes) -> bytes:
    return xml[: xml.index(b"<sheetData>") + len(b"<sheetData>")]


BOMBS = {
    # 8 million identical rows without row numbers: 2 GB of XML from a few megabytes.
    "sheet-rows": lambda head: _stream(
        "xl/worksheets/sheet1.xml",
        head,
        b'<row><c t="inlineStr"><is><t>91990102MA0000001X</t></is></c></row>',
        8_000_000,
        b"</sheetData></worksheet>",
    ),
    # 600 MB of white space inside the sheet.
    "whitespace": lambda head: _stream(
        "xl/worksheets/sheet1.xml", head, b" " * 1024, 600_000, b"</sheetData></worksheet>"
    ),
}


@pytest.mark.parametrize("kind", [*BOMBS, "shared-strings"])
def test_a_decompression_bomb_is_refused_in_bounded_memory(tmp_path: Path, kind: str) -> None:
    project, path = _xlsx_project(tmp_path, 3)
    if kind == "shared-strings":
        # One shared string of 800 MB.
        make = _stream(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>',
            b"A" * 1024,
            800_000,
            b"</t></si></sst>",
        )
        member = "xl/sharedStrings.xml"
        if member not in zipfile.ZipFile(path).namelist():
            # openpyxl writes inline strings only when asked; add the member as Excel would.
            with zipfile.ZipFile(path, "a") as archive:
                archive.writestr(member, b"<sst/>")
    else:
        member = "xl/worksheets/sheet1.xml"
        make = BOMBS[kind](_sheet_head(zipfile.ZipFile(path).read(member)))
    _bomb(path, member, make)
    assert path.stat().st_size < 20 << 20
    code, output, problems = check_in_child(project.root)
    assert code == 1, output
    refused = [p for p in problems if p["问题代码"] == "E-FILE-TOO-LARGE"]
    assert refused, (output, problems)
    assert refused[0]["文件"] == f"data/{OCT}/enterprises.xlsx"
    assert "Traceback" not in output


def test_a_member_that_inflates_beyond_its_declared_size_is_refused(tmp_path: Path) -> None:
    """A central directory that understates a member's size does not fool the checks."""
    project, path = _xlsx_project(tmp_path, 3)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        true_size = info.file_size
    small = (true_size // 2).to_bytes(4, "little")
    # The size field of the member's entry in the central directory (offset 24 of the entry).
    name = b"xl/worksheets/sheet1.xml"
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    data[entry + 24 : entry + 28] = small
    path.write_bytes(bytes(data))
    code, output, problems = check_in_child(project.root)
    assert code == 1, output
    codes = {p["问题代码"] for p in problems}
    assert codes & {"E-FILE-TOO-LARGE", "E-FILE-UNREADABLE"}, problems


def test_a_csv_of_one_60_mb_line_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    project = _project(tmp_path)
    path = project.root / "data" / OCT / "enterprises.csv"
    path.write_bytes(b"x," * 30_000_000)
    code, output, problems = check_in_child(project.root)
    assert code == 1, output
    refused = [p for p in problems if p["问题代码"] == "E-FILE-TOO-LARGE"]
    assert refused and refused[0]["文件"] == f"data/{OCT}/enterprises.csv"
    assert "MemoryError" not in output
