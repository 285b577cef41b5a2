"""The city bulletin (通报) as a document: header fields, one function per section, attachments.

Each section function takes the bulletin (and what else it needs) and returns its title and
blocks, or None when the period has nothing to say under it; `bulletin_sections` lists them in
document order, so a new section is one function and one line there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from generator import formatting as fmt
from generator.config import Config
from generator.model import JUDGMENT_LABELS, Bulletin, UnitFigures
from generator.render.document.nodes import (
    Assets,
    Column,
    Doc,
    Section,
    chinese_number,
    column_table,
    frame_blocks,
    lead_par,
    numbered,
    par,
    rank_change_text,
    rank_text,
    writeups_section,
)
from generator.render.mdtree import Node
from generator.rosters.specs import CAMPAIGNS


def full_name(bulletin: Bulletin, u: UnitFigures) -> str:
    """A township named with its county (明湖区荷塘街道), as a city-wide document needs."""
    if u.level != "township" or u.parent is None:
        return u.name
    try:
        county = bulletin.unit(u.parent).name
    except KeyError:
        return u.name
    return u.name if u.name.startswith(county) else county + u.name


def judged(bulletin: Bulletin, kind: str) -> list[tuple[UnitFigures, str]]:
    """Units judged `kind` with their reasons: counties first, then townships."""
    out = []
    for code in bulletin.judgments.get(kind, []):
        u = bulletin.unit(code)
        reason = next((j.reason for j in u.judgments if j.kind == kind), "")
        out.append((u, reason))
    levels = {"county": 0, "township": 1}
    return sorted(out, key=lambda item: levels.get(item[0].level, 2))  # stable: model order kept


def counties(bulletin: Bulletin) -> list[UnitFigures]:
    return [u for u in bulletin.units if u.level == "county"]


# ---- tables ---------------------------------------------------------------------------------

_pct, _n = fmt.percent, fmt.integer

_COUNTY_SHORT: list[Column[UnitFigures]] = [
    Column("名次", rank_text, 0.7),
    Column("县市区", lambda u: u.name, "auto"),
    Column("建会率", lambda u: _pct(u.coverage_rate)),
    Column("职工入会率", lambda u: _pct(u.membership_rate)),
    Column("序时进度", lambda u: _pct(u.schedule_rate)),
    Column("得分", lambda u: fmt.number(u.score, 2)),
    Column("名次变化", lambda u: rank_change_text(u.rank_change)),
]

_COUNTY_FULL: list[Column[UnitFigures]] = [
    Column("名次", rank_text, 0.7),
    Column("县市区", lambda u: u.name, 2.6),
    Column("企业数", lambda u: _n(u.enterprises)),
    Column("已建会", lambda u: _n(u.unionized)),
    Column("建会率", lambda u: _pct(u.coverage_rate)),
    Column("职工入会率", lambda u: _pct(u.membership_rate), 1.1),
    Column("本年新建会", lambda u: _n(u.ytd_new_unions)),
    Column("目标完成率", lambda u: _pct(u.target_completion), 1.1),
    Column("序时进度", lambda u: _pct(u.schedule_rate), 1.1),
    Column("得分", lambda u: fmt.number(u.score, 2)),
    Column("名次变化", lambda u: rank_change_text(u.rank_change), 1.1),
]

#: Township rows carry their county: (county, township).
_TOWNSHIP_FULL: list[Column[tuple[UnitFigures, UnitFigures]]] = [
    Column("县市区", lambda r: r[0].name, 2.2),
    Column("名次", lambda r: rank_text(r[1]), 0.7),
    Column("乡镇（街道）", lambda r: r[1].name, 2.8),
    Column("企业数", lambda r: _n(r[1].enterprises)),
    Column("已建会", lambda r: _n(r[1].unionized)),
    Column("建会率", lambda r: _pct(r[1].coverage_rate)),
    Column("职工入会率", lambda r: _pct(r[1].membership_rate), 1.1),
    Column("得分", lambda r: fmt.number(r[1].score, 2)),
    Column("名次变化", lambda r: rank_change_text(r[1].rank_change), 1.1),
]

_PRIORITY_BY_COUNTY: list[Column[UnitFigures]] = [
    Column("县市区", lambda u: u.name, "auto"),
    Column("未建会重点企业", lambda u: _n(u.priority_open)),
    Column("本期销号", lambda u: _n(u.priority_closed)),
    Column("本期新增", lambda u: _n(u.priority_added)),
]

_VOLUNTEERS_BY_COUNTY: list[Column[UnitFigures]] = [
    Column("县市区", lambda u: u.name, "auto"),
    Column("应配备乡镇（街道）", lambda u: _n(u.volunteer_required_townships)),
    Column("已配备", lambda u: _n(u.volunteer_covered_townships)),
    Column("覆盖率", lambda u: _pct(u.volunteer_coverage)),
]


def county_ranking_table(bulletin: Bulletin, full: bool) -> Node:
    """The county ranking: short in the body, every figure in the attachment."""
    units = [bulletin.unit(c) for c in bulletin.county_ranking]
    if not full:
        return column_table(_COUNTY_SHORT, units)
    return column_table(_COUNTY_FULL, units, size=0.62)


def township_ranking_table(bulletin: Bulletin) -> Node:
    rows = []
    for county_code in bulletin.county_ranking:
        county = bulletin.unit(county_code)
        for code in bulletin.township_ranking.get(county_code, []):
            rows.append((county, bulletin.unit(code)))
    return column_table(_TOWNSHIP_FULL, rows, size=0.7)


# ---- sections -------------------------------------------------------------------------------


def _weights_sentence(config: Config) -> str:
    labels = {
        "coverage_rate": "建会率",
        "membership_rate": "职工入会率",
        "schedule_rate": "序时进度完成率",
    }
    parts = [
        f"{labels.get(k, k)}（权重{fmt.number(v, 0)}）" for k, v in config.score_weights.items()
    ]
    return "按照" + "、".join(parts) + "加权计分"


def overview_section(bulletin: Bulletin, charts: bool) -> Section:
    """一、总体情况: the model's overview sentences and (placeholders for) the charts."""
    overview: list[Node] = [par(s) for s in bulletin.overview]
    # Charts are placeholders here, drawn by fill_charts only when the PDF is not cached.
    if charts and counties(bulletin):
        overview.append(
            {"t": "chart", "chart": "county", "alt": "各县市区企业建会率", "width": 1.0}
        )
        if len(bulletin.history.get(bulletin.city.code, [])) >= 2:
            overview.append(
                {"t": "chart", "chart": "trend", "alt": "全市企业建会率走势", "width": 0.85}
            )
    return "总体情况", overview


def ranking_section(bulletin: Bulletin, config: Config) -> Section | None:
    """排名情况: how the score is made, the short county table, where the townships are."""
    if not bulletin.county_ranking:
        return None
    ranking: list[Node] = [
        par(
            f"{_weights_sentence(config)}（满分100分），{bulletin.period_label}"
            f"各县市区排名情况如下："
        ),
        county_ranking_table(bulletin, full=False),
    ]
    if bulletin.township_ranking:
        ranking.append(par("各乡镇（街道）在所属县市区内的排名情况见附件2。"))
    return "排名情况", ranking


_JUDGMENT_INTROS = {
    "commend": "对以下单位予以通报表扬：",
    "criticize": "对以下单位予以通报批评，请认真分析原因，限期整改：",
    "veto": "以下单位未完成年度目标任务，实行一票否决，本年度不得评先评优：",
}


def judgment_section(bulletin: Bulletin, kind: str) -> Section | None:
    """表扬 / 通报批评 / 一票否决: whatever the model carries (the public one: praise only)."""
    units = judged(bulletin, kind)
    if not units:
        return None
    blocks: list[Node] = [{**par(_JUDGMENT_INTROS[kind]), "keep": True}]
    for i, (u, reason) in enumerate(units, 1):
        blocks.append(
            lead_par(
                f"（{chinese_number(i)}）{full_name(bulletin, u)}。",
                reason + ("。" if reason and not reason.endswith("。") else ""),
            )
        )
    return JUDGMENT_LABELS[kind], blocks


def priority_section(bulletin: Bulletin, config: Config) -> Section | None:
    """重点企业销号情况: the city's open, ticked-off and new priority enterprises by county."""
    if not counties(bulletin) or not bulletin.shows.priority_counts:
        return None
    city, n = bulletin.city, _n
    return "重点企业销号情况", [
        par(
            f"全市职工{n(config.priority_min_employees)}人以上未建会重点企业{n(city.priority_open)}家，"
            f"本期销号{n(city.priority_closed)}家、新增{n(city.priority_added)}家。各县市区情况如下："
        ),
        column_table(_PRIORITY_BY_COUNTY, counties(bulletin)),
    ]


def volunteer_section(bulletin: Bulletin) -> Section | None:
    """工会工作志愿者配备情况: coverage, the townships lacking one (internal), by county."""
    city, n, pct = bulletin.city, _n, _pct
    if not city.volunteer_required_townships:
        return None
    vol: list[Node] = [
        par(
            f"全市应配备工会工作志愿者的乡镇（街道）{n(city.volunteer_required_townships)}个，"
            f"已配备{n(city.volunteer_covered_townships)}个，覆盖率{pct(city.volunteer_coverage)}。"
        )
    ]
    if bulletin.townships_lacking_volunteer:
        names = "、".join(bulletin.unit(c).name for c in bulletin.townships_lacking_volunteer)
        vol.append(par(f"尚未配备志愿者的乡镇（街道）：{names}。请抓紧选聘到位。"))
    vol.append(column_table(_VOLUNTEERS_BY_COUNTY, counties(bulletin)))
    return "工会工作志愿者配备情况", vol


def campaign_section(bulletin: Bulletin) -> Section:
    """工人先锋号和职工书屋创建情况: the city's counts and the period's new ones by name."""
    city, n, pct = bulletin.city, _n, _pct

    def progress(ytd: int, target: int | None, completion: float | None, unit: str) -> str:
        if not target:
            return f"本年新增{n(ytd)}{unit}"
        return f"本年新增{n(ytd)}{unit}，完成年度目标{n(target)}{unit}的{pct(completion)}"

    campaign: list[Node] = [
        par(
            f"全市已命名工人先锋号{n(city.pioneer_teams)}个（本期新命名{n(city.pioneer_teams_new)}个，"
            f"{progress(city.pioneer_teams_ytd_new, city.target_pioneer_teams, city.pioneer_teams_completion, '个')}），"
            f"职工书屋{n(city.book_rooms)}家（本期新建{n(city.book_rooms_new)}家，"
            f"{progress(city.book_rooms_ytd_new, city.target_book_rooms, city.book_rooms_completion, '家')}，"
            f"藏书{n(city.books)}册），模范职工之家{n(city.model_homes)}家。"
        )
    ]
    for kind, label in ((c.key, c.label) for c in CAMPAIGNS.values()):
        new = [c for c in bulletin.campaigns if c.kind == kind and c.new]
        if new:
            items = "；".join(
                f"{c.name}（{c.host}，{c.level}）"
                if c.host and c.host != c.name
                else f"{c.name}（{c.level}）"
                for c in new
            )
            campaign.append(par(f"本期新增{label}：{items}。"))
    return "工人先锋号和职工书屋创建情况", campaign


def writeup_section(bulletin: Bulletin, assets: Assets) -> Section | None:
    """工作动态: the period's write-ups."""
    if not bulletin.writeups:
        return None
    return "工作动态", writeups_section(bulletin.writeups, assets)


def correction_section(bulletin: Bulletin) -> Section | None:
    """更正说明: figures of issued bulletins that the data now give differently (CONTRACT §4.1)."""
    if not bulletin.correction_notes:
        return None
    return "更正说明", [par(note) for note in bulletin.correction_notes]


def closing_section(bulletin: Bulletin) -> Section | None:
    """下一步工作要求: the frame's closing, its items demoted to （一）（二）…"""
    closing = frame_blocks(bulletin.document.closing, demote=True)
    return ("下一步工作要求", closing) if closing else None


def bulletin_sections(
    bulletin: Bulletin, config: Config, assets: Assets, charts: bool
) -> list[Section]:
    """The generated sections between preface and closing, in document order."""
    makers: list[Callable[[], Section | None]] = [
        lambda: overview_section(bulletin, charts),
        lambda: ranking_section(bulletin, config),
        lambda: judgment_section(bulletin, "commend"),
        lambda: judgment_section(bulletin, "criticize"),
        lambda: judgment_section(bulletin, "veto"),
        lambda: priority_section(bulletin, config),
        lambda: volunteer_section(bulletin),
        lambda: campaign_section(bulletin),
        lambda: writeup_section(bulletin, assets),
        lambda: correction_section(bulletin),
    ]
    return [s for s in (make() for make in makers) if s is not None]


def attachments(bulletin: Bulletin) -> list[dict[str, Any]]:
    """附件: the full ranking tables, each on pages of its own."""
    out = []
    if bulletin.county_ranking:
        out.append({"title": "县市区排名表", "blocks": [county_ranking_table(bulletin, full=True)]})
    if any(bulletin.township_ranking.values()):
        out.append({"title": "乡镇（街道）排名表", "blocks": [township_ranking_table(bulletin)]})
    return out


def bulletin_document(
    bulletin: Bulletin, config: Config, assets: Assets, fonts: dict[str, Any], charts: bool = True
) -> Doc:
    """Everything the bulletin template shows, as JSON-ready data."""
    doc = bulletin.document
    generated = bulletin_sections(bulletin, config, assets, charts)
    closing = closing_section(bulletin)
    sections = numbered([*generated, *([closing] if closing else [])])
    # The last body block goes with the signature (see the template's tail).
    tail: list[Node] = []
    if sections and sections[-1]["blocks"] and sections[-1]["blocks"][-1]["t"] == "par":
        tail = [sections[-1]["blocks"].pop()]
    return {
        "kind": "bulletin",
        "internal": bulletin.shows.internal_mark,
        "fonts": fonts,
        "header": {
            "organization": doc.organization,
            "mark": f"{doc.organization}文件",
            "doc_code": doc.doc_code,
            "title": doc.title,
            "recipients": doc.recipients.rstrip("：:"),
            "cc": doc.cc.rstrip("。"),
            "signed_on_text": doc.signed_on_text,
            "printed_by": doc.printed_by,
            "printed_on_text": doc.printed_on_text,
        },
        "preface": frame_blocks(doc.preface),
        "sections": sections,
        "tail": tail,
        "attachments": attachments(bulletin),
        # The model's headline part, for templates a project may write; the enterprise and
        # person lists stay out (they would only slow every compile down).
        "model": {
            "period": bulletin.period,
            "audience": bulletin.audience,
            "organization": bulletin.organization,
            "units": [asdict(u) for u in bulletin.units],
            "city_history": [asdict(h) for h in bulletin.history.get(bulletin.city.code, [])],
        },
    }


def fill_charts(doc: Doc, bulletin: Bulletin) -> Doc:
    """Draw the charts the document asks for (SVG, text as paths: Typst ignores SVG fonts)."""
    from generator.render.charts import coverage_by_county_svg, coverage_trend_svg

    draw = {"county": coverage_by_county_svg, "trend": coverage_trend_svg}
    for section in doc["sections"]:
        for block in section["blocks"]:
            if block["t"] == "chart" and "svg" not in block:
                block["svg"] = draw[block["chart"]](bulletin, True)
    return doc
