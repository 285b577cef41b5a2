"""A county's or township's report as a document: one function per section.

Each section function returns its title and blocks, or None when the unit has nothing under it;
`report_sections` lists them in document order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.common import formatting as fmt
from generator.common.periods import Period
from generator.federation.words import words
from generator.figures import indicators
from generator.figures.indicators import key_groups, label
from generator.figures.reduce import amount_due
from generator.model.bulletin import (
    JUDGMENT_LABELS,
    LEVEL_LABELS,
    Bulletin,
    CountyReporting,
    HistoryPoint,
    PriorityEntry,
    UnitFigures,
    VolunteerRecord,
    WriteUp,
)
from generator.render.document.nodes import (
    UNION_BUILDING,
    Assets,
    Column,
    Doc,
    Section,
    column_table,
    figure,
    figures,
    lead_par,
    numbered,
    par,
    rank_text,
    table,
    with_grid_atoms,
    writeups_section,
)
from generator.render.document.wording import Wording, figure_said
from generator.render.files import priority_marks
from generator.render.mdtree import Node
from generator.rosters.specs import CAMPAIGNS

_pct, _n = fmt.percent, fmt.integer


def report_units(bulletin: Bulletin) -> list[UnitFigures]:
    """The units that get a report: every county and township, in official order."""
    return [u for u in bulletin.units if u.level in ("county", "township")]


def _parent(bulletin: Bulletin, u: UnitFigures) -> UnitFigures | None:
    if u.parent is None:
        return None
    try:
        return bulletin.unit(u.parent)
    except KeyError:
        return None


def _parent_code(bulletin: Bulletin, code: str) -> str | None:
    try:
        return bulletin.unit(code).parent
    except KeyError:
        return None


def _is_period(text: str) -> bool:
    try:
        Period.parse(text)
    except ValueError:
        return False
    return True


#: The figures of the comparison table, a row each: its label with its unit
#: (generator.figures.indicators), then the figure of each unit compared.
FIGURE_ROWS: list[str] = [
    "enterprises",
    "unionized",
    "coverage_rate",
    "coverage_rate_change",
    "employees",
    "members",
    "membership_rate",
    "new_unions",
    "ytd_new_unions",
    "target_new_unions",
    "target_completion",
    "schedule_rate",
    "priority_open",
    "priority_closed",
    *CAMPAIGNS,
    "score",
]

_HISTORY: list[Column[HistoryPoint]] = [
    Column(
        "期别",
        lambda h: Period.parse(h.period).label if _is_period(h.period) else h.period,
    ),
    *figures(*UNION_BUILDING, "score", "rank"),
]

_TOWNSHIPS: list[Column[UnitFigures]] = [
    figure("rank", cell=rank_text),
    Column("乡镇（街道）", lambda t: t.name),
    *figures(*UNION_BUILDING, "priority_open", "volunteers_active", "score", "rank_change"),
]

_VOLUNTEERS: list[Column[VolunteerRecord]] = [
    Column("姓名", lambda v: v.name),
    Column("派驻乡镇（街道）", lambda v: v.unit_name),
    Column("联系电话", lambda v: v.phone or "—"),
    Column("上岗日期", lambda v: fmt.chinese_date(v.hired_on)),
    Column("选聘方式", lambda v: v.selection or "—"),
    Column("汇报次数", lambda v: "—" if v.reports is None else str(v.reports)),
    Column("考核得分", lambda v: fmt.number(v.review_score)),
    Column("考核等次", lambda v: v.grade or "—"),
]


#: The ledger's optional columns of the four clear things (CONTRACT §3.8), shown when given:
#: attribute of the priority entry, header.
FOUR_CLEAR = (("progress", "推进情况"), ("responsible", "责任人"), ("planned_on", "计划建会时间"))


def _given(entry: PriorityEntry, name: str) -> str:
    value = getattr(entry, name, None)
    if value is None or value != value:  # None or NaN
        return ""
    if name == "planned_on" and str(value)[:10].count("-") == 2:
        return fmt.chinese_date(str(value)[:10])
    return str(value)


def _town_cell(row: tuple[int, PriorityEntry]) -> str:
    """The enterprise's township, or 县直 (市直, 区直, 直属) when registered to the county."""
    entry = row[1]
    if entry.unit == entry.county:
        last = entry.unit_name[-1:]
        return (
            f"{last}直"
            if last in ("县", "市", "区") and "开发区" not in entry.unit_name
            else "直属"
        )
    return entry.unit_name


def _given_cell(name: str) -> Callable[[tuple[int, PriorityEntry]], str]:
    return lambda r: _given(r[1], name) or "—"


def _priority_columns(
    with_town: bool, entries: list[PriorityEntry]
) -> list[Column[tuple[int, PriorityEntry]]]:
    """The open priority list; a township's own list needs no township column. The four-clear
    columns (推进情况, 责任人, 计划建会时间) are shown when the ledger gives any of them."""
    given = [
        Column(header, _given_cell(name), "left")
        for name, header in FOUR_CLEAR
        if any(_given(p, name) for p in entries)
    ]
    return [
        Column("序号", lambda r: str(r[0])),
        Column("企业名称", lambda r: r[1].name, "left"),
        *([Column("所属乡镇（街道）", _town_cell, "left")] if with_town else []),
        Column("职工人数", lambda r: _n(r[1].employees), "right"),
        Column("未建会原因", lambda r: r[1].reason or "未填报", "left"),
        *given,
        Column("备注", lambda r: priority_marks(r[1], stalled="久拖未建{}期")),
    ]


#: Every target of the year (CONTRACT 3.6): label, then the figures target, done, completion,
#: schedule.
TARGET_ROWS: list[tuple[str, str, str, str, str]] = [
    ("新建工会（家）", "target_new_unions", "ytd_new_unions", "target_completion", "schedule_rate"),
    (
        "新增会员（人）",
        "target_new_members",
        "ytd_new_members",
        "members_completion",
        "members_schedule_rate",
    ),
    *(
        (
            f"{c.label}（{c.unit}）",
            f"target_{c.key}",
            f"{c.key}_ytd_new",
            f"{c.key}_completion",
            f"{c.key}_schedule_rate",
        )
        for c in CAMPAIGNS.values()
        if c.target
    ),
]


# ---- sections -------------------------------------------------------------------------------


def figures_section(bulletin: Bulletin, u: UnitFigures) -> Section:
    """主要指标: rank sentence, judgments, and the unit's figures beside its county's and the city's."""
    parent = _parent(bulletin, u)
    city = bulletin.city
    compared = [u, *([parent] if parent and parent.level != "city" else []), city]
    heads = [
        "指标",
        u.name,
        *(["所属" + LEVEL_LABELS["county"]] if len(compared) == 3 else []),
        words().own,
    ]
    figures: list[Node] = []
    among = (
        words().own + words().each
        if u.level == "county"
        else f"{parent.name if parent else ''}各乡镇（街道）"
    )
    if u.rank is not None:
        score = indicators.BY_NAME["score"]
        sentence = (
            f"{bulletin.period_label}{score.label}{fmt.number(u.score, 2)}{score.unit}，"
            f"在{among}中排名第{u.rank}位"
        )
        if u.ranked_among:
            sentence += f"（共{u.ranked_among}个）"
        if u.rank_change:
            sentence += f"，较上期{'上升' if u.rank_change > 0 else '下降'}{abs(u.rank_change)}位"
        elif u.rank_change == 0:
            sentence += "，与上期持平"
        figures.append(par(sentence + "。"))
    for j in u.judgments:
        figures.append(lead_par(f"{JUDGMENT_LABELS.get(j.kind, j.kind)}：", j.reason + "。"))
    reported = bulletin.reporting_of(u.code)
    if reported is not None and reported.state != "unknown":
        figures.append(lead_par("报送情况：", _reporting_text(bulletin, u, reported)))
    rows = [indicators.BY_NAME[name] for name in FIGURE_ROWS]
    figures.append(
        table(
            heads,
            ([i.titled, *(figure_said(c, i.name) for c in compared)] for i in rows),
            align=["left", *["right"] * (len(heads) - 1)],
        )
    )
    return "主要指标", figures


def _reporting_text(bulletin: Bulletin, u: UnitFigures, c: CountyReporting) -> str:
    """The unit's 报送情况 against the deadline (CONTRACT 1.1), as one sentence."""
    deadline = bulletin.reporting.deadline_text if bulletin.reporting else ""
    if c.state == "carried":
        whose = "" if c.code == u.code else c.name
        source = Period.parse(c.carried_from).label if c.carried_from else "上期"
        if not c.late:  # before the deadline: not a verdict
            return f"{whose}本期{words().ledger}尚未报送（未到截止日期），本报告中的{words().ledger}数字暂为{source}的数据。"
        return f"{whose}本期{words().ledger}未按时报送（沿用上期数据），本报告中的{words().ledger}数字为{source}的数据。"
    if c.state == "late":
        text = f"本期{words().ledger}应于{deadline}前报送，逾期{c.days_late}天"
    else:
        text = f"本期{words().ledger}在{deadline}前按时报送"
    if c.corrections:  # later files are corrections, not lateness
        text += f"，此后更正{c.corrections}次"
    if c.unchanged_from:
        text += "，与上期相同（已核实确认）"
    return text + "。"


def catch_up(bulletin: Bulletin, u: UnitFigures) -> tuple[str, int, int] | None:
    """What it takes to be back on schedule by the next period: (its label, the year-to-date
    count the schedule asks for then, new unions still needed); None at year end or without a
    target."""
    try:
        period = Period.parse(bulletin.period)
    except ValueError:
        return None
    if period.is_year_end or not u.target_new_unions:
        return None
    following = Period(period.year, period.index + 1, period.cadence)
    goal = amount_due(u.target_new_unions, following.elapsed)  # as 3.9 counts what is due
    return following.label, goal, max(0, goal - u.ytd_new_unions)


def rectification_section(bulletin: Bulletin, u: UnitFigures, say: Wording) -> Section | None:
    """整改要求: for a criticised or vetoed unit, what the bulletin asks of it and by when."""
    kinds = {j.kind for j in u.judgments}
    if not kinds & {"criticize", "veto"}:
        return None
    blocks: list[Node] = []
    labels = "、".join(JUDGMENT_LABELS[k] for k in ("criticize", "veto") if k in kinds)
    sentence = f"本单位在{bulletin.period_label}通报中被{labels}"
    if "criticize" in kinds:
        # 限期整改 carries its date: rectify_days working days after signed_on (3.9)
        doc = bulletin.document
        deadline = doc.rectify_by_text or say("rectify_unsigned", days=doc.rectify_days)
        sentence += "，" + say("rectify_criticized")
        sentence += "，" + say(
            "rectify_deadline", deadline=deadline, organization=bulletin.organization
        )
    if "veto" in kinds:
        sentence += "；" + say("rectify_vetoed")
    blocks.append(par(sentence + "。"))
    need = catch_up(bulletin, u)
    if need is not None and "criticize" in kinds:
        by, goal, missing = need
        blocks.append(
            par(
                f"按序时进度，到{by}底{label('ytd_new_unions')}应达到{_n(goal)}家"
                f"（年度目标{_n(u.target_new_unions)}家），目前为{_n(u.ytd_new_unions)}家，"
                + (f"下期至少还需新建会{_n(missing)}家。" if missing else "已达到序时进度要求。")
            )
        )
    if u.priority_open:
        blocks.append(
            par(say("rectify_priority", priority=label("priority_open"), count=_n(u.priority_open)))
        )
    return "整改要求", blocks


def targets_section(u: UnitFigures) -> Section:
    """目标任务完成情况: every target of the year, its completion and schedule."""
    return "目标任务完成情况", [
        table(
            ["目标任务", "年度目标", "本年完成", "目标完成率", "序时进度完成率"],
            (
                [
                    label,
                    _n(getattr(u, t)),
                    figure_said(u, d),
                    figure_said(u, c),
                    figure_said(u, r),
                ]
                for label, t, d, c, r in TARGET_ROWS
            ),
            align=["left", "right", "right", "right", "right"],
        )
    ]


def key_areas_section(bulletin: Bulletin, u: UnitFigures) -> Section | None:
    """重点区域和人群: the unit's area types, key groups and federations."""
    rows = [r for r in bulletin.key_areas.get(u.code, []) if r.dimension == "area_type"]
    if not rows and not u.enterprises:
        return None
    blocks: list[Node] = [par(f"{key_groups(u)}。")]
    if rows:
        blocks.append(
            table(
                [
                    "所在区域类型",
                    *(indicators.BY_NAME[n].heading for n in ("enterprises", "unionized")),
                    "未建会",
                    indicators.BY_NAME["coverage_rate"].heading,
                ],
                (
                    [
                        r.category,
                        _n(r.enterprises),
                        _n(r.unionized),
                        _n(r.non_unionized),
                        _pct(r.coverage_rate),
                    ]
                    for r in rows
                ),
                align=["left", "right", "right", "right", "right"],
            )
        )
    return "重点区域和人群", blocks


def inspection_section(bulletin: Bulletin, u: UnitFigures) -> Section | None:
    """督查情况: inspections of the unit (and its townships) and overdue rectifications."""
    items = [i for i in bulletin.inspections or () if u.code in (i.unit, i.county)]
    if not items:
        return None
    blocks: list[Node] = []
    for i in items:
        state = (
            "整改逾期，请立即整改到位"
            if i.overdue
            else (f"已于{fmt.chinese_date(i.rectified_on)}整改" if i.rectified_on else "整改中")
        )
        due = f"，整改期限{fmt.chinese_date(i.deadline)}" if i.deadline else ""
        blocks.append(
            lead_par(
                f"{fmt.chinese_date(i.date)}督查{i.unit_name}：",
                f"发现问题：{i.findings or '无'}{due}，{state}。",
            )
        )
    return "督查情况", blocks


def history_section(bulletin: Bulletin, u: UnitFigures) -> Section | None:
    """历次指标和排名: the last twelve periods."""
    history = bulletin.history.get(u.code, [])
    if not history:
        return None
    return "历次指标和排名", [column_table(_HISTORY, history[-12:])]


def townships_section(bulletin: Bulletin, u: UnitFigures) -> Section | None:
    """所辖乡镇（街道）情况: a county's townships in ranking order."""
    if u.level != "county":
        return None
    towns = [bulletin.unit(c) for c in bulletin.township_ranking.get(u.code, [])]
    if not towns:
        return None
    return "所辖乡镇（街道）情况", [column_table(_TOWNSHIPS, towns)]


def priority_section(bulletin: Bulletin, u: UnitFigures) -> Section | None:
    """未建会重点企业销号清单: open, ticked-off and departed priority enterprises."""
    title = f"{label('priority_open')}销号清单"
    if bulletin.priority is None:  # not this audience's
        return None
    key = "county" if u.level == "county" else "unit"
    entries = [p for p in bulletin.priority if getattr(p, key) == u.code]
    open_entries = sorted(
        (p for p in entries if p.state == "open"), key=lambda p: (-p.employees, p.name)
    )
    closed = [p for p in entries if p.state == "closed"]
    left = [p for p in entries if p.state == "left"]
    n = _n
    first = str(Period.parse(bulletin.period).previous()) not in bulletin.periods
    if not words().has_lists:  # its members' counts travelled, their enterprises did not
        return title, [
            par(
                f"职工人数达到规定标准的{label('priority_open')}{n(u.priority_open or 0)}家"
                + (
                    "（本期为首期，销号情况自下期起统计）"
                    if first
                    else f"（其中本期新增{n(u.priority_added or 0)}家），本期已销号"
                    f"{n(u.priority_closed or 0)}家，注销或迁出{n(u.priority_left or 0)}家"
                )
                + f"。逐户清单由{u.name}总工会掌握。"
            )
        ]
    tick: list[Node] = [
        par(
            f"职工人数达到规定标准的{label('priority_open')}{n(len(open_entries))}家"
            "（本期为首期，销号情况自下期起统计）。"
            if first  # nothing to tick off against: no "已销号0家"
            else f"职工人数达到规定标准的{label('priority_open')}{n(len(open_entries))}家"
            f"（其中本期新增{n(sum(1 for p in open_entries if p.added))}家），"
            f"本期已销号{n(len(closed))}家，注销或迁出{n(len(left))}家。"
        )
    ]
    if open_entries:
        columns = _priority_columns(u.level != "township", open_entries)
        tick.append(column_table(columns, enumerate(open_entries, 1)))
    if closed:
        tick.append(par("本期已销号：" + "、".join(p.name for p in closed) + "。"))
    if left:
        tick.append(
            par(
                "本期注销、吊销或迁出："
                + "、".join(f"{p.name}（{p.left_reason or '已退出'}）" for p in left)
                + "。"
            )
        )
    return title, tick


def volunteer_section(bulletin: Bulletin, u: UnitFigures) -> Section | None:
    """工会工作志愿者: who is posted where, and the townships still lacking one."""
    code = u.code
    volunteers = [v for v in bulletin.volunteers or () if code in (v.unit, v.county)]
    lacking = [
        bulletin.unit(c).name
        for c in bulletin.townships_lacking_volunteer or ()
        if c == code or _parent_code(bulletin, c) == code
    ]
    if not (volunteers or lacking or u.volunteer_required):
        return None
    vol: list[Node] = []
    if lacking and u.level == "township":
        # its own report speaks to the township: not a list naming itself
        vol.append(par("本单位应配备工会工作志愿者，尚未配备，请抓紧选聘到位。"))
    elif lacking:
        vol.append(par("应配备而尚未配备志愿者的乡镇（街道）：" + "、".join(lacking) + "。"))
    if u.volunteers_graded:
        vol.append(
            par(
                f"{label('volunteers_graded')}{_n(u.volunteers_graded)}人，优秀、称职{_n(u.volunteers_good)}人，"
                f"占{_pct(u.volunteer_good_share)}。"
            )
        )
    if volunteers:
        vol.append(column_table(_VOLUNTEERS, volunteers))
    elif not lacking:
        vol.append(par(f"暂无{label('volunteers_active')}。"))
    return "工会工作志愿者", vol


def unit_writeups(bulletin: Bulletin, code: str) -> list[WriteUp]:
    return [w for w in bulletin.writeups if code in (w.unit, w.county)]


def writeup_section(bulletin: Bulletin, u: UnitFigures, assets: Assets) -> Section | None:
    """工作动态: the write-ups of the unit (a county's include its townships')."""
    writeups = unit_writeups(bulletin, u.code)
    if not writeups:
        return None
    return "工作动态", writeups_section(writeups, assets)


def report_sections(
    bulletin: Bulletin, u: UnitFigures, assets: Assets, say: Wording
) -> list[Section]:
    """The report's sections in document order."""
    makers: list[Callable[[], Section | None]] = [
        lambda: figures_section(bulletin, u),
        lambda: rectification_section(bulletin, u, say),
        lambda: targets_section(u),
        lambda: history_section(bulletin, u),
        lambda: townships_section(bulletin, u),
        lambda: priority_section(bulletin, u),
        lambda: volunteer_section(bulletin, u),
        lambda: key_areas_section(bulletin, u),
        lambda: inspection_section(bulletin, u),
        lambda: writeup_section(bulletin, u, assets),
    ]
    return [s for s in (make() for make in makers) if s is not None]


def report_document(
    bulletin: Bulletin,
    code: str,
    assets: Assets,
    fonts: dict[str, Any],
    organization: str,
    say: Wording | None = None,
) -> Doc:
    """Everything one unit's report shows, as JSON-ready data (`say`: the project's wording)."""
    u = bulletin.unit(code)
    parent = _parent(bulletin, u)
    parent_name = parent.name if parent and parent.level != "city" else ""
    sections = numbered(report_sections(bulletin, u, assets, say or Wording(None)))
    for section in sections:
        with_grid_atoms(section["blocks"])  # broken into lines by the template
    return {
        "kind": "report",
        "internal": True,
        "fonts": fonts,
        "organization": organization,
        "title": f"{u.name}{bulletin.period_label}企业工会组建工作情况",
        "subtitle": "，".join(
            part
            for part in (
                words().label(u.level) if u.level in LEVEL_LABELS else "",
                f"隶属{parent_name}" if parent_name else "",
                f"单位代码{u.code}",
            )
            if part
        ),
        "date": bulletin.document.signed_on_text,
        "sections": sections,
    }
