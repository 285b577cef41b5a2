"""The judgments of the city bulletin: 表扬, 通报批评 and 一票否决, units with the same finding
together, each criticism with its rectification date (CONTRACT 3.9).
"""

from __future__ import annotations

import re

from generator.model.bulletin import JUDGMENT_LABELS, Bulletin, UnitFigures
from generator.render.document.nodes import Section, chinese_number, lead_par, par
from generator.render.document.ranking import full_name, judged, unit_names
from generator.render.document.wording import Wording
from generator.render.mdtree import Node

_KIND_GROUPS = {"criticize": "通报批评", "veto": "实行一票否决"}


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
    for (_level, label, note), found_in in groups.items():  # type: ignore[misc]
        # In official order, as unit_names says the names: each value beside its own unit.
        members = sorted(found_in, key=lambda item: item[0].order)
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
    return lead_par(f"{lead}{unit_names(bulletin, units)}。", text + "。" + after)


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
