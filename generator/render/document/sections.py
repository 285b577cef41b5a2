"""The city bulletin's sections on its figures: overview, priority enterprises, volunteers,
campaigns, targets, key areas and groups, the four clear things, 存在问题.
"""

from __future__ import annotations

from typing import Any

from generator.common import formatting as fmt
from generator.common.config import Config
from generator.common.periods import Period
from generator.federation.words import words
from generator.figures.indicators import BY_NAME, campaigns_said, key_groups, label
from generator.figures.reduce import SCHEDULE_QUOTED_UP_TO, amount_due
from generator.model.bulletin import Bulletin, PriorityEntry, UnitFigures
from generator.render.document.nodes import (
    Column,
    Section,
    chinese_number,
    column_table,
    figure,
    par,
)
from generator.render.document.ranking import (
    _GROUPS_BY_COUNTY,
    by_county,
    counties,
    said_and,
    unit_names,
)
from generator.render.document.wording import Wording
from generator.render.mdtree import Node
from generator.rosters.specs import CAMPAIGNS

_pct, _n = fmt.percent, fmt.integer


_PRIORITY_BY_COUNTY = by_county("priority_open", "priority_closed", "priority_added")

_PRIORITY_LEFT: Column[UnitFigures] = figure("priority_left")

_VOLUNTEERS_BY_COUNTY = by_county(
    "volunteer_required_townships", "volunteer_covered_townships", "volunteer_coverage"
)


def overview_section(bulletin: Bulletin, charts: bool) -> Section:
    """一、总体情况: the model's overview sentences and (placeholders for) the charts."""
    overview: list[Node] = [par(s) for s in bulletin.overview]
    # Charts are placeholders here, drawn by fill_charts only when the PDF is not cached.
    if charts and counties(bulletin):
        overview.append(
            {
                "t": "chart",
                "chart": "county",
                "alt": f"{words().each}企业{label('coverage_rate')}",
                "width": 1.0,
            }
        )
        if len(bulletin.history.get(bulletin.city.code, [])) >= 2:
            overview.append(
                {
                    "t": "chart",
                    "chart": "trend",
                    "alt": f"{words().own}企业{label('coverage_rate')}走势",
                    "width": 0.85,
                }
            )
    return "总体情况", overview


def priority_section(bulletin: Bulletin, config: Config) -> Section | None:
    """重点企业销号情况: the city's open, ticked-off, new and departed priority enterprises."""
    if not counties(bulletin) or bulletin.city.priority_open is None:
        return None
    city, n = bulletin.city, _n
    opening = f"{words().own}职工{n(config.priority_min_employees)}人以上{label('priority_open')}{n(city.priority_open)}家"
    if str(Period.parse(bulletin.period).previous()) not in bulletin.periods:
        # The project's first period: nothing to tick off or add against, so no "销号0家".
        return "重点企业销号情况", [
            par(opening + f"（本期为首期，销号、新增情况自下期起统计）。{words().each}情况如下："),
            column_table(_PRIORITY_BY_COUNTY[:2], counties(bulletin)),
        ]
    departed = BY_NAME["priority_left"].heading  # 注销、吊销、迁出
    left = f"，{departed}{n(city.priority_left)}家" if city.priority_left else ""
    columns = _PRIORITY_BY_COUNTY + ([_PRIORITY_LEFT] if city.priority_left else [])
    return "重点企业销号情况", [
        par(
            opening
            + f"，{label('priority_closed')}{n(city.priority_closed)}家、新增{n(city.priority_added)}家{left}。"
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
            words().volunteers_said(
                n(city.volunteer_required_townships),
                n(city.volunteer_covered_townships),
                pct(city.volunteer_coverage),
            )
            + "。"
        )
    ]
    if bulletin.townships_lacking_volunteer:
        names = unit_names(
            bulletin, [bulletin.unit(c) for c in bulletin.townships_lacking_volunteer]
        )
        vol.append(par(say("volunteer_lacking", names=names)))
    vol.append(column_table(_VOLUNTEERS_BY_COUNTY, counties(bulletin)))
    return "工会工作志愿者配备情况", vol


def campaign_section(bulletin: Bulletin) -> Section | None:
    """The campaigns (工人先锋号、职工书屋…): the city's counts and the period's new ones by name."""
    said = campaigns_said(bulletin.city, detail=True)
    campaign: list[Node] = [par(f"{words().own}{said}。")] if said else []
    for kind, named in ((c.key, c.label) for c in CAMPAIGNS.values()):
        new = [c for c in bulletin.campaigns if c.kind == kind and c.new]
        if new:
            items = "；".join(
                f"{c.name}（{c.host}，{c.level}）"
                if c.host and c.host != c.name
                else f"{c.name}（{c.level}）"
                for c in new
            )
            campaign.append(par(f"本期新增{named}：{items}。"))
    if not campaign:  # no campaign roster kept: no section of zeros
        return None
    return f"{said_and(c.label for c in CAMPAIGNS.values())}创建情况", campaign


#: What targets.csv sets, as the targets sentence names them.
_TARGETS = ("新建会", "新增会员", *(c.label for c in CAMPAIGNS.values() if c.target))

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


def _members_target(bulletin: Bulletin) -> str:
    """The year's members target and how far it is done, as a sentence; "" when the data cannot
    say how far (3.9): a target printed without its result reads as a reproach the leader
    cannot back, so the sentence is left out and the annex shows "—"."""
    city = bulletin.city
    text = f"{bulletin.period.split('-')[0]}年新增会员目标"
    target, gained = city.target_new_members, city.ytd_new_members
    if target is None:
        return text + "尚未下达"
    if gained is None:  # no year-end before this year in the data, or a member cannot say
        return ""
    if gained < 0:
        return text + f"{_n(target)}人，{words().own}{label('members')}较上年末减少{_n(-gained)}人"
    return text + f"{_n(target)}人，本年已新增{_n(gained)}人，" + _members_progress(city)


def targets_section(bulletin: Bulletin) -> Section | None:
    """目标任务完成情况: the members target beside new unions; every county in the annex."""
    said = _members_target(bulletin)
    if not counties(bulletin):  # no annex to point to: said only when there is a target
        given = said and bulletin.city.target_new_members is not None
        return ("目标任务完成情况", [par(said + "。")]) if given else None
    annex = 1 + bool(bulletin.county_ranking) + any(bulletin.township_ranking.values())
    pointer = f"{words().each}{said_and(_TARGETS)}目标完成情况见附件{annex}。"
    return "目标任务完成情况", [par(f"{said}。{pointer}" if said else pointer)]


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
            f"{r.category}{_n(r.enterprises)}家、{label('coverage_rate')}{_pct(r.coverage_rate)}"
            for r in areas[:4]
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
    overdue, stalled = BY_NAME["priority_overdue"].heading, BY_NAME["priority_stalled"].heading
    return f"{label('priority_open')}推进情况", [
        par(
            f"重点企业中，已过计划建会时间仍未建会（{overdue}）的{_n(city.priority_overdue)}家，"
            f"连续6期以上未建会（{stalled}）的{_n(city.priority_stalled)}家，名单见各单位报告的销号清单："
        ),
        column_table(_FOUR_CLEAR_BY_COUNTY, counties(bulletin)),
    ]


def problems_section(bulletin: Bulletin, config: Config, say: Wording) -> Section | None:
    """存在问题: what the figures say is wrong, in sentences quoting them."""
    city, pct = bulletin.city, _pct
    sentences: list[str] = []
    rated = [u for u in counties(bulletin) if u.coverage_rate is not None]
    if len(rated) >= 2 and city.coverage_rate is not None:
        top = max(u.coverage_rate or 0.0 for u in rated)
        bottom = min(u.coverage_rate or 0.0 for u in rated)
        # "Uneven" only where the printed rates differ: equal rates (one unit named as both
        # highest and lowest, 相差0.0个百分点) are nothing a leader can call a problem.
        if pct(top) != pct(bottom):
            highs = "、".join(u.name for u in rated if u.coverage_rate == top)
            lows = "、".join(u.name for u in rated if u.coverage_rate == bottom)
            # below as printed: a county shown at the average's own 73.3% is not "below" it
            average = pct(city.coverage_rate)
            below = [
                u.name
                for u in rated
                if (u.coverage_rate or 0.0) < city.coverage_rate and pct(u.coverage_rate) != average
            ]
            text = (
                f"一是{say('problem_gap')}。{words().each}{label('coverage_rate')}最高的{highs}为{pct(top)}，"
                f"最低的{lows}为{pct(bottom)}，相差{fmt.number((top - bottom) * 100, 1)}个百分点"
            )
            if below:
                text += (
                    f"；{len(below)}个{words().members}低于{words().own}平均水平（{average}），"
                    + (f"分别是{'、'.join(below)}" if len(below) > 1 else f"为{below[0]}")
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
            f"新建会的乡镇（街道）有{len(idle)}个：{unit_names(bulletin, idle)}。"
        )
    lasting = long_open(bulletin)
    if lasting:
        sentences.append(
            f"{_ordinal(len(sentences))}是{say('problem_long_open')}。职工{_n(config.priority_min_employees)}人以上"
            f"{label('priority_open')}中，有{_n(len(lasting))}家连续6期以上未能销号。"
        )
    if not sentences:
        return None
    return "存在问题", [par(x) for x in sentences]


def _ordinal(i: int) -> str:
    return "一二三四五六七八九十"[i] if i < 10 else chinese_number(i + 1)


def long_open(bulletin: Bulletin) -> list[PriorityEntry]:
    """The priority enterprises open for six periods or more (the only entries it counts)."""
    return [p for p in bulletin.priority or () if p.state == "open" and _open_periods(p) >= 6]


def _open_periods(p: Any) -> int:
    """How many periods a priority enterprise has been open, where the ledger says so."""
    value = getattr(p, "open_periods", None)
    return int(value) if isinstance(value, int) else 0
