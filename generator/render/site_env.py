"""The site's template environment: the filters, tests and names its templates use."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from generator.common import formatting
from generator.figures import indicators
from generator.figures.reduce import COMPLETIONS, SCHEDULE_OF
from generator.model.bulletin import (
    CATEGORY_LABELS,
    JUDGMENT_LABELS,
    LEVEL_LABELS,
    CampaignRecord,
    UnitFigures,
)
from generator.office.templates import COMPILED, template_dirs
from generator.render.document.wording import FULLY_UNIONIZED, figure_said
from generator.render.files import file_name
from generator.rosters.codes import explanation
from generator.rosters.specs import CAMPAIGNS

#: Search weight of a unit's page and of a campaign record over pages that merely mention them.
SEARCH_BOOST = 5

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def md_text(value: Any) -> Markup:
    """Escape text for a Markdown line (headings): HTML-escaped, Markdown specials neutralised."""
    return Markup(_MD_SPECIAL.sub(r"\\\1", str(escape("" if value is None else value))))


def word_breaks(value: Any) -> Markup:
    """`value` escaped, a line allowed to end between its words only (<wbr>; the cell's CSS
    keeps the characters of a word together): a name wraps as 明湖区瑞祥电子科技 / 有限责任公司,
    never inside 街道 or 公司."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()
    text = str(value)
    # Names recur on every page that lists their units: each is cut once per dictionary (the
    # dictionary's total weight changes with every word added, see site_mkdocs.jieba_words).
    memo = (text, jieba.dt.total)
    found = _WORD_BREAKS.get(memo)
    if found is None:
        if len(_WORD_BREAKS) >= _WORD_BREAKS_KEPT:
            _WORD_BREAKS.clear()
        found = _WORD_BREAKS[memo] = Markup("<wbr>").join(escape(w) for w in jieba.cut(text))
    return found


#: word_breaks' answers by (text, the dictionary's total weight), for the process.
_WORD_BREAKS: dict[tuple[str, float], Markup] = {}
_WORD_BREAKS_KEPT = 50_000


def yaml_title(value: Any) -> Markup:
    """A title for a page's front matter or mkdocs.yml: HTML-escaped, then a YAML string.

    MkDocs themes write page titles, navigation titles and the site name into the HTML
    without escaping them, so a unit named `<img onerror=…>` would run as markup.
    """
    return Markup(json.dumps(str(escape("" if value is None else value)), ensure_ascii=False))


def _signed(value: int | None) -> str:
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


def _rank_change(value: int | None) -> str:
    if value is None:
        return "—"
    if value > 0:
        return f"↑{value}"
    if value < 0:
        return f"↓{-value}"
    return "—"


def _pp(change: float | None) -> str:
    """A signed change in percentage points for tables: +1.2 / -0.3 (unit in the header)."""
    if change is None or change != change:
        return "—"
    shown = formatting.number(abs(change) * 100, 1)
    if shown in ("0.0", "0"):
        return "0.0"
    return f"+{shown}" if change > 0 else f"-{shown}"


def _figure(unit: UnitFigures, name: str) -> str:
    """One figure of a unit as a table cell, written as its kind is (generator.figures.indicators);
    completions, schedule rates and falls as the signed document says them (CONTRACT 3.9)."""
    indicator = indicators.BY_NAME[name]
    if name in SCHEDULE_OF or name in COMPLETIONS or indicator.kind == indicators.DELTA:
        said = figure_said(unit, name)
        # a narrow table cell: nothing left to unionise has no schedule ("—"); the unit's page
        # and the bulletin say 已全部建会 in words
        return "—" if said == FULLY_UNIONIZED else said
    value = getattr(unit, name)
    kind = indicator.kind
    if kind == indicators.RATE:
        return formatting.percent(value)
    if kind == indicators.POINTS:
        return _pp(value)
    if kind == indicators.SCORE:
        return formatting.number(value)
    if kind == indicators.RANK_CHANGE:
        return _rank_change(value)
    if kind == indicators.RANK:
        shown = "—" if value is None else str(value)
        return f"{shown}/{unit.ranked_among}" if unit.ranked_among else shown
    if kind == indicators.FLAG:
        return "—" if value is None else ("是" if value else "否")
    return formatting.integer(value)


def _environment(root: Path | None) -> jinja2.Environment:
    loader = jinja2.FileSystemLoader([str(d) for d in template_dirs(root, "site")])
    # Sandboxed: a template (the project's own overrides included) reaches the values it is
    # given, never Python's internals ({{ ''.__class__.__mro__ }} is refused).
    env = SandboxedEnvironment(
        loader=loader,
        autoescape=jinja2.select_autoescape(enabled_extensions=("md.j2", "html.j2"), default=False),
        undefined=jinja2.StrictUndefined,
        # Markdown heading ids are written {#id}: Jinja comments must look different.
        comment_start_string="{##",
        comment_end_string="##}",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=COMPILED,
    )
    env.filters.update(
        pct=formatting.percent,
        pp=_pp,
        change=formatting.change_phrase,
        num=formatting.number,
        int=formatting.integer,
        signed=_signed,
        rank_change=_rank_change,
        figure=_figure,
        said=figure_said,
        cdate=formatting.chinese_date,
        md=md_text,
        words=word_breaks,
        fname=file_name,
        pick=lambda codes, lookup: [lookup[c] for c in codes if c in lookup],
        tojson_yaml=yaml_title,
        label_of=lambda kind: JUDGMENT_LABELS.get(kind, kind),
        key_groups=indicators.key_groups,
    )
    env.globals.update(
        level_labels=LEVEL_LABELS,
        judgment_labels=JUDGMENT_LABELS,
        category_labels=CATEGORY_LABELS,
        campaign_kinds=CAMPAIGNS,
        indicator_table=indicators.table,
        figures=indicators.BY_NAME,
        key_group_figures=indicators.KEY_GROUPS,
        counted_campaign=counted_campaign,
        search_boost=SEARCH_BOOST,
        explain_code=explanation,
    )
    env.tests.update(
        counted_campaign=counted_campaign,
        given_in=lambda kind, judgments: bool(judgments.get(kind)),
    )
    return env


def counted_campaign(record: CampaignRecord) -> bool:
    """Whether a campaign record counts: a named pioneer team, any book room or model home."""
    counted = CAMPAIGNS[record.kind].counted
    return counted is None or record.status == counted[1]
