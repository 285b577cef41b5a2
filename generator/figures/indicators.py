"""Every figure of a unit, declared once (CONTRACT §3): name, Chinese label, unit, kind, dtype.

`INDICATORS` is the one list of the figures each unit has in each period. Everything else
derives from it: the fields of `model.UnitFigures` (so `bulletin.json`), the columns of the
figures stage's indicator frame and their dtypes, the metrics a judgment rule may name
(`rule=True`), the columns and headers of `indicators.csv`/`.xlsx` (every figure, in this
order), the site's ranking and history tables (`tables`), how a value is written in text
(`show`), and which audience gets it (`shown_if`).

Adding a figure is two steps:
1. declare it here: `Indicator("dispatch_membership_rate", "劳务派遣工入会率", "", RATE,
   rule=True)`; a campaign's figures are declared by its entry in `rosters.specs.CAMPAIGNS`;
2. compute it in `figures.compute_figures`: `f["dispatch_membership_rate"] = ...` (an array of
   shape (periods, units); a sum over enterprises is one more entry of `figures.OWN_SUMS`).
The test suite checks that every declared figure is computed, in the model and in the downloads.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.common import formatting as fmt
from generator.rosters.specs import CAMPAIGNS, Campaign

# Kinds: how a value is stored, written and formatted.
COUNT = "count"  # an integer count (家, 人, 个)
DELTA = "delta"  # a signed difference of counts
RATE = "rate"  # a fraction, shown as a percent to one decimal
POINTS = "points"  # a change of a rate, a fraction shown in percentage points
SCORE = "score"  # the composite score, two decimals
RANK = "rank"  # a position (1 = first)
RANK_CHANGE = "rank_change"  # previous rank - rank (positive: moved up)
FLAG = "flag"  # yes/no

_DTYPES = {
    COUNT: "Int64",
    DELTA: "Int64",
    RANK: "Int64",
    RANK_CHANGE: "Int64",
    RATE: "Float64",
    POINTS: "Float64",
    SCORE: "Float64",
    FLAG: "boolean",
}
_PYTHON_TYPES = {"Int64": "int", "Float64": "float", "boolean": "bool"}

# Tables that show a figure as a column, in declaration order (templates read TABLES).
RANKING = "ranking"  # the ranking tables of the bulletin, county and township pages
HISTORY = "history"  # a unit page's table of its periods


@dataclass(frozen=True)
class Indicator:
    """One figure of a unit in a period."""

    name: str  # the contract's name: the bulletin.json key and the UnitFigures field
    label: str  # the Chinese name: download header, messages, judgment reasons
    unit: str  # 家, 人, 个, 分, 册, or "" (rates, ranks)
    kind: str  # COUNT, DELTA, RATE, POINTS, SCORE, RANK, RANK_CHANGE or FLAG
    #: null when it cannot be computed (a rate over 0, no previous period, no target);
    #: a count that is not nullable is 0 when there is nothing to count
    nullable: bool = False
    #: a judgment rule may name it (bulletin.yml `judgments: … metric:`)
    rule: bool = False
    #: the `model.Shows` attribute an audience must have to be shown it ("": every audience);
    #: a model whose audience is not shown it carries null
    shown_if: str = ""
    #: the header of a table column (site tables, the PDF documents' tables), where the
    #: table's title or its neighbours say what the label spells out; the label by default
    short: str = ""
    #: the site tables that show it as a column (RANKING, HISTORY)
    tables: frozenset[str] = frozenset()
    #: a key-group rate (CONTRACT 3.7): said in the key-groups sentence of the bulletin, the
    #: unit reports and the site, and a column of the bulletin's key-groups table
    group: bool = False

    @property
    def dtype(self) -> str:
        """The pandas dtype of its column in the figures stage's indicator frame."""
        return _DTYPES[self.kind]

    @property
    def annotation(self) -> str:
        """Its type as a UnitFigures field."""
        python = _PYTHON_TYPES[self.dtype]
        return f"{python} | None" if self.nullable else python

    @property
    def default(self) -> int | float | None:
        """Its UnitFigures default: None if nullable, else zero."""
        if self.nullable:
            return None
        return 0.0 if self.dtype == "Float64" else 0

    @property
    def header(self) -> str:
        """The column header of the downloads (indicators.csv, .xlsx)."""
        return f"{self.label}（百分点）" if self.kind == POINTS else self.label

    @property
    def heading(self) -> str:
        """The column header of a table (site, PDF documents)."""
        return self.short or self.label

    @property
    def titled(self) -> str:
        """The label with its unit, as a table's row header: 企业数（家）."""
        counted = self.kind in (COUNT, DELTA) and self.unit
        return f"{self.label}（{self.unit}）" if counted else self.label

    def show(self, value: float | None) -> str:
        """The value as written in Chinese text (a judgment reason), without the unit."""
        if self.kind == RATE:
            return fmt.percent(value)
        if self.kind == POINTS:
            return fmt.change_phrase(value) or "—"
        if self.kind == SCORE:
            return fmt.number(value)
        return fmt.integer(value)


def _campaign_indicators(c: Campaign) -> list[Indicator]:
    """The figures every campaign roster gives (CONTRACT §3.5), named after its key."""
    k, label, unit = c.key, c.label, c.unit
    out = [
        Indicator(k, c.counted_label or label, unit, COUNT),
        Indicator(f"{k}_new", f"本期{c.new_word}{label}", unit, COUNT),
    ]
    if c.target is not None:
        out += [
            Indicator(f"{k}_ytd_new", f"本年{c.new_word}{label}", unit, COUNT),
            Indicator(f"target_{k}", f"年度{label}目标", unit, COUNT, nullable=True),
            # CONTRACT 3.6: every target followed like new unions, usable in rules
            Indicator(f"{k}_completion", f"{label}目标完成率", "", RATE, nullable=True, rule=True),
            Indicator(f"{k}_schedule_rate", f"{label}序时进度", "", RATE, nullable=True, rule=True),
        ]
    for column, sum_label, sum_unit in c.sums:
        out.append(Indicator(column, sum_label, sum_unit, COUNT))
    return out


_BOTH = frozenset({RANKING, HISTORY})
_PRIORITY = "priority_counts"

#: Every figure of a unit, in reading order (the order of the downloads' columns).
INDICATORS: tuple[Indicator, ...] = (
    # 3.1 union building
    Indicator("enterprises", "企业数", "家", COUNT, tables=_BOTH),
    Indicator("unionized", "已建会企业数", "家", COUNT, short="已建会", tables=_BOTH),
    Indicator("coverage_rate", "建会率", "", RATE, nullable=True, rule=True, tables=_BOTH),
    Indicator("coverage_rate_change", "建会率环比", "", POINTS, nullable=True),
    Indicator("coverage_rate_yoy_change", "建会率同比", "", POINTS, nullable=True),
    Indicator("unionized_change", "已建会企业数环比", "家", DELTA, nullable=True),
    Indicator("unionized_yoy_change", "已建会企业数同比", "家", DELTA, nullable=True),
    Indicator("employees", "职工人数", "人", COUNT),
    Indicator("members", "会员人数", "人", COUNT),
    Indicator("membership_rate", "职工入会率", "", RATE, nullable=True, rule=True, tables=_BOTH),
    Indicator("membership_rate_change", "职工入会率环比", "", POINTS, nullable=True),
    Indicator("membership_rate_yoy_change", "职工入会率同比", "", POINTS, nullable=True),
    Indicator("members_change", "会员人数环比", "人", DELTA, nullable=True),
    Indicator("members_yoy_change", "会员人数同比", "人", DELTA, nullable=True),
    Indicator("migrant_workers", "已建会企业农民工人数", "人", COUNT),
    Indicator("migrant_members", "农民工会员人数", "人", COUNT),
    Indicator(
        "migrant_membership_rate", "农民工入会率", "", RATE, nullable=True, rule=True, group=True
    ),
    Indicator(
        "dispatch_membership_rate",
        "劳务派遣工入会率",
        "",
        RATE,
        nullable=True,
        rule=True,
        group=True,
    ),
    Indicator(
        "female_membership_rate", "女职工入会率", "", RATE, nullable=True, rule=True, group=True
    ),
    Indicator("congress_rate", "职代会建制率", "", RATE, nullable=True, rule=True, group=True),
    Indicator(
        "bargaining_rate", "工资集体协商建制率", "", RATE, nullable=True, rule=True, group=True
    ),
    # the counts behind the rates above, so that a level above sums them (CONTRACT §7)
    Indicator("unionized_employees", "已建会企业职工人数", "人", COUNT),
    Indicator("congress", "建立职代会制度的已建会企业", "家", COUNT),
    Indicator("congress_given", "填报职代会情况的已建会企业", "家", COUNT),
    Indicator("bargaining", "建立工资集体协商制度的已建会企业", "家", COUNT),
    Indicator("bargaining_given", "填报工资集体协商情况的已建会企业", "家", COUNT),
    Indicator("female_workers", "填报女职工情况的已建会企业女职工人数", "人", COUNT),
    Indicator("female_members", "女职工会员人数", "人", COUNT),
    # 3.7 key groups and federations
    Indicator("dispatch_workers", "已建会企业劳务派遣工人数", "人", COUNT),
    Indicator("dispatch_members", "劳务派遣工会员人数", "人", COUNT),
    Indicator("federations", "区域性、行业性工会联合会", "个", COUNT, short="联合会"),
    Indicator("federation_enterprises", "联合会覆盖企业", "家", COUNT, short="覆盖企业"),
    Indicator("federation_employees", "联合会覆盖职工", "人", COUNT, short="覆盖职工"),
    Indicator("new_unions", "本期新建会", "家", COUNT, rule=True, tables=frozenset({HISTORY})),
    Indicator(
        "ytd_new_unions", "本年累计新建会", "家", COUNT, rule=True, short="本年新建会", tables=_BOTH
    ),
    Indicator("new_members", "本期新增会员", "人", DELTA, nullable=True, rule=True),
    # 3.2 targets and schedule
    Indicator(
        "target_new_unions",
        "年度新建会目标",
        "家",
        COUNT,
        nullable=True,
        short="年度目标",
        tables=frozenset({RANKING}),
    ),
    Indicator(
        "target_completion",
        "新建会目标完成率",
        "",
        RATE,
        nullable=True,
        rule=True,
        short="目标完成率",
        tables=_BOTH,
    ),
    Indicator("elapsed", "时间进度", "", RATE),
    Indicator(
        "schedule_rate",
        "新建会序时进度完成率",
        "",
        RATE,
        nullable=True,
        rule=True,
        short="序时进度",
        tables=_BOTH,
    ),
    Indicator("target_new_members", "年度新增会员目标", "人", COUNT, nullable=True),
    # 3.6 the new-members target followed like new unions (members now - at the end of last year)
    Indicator("ytd_new_members", "本年新增会员", "人", DELTA, nullable=True, rule=True),
    Indicator("members_completion", "新增会员目标完成率", "", RATE, nullable=True, rule=True),
    Indicator("members_schedule_rate", "新增会员序时进度", "", RATE, nullable=True, rule=True),
    # 3.5 volunteers and campaigns
    Indicator("volunteer_required", "应配备志愿者", "", FLAG, nullable=True, shown_if="records"),
    Indicator(
        "volunteer_required_townships",
        "应配备志愿者乡镇（街道）",
        "个",
        COUNT,
        short="应配备乡镇（街道）",
    ),
    Indicator(
        "volunteer_covered_townships", "已配备志愿者乡镇（街道）", "个", COUNT, short="已配备"
    ),
    Indicator(
        "volunteer_coverage", "志愿者覆盖率", "", RATE, nullable=True, rule=True, short="覆盖率"
    ),
    Indicator("volunteers_active", "在岗志愿者", "人", COUNT),
    Indicator("volunteers_graded", "本期考核志愿者", "人", COUNT),
    Indicator("volunteers_good", "考核优秀、称职志愿者", "人", COUNT),
    Indicator("volunteer_good_share", "志愿者考核优秀称职率", "", RATE, nullable=True, rule=True),
    *(indicator for c in CAMPAIGNS.values() for indicator in _campaign_indicators(c)),
    # 1.1 报送情况 of a county: late (after report_deadline) or not reported (carried) is true,
    # on time false; null where receipt times were not recorded, and for the city and townships
    Indicator("report_late", "未按时报送台账", "", FLAG, nullable=True, rule=True),
    Indicator("report_days_late", "台账逾期报送天数", "天", COUNT, nullable=True),
    # 3.4 score, rank
    Indicator(
        "score", "综合得分", "分", SCORE, nullable=True, rule=True, short="得分", tables=_BOTH
    ),
    Indicator("rank", "排名", "", RANK, nullable=True, tables=frozenset({HISTORY})),
    Indicator("ranked_among", "参与排名单位数", "个", COUNT, nullable=True),
    Indicator("rank_change", "排名变化", "", RANK_CHANGE, nullable=True, tables=_BOTH),
    # 3.3 priority ledger: the counts (model.Shows.priority_counts), not the enterprises
    Indicator(
        "priority_open",
        "未建会重点企业",
        "家",
        COUNT,
        rule=True,
        short="待销号",
        tables=_BOTH,
        shown_if=_PRIORITY,
    ),
    Indicator("priority_closed", "本期销号", "家", COUNT, shown_if=_PRIORITY),
    Indicator(
        "priority_added", "本期新增重点企业", "家", COUNT, short="本期新增", shown_if=_PRIORITY
    ),
    Indicator(
        "priority_left",
        "本期注销迁出重点企业",
        "家",
        COUNT,
        short="注销、吊销、迁出",
        shown_if=_PRIORITY,
    ),
    # 3.8 the four clear things (推进建会): internal, counts and enterprises alike. They are
    # measured against the office's own working plan (计划建会时间, 推进情况), which the public
    # cannot check and a unit has not agreed to be judged on in public; CONTRACT 3.8 lists them
    # as internal. A public model carries null, and no public output shows them.
    Indicator(
        "priority_overdue",
        "逾期未建重点企业",
        "家",
        COUNT,
        rule=True,
        short="逾期未建",
        shown_if="records",
    ),
    Indicator(
        "priority_stalled",
        "久拖未建重点企业",
        "家",
        COUNT,
        rule=True,
        short="久拖未建",
        shown_if="records",
    ),
)

#: The declarations by name.
BY_NAME: dict[str, Indicator] = {i.name: i for i in INDICATORS}


def label(name: str) -> str:
    """The Chinese label of a declared figure: what a sentence calls it."""
    return BY_NAME[name].label


def score_label(name: str) -> str:
    """A score component as the ranking sentences name it: the score's schedule is new
    unions' (CONTRACT 3.4), so 新建会序时进度完成率 is said 序时进度完成率 there."""
    return label(name).removeprefix("新建会")


#: Figures a judgment rule may name, in declaration order.
RULE_METRICS: tuple[str, ...] = tuple(i.name for i in INDICATORS if i.rule)


def shown(indicator: Indicator, shows: object) -> bool:
    """Whether an audience (a `model.Shows`) is shown the figure."""
    return not indicator.shown_if or bool(getattr(shows, indicator.shown_if))


def table(name: str, shows: object) -> list[Indicator]:
    """The columns of a site table (RANKING, HISTORY) an audience is shown, in declaration order."""
    return [i for i in INDICATORS if name in i.tables and shown(i, shows)]


#: The key-group rates (CONTRACT 3.7), in the order the key-groups sentence says them.
KEY_GROUPS: tuple[Indicator, ...] = tuple(i for i in INDICATORS if i.group)


def key_groups(u: object, federations: bool = True) -> str:
    """Say a unit's key-group rates, then its federations (the sentence, without its stop)."""
    # a rate the ledgers do not give (null) is left out: nothing the office lacks is printed (3.9)
    rates = [(i, getattr(u, i.name)) for i in KEY_GROUPS]
    said = "，".join(f"{i.label}{i.show(value)}" for i, value in rates if value is not None)
    if not federations:
        return said
    fed, ent, emp = (
        BY_NAME[n] for n in ("federations", "federation_enterprises", "federation_employees")
    )
    return (
        f"{said}{'；' if said else ''}{fed.label}{fed.show(getattr(u, fed.name))}{fed.unit}，"
        f"{ent.heading}{ent.show(getattr(u, ent.name))}{ent.unit}、"
        f"职工{emp.show(getattr(u, emp.name))}{emp.unit}"
    )


def _bare(label: str, unit: str) -> str:
    """A label without its unit: 藏书（册） is said 藏书N册."""
    return label.removesuffix(f"（{unit}）")


def campaigns_said(u: object, detail: bool = False) -> str:
    """Say a unit's count of every campaign (`detail`: with the period's new ones and the
    year's progress), e.g. 已命名工人先锋号12个，职工书屋30家（藏书4,000册）…; a campaign or a
    sum with nothing counted is left out ("" when none has)."""
    n = fmt.integer
    parts = []
    for c in CAMPAIGNS.values():
        k = c.key
        # a roster the office keeps empty (or not at all) is not a count of 0 to sign: unsaid
        kept = [k, f"{k}_new", *([f"{k}_ytd_new", f"target_{k}"] if c.target else [])]
        if not any(getattr(u, name) for name in kept):
            continue
        inner = []
        if detail:
            inner.append(f"本期{c.new_word}{n(getattr(u, f'{k}_new'))}{c.unit}")
        if detail and c.target is not None:
            ytd, target = getattr(u, f"{k}_ytd_new"), getattr(u, f"target_{k}")
            progress = f"本年新增{n(ytd)}{c.unit}"
            if target:
                completion = BY_NAME[f"{k}_completion"].show(getattr(u, f"{k}_completion"))
                progress += f"，完成年度目标{n(target)}{c.unit}的{completion}"
            inner.append(progress)
        inner += [
            f"{_bare(label, unit)}{n(getattr(u, col))}{unit}"
            for col, label, unit in c.sums
            if getattr(u, col)  # a sum of nothing filled in (藏书0册) is not reported
        ]
        said = f"{c.counted_label or c.label}{n(getattr(u, k))}{c.unit}"
        parts.append(said + (f"（{'，'.join(inner)}）" if inner else ""))
    return "，".join(parts)


def _check() -> None:
    seen: set[str] = set()
    for i in INDICATORS:
        if i.name in seen:
            raise ValueError(f"indicator {i.name} declared twice")
        if i.kind not in _DTYPES:
            raise ValueError(f"indicator {i.name}: unknown kind {i.kind}")
        seen.add(i.name)


_check()
