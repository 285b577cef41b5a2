"""The prose reads the registries, and each audience is shown one set of figures everywhere.

Read from the session's build of the demo city: the PDF bulletin, a county's unit report, the
home page and bulletin.json of the latest period.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pdf_reading import page_texts

from generator.common import formatting as fmt
from generator.figures.indicators import BY_NAME, INDICATORS, KEY_GROUPS, campaigns_said, key_groups
from generator.model.bulletin import SHOWS
from generator.rosters.specs import CAMPAIGNS

pytestmark = pytest.mark.slow

PERIOD = "2026-10"


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def texts(node: Any) -> str:
    """Every text of a document tree, in order (a paragraph's run-in lead first), as one line."""
    if isinstance(node, dict):
        if node.get("t") == "text":
            return flat(node["text"])
        return flat(node.get("lead", "")) + texts(node.get("c", []))
    if isinstance(node, list):
        return "".join(texts(n) for n in node)
    return ""


def pdf_text(pdf: Path) -> str:
    return flat("".join(page_texts(pdf)))


def page_text(page: Path) -> str:
    """A page's visible text, without its tags."""
    return flat(html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))))


def model(demo: Path, audience: str) -> dict[str, Any]:
    return model_of(demo, PERIOD, audience)


def model_of(demo: Path, period: str, audience: str = "internal") -> dict[str, Any]:
    path = demo / audience / "data" / period / "bulletin.json"
    return json.loads(path.read_text(encoding="utf-8"))


def city(bulletin: dict[str, Any]) -> dict[str, Any]:
    return next(u for u in bulletin["units"] if u["level"] == "city")


def test_every_campaign_and_key_group_is_in_the_bulletin_report_and_home_page(
    demo_build: Path,
) -> None:
    """A campaign or key-group rate missing from the prose fails here: each label, with the
    city's number as the sentence says it, in the PDF bulletin, the home page (overview) and a
    county's unit report; the demo's 27 职工驿站 among them."""
    b = model(demo_build, "internal")
    c = city(b)
    assert c["worker_stations"] == 27  # the demo's stations, counted from data/worker_stations
    bulletin = pdf_text(demo_build / "internal" / "pdf" / PERIOD / "bulletin.pdf")
    public = pdf_text(demo_build / "public" / "pdf" / PERIOD / "bulletin.pdf")
    home = page_text(demo_build / "public" / "index.html")
    county = next(u for u in b["units"] if u["level"] == "county")
    report = pdf_text(demo_build / "internal" / "pdf" / PERIOD / "units" / f"{county['code']}.pdf")
    for text in (bulletin, public, home):
        assert "职工驿站27个" in text
    for campaign in CAMPAIGNS.values():
        counted = f"{campaign.counted_label or campaign.label}{fmt.integer(c[campaign.key])}"
        for where, text in (("bulletin", bulletin), ("public", public), ("home", home)):
            assert counted in text, (where, campaign.key)
        assert campaign.label in report, campaign.key
    for i in KEY_GROUPS:
        said = f"{i.label}{i.show(c[i.name])}"
        assert said in bulletin and said in public, i.name
        assert f"{i.label}{i.show(county[i.name])}" in report, i.name
    assert "女职工入会率" in [i.label for i in KEY_GROUPS]
    assert c["female_membership_rate"] is not None  # the demo's ledgers give both columns


def test_the_sentences_say_every_declared_campaign_and_key_group() -> None:
    """The sentence functions loop over the registries: a new declaration is said unasked."""
    unit = {i.name: i.default for i in INDICATORS}
    unit.update({i.name: 0.5 for i in KEY_GROUPS})
    unit.update({c.key: 3 for c in CAMPAIGNS.values()})

    class U:
        def __getattr__(self, name: str) -> Any:
            return unit[name]

    groups = key_groups(U())
    assert groups.startswith("农民工入会率50.0%，劳务派遣工入会率50.0%，女职工入会率50.0%")
    assert groups.endswith("；区域性、行业性工会联合会0个，覆盖企业0家、职工0人")
    assert key_groups(U(), federations=False).count("50.0%") == len(KEY_GROUPS)
    said = campaigns_said(U())
    assert said == "已命名工人先锋号3个，职工书屋3家，模范职工之家3家，职工驿站3个"


def test_campaign_rosters_the_office_keeps_empty_are_not_said_as_zeros() -> None:
    """Empty campaign rosters are data the office does not keep: no 已命名工人先锋号0个…藏书0册
    in the overview, no section of zeros; a campaign with a count (or a target) is still said."""
    from types import SimpleNamespace

    from generator.render.document.sections import campaign_section

    unit = {i.name: i.default for i in INDICATORS}
    unit.update({name: 0 for name in unit if any(name.startswith(k) for k in CAMPAIGNS)})
    unit.update({f"target_{c.key}": 0 for c in CAMPAIGNS.values() if c.target})
    unit.update({"books": 0})

    class U:
        def __getattr__(self, name: str) -> Any:
            return unit[name]

    assert campaigns_said(U()) == "" and campaigns_said(U(), detail=True) == ""
    assert campaign_section(SimpleNamespace(city=U(), campaigns=[])) is None  # type: ignore[arg-type]
    unit.update({"book_rooms": 2, "target_pioneer_teams": 4})
    assert campaigns_said(U()) == "已命名工人先锋号0个，职工书屋2家"
    section = campaign_section(SimpleNamespace(city=U(), campaigns=[]))  # type: ignore[arg-type]
    assert section is not None
    detail = campaigns_said(U(), detail=True)
    assert detail.startswith("已命名工人先锋号0个（本期新命名0个，本年新增0个，完成年度目标4个的")
    assert "模范职工之家" not in detail and "藏书" not in detail


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_the_pdf_the_pages_and_bulletin_json_show_one_set_of_audience_figures(
    demo_build: Path, audience: str
) -> None:
    """Every figure whose audience is decided (`shown_if`) is in bulletin.json, the PDF bulletin
    and the pages together, or in none of them: the model carries what the audience may see
    and the renderers show what the model carries."""
    shows = SHOWS[audience]
    b = model(demo_build, audience)
    c = city(b)
    site = demo_build / audience
    bulletin = pdf_text(site / "pdf" / PERIOD / "bulletin.pdf")
    # the generated pages (the office's own pages and write-ups say what the office writes)
    generated = [site / "index.html", *site.glob("bulletins/*.html"), *site.glob("units/*.html")]
    pages = "".join(page_text(p) for p in [*generated, *site.glob("key-areas/*.html")])
    decided = [i for i in INDICATORS if i.shown_if and i.kind != "flag"]
    shown = {i.name for i in decided if getattr(shows, i.shown_if)}
    in_json = {i.name for i in decided if c.get(i.name) is not None}
    assert in_json == shown
    words = {
        "priority_open": "未建会重点企业",
        "priority_closed": "本期销号",
        "priority_overdue": "逾期未建",
        "priority_stalled": "久拖未建",
    }
    for name, word in words.items():
        assert (word in bulletin) == (name in shown), (audience, name, "PDF")
        assert (word in pages) == (name in shown), (audience, name, "pages")
    if audience == "public":
        assert shown == {"priority_open", "priority_closed", "priority_added", "priority_left"}
    assert BY_NAME["priority_overdue"].shown_if == "records"
    # the records: their parts are on the pages where the model carries them, and nowhere else
    raw = "".join(
        p.read_text(encoding="utf-8") for p in [*generated, *site.glob("key-areas/*.html")]
    )
    for field, anchor in {
        "priority": "priority",
        "volunteers": "volunteers",
        "inspections": "inspections",
        "federations": "federations",
    }.items():
        assert (f'id="{anchor}"' in raw) == shows.records, (audience, field)
        if not shows.records:  # not carried: bulletin.json keeps its one shape, empty
            assert b[field] == [], field


def _targets_said(bulletin: Any) -> str:
    from generator.render.document.sections import targets_section

    section = targets_section(bulletin)
    return "" if section is None else flat(json.dumps(section[1], ensure_ascii=False))


def test_a_members_target_is_said_with_its_result_or_not_at_all() -> None:
    """CONTRACT 3.9: a target printed without its result reads as a reproach the leader cannot
    back (or says nothing): without last year's end in the data, the members target is left out
    of the sentence, and the annex pointer stays; with it, target and result are said."""
    from sample_model import sample_bulletin

    b = sample_bulletin()
    b.city.target_new_members, b.city.ytd_new_members = 1500, None
    said = _targets_said(b)
    assert "新增会员目标" not in said and "1500" not in said
    assert "各县市区新建会、新增会员" in said and "目标完成情况见附件" in said
    b.city.ytd_new_members, b.city.members_completion, b.city.members_schedule_rate = 300, 0.2, 0.24
    said = _targets_said(b)
    assert "2026年新增会员目标1500人，本年已新增300人，完成20.0%，序时进度完成率24.0%" in said
    b.city.ytd_new_members = -12  # a fall is said as one, never as a negative rate
    assert "新增会员目标1500人，全市会员人数较上年末减少12人" in _targets_said(b)
    b.city.target_new_members = None
    assert "2026年新增会员目标尚未下达。各县市区" in _targets_said(b)
    # a project without counties: no annex to point to, and nothing to say without a result
    b.units = [b.city]
    b.city.target_new_members, b.city.ytd_new_members = 1500, None
    assert _targets_said(b) == ""
    b.city.target_new_members = None
    assert _targets_said(b) == ""


def test_a_province_says_whose_townships_its_volunteer_figures_count() -> None:
    """A province's roster stops at its cities: the townships that must have a volunteer are
    the cities', and its bulletin and overview say so (各市（州）所辖乡镇（街道）中…), never as if
    it held townships of its own (全省应配备…的乡镇（街道）). A city speaks as before."""
    from sample_model import sample_bulletin

    from generator.common.periods import Period
    from generator.federation.words import speak_as
    from generator.model.assemble import overview_sentences
    from generator.render.document.sections import volunteer_section
    from generator.render.document.wording import Wording

    b = sample_bulletin()
    b.townships_lacking_volunteer = []
    period = Period.parse("2026-10")
    city = "全市应配备工会工作志愿者的乡镇（街道）4个，已配备3个，覆盖率75.0%。"
    province = "各市（州）所辖乡镇（街道）中应配备工会工作志愿者的4个，已配备3个，全省覆盖率75.0%。"
    try:
        for level, said in (("city", city), ("province", province)):
            speak_as(level)
            section = volunteer_section(b, Wording(None))
            assert section is not None
            assert said in flat(json.dumps(section[1], ensure_ascii=False)), level
            assert said in overview_sentences(b.city, period, True, level=level), level
        assert "全国" in overview_sentences(b.city, period, True, level="national")[-2]
        assert (
            "各省（区、市）所辖乡镇（街道）中"
            in overview_sentences(b.city, period, True, level="national")[-2]
        )
    finally:
        speak_as("city")


#: The record parts of the pages (Shows.records), by the Bulletin field each shows: the page and
#: the anchor of the part's heading.
RECORD_PARTS = {
    "inspections": [
        ("bulletins/2026-10.html", "inspections"),
        ("units/990200.html", "inspections"),
    ],
    "federations": [("key-areas/index.html", "federations")],
    "priority": [("units/990200.html", "priority")],
    "volunteers": [("units/990200.html", "volunteers")],
}


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_the_pages_show_a_record_part_exactly_where_the_model_carries_it(
    sample_site: tuple[Path, dict[str, Any]], audience: str
) -> None:
    """The templates test no audience: a record part (heading and list, or its "none found"
    line) is on the page when the model carries the records, even none of them (the internal
    sample has no inspections and no federations), and absent when the model does not."""
    from site_helpers import sample_bulletins

    root, _results = sample_site
    latest = sample_bulletins(audience)[-1]
    site = root / "site" / audience
    for field, places in RECORD_PARTS.items():
        carried = getattr(latest, field) is not None
        assert carried == SHOWS[audience].records, field
        for page, anchor in places:
            html_text = (site / page).read_text(encoding="utf-8")
            assert (f'id="{anchor}"' in html_text) == carried, (audience, field, page)
    if audience == "internal":  # carried and empty: the part says so
        assert latest.inspections == [] and latest.federations == []
        assert "没有填写联合会名称" in page_text(site / "key-areas" / "index.html")


def test_a_label_renamed_in_its_declaration_is_renamed_in_every_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sentences of the bulletin, the overview and the unit report take the figures' labels
    from the declarations: renamed there, every sentence says the new name and none the old."""
    import dataclasses

    from sample_model import sample_bulletin

    from generator.common.config import Config
    from generator.common.periods import Period
    from generator.model.assemble import overview_sentences
    from generator.render.document.bulletin import bulletin_sections
    from generator.render.document.nodes import Assets
    from generator.render.document.report import report_document

    renamed = {
        "coverage_rate": ("建会率", "组建率"),
        "priority_open": ("未建会重点企业", "待建会重点企业"),
        "score": ("综合得分", "考核得分"),
        "ytd_new_unions": ("本年累计新建会", "年内新建会"),
        "volunteers_graded": ("本期考核志愿者", "本月考评志愿者"),
    }
    for name, (old, new) in renamed.items():
        assert BY_NAME[name].label == old
        monkeypatch.setitem(BY_NAME, name, dataclasses.replace(BY_NAME[name], label=new))
    b = sample_bulletin()
    b.city.volunteers_graded, b.city.volunteers_good, b.city.volunteer_good_share = 4, 3, 0.75
    config = Config(root=tmp_path)
    overview = "".join(overview_sentences(b.city, Period.parse("2026-10"), True))
    made = bulletin_sections(b, config, Assets(tmp_path), False)
    assert made[0][0] == "总体情况"  # the sample's overview is hand-written: the others only
    # the sentences (the tables' headers are made when the modules are imported)
    sections = json.dumps(
        [n for _title, blocks in made[1:] for n in blocks if n["t"] == "par"], ensure_ascii=False
    )
    laggard = b.unit("990200")  # criticised: its report says how far behind its schedule it is
    laggard.volunteers_graded, laggard.volunteers_good, laggard.volunteer_good_share = 2, 2, 1.0
    report = json.dumps(
        report_document(b, "990200", Assets(tmp_path), {}, b.organization), ensure_ascii=False
    )
    assert "已建会300家，组建率75.0%" in overview and "待建会重点企业尚有40家" in overview
    assert "组建率最高的" in sections and "以上待建会重点企业" in sections
    assert "考核得分" in report and "待建会重点企业销号清单" in report
    assert "本月考评志愿者2人" in report and "本单位尚有待建会重点企业25家" in report
    for old, _new in renamed.values():
        said = overview + sections
        assert old not in said, (old, said[max(0, said.find(old) - 80) : said.find(old) + 20])


def test_uneven_progress_is_said_only_where_the_printed_rates_differ(tmp_path: Path) -> None:
    """存在问题's 工作进展不平衡 names the highest and the lowest county and the gap between them.
    Where every county shows the same rate there is no gap to reproach: the sentence is left out,
    never "最高的甲县为41.7%，最低的甲县为41.7%，相差0.0个百分点"."""
    from sample_model import sample_bulletin

    from generator.common.config import Config
    from generator.render.document.sections import problems_section
    from generator.render.document.wording import Wording

    def said(b: Any) -> str:
        section = problems_section(b, Config(root=tmp_path), Wording(None))
        return "" if section is None else flat(json.dumps(section[1], ensure_ascii=False))

    b = sample_bulletin()
    # 青川区 84.0%, 云溪县 60.0%, the city 75.0%: 24.0 points apart, 云溪县 below the city
    text = said(b)
    assert "最高的青川区为84.0%，最低的云溪县为60.0%，相差24.0个百分点" in text
    # one county is not "分别是" (respectively) anything
    assert "1个县市区低于全市平均水平（75.0%），为云溪县。" in text and "分别是" not in text
    # below the average as computed but shown at the average's own 75.0%: not named below it
    qingchuan, yunxi = (u for u in b.units if u.level == "county")
    yunxi.coverage_rate = 0.7499
    assert "最低的云溪县为75.0%" in said(b) and "低于全市平均水平" not in said(b)
    yunxi.coverage_rate = qingchuan.coverage_rate = b.city.coverage_rate = 5 / 12
    assert "不平衡" not in said(b) and "相差" not in said(b)
    # equal as printed (41.67% and 41.66%: both 41.7%) is no gap either
    yunxi.coverage_rate = 0.41662
    assert "相差" not in said(b)


def test_each_value_of_a_grouped_criticism_stands_beside_its_own_unit(tmp_path: Path) -> None:
    """Units criticised for one figure below one threshold are named in official order, and
    分别为 gives their values in that same order: 云溪县 (order 5) 50.0% is said after 青川区
    (order 2) 75.0% even when the judgments list 云溪县 first. The bulletin once said 星湾区
    66.7% where 星湾区 had 77.8% (the names sorted, the values not)."""
    from sample_model import sample_bulletin

    from generator.model.bulletin import Judgment
    from generator.render.document.judgments import criticism_section
    from generator.render.document.wording import Wording

    b = sample_bulletin()
    note = "（低于100.0%，已过7月1日配备期限）"
    qingchuan, yunxi = (u for u in b.units if u.level == "county")
    yunxi.judgments = [Judgment("criticize", f"志愿者覆盖率50.0%{note}")]
    qingchuan.judgments = [Judgment("criticize", f"志愿者覆盖率75.0%{note}")]
    b.judgments["criticize"] = [yunxi.code, qingchuan.code]  # the model's order: 云溪县 first
    section = criticism_section(b, Wording(None))
    assert section is not None
    text = texts(section[1])
    assert "青川区、云溪县。以上2个单位志愿者覆盖率分别为75.0%、50.0%，均低于100.0%" in text


def test_an_overdue_rectification_names_the_township_with_its_county() -> None:
    """督查情况's 逾期未整改 names each unit as the rest of the bulletin does (云溪县白石乡, its
    county first): a bare 白石乡 cannot be told from a township of the same name elsewhere.
    A unit gone from the roster keeps its recorded name and its county, never its code."""
    from sample_model import sample_bulletin

    from generator.model.bulletin import InspectionRecord
    from generator.render.document.records import inspection_section

    def record(unit: str, name: str, county: str) -> InspectionRecord:
        return InspectionRecord(
            "2026-03-02", unit, name, county, "张三", "台账更新不及时", "2026-04-30", None,
            held=False, overdue=True,
        )  # fmt: skip

    b = sample_bulletin()
    b.inspections = [
        record("990201002", "白石乡", "990200"),
        record("990201009", "石门镇", "990200"),  # no longer in the roster
    ]
    section = inspection_section(b)
    assert section is not None
    text = texts(section[1])
    assert "逾期未整改：云溪县白石乡（台账更新不及时，期限2026年4月30日）" in text
    assert "；云溪县石门镇（台账更新不及时" in text
    assert "990201009" not in text


def test_the_site_lists_judged_counties_before_townships_as_the_pdf_does(demo_build: Path) -> None:
    """Each judgment on a bulletin page names counties first, then townships, as the signed PDF
    does. The model's order is by rank: the 2025-12 page gave 明湖区, 云栖县, then 清源镇
    (first in 禾丰县), then 示例高新技术产业开发区, a county's rank mixed with a township's."""
    mixed = 0
    for page in sorted((demo_build / "internal" / "bulletins").glob("20*.html")):
        levels = {u["code"]: u["level"] for u in model_of(demo_build, page.stem)["units"]}
        html_text = page.read_text(encoding="utf-8")
        for kind in ("commend", "criticize", "veto"):
            if f'class="judgments {kind}"' not in html_text:
                continue
            listed = html_text.split(f'class="judgments {kind}"', 1)[1].split("</ul>", 1)[0]
            named = [levels[c] for c in re.findall(r'href="[^"]*units/(\d+)\.html"', listed)]
            assert named == sorted(named, key=["county", "township"].index), (page.stem, kind)
            mixed += "county" in named and "township" in named
    assert mixed >= 3  # the demo judges counties and townships together in several periods


def test_a_partly_sent_county_is_not_said_to_have_sent_nothing() -> None:
    """Before the deadline, 报送情况 says who has not sent and, apart, who has sent part of its
    townships (尚未报送完整): a county with a file in hand is not listed as 尚未报送."""
    from sample_model import sample_bulletin

    from generator.model.bulletin import CountyReporting, Reporting
    from generator.render.document.records import reporting_section
    from generator.render.document.wording import Wording

    b = sample_bulletin()
    b.reporting = Reporting(
        "2026-11-05",
        "2026年11月5日",
        True,
        [
            CountyReporting("990100", "青川区", "pending", "尚未报送（未到截止日期）"),
            CountyReporting("990200", "云溪县", "pending", "尚未报送完整（未到截止日期）"),
        ],
        before_deadline=True,
    )
    section = reporting_section(b, Wording(None))
    assert section is not None
    text = texts(section[1])
    assert "尚未报送的：青川区" in text and "尚未报送的：青川区、" not in text
    assert "已报送部分乡镇（街道）、尚未报送完整的：云溪县" in text


def test_every_county_in_before_the_deadline_is_said_so() -> None:
    """Signed on the deadline day with every county's ledger in hand, 报送情况 says they all
    have reported, not 报送尚未截止。已报送的2个县市区 (a count of the whole, and nothing open);
    with one still out, the count reads 已报送1个县市区. Signed later without receipts recorded,
    it says no more than that all came (the bare deadline said nothing of them)."""
    from sample_model import sample_bulletin

    from generator.model.bulletin import CountyReporting, Reporting
    from generator.render.document.records import reporting_section
    from generator.render.document.wording import Wording

    def said(states: list[tuple[str, str]], before: bool = True, recorded: bool = True) -> str:
        b = sample_bulletin()
        counties = [
            CountyReporting(code, name, state, status)
            for (code, name), (state, status) in zip(
                (("990100", "青川区"), ("990200", "云溪县")), states, strict=True
            )
        ]
        b.reporting = Reporting(
            "2026-11-05", "2026年11月5日", recorded, counties, before_deadline=before
        )
        section = reporting_section(b, Wording(None))
        assert section is not None
        return texts(section[1])

    text = said([("on_time", "按时报送"), ("on_time", "按时报送")])
    assert (
        "各县市区应于2026年11月5日前报送本期企业建会台账。截至本通报成文之日，各县市区均已报送。"
        in text
    )
    assert "尚未截止" not in text and "已报送的" not in text
    text = said([("on_time", "按时报送"), ("pending", "尚未报送（未到截止日期）")])
    assert "报送尚未截止。已报送1个县市区；尚未报送的：云溪县。" in text
    # after the deadline with no receipt recorded: no verdict on time, but that all came
    unknown = ("unknown", "收到时间不详")
    text = said([unknown, unknown], before=False, recorded=False)
    assert (
        text
        == "各县市区应于2026年11月5日前报送本期企业建会台账。截至本通报成文之日，各县市区均已报送。"
    )


def test_a_units_report_ends_its_judgment_as_a_sentence() -> None:
    """The report's 主要指标 gives the unit's judgment as a sentence of its own (通报批评：…
    （低于60.0%）。), ended as the 报送情况 after it is: the signed report once ran on without
    its full stop."""
    from sample_model import sample_bulletin

    from generator.model.bulletin import Judgment
    from generator.render.document.report import figures_section

    b = sample_bulletin()
    yunxi = b.unit("990200")
    yunxi.judgments = [Judgment("criticize", "序时进度完成率40.0%（低于60.0%）")]
    text = texts(figures_section(b, yunxi)[1])
    assert "通报批评：序时进度完成率40.0%（低于60.0%）。" in text


def test_the_overview_says_the_citys_new_unions_as_a_reader_says_them() -> None:
    """总体情况's new-union sentence: in January the year so far is the month, so 本月新建工会
    is not said again after 2026年1月，全市新建工会38家; a target met is 已完成年度目标 (never
    完成年度目标570家的110.2%，序时进度完成率110.2%); a schedule over 200 % is not quoted."""
    from sample_model import sample_bulletin

    from generator.common.periods import Period
    from generator.model.assemble import overview_sentences

    city = sample_bulletin().city
    city.ytd_new_unions, city.new_unions, city.new_members = 38, 38, 4123
    city.target_new_unions, city.target_completion, city.schedule_rate = 430, 38 / 430, 1.06
    january = "".join(overview_sentences(city, Period.parse("2026-01"), True))
    assert "2026年1月，全市新建工会38家，完成年度目标430家的8.8%，序时进度完成率106.0%；" in january
    assert "本月新建工会" not in january and "；会员新增4123人。" in january
    city.schedule_rate = 2.5
    assert "8.8%，超过序时进度；" in "".join(
        overview_sentences(city, Period.parse("2026-01"), True)
    )
    city.ytd_new_unions, city.new_unions, city.new_members = 628, 33, 506
    city.target_new_unions, city.target_completion, city.schedule_rate = 570, 628 / 570, 628 / 570
    december = "".join(overview_sentences(city, Period.parse("2025-12"), True))
    assert (
        "2025年1—12月，全市新建工会628家，已完成年度目标（目标570家）；本月新建工会33家" in december
    )
    assert "110.2%" not in december


def test_a_township_lacking_a_volunteer_is_told_so_in_its_own_report() -> None:
    """A township's report speaks to it: 本单位应配备工会工作志愿者，尚未配备, not a list of
    townships that names itself alone; its county's report lists its townships."""
    from sample_model import sample_bulletin

    from generator.render.document.report import volunteer_section

    b = sample_bulletin()
    town = next(u for u in b.units if u.level == "township")
    b.townships_lacking_volunteer = [town.code]
    own = volunteer_section(b, town)
    assert own is not None
    assert "本单位应配备工会工作志愿者，尚未配备，请抓紧选聘到位。" in texts(own[1])
    assert "的乡镇（街道）：" not in texts(own[1])
    county = volunteer_section(b, b.unit(town.parent))
    assert county is not None
    assert f"应配备而尚未配备志愿者的乡镇（街道）：{town.name}。" in texts(county[1])
