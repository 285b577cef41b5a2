"""Distribution packs (CONTRACT §4): what goes out to each county and township.

dist/<period>/<code>/ holds the unit's report PDF and its open tick-off list (销号清单) as XLSX;
dist/<period>/manifest.csv lists every file with its sha256, so a unit can check what it got.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from generator import __version__, tables
from generator.errors import BuildError
from generator.model import Bulletin, PriorityEntry, UnitFigures
from generator.render.files import file_name, issued_on
from generator.tables import Sheet, write_csv, write_xlsx

MANIFEST = "manifest.csv"
#: The XLSX writer's source: a change to it must not be hidden by cached workbooks.
_WRITER = hashlib.sha256(Path(tables.__file__).read_bytes()).hexdigest()
MANIFEST_HEADERS = ("单位代码", "单位名称", "文件", "sha256")
PRIORITY_HEADERS = (
    "序号",
    "统一社会信用代码",
    "企业名称",
    "所属单位",
    "职工人数",
    "未建会原因",
    "备注",
)


def report_file(code: str) -> str:
    return f"{file_name(code)}.pdf"


def priority_file(code: str) -> str:
    return f"{file_name(code)}-未建会重点企业清单.xlsx"


def open_priority(bulletin: Bulletin, unit: UnitFigures) -> list[PriorityEntry]:
    """The unit's enterprises still to unionise, largest first (a county: all of its own)."""
    entries = [
        p
        for p in bulletin.priority
        if p.state == "open"
        and (p.unit == unit.code or (unit.level == "county" and p.county == unit.code))
    ]
    return sorted(entries, key=lambda p: (-p.employees, p.name, p.uscc))


def write_priority_xlsx(
    bulletin: Bulletin, unit: UnitFigures, path: Path, cache_dir: Path | None = None
) -> Path:
    """The unit's open tick-off list as a workbook with Chinese headers (cached by content)."""
    rows = [
        [
            i,
            p.uscc,
            p.name,
            p.unit_name,
            p.employees,
            p.reason or "未填报",
            "本期新增" if p.added else "",
        ]
        for i, p in enumerate(open_priority(bulletin, unit), 1)
    ]
    title = f"{bulletin.period_label}未建会重点企业"
    when = issued_on(bulletin)
    cached = None
    if cache_dir is not None:
        # openpyxl takes ~15 ms a workbook; an unchanged list is copied from the cache instead
        key = [__version__, _WRITER, title, when.isoformat(), rows]
        h = hashlib.sha256(json.dumps(key).encode())
        cached = cache_dir / f"{h.hexdigest()}.xlsx"
        if cached.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached, path)
            os.utime(cached)  # recently used: kept by the cache pruning
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
        cached.parent.mkdir(parents=True, exist_ok=True)
        temp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        shutil.copyfile(path, temp)
        os.replace(temp, cached)
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_dist(
    bulletin: Bulletin, reports_dir: Path, out_dir: Path, cache_dir: Path | None = None
) -> Path:
    """Write every unit's folder under out_dir (dist/<period>/) and the manifest; return it."""
    rows: list[list[str]] = []
    for unit in bulletin.units:
        if unit.level not in ("county", "township"):
            continue
        folder = out_dir / file_name(unit.code)
        folder.mkdir(parents=True, exist_ok=True)
        report = reports_dir / report_file(unit.code)
        if not report.is_file():
            raise BuildError(f"缺少{unit.name}（{unit.code}）的单位报告 PDF，无法生成分发文件。")
        files = [shutil.copyfile(report, folder / report_file(unit.code))]
        files.append(
            write_priority_xlsx(bulletin, unit, folder / priority_file(unit.code), cache_dir)
        )
        for path in files:
            rows.append([unit.code, unit.name, path.relative_to(out_dir).as_posix(), _sha256(path)])
    return write_csv(out_dir / MANIFEST, MANIFEST_HEADERS, rows)
