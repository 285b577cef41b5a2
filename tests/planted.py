"""The small project with a marker in every internal-only value (CONTRACT §4: person- and
enterprise-level records, internal write-ups and their images, data problems). conftest builds
it once per session (`planted_build`); the modules that look at a whole build read that one.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from io import BytesIO
from pathlib import Path

import yaml
from conftest import Project, rows_of, uscc
from PIL import Image

#: marker -> whether the intranet shows it (False: read, but shown nowhere at all).
MARKERS = {
    "LKVOLNAMEA": True,  # volunteer names
    "LKVOLNAMEB": True,
    "LKVOLID": True,  # volunteer ids
    "LKVOLSEL": True,  # how a volunteer was selected
    "LKENTPRIO": True,  # an enterprise on the tick-off list
    "LKENTLEFT": True,  # a priority enterprise missing from the latest snapshot
    "LKENTUNION": False,  # enterprises that are not on any list
    "LKENTSMALL": False,
    "LKENTCOUNTY": False,
    "LKREASON": True,  # 未建会原因 of a priority enterprise
    "LKREASONSMALL": False,
    "LKCOLHEAD": True,  # an unknown column: reported as a data problem
    "LKCOLVALUE": False,
    "LKFRONTVALUE": True,  # an unknown front-matter key's value: a data problem
    "LKWTITLE": True,  # the internal write-up
    "LKWBODY": True,
    "lkwslug": True,
    # the four clear things, inspections and federations (CONTRACT 3.7, 3.8)
    "LKRESP": True,  # 责任人 of a priority enterprise: a person
    "LKINSPECTOR": True,  # 督查人
    "LKFINDING": True,  # 发现问题
    "LKFEDNAME": True,  # a federation's name: the public site gives counts only
}
PHONES = {"13912345678": "13912345678", "+86 137-1111-2222": "13711112222"}


def png(color: tuple[int, int, int]) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (5, 4), color).save(buffer, "PNG")
    return buffer.getvalue()


INTERNAL_IMAGE = png((1, 2, 3))
PUBLIC_IMAGE = png((200, 0, 0))


def add_unknown_column(path: Path, header: str, value: str) -> None:
    """Append a column the contract does not know to a CSV roster."""
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    rows = [[*rows[0], header], *([*row, value] for row in rows[1:])]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)


def front(meta: Mapping[str, object], body: str) -> str:
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body


def plant(project: Project) -> None:
    # the bulletin lists the period's write-ups by title (by default it has none)
    config_file = project.root / "bulletin.yml"
    config_file.write_text(
        config_file.read_text(encoding="utf-8") + "\nbulletin_writeups: titles\n", encoding="utf-8"
    )
    units = rows_of("units")
    units[3]["volunteer_required"] = "是"  # 西镇 needs a volunteer and has none
    project.write("units", units)
    volunteers = rows_of("volunteers")
    volunteers[0].update(name="张三LKVOLNAMEA", phone="13912345678", selection="考试LKVOLSEL")
    volunteers[0]["id"] = "ZYLKVOLID"
    volunteers[1].update(name="李四LKVOLNAMEB", phone="+86 137-1111-2222", left_on="")
    project.write("volunteers", volunteers)
    reviews = rows_of("volunteer_reviews", "2026-10")
    reviews[0]["volunteer"] = "ZYLKVOLID"
    names = ["东方机械LKENTUNION", "西城商贸LKENTPRIO", "南街物流LKENTSMALL", "县直电子LKENTCOUNTY"]
    gone = {
        **rows_of("enterprises", "2026-09")[1],
        "uscc": uscc("91990102MA0000009"),
        "name": "将注销LKENTLEFT",
        "employees": "60",
        "not_unionized_reason": "停产",
    }
    for period in ("2026-09", "2026-10"):
        rows = rows_of("enterprises", period)
        for row, name in zip(rows, names, strict=False):
            row["name"] = name
            row["industry"] = "制造业LKINDUSTRY"
        rows[1]["not_unionized_reason"] = "正在筹建LKREASON"
        rows[1].update(progress="已联系", responsible="王LKRESP", planned_on="2026-08-31")
        if rows[0].get("unionized") in ("是", True):
            rows[0].update(union_form="区域性联合会", federation="东镇联合工会LKFEDNAME")
        rows[2]["not_unionized_reason"] = "人数较少LKREASONSMALL"
        if period == "2026-09":
            rows.append(gone)
        project.write("enterprises", rows, period=period)
        add_unknown_column(project.path("enterprises", period), "备注LKCOLHEAD", "LKCOLVALUE")
    project.write("volunteer_reviews", reviews, period="2026-10")
    project.write(
        "inspections",
        [
            {
                "date": "2026-10-05",
                "unit": "990101",
                "inspectors": "赵LKINSPECTOR",
                "findings": "台账不全LKFINDING",
                "deadline": "2026-10-20",
            }
        ],
    )
    writeups = project.root / "content" / "writeups"
    (writeups / "img").mkdir(parents=True)
    (writeups / "img" / "inside.png").write_bytes(INTERNAL_IMAGE)
    (writeups / "img" / "outside.png").write_bytes(PUBLIC_IMAGE)
    inside = {
        "title": "督导情况LKWTITLE",
        "date": "2026-10-20",
        "unit": "990101",
        "category": "volunteer",
        "audience": "internal",
        "images": ["img/inside.png"],
    }
    body = "督导发现问题LKWBODY。\n\n![现场](img/inside.png)\n"
    (writeups / "inspection-lkwslug.md").write_text(front(inside, body), encoding="utf-8")
    outside = {
        "title": "甲县开展工人先锋号创建",
        "date": "2026-10-12",
        "unit": "990100",
        "category": "pioneer-team",
        "images": ["img/outside.png"],
        "note": "LKFRONTVALUE",
    }
    (writeups / "outside.md").write_text(front(outside, "甲县开展创建活动。\n"), encoding="utf-8")
