"""Distribution packs (CONTRACT §4): what goes out to each county and township.

dist/<period>/<code>-<name>/ holds the unit's report PDF and its open tick-off list (销号清单) as
XLSX, dist/<period>/<code>-<name>.zip the same as one archive; dist/<period>/manifest.csv lists
every file with its sha256, so a unit can check what it got. File names carry the unit's name and
the period, so that a packet saved among others is still recognisable.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from generator import __version__
from generator.common import tables
from generator.common.cache import file_digest, write_atomic
from generator.common.errors import BuildError
from generator.common.sealed import read_sealed, seal
from generator.common.tables import Sheet, write_csv, write_xlsx
from generator.federation.words import words
from generator.model.bulletin import Bulletin, PriorityEntry, UnitFigures
from generator.render.files import file_name, issued_on, priority_marks

MANIFEST = "manifest.csv"
#: The XLSX writer's source: a change to it must not be hidden by cached workbooks.
_WRITER = hashlib.sha256(Path(tables.__file__).read_bytes()).hexdigest()
#: This module's source: a packet zip kept by other code is not reused.
_ZIPPER = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
MANIFEST_HEADERS = ("单位代码", "单位名称", "文件", "sha256")
PRIORITY_HEADERS = (
    "序号",
    "统一社会信用代码",
    "企业名称",
    "所属单位",
    "职工人数",
    "未建会原因",
    "推进情况",
    "责任人",
    "计划建会时间",
    "备注",
)


#: characters Windows, macOS or a zip tool cannot take in a file name
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_name(name: str, limit: int = 40) -> str:
    """A unit name fit for a file name on every system (Chinese kept, path characters out)."""
    text = _UNSAFE.sub("_", unicodedata.normalize("NFC", name))
    text = re.sub(r"\s+", " ", text).strip(" ._").lstrip("=+-@")  # no formula-like names
    return text[:limit].rstrip(" ._")


def unit_folder(code: str, name: str) -> str:
    """`<code>-<name>`: the unit's packet folder (and, with .zip, its archive)."""
    name = safe_name(name)
    return f"{file_name(code)}-{name}" if name else file_name(code)


def report_file(code: str, name: str = "", period_label: str = "") -> str:
    """The unit report's name in a packet (bare `<code>.pdf` is the name under pdf/)."""
    if not name and not period_label:
        return f"{file_name(code)}.pdf"
    return f"{unit_folder(code, name)}-{period_label}报告.pdf"


def priority_file(code: str, name: str = "", period_label: str = "") -> str:
    return f"{unit_folder(code, name)}-{period_label}未建会重点企业清单.xlsx"


@dataclass
class PriorityIndex:
    """The open priority entries of a bulletin, by position, under their unit and county."""

    entries: list[PriorityEntry]
    by_unit: dict[str, list[int]] = field(default_factory=dict)
    by_county: dict[str, list[int]] = field(default_factory=dict)


def priority_index(bulletin: Bulletin) -> PriorityIndex:
    """The bulletin's open priority entries indexed by unit and county (one pass for all the
    units' packets: a scan per unit is units x entries)."""
    index = PriorityIndex([p for p in bulletin.priority or () if p.state == "open"])
    for i, p in enumerate(index.entries):
        index.by_unit.setdefault(p.unit, []).append(i)
        index.by_county.setdefault(p.county, []).append(i)
    return index


def open_priority(
    bulletin: Bulletin, unit: UnitFigures, index: PriorityIndex | None = None
) -> list[PriorityEntry]:
    """The unit's enterprises still to unionise, largest first (a county: all of its own).

    `index` (priority_index of the same bulletin): found there, not by a scan of every entry.
    """
    if index is None:
        index = priority_index(bulletin)
    found = set(index.by_unit.get(unit.code, ()))
    if unit.level == "county":
        found.update(index.by_county.get(unit.code, ()))
    entries = [index.entries[i] for i in sorted(found)]  # in the model's order, as scanned
    return sorted(entries, key=lambda p: (-p.employees, p.name, p.uscc))


def write_priority_xlsx(
    bulletin: Bulletin,
    unit: UnitFigures,
    path: Path,
    cache_dir: Path | None = None,
    index: PriorityIndex | None = None,
    written: dict[Path, str] | None = None,
) -> Path:
    """The unit's open tick-off list as a workbook with Chinese headers (cached by content).

    `written` is given the sha256 of the workbook when its bytes were at hand (copied from the
    cache): the manifest's digest without reading the file again.
    """
    rows = [
        [
            i,
            p.uscc,
            p.name,
            p.unit_name,
            p.employees,
            p.reason or "未填报",
            p.progress,
            p.responsible,
            p.planned_on,
            priority_marks(p),
        ]
        for i, p in enumerate(open_priority(bulletin, unit, index), 1)
    ]
    title = f"{bulletin.period_label}未建会重点企业"
    when = issued_on(bulletin)
    cached = None
    if cache_dir is not None:
        # openpyxl takes ~15 ms a workbook; an unchanged list is copied from the cache instead
        cached = _cached(cache_dir, [__version__, _WRITER, title, when.isoformat(), rows], ".xlsx")
        if _copied(cached, path, written):
            return path
    sheet = Sheet(
        title=title,
        headers=PRIORITY_HEADERS,
        rows=rows,
        formats={0: "0", 4: "0"},
        widths={0: 6, 1: 22, 2: 36, 3: 18, 4: 10, 5: 30, 6: 10},
    )
    write_xlsx(path, [sheet], when)
    if cached is not None:
        write_atomic(cached, seal(path.read_bytes()))  # checked against its digest when reused
    return path


def write_zip(
    folder: Path,
    files: list[Path],
    when: date,
    cache_dir: Path | None = None,
    digests: dict[Path, str] | None = None,
) -> Path:
    """`folder`.zip holding `files` under the folder's name, the same bytes on every build.

    With `cache_dir` and the files' sha256 `digests`, a zip of the same files is copied from
    the cache (deflating the PDFs again is most of a packet's CPU), only when intact; the
    zip's own sha256 is then added to `digests`, the bytes being at hand.
    """
    target = folder.with_name(f"{folder.name}.zip")
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    cached = None
    if cache_dir is not None and digests is not None:
        named = sorted((path.name, digests[path]) for path in files)
        cached = _cached(cache_dir, [__version__, _ZIPPER, folder.name, stamp, named], ".zip")
        if _copied(cached, target, digests):
            return target
    data = _zipped(folder.name, files, stamp)
    target.write_bytes(data)
    if digests is not None:
        digests[target] = hashlib.sha256(data).hexdigest()
    if cached is not None:
        write_atomic(cached, seal(data))  # checked against its digest when reused
    return target


def _cached(cache_dir: Path, key: list[Any], suffix: str) -> Path:
    """Where the cache keeps the file made from `key` (JSON-able)."""
    return cache_dir / f"{hashlib.sha256(json.dumps(key).encode()).hexdigest()}{suffix}"


def _copied(cached: Path, target: Path, written: dict[Path, str] | None = None) -> bool:
    """Copy the file kept at `cached` to `target` (and its sha256 into `written`): only the
    bytes a build kept (not damaged, not planted); False when there is none."""
    kept = read_sealed(cached)
    if kept is None:
        return False
    target.write_bytes(kept)  # a new file of the output being made, published whole
    if written is not None:
        written[target] = hashlib.sha256(kept).hexdigest()
    os.utime(cached)  # recently used: kept by the cache pruning
    return True


def _zipped(name: str, files: list[Path], stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """The zip of `files` in a folder `name`, every entry dated `stamp`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            # names are UTF-8 (flag 0x800), which Windows Explorer, 7-Zip and WinRAR read
            info = zipfile.ZipInfo(f"{name}/{path.name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def write_dist(
    bulletin: Bulletin, reports_dir: Path, out_dir: Path, cache_dir: Path | None = None
) -> Path:
    """Write every unit's folder and zip under out_dir (dist/<period>/) and the manifest.

    The manifest lists each file of each folder, then the unit's zip; the path is the one
    relative to out_dir. Returns the manifest's path.
    """
    rows: list[list[str]] = []
    when = issued_on(bulletin)
    label = bulletin.period_label
    index = priority_index(bulletin)
    for unit in bulletin.units:
        if unit.level not in ("county", "township"):
            continue
        folder = out_dir / unit_folder(unit.code, unit.name)
        folder.mkdir(parents=True, exist_ok=True)
        report = reports_dir / report_file(unit.code)
        if not report.is_file():
            raise BuildError(f"缺少{unit.name}（{unit.code}）的单位报告 PDF，无法生成分发文件。")
        # each file's sha256 from the bytes written where they were at hand, else read back
        pdf, digests = report.read_bytes(), {}
        files = [folder / report_file(unit.code, unit.name, label)]
        files[0].write_bytes(pdf)
        digests[files[0]] = hashlib.sha256(pdf).hexdigest()
        if words().has_lists:  # a province has its cities' counts, not their enterprises
            files.append(
                write_priority_xlsx(
                    bulletin,
                    unit,
                    folder / priority_file(unit.code, unit.name, label),
                    cache_dir,
                    index,
                    digests,
                )
            )
        for path in files:
            if path not in digests:
                digests[path] = file_digest(path, "sha256")
        packet = write_zip(folder, files, when, cache_dir, digests)
        if packet not in digests:
            digests[packet] = file_digest(packet, "sha256")
        for path in [*files, packet]:
            rows.append([unit.code, unit.name, path.relative_to(out_dir).as_posix(), digests[path]])
    return write_csv(out_dir / MANIFEST, MANIFEST_HEADERS, rows)


def read_manifest(path: Path) -> list[dict[str, str]]:
    """The rows of a manifest.csv as {code, name, file, sha256}."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        return [
            {"code": r[0], "name": r[1], "file": r[2], "sha256": r[3]}
            for r in reader
            if len(r) >= 4
        ]
