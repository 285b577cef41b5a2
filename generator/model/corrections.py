"""更正说明 and issued pages (CONTRACT §4.1, changed 2026-12-07).

What a correction of an issued bulletin says: the judgments the corrected data change first (a
unit no longer criticised, one that would now be praised), then the changed headline figures of
each unit, never every derived figure (a two-enterprise correction moves scores, ranks and a
dozen rates: the W-ISSUED-CHANGED warnings list those for the office). And what the sites show
of an issued period: the figures and judgments as issued, the correction linked, never the
recomputed ones in their place.
"""

from __future__ import annotations

from typing import Any

from generator.common.periods import Period
from generator.figures.indicators import INDICATORS
from generator.model.bulletin import JUDGMENT_LABELS, Bulletin, Correction, Judgment, UnitFigures

#: The Correction.figure of a changed judgment.
JUDGMENT = "judgment"
JUDGMENT_LABEL = "评价"
#: The figures a 更正说明 quotes per unit: the counts and rates a reader of the bulletin's
#: headline tables sees. Employees and the membership rate are there too: a correction of a
#: ledger's 职工人数 changes nothing else, and would otherwise leave the note with nothing to say.
HEADLINE = (
    "enterprises",
    "unionized",
    "coverage_rate",
    "employees",
    "members",
    "membership_rate",
    "new_unions",
    "ytd_new_unions",
)
#: veto over criticism over praise: the one judgment a unit has (CONTRACT 3.9)
_PRECEDENCE = ("veto", "criticize", "commend")


def judgment_of(kinds: list[str], shown: tuple[str, ...]) -> str:
    """The judgment a unit was given, as its label (通报批评), or "" for none."""
    for kind in _PRECEDENCE:
        if kind in kinds and kind in shown:
            return JUDGMENT_LABELS[kind]
    return ""


def unit_judgment(unit: UnitFigures | dict[str, Any], shown: tuple[str, ...]) -> str:
    """The judgment of a unit of a model, or of a model's JSON."""
    judgments = unit.get("judgments", []) if isinstance(unit, dict) else unit.judgments
    kinds = [j["kind"] if isinstance(j, dict) else j.kind for j in judgments]
    return judgment_of(kinds, shown)


def _judgment_note(c: Correction) -> str:
    before, after = c.issued, c.corrected
    commend = JUDGMENT_LABELS["commend"]
    if before and before != commend and after == commend:
        return (
            f"{c.unit_name}：原予以{before}，按更正后的数据不再列入{before}范围，并符合表扬条件。"
        )
    if before and not after:
        return f"{c.unit_name}：原予以{before}，按更正后的数据不再列入{before}范围。"
    if after == JUDGMENT_LABELS["commend"] and not before:
        return f"{c.unit_name}：按更正后的数据符合表扬条件。"
    if not before:
        return f"{c.unit_name}：按更正后的数据应列入{after}范围。"
    return f"{c.unit_name}：原予以{before}，按更正后的数据应为{after}。"


def correction_notes(corrections: list[Correction]) -> list[str]:
    """The 更正说明 as paragraphs: per corrected bulletin, its changed judgments, then each
    unit's changed headline figures."""
    notes: list[str] = []
    by_period: dict[str, list[Correction]] = {}
    for c in corrections:
        by_period.setdefault(c.period, []).append(c)
    for period in sorted(by_period, key=Period.parse):
        items = by_period[period]
        judged = [c for c in items if c.figure == JUDGMENT]
        figures = [c for c in items if c.figure in HEADLINE]
        if not judged and not figures:
            continue
        first = items[0]
        notes.append(
            f"经核实，{first.period_label}通报（{first.doc_code}）印发后，有关单位报送的数据有所更正。"
            + ("该期通报的评价和下列数据相应更正：" if judged else "该期通报中下列数据相应更正：")
        )
        notes.extend(_judgment_note(c) for c in judged)
        units: dict[str, list[Correction]] = {}
        for c in figures:
            units.setdefault(c.unit_name, []).append(c)
        for name, changes in units.items():
            parts = "，".join(f"{c.label}由{c.issued}更正为{c.corrected}" for c in changes)
            notes.append(f"{name}：{parts}。")
    return notes


_FIGURES = tuple(i.name for i in INDICATORS)


def show_issued(bulletin: Bulletin, model: dict[str, Any]) -> None:
    """Put back into an issued period's model the figures and judgments it was issued with.

    The sites then show what was signed, with 数据已更正 and the link to the correction; the
    recomputed figures reach the next bulletin's 更正说明, not this period's pages.
    """
    issued = {str(u.get("code")): u for u in model.get("units", []) if isinstance(u, dict)}
    for unit in bulletin.units:
        before = issued.get(unit.code)
        if before is None:
            continue
        for name in _FIGURES:
            if name in before:
                setattr(unit, name, before[name])
        unit.judgments = [
            Judgment(kind=j["kind"], reason=str(j.get("reason", "")))
            for j in before.get("judgments", [])
            if isinstance(j, dict) and j.get("kind") in bulletin.shows.judgments
        ]
    for key in ("judgments", "county_ranking", "township_ranking", "overview"):
        if key in model:
            setattr(bulletin, key, model[key])
    # the period's own point of each trend, as issued (the page's chart and its table)
    for code, points in bulletin.history.items():
        before = issued.get(code)
        for point in points:
            if before is not None and point.period == bulletin.period:
                for name in ("coverage_rate", "membership_rate", "unionized", "enterprises"):
                    setattr(point, name, before.get(name, getattr(point, name)))
                point.score, point.rank = before.get("score"), before.get("rank")
