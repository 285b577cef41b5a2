#!/usr/bin/env python3
"""The demo province (README, second walk-through): the demo city and two small cities issue the
demo city's latest period, the province takes in their packages and builds its bulletin from them.

    .venv/bin/python benchmarks/demo_province.py DIR

DIR/示例市 is a copy of this repository's demo city project (bulletin.yml, data/, content/),
DIR/甲市 and DIR/乙市 are small invented cities (a city, two counties, three townships, a few
enterprises each) with data for the same period; each issues that period (`bulletin issue`).
DIR/演示省 is the province project (`level: province`) whose data/<period>/ holds the three
packages taken in with `bulletin intake`, built into DIR/演示省/site/. Prints the time each step
took and where the province's bulletin is.
"""

from __future__ import annotations

import csv
import re
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent  # the repository's root is the demo city project
sys.path.insert(0, str(DEMO))

from generator.rosters.specs import ROSTERS  # noqa: E402

CITY_YML = "organization:\n  name: {name}总工会\n  doc_prefix: {prefix}\ncadence: month\n"
# The province's cities report after they have issued their own bulletins, so its deadline is
# later in the month than a city's (the 5th, when the counties' ledgers are due).
PROVINCE_YML = (
    "organization:\n  name: 演示省总工会\n  doc_prefix: 演省工发\ncadence: month\n"
    "level: province\nreport_deadline: 15\n"
)
PROVINCE = ("800000", "演示省")
FRAME = (
    "---\ndoc_number: {number}\nrecipients: {to}\nsigned_on: {signed}\n---\n\n"
    "现将{label}企业工会组建工作情况通报如下。\n\n<!-- closing -->\n\n请抓好落实。\n"
)


def _write(path: Path, roster: str, rows: list[dict[str, Any]]) -> None:
    columns = ROSTERS[roster].columns
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.aliases[0] for c in columns])
        writer.writerows([[row.get(c.name, "") for c in columns] for row in rows])


def _uscc(body: str) -> str:
    from generator.rosters.uscc import uscc_check_char

    return body + uscc_check_char(body)


def _weekday_from(day: date) -> date:
    """The first working day (Monday to Friday) on or after `day`."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def latest_period(root: Path) -> str:
    """The latest period of the project's data/ (its folders are named by period)."""
    from generator.common.periods import Period

    found = []
    for folder in (root / "data").iterdir():
        try:
            found.append(Period.parse(folder.name))
        except ValueError:
            continue
    return str(max(found))


def copy_demo(root: Path, period: str) -> date:
    """Copy the demo city project to `root`, ready to issue `period`; return its 成文日期.

    The frame gets a 发文序号 and 成文日期 if it lacks them, and a 成文日期 no earlier than the
    last ledger received (as the office signs only once it has every ledger it reports on).
    """
    from generator.common.periods import Period
    from generator.model.content import load_content
    from generator.office.issue import period_receipts

    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(DEMO / "bulletin.yml", root / "bulletin.yml")
    for name in ("data", "content"):
        shutil.copytree(DEMO / name, root / name)
    frame_path = root / "content" / "bulletins" / f"{period}.md"
    frame = load_content(root).frames[period]
    receipts = period_receipts(root, Period.parse(period))
    earliest = max([r[1].date() for r in receipts], default=Period.parse(period).end)
    signed = _weekday_from(max(frame.signed_on or earliest, earliest))
    text = frame_path.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)  # the front matter, then the frame's text
    set_to = {"signed_on": signed.isoformat()}
    if frame.doc_number is None:
        set_to["doc_number"] = "1"
    if frame.printed_on is not None and frame.printed_on < signed:
        set_to["printed_on"] = signed.isoformat()
    for key, value in set_to.items():
        line = re.compile(rf"^{key}:.*$", re.MULTILINE)
        head = line.sub(f"{key}: {value}", head) if line.search(head) else f"{head}\n{key}: {value}"
    frame_path.write_text(f"{head}\n---\n{body}", encoding="utf-8")
    return signed


def make_city(root: Path, prefix: str, name: str, size: int, period: str, signed: date) -> None:
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
                # every fourth union is new this period, the others years old
                "union_date": (f"{period}-1{i % 9}" if i % 4 == 0 else "2020-05-01")
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
    year = period[:4]
    targets = [
        {"year": year, "unit": f"{prefix}0100", "new_unions": "6", "new_members": "200"},
        {"year": year, "unit": f"{prefix}0200", "new_unions": "4", "new_members": "100"},
    ]
    _write(root / "data" / "targets.csv", "targets", targets)
    volunteer = {
        "id": "ZY001",
        "name": "张三",
        "unit": towns[0],
        "hired_on": f"{int(year) - 1}-03-01",
        "selection": "考试",
    }
    _write(root / "data" / "volunteers.csv", "volunteers", [volunteer])
    _write(root / "data" / "pioneer_teams.csv", "pioneer_teams", [])
    _write(root / "data" / "book_rooms.csv", "book_rooms", [])
    _write(root / "data" / period / "enterprises.csv", "enterprises", rows)
    _write_frame(root, period, "各县市区总工会", signed)


def _write_frame(root: Path, period: str, to: str, signed: date) -> None:
    from generator.common.periods import Period

    frame = root / "content" / "bulletins" / f"{period}.md"
    frame.parent.mkdir(parents=True, exist_ok=True)
    label = Period.parse(period).label
    text = FRAME.format(number=10, to=to, signed=signed.isoformat(), label=label)
    frame.write_text(text, encoding="utf-8")


def main(out: Path) -> int:
    from generator.build import BuildOptions, build
    from generator.federation.intake import take_package
    from generator.office.issue import issue_period

    period = latest_period(DEMO)
    with (DEMO / "data" / "units.csv").open(encoding="utf-8-sig", newline="") as handle:
        demo = next(csv.DictReader(handle))  # the city itself comes first
    code, demo_name = demo["单位代码"], demo["单位名称"]
    start = time.perf_counter()
    signed = copy_demo(out / demo_name, period)
    result = issue_period(out / demo_name, period)
    print(
        f"{demo_name}（演示市，{code}）：复制并印发 {period}（{result.doc_code}，成文日期 {signed}），"
        f"{time.perf_counter() - start:.1f} 秒"
    )
    members = [(code, demo_name, out / demo_name)]
    for prefix, name, size in (("91", "甲市", 9), ("92", "乙市", 12)):
        start = time.perf_counter()
        make_city(out / name, prefix, name, size, period, signed)
        issue_period(out / name, period)
        print(f"{name}（{prefix}0000）：生成并印发 {period}，{time.perf_counter() - start:.1f} 秒")
        members.append((f"{prefix}0000", name, out / name))
    province = out / PROVINCE[1]
    (province / "data" / period).mkdir(parents=True, exist_ok=True)
    (province / "bulletin.yml").write_text(PROVINCE_YML, encoding="utf-8")
    with (province / "data" / "units.csv").open("w", encoding="utf-8-sig", newline="") as h:
        writer = csv.writer(h)
        writer.writerow(["单位代码", "单位名称", "层级", "上级单位代码"])
        writer.writerow([PROVINCE[0], PROVINCE[1], "省", ""])
        writer.writerows([[c, n, "市", PROVINCE[0]] for c, n, _ in members])
    # The packages arrive the working day after the cities signed; the province signs after its
    # deadline (report_deadline above), as a city signs after its counties' deadline.
    received = _weekday_from(signed + timedelta(days=1))
    deadline = date(signed.year, signed.month, 15)
    _write_frame(province, period, "各市总工会", _weekday_from(max(received, deadline)))
    start = time.perf_counter()
    for _, _, city in members:
        take_package(province, period, city / "issued" / period, received=f"{received} 10:00")
    read = time.perf_counter() - start
    built = build(province, BuildOptions())
    print(
        f"{PROVINCE[1]}：收取3个通报包 {read:.2f} 秒，生成 {time.perf_counter() - start - read:.1f} 秒"
    )
    print(f"通报：{province / 'site' / 'internal' / 'pdf' / period / 'bulletin.pdf'}")
    print(f"网站：{province / 'site' / 'internal' / 'index.html'}（{built.pages} 页）")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        raise SystemExit(2)
    target = Path(sys.argv[1]).resolve()
    if target.exists() and any(target.iterdir()):
        # the cities issue into it, and an issued period is never issued again
        print(f"{target} 不是空目录：请指定一个新的目录。")
        raise SystemExit(2)
    raise SystemExit(main(target))
