"""The units as the city bulletin names, lists and ranks them: tables, score notes, 排名情况.

The county and township ranking tables (short in the body, full in the annexes), what a
score left out (CONTRACT §3.4), and how a list of units is said in a sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator.common import formatting as fmt
from generator.common.config import Config
from generator.federation.words import words
from generator.figures.indicators import KEY_GROUPS, label, score_label
from generator.model.bulletin import Bulletin, UnitFigures
from generator.render.document.nodes import (
    UNION_BUILDING,
    Column,
    Section,
    column_table,
    figure,
    figures,
    par,
    rank_text,
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


def county_ranking_table(bulletin: Bulletin, full: bool) -> Node:
    """The county ranking: short in the body, every figure in the attachment."""
    units = [bulletin.unit(c) for c in bulletin.county_ranking]
    if not full:
        return column_table(_COUNTY_SHORT, units)
    return column_table(_COUNTY_FULL, units, size=0.75)


def direct_name(county: UnitFigures) -> str:
    """The enterprises registered to a county itself: 县直, 市直, 区直, or 直属 for a zone."""
    return direct_word(county.name)


def direct_word(county: str) -> str:
    """What a county's own enterprises are called, from its name: 县直, 市直, 区直 or 直属."""
    last = county[-1:]
    if last in ("县", "市", "区") and not county.endswith(("开发区", "园区", "新区")):
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
            f"{'、'.join(whos)}{members}均{reasons[absent]}，{label('score')}不计"
            f"{'、'.join(score_label(c) for c in absent)}，"
            f"按{'、'.join(score_label(c) for c in kept)}折算为百分制。"
        )
    for reason, units in unranked.items():
        notes.append(f"{unit_names(bulletin, units)}{reason}，未排名。")
    return notes


def note_block(notes: list[str]) -> list[Node]:
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


def _weights_sentence(config: Config) -> str:
    parts = [f"{score_label(k)}（权重{fmt.number(v, 0)}）" for k, v in config.score_weights.items()]
    return "按照" + "、".join(parts) + "加权计分"


def ranking_section(bulletin: Bulletin, config: Config, say: Wording) -> Section | None:
    """排名情况: how the score is made, the short county table, where the townships are."""
    if not bulletin.county_ranking:
        return None
    ranking: list[Node] = [
        par(say("ranking_intro", weights=_weights_sentence(config), period=bulletin.period_label)),
        county_ranking_table(bulletin, full=False),
        *note_block(county_notes(bulletin, config)),
    ]
    if any(bulletin.township_ranking.values()):  # a member without townships has no 附件2 of them
        ranking.append(par(say("township_pointer")))
    return "排名情况", ranking


def unit_names(bulletin: Bulletin, units: list[UnitFigures]) -> str:
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


def said_and(words: Iterable[str]) -> str:
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

#: The key-group rates and federations of every county (3.7).
_GROUPS_BY_COUNTY = by_county(*(i.name for i in KEY_GROUPS), "federations")
