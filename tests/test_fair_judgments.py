"""Fair judgments (CONTRACT 3.9) on a small project worked out by hand, read as the leader who
signs it: bulletin.json's judgments and the PDF's text, a year end, a January, a fully
unionised township, a praised unit with an overdue rectification, and a correction that lifts
a criticism; then the same rules across the demo city's twelve bulletins."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import uscc, write_roster

from generator.build import BuildOptions, build
from generator.office.issue import issue_period

pytestmark = pytest.mark.slow

UNITS = [
    {"code": "990000", "name": "测试市", "level": "市", "parent": "", "order": "1"},
    {"code": "990100", "name": "甲县", "level": "县", "parent": "990000", "order": "2"},
    {"code": "990101", "name": "东镇", "level": "乡镇", "parent": "990100", "order": "3"},
    {"code": "990102", "name": "西镇", "level": "乡镇", "parent": "990100", "order": "4"},
    {"code": "990103", "name": "中镇", "level": "乡镇", "parent": "990100", "order": "5"},
    {"code": "990104", "name": "北镇", "level": "乡镇", "parent": "990100", "order": "6"},
    {"code": "990200", "name": "乙区", "level": "区", "parent": "990000", "order": "7"},
    {"code": "990201", "name": "南街道", "level": "街道", "parent": "990200", "order": "8"},
]

#: New-union targets. 2026: 东镇 6 (January: 0.5 due, rounded up to 1), 西镇 12 (1 due, but
#: nothing left to unionise), 中镇 3 (0.25: nothing due), 北镇 2, 南街道 2.
TARGETS = [
    *(
        {"year": "2025", "unit": u, "new_unions": str(n)}
        for u, n in (("990101", 2), ("990102", 2), ("990103", 3), ("990104", 2), ("990201", 2))
    ),
    *(
        {"year": "2026", "unit": u, "new_unions": str(n)}
        for u, n in (("990101", 6), ("990102", 12), ("990103", 3), ("990104", 2), ("990201", 2))
    ),
]


def enterprise(n: int, unit: str, union_date: str | None, employees: int = 30) -> dict[str, str]:
    return {
        "uscc": uscc(f"91{unit}MA{n:07d}"[:17]),
        "name": f"企业{unit}-{n}",
        "unit": unit,
        "employees": str(employees),
        "unionized": "是" if union_date else "否",
        "union_date": union_date or "",
        "members": str(employees) if union_date else "",
        "not_unionized_reason": "" if union_date else "正在筹建",
        "status": "存续",
    }


def ledger(period: str, east_january: str | None = None) -> list[dict[str, str]]:
    """The enterprises of a period: each new period 北镇 and 南街道 register one more, not
    unionised (a ledger is never the same as the last); the third of 东镇 is unionised in
    January only after the correction."""
    more = list(SIGNED).index(period)
    return [
        *(enterprise(10 + k, "990104", None, 10) for k in range(more)),
        *(enterprise(10 + k, "990201", None, 10) for k in range(more)),
        # 东镇: two unionised in 2025 (2 of 2: done), one left
        enterprise(1, "990101", "2025-03-10"),
        enterprise(2, "990101", "2025-12-10"),
        enterprise(3, "990101", east_january),
        # 西镇: everything unionised long ago (nothing left to do)
        enterprise(1, "990102", "2019-05-01"),
        enterprise(2, "990102", "2020-05-01"),
        # 中镇: one of three in 2025, against a target of 3: vetoed at year end
        enterprise(1, "990103", "2025-02-01"),
        enterprise(2, "990103", None),
        enterprise(3, "990103", None),
        # 北镇: three in 2025 against 2, one left; its inspection's rectification is overdue
        enterprise(1, "990104", "2025-04-01"),
        enterprise(2, "990104", "2025-08-01"),
        enterprise(3, "990104", "2025-12-01"),
        enterprise(4, "990104", None),
        # 南街道: one of two in 2025
        enterprise(1, "990201", "2025-04-01"),
        enterprise(2, "990201", None),
    ]


INSPECTIONS = [
    {
        "date": "2025-11-20",
        "unit": "990104",
        "inspectors": "王某",
        "findings": "台账信息不全",
        "deadline": "2025-12-15",
        "rectified_on": "",
    }
]

#: Signed on Thursdays; ten official working days later is a Thursday two weeks on, or three
#: for the one signed 5 February 2026: 春节 (15 to 23 February) is no working day, Saturday
#: 14 February (调休) is: 6, 9-13, 14, 24, 25, 26 February.
SIGNED = {"2025-12": "2026-01-08", "2026-01": "2026-02-05", "2026-02": "2026-03-05"}
RECTIFY_BY = {"2025-12": "2026年1月22日", "2026-01": "2026年2月26日", "2026-02": "2026年3月19日"}


def write_project(root: Path) -> None:
    root.mkdir(parents=True)
    (root / "bulletin.yml").write_text(
        "organization: {name: 测试市总工会, doc_prefix: 测工发}\ncadence: month\n",
        encoding="utf-8",
    )
    data = root / "data"
    write_roster(data / "units.csv", "units", UNITS)
    write_roster(data / "targets.csv", "targets", TARGETS)
    write_roster(data / "inspections.csv", "inspections", INSPECTIONS)
    for name in ("volunteers", "pioneer_teams", "book_rooms"):
        write_roster(data / f"{name}.csv", name, [])
    for period in SIGNED:
        write_roster(data / period / "enterprises.csv", "enterprises", ledger(period))
        frame = root / "content" / "bulletins" / f"{period}.md"
        frame.parent.mkdir(parents=True, exist_ok=True)
        number = {"2025-12": 12, "2026-01": 1, "2026-02": 2}[period]
        frame.write_text(
            f"---\ndoc_number: {number}\nsigned_on: {SIGNED[period]}\n---\n\n"
            "现将有关情况通报如下。\n\n<!-- closing -->\n\n请抓好落实。\n",
            encoding="utf-8",
        )


def model(site: Path, period: str, audience: str = "internal") -> dict[str, Any]:
    path = site / audience / "data" / period / "bulletin.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def judgments(site: Path, period: str) -> dict[str, list[str]]:
    return {
        u["name"]: [j["kind"] for j in u["judgments"]]
        for u in model(site, period)["units"]
        if u["judgments"]
    }


def reasons(site: Path, period: str) -> dict[str, str]:
    return {u["name"]: j["reason"] for u in model(site, period)["units"] for j in u["judgments"]}


def pdf_text(path: Path) -> str:
    """The PDF's text without white space, read now (the file is rewritten by a rebuild)."""
    from pdf_reading import pages

    return "".join("".join(page.extract_text().split()) for page in pages(path))


class Built:
    """The project built, January issued, January's ledger corrected, built again."""

    def __init__(self, root: Path) -> None:
        write_project(root)
        self.root, self.site = root, root / "site"
        build(root, BuildOptions(jobs=1))
        self.first = {p: model(self.site, p) for p in SIGNED}
        self.first_pdf = {
            p: pdf_text(self.site / "internal" / "pdf" / p / "bulletin.pdf") for p in SIGNED
        }
        issue_period(root, "2026-01", now=lambda: datetime(2026, 2, 6, 9, tzinfo=UTC))
        # 东镇 resends January: its third enterprise set up its union on 10 January.
        for period in ("2026-01", "2026-02"):
            write_roster(
                root / "data" / period / "enterprises.csv",
                "enterprises",
                ledger(period, "2026-01-10"),
            )
        build(root, BuildOptions(jobs=1))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(tmp_path_factory.mktemp("fair") / "project")


def test_the_year_end_vetoes_those_behind_not_a_township_with_nothing_left(built: Built) -> None:
    """2025-12: 中镇 1 of 3 and 南街道 1 of 2 are vetoed, and so are their counties (甲县 6 of
    9: 2+2+3+2; 乙区 1 of 2); 西镇 (2 of 2 unionised since 2020, none new against 2) is not;
    北镇 (3 of 2) is not praised: its rectification was due 2025-12-15 and is not done."""
    got = {u["name"]: [j["kind"] for j in u["judgments"]] for u in built.first["2025-12"]["units"]}
    assert {name: kinds for name, kinds in got.items() if kinds} == {
        "甲县": ["veto"],
        "东镇": ["commend"],
        "中镇": ["veto"],
        "乙区": ["veto"],
        "南街道": ["veto"],
    }
    units = {u["name"]: u for u in built.first["2025-12"]["units"]}
    # 西镇's schedule counts as met: 40 + 30 + 30 = 100, first of 甲县's four townships
    assert units["西镇"]["score"] == pytest.approx(100.0) and units["西镇"]["rank"] == 1
    reason = {u["name"]: u["judgments"][0]["reason"] for u in units.values() if u["judgments"]}
    assert reason["中镇"] == "本年新建会1家（年度目标3家），完成年度目标的33.3%（低于100.0%）"
    # 东镇: one new in December, 2 of 2, 2 of 3 unionised: 40*2/3 + 30 + 30 = 86.7, third
    # after 西镇 (100) and 北镇 (30 + 30 + 30 = 90); praise says what it did, and among what
    assert reason["东镇"] == (
        "本月新建会1家，已完成年度目标（2家，目标2家），建会率66.7%，综合得分86.7分，"
        "在甲县各乡镇（街道）中排名第3"
    )
    text = built.first_pdf["2025-12"]
    assert "甲县中镇。本年新建会1家（年度目标3家），完成年度目标的33.3%（低于100.0%）。" in text
    assert "甲县西镇。" not in text and "甲县北镇。" not in text


def test_january_criticises_only_where_an_enterprise_is_due(built: Built) -> None:
    """2026-01, elapsed 1/12: 东镇 (6: 0.5 due, rounds to 1) and 甲县 (23: 1.9 -> 2) are
    criticised; 中镇 (3: 0.25), 北镇, 南街道 and 乙区 (2: 0.17) owe nothing yet; 西镇 owes 1
    of 12 but has nothing left to unionise."""
    assert judgments_of(built.first["2026-01"]) == {"甲县": ["criticize"], "东镇": ["criticize"]}
    text = built.first_pdf["2026-01"]
    dated = f"请于{RECTIFY_BY['2026-01']}前整改到位。"
    assert f"甲县东镇。本年尚未新建会，序时进度完成率0.0%（低于60.0%）。{dated}" in text
    assert f"于{RECTIFY_BY['2026-01']}前向测试市总工会书面报告整改措施" in text
    # 存在问题 names the same township the criticism names, and only it
    assert "本年却尚未新建会的乡镇（街道）有1个：甲县东镇。" in text
    for word in ("不详", "没有登记", "缺少数据", "无法计算"):
        assert word not in text, word
    # the unit's own report gives the same date
    report = pdf_text(built.site / "internal" / "pdf" / "2026-01" / "units" / "990101.pdf")
    assert f"于{RECTIFY_BY['2026-01']}前向测试市总工会书面报告整改措施" in report


def judgments_of(bulletin: dict[str, Any]) -> dict[str, list[str]]:
    return {
        u["name"]: [j["kind"] for j in u["judgments"]] for u in bulletin["units"] if u["judgments"]
    }


def test_every_unit_has_one_judgment_at_most(built: Built) -> None:
    for period, bulletin in built.first.items():
        for u in bulletin["units"]:
            assert len(u["judgments"]) <= 1, (period, u["name"])


def test_a_correction_that_lifts_a_criticism_is_said_first(built: Built) -> None:
    """January issued with 东镇 criticised; its resent ledger has a union set up on 10
    January: 1 of 6 is 200% of the schedule. February's 更正说明 says 东镇 is no longer
    criticised before it gives the figures; 甲县 (1 of 23: 52.2%) is still criticised."""
    feb = model(built.site, "2026-02")
    notes = feb["correction_notes"]
    assert notes[0].startswith("经核实，2026年1月通报（测工发〔2026〕1号）印发后")
    lifted = "甲县东镇：原予以通报批评，按更正后的数据不再列入通报批评范围，并符合表扬条件。"
    assert notes[1] == lifted
    east = next(n for n in notes[2:] if n.startswith("甲县东镇："))
    assert east == (
        "甲县东镇：已建会企业数由2更正为3，建会率由66.7%更正为100.0%，会员人数由60更正为90，"
        "本期新建会由0更正为1，本年累计新建会由0更正为1。"
    )
    assert "综合得分" not in "".join(notes) and "排名" not in "".join(notes)
    text = pdf_text(built.site / "internal" / "pdf" / "2026-02" / "bulletin.pdf")
    assert lifted in text
    # The issued January page shows what was signed: 东镇 criticised with 2 of 3 unionised,
    # marked corrected and linked to February's 更正说明; February's shows the corrected data.
    page = (built.site / "internal" / "bulletins" / "2026-01.html").read_text("utf-8")
    assert 'href="2026-02.html#corrections"' in page
    shown = plain(page)
    assert "数据已更正" in shown and "显示印发时的数据和评价" in shown
    assert "东镇 （甲县）：本年尚未新建会，序时进度完成率0.0%（低于60.0%）" in shown
    assert "2 东镇 3 2 66.7%" in shown  # its ranking row: 3 enterprises, 2 unionised


def plain(page: str) -> str:
    """A page's text: tags out, white space folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


# ---- the demo city's twelve bulletins --------------------------------------------------------


def test_the_demo_judges_fairly_and_prints_nothing_the_office_lacks(demo_build: Path) -> None:
    """Across the demo's twelve bulletins (bulletin.json and the PDF text): no criticism before
    one enterprise is due, none of a unit with nothing left to unionise, none praised while
    its rectification is overdue, one judgment per unit, no negative or over-1000 % rate, none
    of 不详/没有登记/缺少数据/无法计算, every 限期整改 dated, one reporting deadline."""
    from generator.figures.reduce import amount_due

    inspections = demo_inspections()
    periods = sorted(p.name for p in (demo_build / "internal" / "data").iterdir())
    assert len(periods) == 12
    for period in periods:
        bulletin = model(demo_build, period)
        for u in bulletin["units"]:
            kinds = [j["kind"] for j in u["judgments"]]
            assert len(kinds) <= 1, (period, u["name"])
            if "criticize" in kinds and re.search("序时进度", u["judgments"][0]["reason"]):
                assert amount_due(u["target_new_unions"], u["elapsed"]) >= 1, (period, u["name"])
            if u["enterprises"] and u["unionized"] >= u["enterprises"]:
                for j in u["judgments"]:
                    assert "新建会" not in j["reason"] or j["kind"] == "commend", (period, u)
            if "commend" in kinds:
                assert (u["code"], period) not in inspections, (period, u["name"])
                assert not u["report_late"], (period, u["name"])
        for audience in ("internal", "public"):
            from pdf_reading import page_texts

            pdf = demo_build / audience / "pdf" / period / "bulletin.pdf"
            lines = "\n".join(page_texts(pdf))  # table cells apart: a rate is one word
            assert not re.search(r"[-−]\d+(\.\d+)?%", lines), (period, audience)
            assert not re.search(r"(?<![\d.])\d{4,}(\.\d+)?%", lines), (period, audience)
            text = "".join(lines.split())
            for word in ("不详", "没有登记", "缺少数据", "无法计算"):
                assert word not in text, (period, audience, word)
            if audience == "internal":  # 存在问题 counts the townships the judgments name
                idle = re.search(r"本年却尚未新建会的乡镇（街道）有(\d+)个", text)
                named = [
                    u
                    for u in bulletin["units"]
                    if u["level"] == "township"
                    and any(
                        j["kind"] != "commend" and j["reason"].startswith("本年尚未新建会")
                        for j in u["judgments"]
                    )
                ]
                assert (int(idle.group(1)) if idle else 0) == len(named), period
            for found in re.finditer("限期整改", text):
                after = text[found.end() : found.end() + 30]
                assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日前", after), (period, after)
            days = set(re.findall(r"(?:每月|次月)(\d{1,2})日前", text))
            days |= set(re.findall(r"应于\d{4}年\d{1,2}月(\d{1,2})日前报送", text))
            assert days <= {"5"}, (period, audience, days)


def demo_inspections() -> set[tuple[str, str]]:
    """(unit, period) of the demo's rectifications past their deadline at a period's end."""
    import pandas as pd

    from generator.common.periods import Period
    from generator.figures.inspections import overdue_at

    repo = Path(__file__).resolve().parent.parent
    names = ["date", "unit", "inspectors", "findings", "deadline", "rectified_on"]
    path = repo / "data" / "inspections.csv"
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", header=0, names=names)
    out = set()
    for folder in (repo / "data").iterdir():
        if Period.is_period_name(folder.name):
            period = Period.parse(folder.name)
            for unit in overdue_at(frame, period)["unit"]:
                out.add((str(unit), folder.name))
    return out


def test_a_county_criticised_only_for_reporting_late_is_not_told_to_put_it_right() -> None:
    """Lateness cannot be 整改到位 by a date: a criticism for late reporting alone asks the
    county to report on time from now on; a criticism with other reasons keeps its date."""
    from generator.common.config import load_config
    from generator.render.document.judgments import _after
    from generator.render.document.wording import Wording

    say = Wording(load_config(Path(__file__).parents[1]).root)
    dated = say("rectify_by", deadline="2026年11月19日")
    assert dated == "请于2026年11月19日前整改到位。"
    assert _after("本期台账逾期3天报送", dated, say) == "今后请按规定时间报送台账。"
    assert _after("本期台账未按时报送（沿用上期数据）", dated, say) == "今后请按规定时间报送台账。"
    mixed = "本年新建会1家（年度目标10家），序时进度完成率12.0%（低于60.0%），本期台账逾期3天报送"
    assert _after(mixed, dated, say) == dated
    assert _after("本期台账逾期3天报送", "", say) == ""  # a veto closes with nothing
