"""Rosters benchmark: reading and validating a 100 000-row ledger against the bare reads.

Targets (DESIGN.md): read + validate ≤ 2× `pyarrow.csv.read_csv` of the same CSV, and ≤ 2×
python-calamine's bare read of the same ledger as XLSX (open, sheet, cell values), both measured
in this run, best of a few repetitions each. The ledger is generated here with realistic values
(GB 32100 codes, Chinese names, mixed date forms, some empty optional cells); its XLSX is written
as Excel writes one (shared strings, numbers as numbers).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = 100_000
REPEATS = 9
XLSX_REPEATS = 3

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])


def _units(counties: int = 10, townships: int = 15) -> list[list[str]]:
    rows = [["990000", "示例市", "市", "", "1", ""]]
    order = 2
    for c in range(1, counties + 1):
        county = f"99{c:02d}00"
        rows.append([county, f"第{c}县", "县", "990000", str(order), ""])
        order += 1
        for t in range(1, townships + 1):
            rows.append([f"{county}{t:03d}", f"第{c}县第{t}镇", "乡镇", county, str(order), ""])
            order += 1
    return rows


def _codes(rng: np.random.Generator, n: int) -> list[str]:
    body = rng.integers(0, 31, size=(n, 17))
    body[:, 0] = 9  # 9: registered by the market regulator
    body[:, 1] = 1  # 1: enterprise
    check = (31 - (body * _WEIGHTS).sum(axis=1) % 31) % 31
    chars = np.array(list(_ALPHABET))
    return ["".join(row) for row in chars[np.column_stack([body, check])]]


def write_ledger(folder: Path, rows: int = ROWS, seed: int = 7) -> Path:
    """Write a synthetic project with a `rows`-row enterprise ledger; return the ledger path."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bulletin.yml").write_text("cadence: month\n", encoding="utf-8")
    data = folder / "data"
    (data / "2026-10").mkdir(parents=True, exist_ok=True)
    units = _units()
    lines = ["单位代码,单位名称,层级,上级单位代码,排序,应配备志愿者"] + [",".join(r) for r in units]
    (data / "units.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    townships = [r[0] for r in units if r[2] == "乡镇"]

    codes = _codes(rng, rows)
    unit = rng.choice(townships, rows)
    employees = rng.lognormal(3.2, 1.0, rows).astype(int) + 1
    migrant = (employees * rng.uniform(0, 0.6, rows)).astype(int)
    dispatch = (employees * rng.uniform(0, 0.1, rows)).astype(int)
    unionized = rng.random(rows) < 0.7
    members = (employees * rng.uniform(0.6, 1.0, rows)).astype(int)
    migrant_members = (migrant * rng.uniform(0.5, 1.0, rows)).astype(int)
    days = rng.integers(0, 9000, rows)
    base = np.datetime64("2001-01-01")
    dates = (base + days.astype("timedelta64[D]")).astype(str)
    words = ["机械", "电子", "商贸", "物流", "建材", "食品", "纺织", "科技", "服饰", "化工"]
    kinds = ["有限公司", "股份有限公司", "有限责任公司"]
    industries = ["制造业", "建筑业", "批发和零售业", "交通运输业", "住宿和餐饮业"]
    areas = ["开发区", "工业园区", "商贸楼宇", "集贸市场", "村(社区)", "其他"]
    header = (
        "统一社会信用代码,企业名称,所属单位代码,行业,经济类型,所在区域类型,职工人数,农民工人数,"
        "劳务派遣工人数,是否建会,建会日期,会员人数,农民工会员人数,组建形式,是否建立职代会,"
        "是否开展工资集体协商,未建会原因,经营状态"
    )
    out = [header]
    w = rng.integers(0, len(words), (rows, 2))
    for i in range(rows):
        u = bool(unionized[i])
        day = dates[i]
        if i % 3 == 1:  # some counties write 2026/3/5
            y, m, d = day.split("-")
            day = f"{y}/{int(m)}/{int(d)}"
        name = f"示例{words[w[i, 0]]}{words[w[i, 1]]}{i}号{kinds[i % 3]}"
        out.append(
            ",".join(
                [
                    codes[i],
                    name,
                    str(unit[i]),
                    industries[i % 5],
                    "私营",
                    areas[i % 6],
                    str(employees[i]),
                    str(migrant[i]),
                    str(dispatch[i]),
                    "是" if u else "否",
                    day if u else "",
                    str(min(members[i], employees[i])) if u else "",
                    str(min(migrant_members[i], migrant[i])) if u else "",
                    "单独建会" if u else "",
                    "是" if u and i % 2 else ("否" if u else ""),
                    "是" if u and i % 4 else ("否" if u else ""),
                    "" if u else "正在筹建",
                    "存续" if i % 50 else "注销",
                ]
            )
        )
    path = data / "2026-10" / "enterprises.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def write_xlsx(csv_path: Path, xlsx_path: Path) -> Path:
    """The same ledger as an XLSX, written as Excel writes one: shared strings, numbers as numbers."""
    import csv
    import re
    import zipfile
    from xml.sax.saxutils import escape

    number = re.compile(r"[0-9]{1,9}")
    strings: dict[str, int] = {}
    rows_xml: list[str] = []
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for r, record in enumerate(csv.reader(handle), start=1):
            cells = []
            for j, value in enumerate(record):
                if value == "":
                    continue
                ref = f"{chr(65 + j)}{r}"
                # Unit codes stay text, as the templates format them.
                if number.fullmatch(value) and j != 2:
                    cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                else:
                    k = strings.setdefault(value, len(strings))
                    cells.append(f'<c r="{ref}" t="s"><v>{k}</v></c>')
            rows_xml.append(f'<row r="{r}">{"".join(cells)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{main}">'
        f"<sheetData>{''.join(rows_xml)}</sheetData></worksheet>"
    )
    sst = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override '
            'PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}"><Relationship '
            'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            '<sheets><sheet name="企业建会台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{sst}</sst>'
        ),
    }
    with zipfile.ZipFile(xlsx_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode("utf-8"))
    return xlsx_path


def _calamine_read(path: Path) -> list[list[Any]]:
    """python-calamine's bare read: open, the first sheet, every cell value."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        return list(book.get_sheet_by_index(0).to_python(skip_empty_area=False))
    finally:
        book.close()


def _best(fn: Callable[[], Any], repeats: int = REPEATS) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run(work: Path | None = None) -> list[dict[str, object]]:
    """Measure and return the benchmark rows."""
    import pyarrow.csv as pcsv

    from generator.common.config import load_config
    from generator.common.periods import Period
    from generator.rosters.load import load_project, read_snapshot

    with tempfile.TemporaryDirectory(dir=work) as tmp:
        root = Path(tmp) / "rosters-bench"
        path = write_ledger(root)
        data = load_project(root, load_config(root))
        period = Period.parse("2026-10")
        snapshot = read_snapshot(data, period)
        assert len(snapshot.enterprises) == ROWS, len(snapshot.enterprises)
        errors = snapshot.problems.errors
        assert not errors, errors[:3]

        # Interleaved, so that both see the same machine load; the best of each counts. CPU
        # time (of every thread) is shown beside: on a loaded machine it varies less.
        bare = ours = bare_cpu = ours_cpu = float("inf")
        for _ in range(REPEATS):
            cpu = time.process_time()
            bare = min(bare, _best(lambda: pcsv.read_csv(path), 1))
            bare_cpu = min(bare_cpu, time.process_time() - cpu)
            cpu = time.process_time()
            ours = min(ours, _best(lambda: read_snapshot(data, period), 1))
            ours_cpu = min(ours_cpu, time.process_time() - cpu)

        # The same ledger as XLSX, read instead of the CSV.
        xlsx = write_xlsx(path, path.with_suffix(".xlsx"))
        path.unlink()
        snapshot = read_snapshot(data, period)
        assert len(snapshot.enterprises) == ROWS, len(snapshot.enterprises)
        assert not snapshot.problems.errors, snapshot.problems.errors[:3]
        del snapshot
        bare_x = ours_x = float("inf")
        for _ in range(XLSX_REPEATS):
            bare_x = min(bare_x, _best(lambda: _calamine_read(xlsx), 1))
            ours_x = min(ours_x, _best(lambda: read_snapshot(data, period), 1))
    return [
        {
            "name": f"rosters: read+validate {ROWS // 1000}k rows vs pyarrow read",
            "ratio": ours / bare,
            "target": "≤ 2×",
            "seconds": round(ours, 3),
            "pyarrow_seconds": round(bare, 3),
        },
        {
            "name": f"rosters: read+validate {ROWS // 1000}k rows vs pyarrow read, CPU time",
            "ratio": ours_cpu / bare_cpu,
            "target": "",
            "seconds": round(ours_cpu, 3),
            "pyarrow_seconds": round(bare_cpu, 3),
        },
        {
            "name": f"rosters: read+validate {ROWS // 1000}k-row XLSX vs python-calamine read",
            "ratio": ours_x / bare_x,
            "target": "≤ 2×",
            "seconds": round(ours_x, 3),
            "calamine_seconds": round(bare_x, 3),
        },
    ]


if __name__ == "__main__":
    for row in run():
        bare = row.get("pyarrow_seconds", row.get("calamine_seconds"))
        print(
            f"{row['name']}: {row['ratio']:.2f}× (ours {row['seconds']} s, "
            f"bare {bare} s), target {row['target']}"
        )
