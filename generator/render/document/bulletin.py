"""The city bulletin (通报) as a document: header fields, one function per section, attachments.

Each section function takes the bulletin (and what else it needs) and returns its title and
blocks, or None when the period has nothing to say under it; `bulletin_sections` lists them in
document order, so a new section is one function and one line there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from generator.common import formatting as fmt
from generator.common.cache import write_atomic
from generator.common.config import Config
from generator.common.periods import Period
from generator.federation.words import speak_as, words
from generator.figures.indicators import BY_NAME, KEY_GROUPS, campaigns_said, key_groups
from generator.figures.reduce import SCHEDULE_QUOTED_UP_TO, amount_due
from generator.model.bulletin import (
    JUDGMENT_LABELS,
    Bulletin,
    CountyReporting,
    ReceivedFile,
    UnitFigures,
)
from generator.render.charts import chart_key, coverage_by_county_svg, coverage_trend_svg
from generator.render.document.lines import balanced_lines
from generator.render.document.nodes import (
    UNION_BUILDING,
    Assets,
    Column,
    Doc,
    Section,
    chinese_number,
    column_table,
    figure,
    figures,
    frame_blocks,
    lead_par,
    numbered,
    par,
    rank_text,
    with_grid_atoms,
)
from generator.render.document.wording import Wording, figure_said
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


#: Characters of 2号 (22 pt) on a line of the 156 mm type area: 442 pt / 22 pt.
TITLE_LINE_EM = 20.0

# ---- tables ---------------------------------------------------------------------------------

_pct, _n = fmt.percent, fmt.integer

# Columns of figures take their headers from generator.figures.indicators (`figure`).


def said(*names: str, full: bool = False) -> list[Column[Any]]:
    """Columns of figures written as a reader says them (wording.figure_said)."""

    def column(name: str) -> Column[Any]:
        return figure(name, cell=lambda u: figure_said(u, name), full=full)

    return [column(n) for n in names]


_COUNTY_SHORT: list[Column[UnitFigures]] = [
    figure("rank", cell=rank_text),
    Column("县市区", lambda u: u.name),
    *figures("coverage_rate", "membership_rate"),
    *said("schedule_rate"),
    *figures("score", "rank_change"),
]

_COUNTY_FULL: list[Column[UnitFigures]] = [
    figure("rank", cell=rank_text),
    Column("县市区", lambda u: u.name),
    *figures(*UNION_BUILDING, "ytd_new_unions"),
    *said("target_completion", "schedule_rate"),
    *figures("score", "rank_change"),
]


def _town(row: tuple[UnitFigures, UnitFigures]) -> UnitFigures:
    return row[1]


#: Township rows carry their county: (county, township).
_TOWNSHIP_FULL: list[Column[tuple[UnitFigures, UnitFigures]]] = [
    Column("县市区", lambda r: r[0].name),
    figure("rank", cell=lambda r: "—" if r[1].level == "direct" else rank_text(r[1])),
    Column("乡镇（街道）", lambda r: r[1].name),
    *figures(*UNION_BUILDING, "score", "rank_change", of=_town),
]


def by_county(*names: str, full: bool = False) -> list[Column[UnitFigures]]:
    """A table of the counties: their names, then the figures `names` (`full`: headed by
    their full labels), written as a reader says them."""
    return [Column("县市区", lambda u: u.name), *said(*names, full=full)]


_PRIORITY_BY_COUNTY = by_county("priority_open", "priority_closed", "priority_added")

_PRIORITY_LEFT: Column[UnitFigures] = figure("priority_left")

_VOLUNTEERS_BY_COUNTY = by_county(
    "volunteer_required_townships", "volunteer_covered_townships", "volunteer_coverage"
)


def county_ranking_table(bulletin: Bulletin, full: bool) -> Node:
    """The county ranking: short in the body, every figure in the attachment."""
    units = [bulletin.unit(c) for c in bulletin.county_ranking]
    if not full:
        return column_table(_COUNTY_SHORT, units)
    return column_table(_COUNTY_FULL, units, size=0.75)


def direct_name(county: UnitFigures) -> str:
    """The enterprises registered to a county itself: 县直, 市直, 区直, or 直属 for a zone."""
    last = county.name[-1:]
    if last in ("县", "市", "区") and not county.name.endswith(("开发区", "园区", "新区")):
        return f"{last}直"
    return "直属"


def direct_row(bulletin: Bulletin, county: UnitFigures) -> UnitFigures | None:
    """The county's own enterprises (registered to the county code): the county less its
    townships, so that the township rows and this row add up to the county's row."""
    towns = [bulletin.unit(c) for c in bulletin.township_ranking.get(county.code, [])]
    enterprises = county.enterprises - sum(t.enterprises for t in towns)
    unionized = county.unionized - sum(t.unionized for t in towns)
    if enterprises <= 0 and unionized <= 0:
        return None
    direct = UnitFigures(
        code="", name=direct_name(county), level="direct", parent=county.code, order=0
    )
    direct.enterprises, direct.unionized = enterprises, unionized
    direct.coverage_rate = unionized / enterprises if enterprises else None
    return direct


def township_ranking_table(bulletin: Bulletin) -> Node:
    rows = []
    for county_code in bulletin.county_ranking:
        county = bulletin.unit(county_code)
        for code in bulletin.township_ranking.get(county_code, []):
            rows.append((county, bulletin.unit(code)))
        direct = direct_row(bulletin, county)
        if direct is not None:
            rows.append((county, direct))
    return column_table(_TOWNSHIP_FULL, rows, size=0.75)


_COMPONENT_LABELS = {
    "coverage_rate": "建会率",
    "membership_rate": "职工入会率",
    "schedule_rate": "序时进度完成率",
}


def _missing_reason(u: UnitFigures, component: str) -> str:
    if component == "schedule_rate":
        return "年度目标为0" if u.target_new_unions == 0 else "未下达年度目标"
    if component == "coverage_rate":
        return "没有存续企业"
    return "没有已建会企业的职工人数"


def score_notes(
    bulletin: Bulletin,
    config: Config,
    groups: list[tuple[str, list[UnitFigures]]],
    members: str = "",
) -> list[str]:
    """What the score of these ranking groups left out (CONTRACT §3.4), as notes for a table.

    Groups that left out the same components are named in one sentence.

    `groups` are (who, units): a component no unit of a group has is left out and the score
    scaled; units missing a component the others have are 未排名, with the reason.
    """
    left_out: dict[tuple[str, ...], list[str]] = {}
    unranked: dict[str, list[UnitFigures]] = {}
    reasons: dict[tuple[str, ...], str] = {}
    for who, units in groups:
        if not units:
            continue
        absent = tuple(
            c for c in config.score_weights if all(getattr(u, c, None) is None for u in units)
        )
        kept = [c for c in config.score_weights if c not in absent]
        if absent and kept:
            left_out.setdefault(absent, []).append(who)
            reasons[absent] = "、".join(_missing_reason(units[0], c) for c in absent)
        for u in units:
            if u.rank is not None:
                continue
            missing = [c for c in kept if getattr(u, c, None) is None]
            if missing:
                reason = "，".join(dict.fromkeys(_missing_reason(u, c) for c in missing))
                unranked.setdefault(reason, []).append(u)
    notes: list[str] = []
    for absent, whos in left_out.items():
        kept = [c for c in config.score_weights if c not in absent]
        notes.append(
            f"{'、'.join(whos)}{members}均{reasons[absent]}，综合得分不计"
            f"{'、'.join(_COMPONENT_LABELS.get(c, c) for c in absent)}，"
            f"按{'、'.join(_COMPONENT_LABELS.get(c, c) for c in kept)}折算为百分制。"
        )
    for reason, units in unranked.items():
        notes.append(f"{_names(bulletin, units)}{reason}，未排名。")
    return notes


def _note_block(notes: list[str]) -> list[Node]:
    """注： under a table; several notes numbered, one paragraph each."""
    if len(notes) == 1:
        return [par("注：" + notes[0])]
    return [par(("注：" if i == 1 else "") + f"{i}. {n}") for i, n in enumerate(notes, 1)]


def county_notes(bulletin: Bulletin, config: Config) -> list[str]:
    return score_notes(
        bulletin, config, [(words().each, [bulletin.unit(c) for c in bulletin.county_ranking])]
    )


def township_notes(bulletin: Bulletin, config: Config) -> list[str]:
    groups = [
        (bulletin.unit(county).name, [bulletin.unit(c) for c in codes])
        for county, codes in bulletin.township_ranking.items()
    ]
    return score_notes(bulletin, config, groups, "所辖乡镇（街道）")


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
            {"t": "chart", "chart": "county", "alt": f"{words().each}企业建会率", "width": 1.0}
        )
        if len(bulletin.history.get(bulletin.city.code, [])) >= 2:
            overview.append(
                {
                    "t": "chart",
                    "chart": "trend",
                    "alt": f"{words().own}企业建会率走势",
                    "width": 0.85,
                }
            )
    return "总体情况", overview


def ranking_section(bulletin: Bulletin, config: Config, say: Wording) -> Section | None:
    """排名情况: how the score is made, the short county table, where the townships are."""
    if not bulletin.county_ranking:
        return None
    ranking: list[Node] = [
        par(say("ranking_intro", weights=_weights_sentence(config), period=bulletin.period_label)),
        county_ranking_table(bulletin, full=False),
        *_note_block(county_notes(bulletin, config)),
    ]
    if any(bulletin.township_ranking.values()):  # a member without townships has no 附件2 of them
        ranking.append(par(say("township_pointer")))
    return "排名情况", ranking


_KIND_GROUPS = {"criticize": "通报批评", "veto": "实行一票否决"}


def _names(bulletin: Bulletin, units: list[UnitFigures]) -> str:
    """松岚县冬青街道、琴台乡，禾丰县青石镇: a county named once before its townships."""
    runs: list[tuple[str, list[str]]] = []
    for u in sorted(units, key=lambda u: u.order):  # official order: each county once
        prefix = ""
        if u.level == "township" and u.parent is not None:
            try:
                prefix = bulletin.unit(u.parent).name
            except KeyError:
                prefix = ""
        if u.name.startswith(prefix):
            prefix = ""
        if runs and runs[-1][0] == prefix:  # counties (no prefix) in one run too
            runs[-1][1].append(u.name)
        else:
            runs.append((prefix, [u.name]))
    return "，".join(prefix + "、".join(names) for prefix, names in runs)


#: A reason that is one figure against one threshold: 志愿者覆盖率66.7%（低于100.0%，已过…）
_ONE_FIGURE = re.compile(
    r"^(?P<label>[^\d（），]+?)(?P<value>\d+(?:\.\d+)?%)（(?P<note>[^（）]+)）$"
)


def _grouped(
    bulletin: Bulletin, items: list[tuple[UnitFigures, str]]
) -> list[tuple[list[UnitFigures], str]]:
    """Units of one level with the same finding, together, in the order they first appear
    (counties and townships apart: 存在问题 counts townships).

    The same sentence is said once (以上8个单位本年均尚未新建会…); one figure below the same
    threshold is said once with each unit's value (以上3个单位志愿者覆盖率分别为66.7%、80.0%、
    40.0%，均低于100.0%).
    """
    groups: dict[tuple[str, str], list[tuple[UnitFigures, str]]] = {}
    for u, text in items:
        found = _ONE_FIGURE.match(text)
        key = (found.group("label"), found.group("note")) if found else (text, "")
        groups.setdefault((u.level, *key), []).append((u, text))  # type: ignore[arg-type]
    out: list[tuple[list[UnitFigures], str]] = []
    for (_level, label, note), members in groups.items():  # type: ignore[misc]
        units = [u for u, _text in members]
        texts = {text for _u, text in members}
        if len(texts) == 1:
            out.append((units, members[0][1]))
            continue
        values = "、".join(_ONE_FIGURE.match(t).group("value") for _u, t in members)  # type: ignore[union-attr]
        head, _, rest = note.partition("，")
        out.append((units, f"{label}分别为{values}，均{head}" + (f"（{rest}）" if rest else "")))
    return out


def _group_par(
    bulletin: Bulletin, lead: str, units: list[UnitFigures], text: str, after: str = ""
) -> Node:
    """One paragraph for units with the same finding: 松岚县冬青街道、琴台乡。以上2个单位本年均
    尚未新建会…; `after` closes it (the rectification date of a criticism)."""
    if len(units) == 1:
        return lead_par(f"{lead}{full_name(bulletin, units[0])}。", text + "。" + after)
    if text.startswith("本年尚未新建会"):
        text = f"以上{len(units)}个单位本年均尚未新建会" + text[len("本年尚未新建会") :]
    elif "分别为" in text:
        text = f"以上{len(units)}个单位" + text
    else:
        text = f"以上{len(units)}个单位均为：" + text
    return lead_par(f"{lead}{_names(bulletin, units)}。", text + "。" + after)


def rectify_date(bulletin: Bulletin, say: Wording) -> str:
    """限期整改's date: rectify_days working days after signed_on (3.9); said as such while
    the bulletin is unsigned."""
    doc = bulletin.document
    return doc.rectify_by_text or say("rectify_unsigned", days=doc.rectify_days)


def commend_section(bulletin: Bulletin, say: Wording) -> Section | None:
    """表扬: each commended unit with what it did."""
    units = judged(bulletin, "commend")
    if not units:
        return None
    blocks: list[Node] = [{**par(say("commend_intro")), "keep": True}]
    for i, (units_, text) in enumerate(_grouped(bulletin, units), 1):
        blocks.append(_group_par(bulletin, f"（{chinese_number(i)}）", units_, text))
    return JUDGMENT_LABELS["commend"], blocks


def criticism_section(bulletin: Bulletin, say: Wording) -> Section | None:
    """通报批评 and 一票否决: each unit once (one judgment per unit, 3.9), units with the same
    finding in one paragraph (以上8个单位本年均尚未新建会…), each criticism with its date."""
    criticized = judged(bulletin, "criticize")
    vetoed = judged(bulletin, "veto")
    if not criticized and not vetoed:
        return None
    deadline = rectify_date(bulletin, say)
    values = {"deadline": deadline, "organization": bulletin.organization}
    if criticized and vetoed:
        title, intro = "通报批评和一票否决", say("criticize_and_veto_intro", **values)
    elif criticized:
        title, intro = JUDGMENT_LABELS["criticize"], say("criticize_intro", **values)
    else:
        title, intro = JUDGMENT_LABELS["veto"], say("veto_intro")
    blocks: list[Node] = [{**par(intro), "keep": True}]
    kinds = [(k, items) for k, items in (("criticize", criticized), ("veto", vetoed)) if items]
    for g, (kind, items) in enumerate(kinds, 1):
        after = say("rectify_by", deadline=deadline) if kind == "criticize" else ""
        groups = _grouped(bulletin, items)
        if len(kinds) == 1:
            for i, (units, text) in enumerate(groups, 1):
                closing = _after(text, after, say)
                blocks.append(
                    _group_par(bulletin, f"（{chinese_number(i)}）", units, text, closing)
                )
            continue
        count = sum(len(units) for units, _text in groups)
        heading = f"（{chinese_number(g)}）{_KIND_GROUPS[kind]}的单位（{count}个）"
        blocks.append({"t": "heading", "level": 2, "c": [{"t": "text", "text": heading}]})
        for i, (units, text) in enumerate(groups, 1):
            blocks.append(_group_par(bulletin, f"{i}. ", units, text, _after(text, after, say)))
    return title, blocks


# A criticism for late reporting alone: lateness is not put right by a date, it is not repeated.
_REPORTING_ONLY = re.compile(r"本期(?:台账|通报数据)(逾期\d+天报送|未按时报送（沿用上期数据）)")


def _after(text: str, after: str, say: Wording) -> str:
    """What closes a criticism: its rectification date, or for late reporting alone the ask
    to report on time from now on."""
    if after and _REPORTING_ONLY.fullmatch(text):
        return say("rectify_reporting")
    return after


def priority_section(bulletin: Bulletin, config: Config) -> Section | None:
    """重点企业销号情况: the city's open, ticked-off, new and departed priority enterprises."""
    if not counties(bulletin) or bulletin.city.priority_open is None:
        return None
    city, n = bulletin.city, _n
    opening = f"{words().own}职工{n(config.priority_min_employees)}人以上未建会重点企业{n(city.priority_open)}家"
    if str(Period.parse(bulletin.period).previous()) not in bulletin.periods:
        # The project's first period: nothing to tick off or add against, so no "销号0家".
        return "重点企业销号情况", [
            par(opening + f"（本期为首期，销号、新增情况自下期起统计）。{words().each}情况如下："),
            column_table(_PRIORITY_BY_COUNTY[:2], counties(bulletin)),
        ]
    left = f"，注销、吊销、迁出{n(city.priority_left)}家" if city.priority_left else ""
    columns = _PRIORITY_BY_COUNTY + ([_PRIORITY_LEFT] if city.priority_left else [])
    return "重点企业销号情况", [
        par(
            opening
            + f"，本期销号{n(city.priority_closed)}家、新增{n(city.priority_added)}家{left}。"
            f"{words().each}情况如下："
        ),
        column_table(columns, counties(bulletin)),
    ]


def volunteer_section(bulletin: Bulletin, say: Wording) -> Section | None:
    """工会工作志愿者配备情况: coverage, the townships lacking one (internal), by county."""
    city, n, pct = bulletin.city, _n, _pct
    if not city.volunteer_required_townships:
        return None
    vol: list[Node] = [
        par(
            f"{words().own}应配备工会工作志愿者的乡镇（街道）{n(city.volunteer_required_townships)}个，"
            f"已配备{n(city.volunteer_covered_townships)}个，覆盖率{pct(city.volunteer_coverage)}。"
        )
    ]
    if bulletin.townships_lacking_volunteer:
        names = _names(bulletin, [bulletin.unit(c) for c in bulletin.townships_lacking_volunteer])
        vol.append(par(say("volunteer_lacking", names=names)))
    vol.append(column_table(_VOLUNTEERS_BY_COUNTY, counties(bulletin)))
    return "工会工作志愿者配备情况", vol


def campaign_section(bulletin: Bulletin) -> Section:
    """The campaigns (工人先锋号、职工书屋…): the city's counts and the period's new ones by name."""
    campaign: list[Node] = [par(f"{words().own}{campaigns_said(bulletin.city, detail=True)}。")]
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
    return f"{_said_and(c.label for c in CAMPAIGNS.values())}创建情况", campaign


def _said_and(words: Iterable[str]) -> str:
    """A、B和C: a list as a sentence says it."""
    items = list(words)
    return "和".join(("、".join(items[:-1]), items[-1])) if len(items) > 1 else "".join(items)


#: Every target of targets.csv, followed per county (CONTRACT 3.6): the annex table, whose
#: columns name their target (the full label).
_TARGETS_BY_COUNTY = by_county(
    "target_completion",
    "schedule_rate",
    "ytd_new_members",
    "members_completion",
    "members_schedule_rate",
    *(f"{c.key}_schedule_rate" for c in CAMPAIGNS.values() if c.target),
    full=True,
)
#: What targets.csv sets, as the targets sentence names them.
_TARGETS = ("新建会", "新增会员", *(c.label for c in CAMPAIGNS.values() if c.target))

_GROUPS_BY_COUNTY = by_county(*(i.name for i in KEY_GROUPS), "federations")

_FOUR_CLEAR_BY_COUNTY = by_county("priority_open", "priority_overdue", "priority_stalled")


def _members_progress(u: UnitFigures) -> str:
    """完成72.0%，序时进度完成率86.4% / 已完成新增会员目标; no rate over 200 % quoted."""
    done, schedule = u.members_completion, u.members_schedule_rate
    if done is not None and done >= 1:
        return "已完成新增会员目标"
    text = f"完成{_pct(done)}"
    if schedule is not None and schedule > SCHEDULE_QUOTED_UP_TO:
        return text + "，超过序时进度"
    return text + f"，序时进度完成率{_pct(schedule)}"


def targets_section(bulletin: Bulletin) -> Section | None:
    """目标任务完成情况: the members target beside new unions; every county in the annex."""
    city = bulletin.city
    if city.target_new_members is None and not counties(bulletin):
        return None
    text = f"{bulletin.period.split('-')[0]}年新增会员目标"
    if city.target_new_members is None:
        text += "尚未下达"
    elif city.ytd_new_members is None:
        # the year's start is not in the data: the target alone (3.9: no 无法计算 printed)
        text += f"{_n(city.target_new_members)}人"
    elif city.ytd_new_members < 0:
        text += f"{_n(city.target_new_members)}人，{words().own}会员人数较上年末减少{_n(-city.ytd_new_members)}人"
    else:
        text += f"{_n(city.target_new_members)}人，本年已新增{_n(city.ytd_new_members)}人，"
        text += _members_progress(city)
    annex = 1 + bool(bulletin.county_ranking) + any(bulletin.township_ranking.values())
    return "目标任务完成情况", [
        par(text + f"。{words().each}{_said_and(_TARGETS)}目标完成情况见附件{annex}。")
    ]


def key_areas_section(bulletin: Bulletin) -> Section | None:
    """重点区域和人群: key areas, the industries most behind, key groups and federations."""
    city = bulletin.city
    rows = bulletin.key_areas.get(city.code, [])
    if not rows:
        return None
    areas = [r for r in rows if r.dimension == "area_type" and r.category != "未填写"]
    blocks: list[Node] = []
    if areas:
        parts = "，".join(
            f"{r.category}{_n(r.enterprises)}家、建会率{_pct(r.coverage_rate)}" for r in areas[:4]
        )
        blocks.append(par(f"分区域看，{parts}。"))
    industries = [r for r in rows if r.dimension == "industry"][:3]
    if industries:
        names = "、".join(f"{r.category}（{_n(r.non_unionized)}家）" for r in industries)
        blocks.append(par(f"未建会企业较多的行业是{names}。"))
    forms = any(r.dimension == "union_form" for r in rows)
    federations = BY_NAME["federations"].label  # the city's: 全市区域性、行业性工会联合会
    said = key_groups(city, federations=forms).replace(federations, words().own + federations, 1)
    each = words().each
    blocks.append(par(f"{said}。{each}情况如下：" if said else f"{each}情况如下："))
    blocks.append(column_table(_GROUPS_BY_COUNTY, counties(bulletin), size=0.8))
    return "重点区域和人群", blocks


def four_clear_section(bulletin: Bulletin) -> Section | None:
    """推进建会情况 (internal): priority enterprises past their plan or open for long."""
    city = bulletin.city
    if not (city.priority_overdue or city.priority_stalled):  # null: not this audience's
        return None
    return "未建会重点企业推进情况", [
        par(
            f"重点企业中，已过计划建会时间仍未建会（逾期未建）的{_n(city.priority_overdue)}家，"
            f"连续6期以上未建会（久拖未建）的{_n(city.priority_stalled)}家，名单见各单位报告的销号清单："
        ),
        column_table(_FOUR_CLEAR_BY_COUNTY, counties(bulletin)),
    ]


def inspection_section(bulletin: Bulletin) -> Section | None:
    """督查情况 (internal): the period's inspections and rectifications past their deadline."""
    if not bulletin.inspections:
        return None
    held = [i for i in bulletin.inspections if i.held]
    overdue = [i for i in bulletin.inspections if i.overdue]
    # A count of none is said in words (本期未开展督查), never as 开展督查0次.
    said = f"本期开展督查{_n(len(held))}次" if held else "本期未开展督查"
    if overdue:
        said += f"，整改逾期未完成的问题{_n(len(overdue))}个"
    blocks: list[Node] = [par(said + "。")]
    for k, i in enumerate(held, 1):
        name = full_name(bulletin, bulletin.unit(i.unit)) if i.unit in _codes(bulletin) else i.unit
        due = f"，整改期限{fmt.chinese_date(i.deadline)}" if i.deadline else ""
        blocks.append(
            lead_par(
                f"（{chinese_number(k)}）{name}（{fmt.chinese_date(i.date)}）。",
                f"发现问题：{i.findings or '无'}{due}。",
            )
        )
    if overdue:
        names = "；".join(
            f"{i.unit_name}（{i.findings or '督查问题'}，期限{fmt.chinese_date(i.deadline)}）"
            for i in overdue
        )
        blocks.append(par(f"逾期未整改：{names}。请相关单位立即整改到位。"))
    return "督查情况", blocks


def _received_text(when: str | None) -> str:
    """2026-11-04 09:30:00 -> 11月4日 09:30; "" when not recorded."""
    if not when:
        return ""
    day, _, clock = when.partition(" ")
    return fmt.chinese_date(day)[5:] + (f" {clock[:5]}" if clock else "")


def _status(c: CountyReporting) -> str:
    """A county's 报送情况 in a table: "—" where the office recorded no receipt (3.9)."""
    return "—" if c.state == "unknown" else c.status


_REPORTING_BY_COUNTY: list[Column[CountyReporting]] = [
    Column("县市区", lambda c: c.name),
    Column("报送情况", _status),
]

#: With the files and receipt times (Shows.reporting_files): one row per file.
_REPORTING_FILES: list[Column[tuple[CountyReporting, ReceivedFile | None]]] = [
    Column("县市区", lambda r: r[0].name),
    Column("文件", lambda r: r[1].file if r[1] else "—"),
    Column("收到时间", lambda r: _received_text(r[1].received_at) if r[1] else "—"),
    Column("报送情况", lambda r: _status(r[0])),
]


def reporting_section(bulletin: Bulletin, say: Wording) -> Section | None:
    """报送情况 (CONTRACT 1.1): who reported on time, late or not at all, against the deadline;
    the internal bulletin also names each county's files and when each was received."""
    reporting = bulletin.reporting
    if reporting is None or not reporting.counties:
        return None
    counties = reporting.counties

    def names(state: str) -> str:
        return "、".join(c.name for c in counties if c.state == state)

    text = say("reporting_deadline", deadline=reporting.deadline_text)
    parts: list[str] = []
    carried = [c for c in counties if c.state == "carried"]
    if reporting.before_deadline:
        # no verdict before the deadline: who has reported, who may still
        text += say("reporting_before_deadline")
        received = sum(c.state in ("on_time", "unknown") for c in counties)
        if received:
            parts.append(say("reporting_received", count=received))
        if names("pending"):
            parts.append(say("reporting_pending", names=names("pending")))
        if carried:
            names_carried = "、".join(c.name for c in carried)
            parts.append(say("reporting_carried_pending", names=names_carried))
        carried = []
    # A county whose receipt was not recorded is the office's gap, not the county's: the
    # document draws no conclusion on it (bulletin check asks the office to record it, 3.9).
    elif reporting.recorded and all(c.state == "on_time" for c in counties):
        text += say("reporting_all_on_time")
    elif reporting.recorded:
        on_time = sum(c.state == "on_time" for c in counties)
        if on_time:
            parts.append(say("reporting_on_time", count=on_time))
        late = [c for c in counties if c.state == "late"]
        if late:
            shown = "、".join(f"{c.name}（逾期{c.days_late}天）" for c in late)
            parts.append(say("reporting_late", names=shown))
    if carried:
        parts.append(say("reporting_carried", names="、".join(c.name for c in carried)))
    if parts:
        text += "；".join(parts) + "。"
    blocks: list[Node] = [par(text)]
    if not reporting.recorded and not carried:
        # nothing the document could say of any county: a table of "—" is no statement
        return "报送情况", blocks
    if bulletin.shows.reporting_files:
        rows: list[tuple[CountyReporting, ReceivedFile | None]] = []
        for c in counties:
            rows.extend((c, f) for f in c.files) if c.files else rows.append((c, None))
        blocks.append(column_table(_REPORTING_FILES, rows, size=0.8))
    elif reporting.recorded or carried:
        blocks.append(column_table(_REPORTING_BY_COUNTY, counties))
    return "报送情况", blocks


def _codes(bulletin: Bulletin) -> set[str]:
    return {u.code for u in bulletin.units}


def writeup_section(bulletin: Bulletin, config: Config) -> Section | None:
    """工作动态: by default none (the site carries the news); `bulletin_writeups: titles` lists
    the period's write-ups by title, unit and date."""
    if config.bulletin_writeups != "titles" or not bulletin.writeups:
        return None
    return "工作动态", [
        par(f"{i}. {w.title}（{w.unit_name}，{fmt.chinese_date(w.date)}）")
        for i, w in enumerate(bulletin.writeups, 1)
    ]


def problems_section(bulletin: Bulletin, config: Config, say: Wording) -> Section | None:
    """存在问题: what the figures say is wrong, in sentences quoting them."""
    city, pct = bulletin.city, _pct
    sentences: list[str] = []
    rated = [u for u in counties(bulletin) if u.coverage_rate is not None]
    if len(rated) >= 2 and city.coverage_rate is not None:
        high = max(rated, key=lambda u: u.coverage_rate or 0.0)
        low = min(rated, key=lambda u: u.coverage_rate or 0.0)
        gap = (high.coverage_rate or 0.0) - (low.coverage_rate or 0.0)
        below = [u.name for u in rated if (u.coverage_rate or 0.0) < city.coverage_rate]
        text = (
            f"一是{say('problem_gap')}。{words().each}建会率最高的{high.name}为{pct(high.coverage_rate)}，"
            f"最低的{low.name}为{pct(low.coverage_rate)}，相差{fmt.number(gap * 100, 1)}个百分点"
        )
        if below:
            text += (
                f"；{len(below)}个{words().members}低于{words().own}平均水平（{pct(city.coverage_rate)}），"
                f"分别是{'、'.join(below)}"
            )
        sentences.append(text + "。")
    # The same units as the judgments name: some enterprise due by now (3.9), none unionised
    # this year, and some left to unionise.
    idle = [
        u
        for u in bulletin.units
        if u.level == "township"
        and u.ytd_new_unions == 0
        and u.enterprises > u.unionized
        and amount_due(u.target_new_unions, u.elapsed) >= 1
    ]
    if idle:
        sentences.append(
            f"{_ordinal(len(sentences))}是{say('problem_idle')}。按序时进度应有新建会、本年却尚未"
            f"新建会的乡镇（街道）有{len(idle)}个：{_names(bulletin, idle)}。"
        )
    long_open = [p for p in bulletin.priority if p.state == "open" and _open_periods(p) >= 6]
    if long_open:
        sentences.append(
            f"{_ordinal(len(sentences))}是{say('problem_long_open')}。职工{_n(config.priority_min_employees)}人以上"
            f"未建会重点企业中，有{_n(len(long_open))}家连续6期以上未能销号。"
        )
    if not sentences:
        return None
    return "存在问题", [par(x) for x in sentences]


def _ordinal(i: int) -> str:
    return "一二三四五六七八九十"[i] if i < 10 else chinese_number(i + 1)


def _open_periods(p: Any) -> int:
    """How many periods a priority enterprise has been open, where the ledger says so."""
    value = getattr(p, "open_periods", None)
    return int(value) if isinstance(value, int) else 0


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
    say = Wording(config.root)
    makers: list[Callable[[], Section | None]] = [
        lambda: overview_section(bulletin, charts),
        lambda: ranking_section(bulletin, config, say),
        lambda: commend_section(bulletin, say),
        lambda: criticism_section(bulletin, say),
        lambda: targets_section(bulletin),
        lambda: priority_section(bulletin, config),
        lambda: four_clear_section(bulletin),
        lambda: volunteer_section(bulletin, say),
        lambda: key_areas_section(bulletin),
        lambda: campaign_section(bulletin),
        lambda: inspection_section(bulletin),
        lambda: reporting_section(bulletin, say),
        lambda: writeup_section(bulletin, config),
        lambda: problems_section(bulletin, config, say),
        lambda: correction_section(bulletin),
    ]
    return [s for s in (make() for make in makers) if s is not None]


def attachments(bulletin: Bulletin, config: Config) -> list[dict[str, Any]]:
    """附件: the full ranking tables, each on pages of its own, with their notes."""
    out = []
    if bulletin.county_ranking:
        blocks = [county_ranking_table(bulletin, full=True)]
        out.append(
            {
                "title": f"{words().members}排名表",
                "blocks": blocks + _note_block(county_notes(bulletin, config)),
            }
        )
    if any(bulletin.township_ranking.values()):
        notes = township_notes(bulletin, config)
        if any(direct_row(bulletin, bulletin.unit(c)) for c in bulletin.county_ranking):
            notes.append(Wording(config.root)("direct_note"))
        blocks = [township_ranking_table(bulletin)]
        out.append({"title": "乡镇（街道）排名表", "blocks": blocks + _note_block(notes)})
    if counties(bulletin):
        table = column_table(_TARGETS_BY_COUNTY, counties(bulletin), size=0.62)
        out.append({"title": f"{words().members}目标任务完成情况表", "blocks": [table]})
    return out


def bulletin_document(
    bulletin: Bulletin, config: Config, assets: Assets, fonts: dict[str, Any], charts: bool = True
) -> Doc:
    """Everything the bulletin template shows, as JSON-ready data."""
    speak_as(config.level)
    doc = bulletin.document
    original = bulletin.shows.signed_original
    generated = bulletin_sections(bulletin, config, assets, charts)
    closing = closing_section(bulletin)
    sections = numbered([*generated, *([closing] if closing else [])])
    # The last body block goes with the signature (see the template's tail).
    tail: list[Node] = []
    if sections and sections[-1]["blocks"] and sections[-1]["blocks"][-1]["t"] == "par":
        tail = [sections[-1]["blocks"].pop()]
    # Paragraphs on the grid are broken into lines by the template (nodes.with_grid_atoms).
    preface = with_grid_atoms(frame_blocks(doc.preface))
    annexes = attachments(bulletin, config)
    for part in [*sections, *annexes]:
        with_grid_atoms(part["blocks"])
    with_grid_atoms(tail)
    return {
        "kind": "bulletin",
        "internal": bulletin.shows.internal_mark,
        # The public version (公开版) is not the signed original: no 文号, no room for the seal,
        # no 版记 (who printed how many copies when).
        "public": not original,
        "fonts": fonts,
        "header": {
            "organization": doc.organization,
            "mark": f"{doc.organization}文件",
            "doc_code": doc.doc_code if original else "",
            "title": doc.title,
            "title_lines": balanced_lines(doc.title, TITLE_LINE_EM),
            "recipients": doc.recipients.rstrip("：:"),
            "cc": doc.cc.rstrip("。") if original else "",
            "signed_on_text": doc.signed_on_text,
            "printed_by": doc.printed_by,
            "printed_on_text": doc.printed_on_text,
        },
        "preface": preface,
        "sections": sections,
        "tail": tail,
        "attachments": annexes,
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


def fill_charts(doc: Doc, bulletin: Bulletin, cache: Path | None = None) -> Doc:
    """Draw the charts the document asks for (SVG, text as paths: Typst ignores SVG fonts).

    With `cache`, a chart drawn before from the same inputs is read from there (the public and
    internal bulletins of a period show the same charts; a bulletin whose wording changed
    keeps its charts), and a chart drawn is kept there.
    """

    draw = {"county": coverage_by_county_svg, "trend": coverage_trend_svg}
    kinds = {"county": "counties", "trend": "trend"}
    for section in doc["sections"]:
        for block in section["blocks"]:
            if block["t"] != "chart" or "svg" in block:
                continue
            chart = block["chart"]
            cached = None
            if cache is not None:
                key = chart_key(kinds[chart], bulletin, text_as_paths=True)
                cached = cache / f"{key}.svg"
                if cached.is_file():
                    block["svg"] = cached.read_text(encoding="utf-8")
                    os.utime(cached)  # in use: pruning keeps it
                    continue
            block["svg"] = draw[chart](bulletin, True)
            if cached is not None:
                write_atomic(cached, block["svg"].encode("utf-8"))
    return doc
