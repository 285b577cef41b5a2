"""The city bulletin (通报) as a document: header fields, its sections in order, attachments.

Each section function takes the bulletin (and what else it needs) and returns its title and
blocks, or None when the period has nothing to say under it; `bulletin_sections` lists them in
document order, so a new section is one function (in `sections`, `judgments`, `records` or
`ranking`) and one line there.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from generator.common.cache import write_atomic
from generator.common.config import Config
from generator.common.sealed import read_sealed, seal
from generator.federation.words import speak_as, words
from generator.model.bulletin import Bulletin
from generator.render.charts import chart_key, coverage_by_county_svg, coverage_trend_svg
from generator.render.document.judgments import commend_section, criticism_section
from generator.render.document.lines import balanced_lines
from generator.render.document.nodes import (
    Assets,
    Doc,
    Section,
    column_table,
    frame_blocks,
    numbered,
    with_grid_atoms,
)
from generator.render.document.ranking import (
    _TARGETS_BY_COUNTY,
    counties,
    county_notes,
    county_ranking_table,
    direct_row,
    note_block,
    ranking_section,
    township_notes,
    township_ranking_table,
)
from generator.render.document.records import (
    closing_section,
    correction_section,
    inspection_section,
    reporting_section,
    writeup_section,
)
from generator.render.document.sections import (
    campaign_section,
    four_clear_section,
    key_areas_section,
    overview_section,
    priority_section,
    problems_section,
    targets_section,
    volunteer_section,
)
from generator.render.document.wording import Wording
from generator.render.mdtree import Node

#: Characters of 2号 (22 pt) on a line of the 156 mm type area: 442 pt / 22 pt.
TITLE_LINE_EM = 20.0


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
                "blocks": blocks + note_block(county_notes(bulletin, config)),
            }
        )
    if any(bulletin.township_ranking.values()):
        notes = township_notes(bulletin, config)
        if any(direct_row(bulletin, bulletin.unit(c)) for c in bulletin.county_ranking):
            notes.append(Wording(config.root)("direct_note"))
        blocks = [township_ranking_table(bulletin)]
        out.append({"title": "乡镇（街道）排名表", "blocks": blocks + note_block(notes)})
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


def fill_charts(
    doc: Doc, bulletin: Bulletin, cache: Path | None = None, drawn: dict[str, str] | None = None
) -> Doc:
    """Draw the charts the document asks for (SVG, text as paths: Typst ignores SVG fonts).

    With `cache`, a chart drawn before from the same inputs is read from there (the public and
    internal bulletins of a period show the same charts; a bulletin whose wording changed
    keeps its charts), and a chart drawn is kept there with the digest of its bytes (a kept
    chart that is damaged or planted is drawn again: the PDF's key does not cover the SVG).
    `drawn` (by key) holds the charts this process drew or read already, and is added to.
    """

    draw = {"county": coverage_by_county_svg, "trend": coverage_trend_svg}
    kinds = {"county": "counties", "trend": "trend"}
    for section in doc["sections"]:
        for block in section["blocks"]:
            if block["t"] != "chart" or "svg" in block:
                continue
            chart = block["chart"]
            key = ""
            if cache is not None or drawn is not None:
                key = chart_key(kinds[chart], bulletin, text_as_paths=True)
            if drawn is not None and key in drawn:
                block["svg"] = drawn[key]
                continue
            block["svg"] = _kept_or_drawn(cache, key, partial(draw[chart], bulletin, True))
            if drawn is not None:
                drawn[key] = block["svg"]
    return doc


def _kept_or_drawn(cache: Path | None, key: str, draw: Callable[[], str]) -> str:
    """The chart kept in `cache` under `key`, else `draw()` (kept there, sealed)."""
    if cache is None:
        return draw()
    cached = cache / f"{key}.svg"
    kept = read_sealed(cached)  # missing, or not the bytes a build kept (damaged, planted)
    if kept is not None:
        os.utime(cached)  # in use: pruning keeps it
        return kept.decode("utf-8", errors="replace")
    svg = draw()
    write_atomic(cached, seal(svg.encode("utf-8")))
    return svg
