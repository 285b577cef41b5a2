#!/usr/bin/env python3
"""The demo province (README, second walk-through): three small cities issue October, the
province takes in their packages and builds its own bulletin from them.

    .venv/bin/python benchmarks/demo_province.py DIR

DIR/甲市, DIR/乙市, DIR/丙市 are city projects (a city, two counties, three townships, a few
enterprises each), each with October issued (`bulletin issue 2026-10`); DIR/测试省 is the
province project (`level: province`) whose data/2026-10/ holds the three packages taken in with
`bulletin intake`, built into DIR/测试省/site/. Prints the figures of each city and of the
province, and the time each step took.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from generator.rosters.specs import ROSTERS  # noqa: E402

PERIOD = "2026-10"
CITY_YML = "organization:\n  name: {name}总工会\n  doc_prefix: {prefix}\ncadence: month\n"
PROVINCE_YML = (
    "organization:\n  name: 测试省总工会\n  doc_prefix: 测省工发\ncadence: month\nlevel: province\n"
)
FRAME = (
    "---\ndoc_number: 10\nrecipients: {to}\nsigned_on: 2026-11-06\n---\n\n"
    "现将2026年10月企业工会组建工作情况通报如下。\n\n<!-- closing -->\n\n请抓好落实。\n"
)


def _write(path: Path, roster: str, rows: list[dict[str, Any]]) -> None:
    columns = ROSTERS[roster].columns
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.aliases[0] for c in columns])
        writer.writerows([[row.get(c.name, "") for c in columns] for row in rows])


def _uscc(body: str) -> str:
    from generator.rosters.validate import uscc_check_char

    return body + uscc_check_char(body)


def make_city(root: Path, prefix: str, name: str, size: int) -> None:
    """A small city: codes <prefix>0000 (city), <prefix>0100/0200 (counties), their townships."""
    c = f"{prefix}0000"
    units = [
        {"code": c, "name": name, "level": "市", "parent": ""},
        {"code": f"{prefix}0100", "name": f"{name[0]}东县", "level": "县", "parent": c},
        {"code": f"{prefix}0101", "name": "东镇", "level": "乡镇", "parent": f"{prefix}0100"},
        {"code": f"{prefix}0102", "name": "西镇", "level": "乡镇", "parent": f"{prefix}0100"},
        {"code": f"{prefix}0200", "name": f"{name[0]}西区", "level": "区", "parent": c},
        {"code": f"{prefix}0201", "name": "南街道", "level": "街道", "parent": f"{prefix}0200"},
    ]
    towns = [f"{prefix}0101", f"{prefix}0102", f"{prefix}0201"]
    rows = []
    for i in range(size):
        unionized = i % 3 != 2
        employees = 20 + 13 * i
        rows.append(
            {
                "uscc": _uscc(f"91{prefix}0000MA{i:07d}"),
                "name": f"{name}第{i + 1}企业有限公司",
                "unit": towns[i % 3],
                "industry": "制造业",
                "ownership": "私营",
                "area_type": "工业园区",
                "employees": str(employees),
                "migrant_workers": str(employees // 3),
                "unionized": "是" if unionized else "否",
                "union_date": ("2026-10-1" + str(i % 9) if i % 4 == 0 else "2020-05-01")
                if unionized
                else "",
                "members": str(employees - 5) if unionized else "",
                "migrant_members": str(employees // 3 - 2) if unionized else "",
                "union_form": "单独建会" if unionized else "",
                "workers_congress": "是" if unionized else "",
                "wage_bargaining": ("是" if i % 2 else "否") if unionized else "",
                "not_unionized_reason": "" if unionized else "正在筹建",
                "status": "存续",
            }
        )
    (root / "bulletin.yml").parent.mkdir(parents=True, exist_ok=True)
    (root / "bulletin.yml").write_text(
        CITY_YML.format(name=name, prefix=f"{name[0]}工发"), encoding="utf-8"
    )
    _write(root / "data" / "units.csv", "units", units)
    targets = [
        {"year": "2026", "unit": f"{prefix}0100", "new_unions": "6", "new_members": "200"},
        {"year": "2026", "unit": f"{prefix}0200", "new_unions": "4", "new_members": "100"},
    ]
    _write(root / "data" / "targets.csv", "targets", targets)
    volunteer = {
        "id": "ZY001",
        "name": "张三",
        "unit": towns[0],
        "hired_on": "2025-03-01",
        "selection": "考试",
    }
    _write(root / "data" / "volunteers.csv", "volunteers", [volunteer])
    _write(root / "data" / "pioneer_teams.csv", "pioneer_teams", [])
    _write(root / "data" / "book_rooms.csv", "book_rooms", [])
    _write(root / "data" / PERIOD / "enterprises.csv", "enterprises", rows)
    frame = root / "content" / "bulletins" / f"{PERIOD}.md"
    frame.parent.mkdir(parents=True, exist_ok=True)
    frame.write_text(FRAME.format(to="各县市区总工会"), encoding="utf-8")


def main(out: Path) -> int:
    from generator.build import BuildOptions, build
    from generator.federation.intake import take_package
    from generator.issuing import issue_period

    cities = (("91", "甲市", 9), ("92", "乙市", 12), ("93", "丙市", 15))
    for prefix, name, size in cities:
        start = time.perf_counter()
        make_city(out / name, prefix, name, size)
        issue_period(out / name, PERIOD)
        print(f"{name}：生成并印发 {PERIOD}，{time.perf_counter() - start:.1f} 秒")
    province = out / "测试省"
    (province / "data" / PERIOD).mkdir(parents=True, exist_ok=True)
    (province / "bulletin.yml").write_text(PROVINCE_YML, encoding="utf-8")
    with (province / "data" / "units.csv").open("w", encoding="utf-8-sig", newline="") as h:
        writer = csv.writer(h)
        writer.writerow(["单位代码", "单位名称", "层级", "上级单位代码"])
        writer.writerow(["800000", "测试省", "省", ""])
        writer.writerows([[f"{p}0000", n, "市", "800000"] for p, n, _ in cities])
    frame = province / "content" / "bulletins" / f"{PERIOD}.md"
    frame.parent.mkdir(parents=True, exist_ok=True)
    frame.write_text(FRAME.format(to="各市总工会"), encoding="utf-8")
    start = time.perf_counter()
    for _, name, _ in cities:
        take_package(province, PERIOD, out / name / "issued" / PERIOD, received="2026-11-04 10:00")
    read = time.perf_counter() - start
    result = build(province, BuildOptions())
    print(f"测试省：收取3个通报包 {read:.2f} 秒，生成 {time.perf_counter() - start - read:.1f} 秒")
    print(f"通报：{province / 'site' / 'internal' / 'pdf' / PERIOD / 'bulletin.pdf'}")
    print(f"网站：{province / 'site' / 'internal' / 'index.html'}（{result.pages} 页）")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        raise SystemExit(2)
    raise SystemExit(main(Path(sys.argv[1]).resolve()))
