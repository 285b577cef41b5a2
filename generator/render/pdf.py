"""PDFs through Typst: the city bulletin as an official document and one report per unit.

The Typst templates (site_templates/pdf/*.typ, overridable per project) receive their document
as JSON in `sys.inputs.data` and set every string as text; nothing from a roster or a write-up
is ever pasted into Typst source. This module decides *what* each document says (sections,
sentences, tables, all numbers formatted as the website formats them); the templates decide how
it looks.

Speed: one `typst.Compiler` (with its scanned fonts) per process, reports compiled in parallel
worker processes, and a cache of finished PDFs keyed by everything that goes into them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import typst

from generator import __version__
from generator import formatting as fmt
from generator.config import Config
from generator.content import image_ok
from generator.errors import BuildError
from generator.fonts import font_paths, load_fonts, resolve_fonts, typst_fonts
from generator.interrupt import ignore_interrupt, workers_starting
from generator.model import JUDGMENT_LABELS, LEVEL_LABELS, Bulletin, UnitFigures, WriteUp
from generator.periods import Period
from generator.render.files import file_name, issued_on
from generator.render.mdtree import Node, markdown_tree
from generator.templates import template_dirs

#: progress(done, total): documents finished so far
Progress = Callable[[int, int], None]

TYPST_VERSION = metadata.version("typst")
BULLETIN_TEMPLATE = "bulletin.typ"
REPORT_TEMPLATE = "report.typ"
NUMERALS = "一二三四五六七八九十"
IMAGE_TYPES = {  # suffix -> magic bytes Typst can decode
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}

Doc = dict[str, Any]


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (section and sub-section numbers)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def _text(text: str) -> list[Node]:
    return [{"t": "text", "text": text}]


def par(text: str) -> Node:
    return {"t": "par", "c": _text(text)}


def lead_par(lead: str, text: str) -> Node:
    """A paragraph whose first words are a run-in heading (楷体)."""
    return {"t": "par", "lead": lead, "c": _text(text)}


def table(
    header: list[str],
    rows: Iterable[list[str]],
    align: list[str] | None = None,
    widths: list[float | str] | None = None,
    size: float | None = None,
) -> Node:
    """A table of plain strings; `widths` are fractions or "auto", `size` relative to the text."""
    node: Node = {"t": "table", "header": header, "rows": [list(r) for r in rows], "plain": True}
    if size is not None:
        node["size"] = size
    node["align"] = align or ["center"] * len(header)
    if widths is not None:
        node["widths"] = widths
    return node


def rank_change_text(change: int | None) -> str:
    if change is None:
        return "—"
    if change == 0:
        return "持平"
    return f"上升{change}" if change > 0 else f"下降{-change}"


def _rank_text(u: UnitFigures) -> str:
    return "—" if u.rank is None else str(u.rank)


# ---- images ---------------------------------------------------------------------------------


class Assets:
    """Images a document may show: checked to lie inside content/, staged under a hashed name.

    The template only ever sees `/assets/<sha256>.<ext>`, so no path written by a user reaches
    Typst, and a refused image shows as its alt text.
    """

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir.resolve()
        self.files: dict[str, Path] = {}  # staged name -> source file

    def resolve(self, reference: str, base: Path) -> str | None:
        """The staged path of an image referenced from `base` (a folder), or None if refused."""
        if not reference or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", reference):
            return None  # URLs (http:, data:, file:) are not fetched
        if reference.startswith(("/", "\\")):
            return None
        try:
            path = (base / reference).resolve()
        except (OSError, RuntimeError):
            return None
        if not path.is_relative_to(self.content_dir) or not path.is_file():
            return None
        suffix = path.suffix.lower()
        magics = IMAGE_TYPES.get(suffix)
        if magics is None:
            return None
        data = path.read_bytes()
        if not data.startswith(magics) or not image_ok(path):
            return None  # Typst would stop the whole document on an image it cannot decode
        name = f"{hashlib.sha256(data).hexdigest()}{'.jpg' if suffix == '.jpeg' else suffix}"
        self.files[name] = path
        return f"/assets/{name}"

    def writeup_resolver(self) -> Callable[[str], str | None]:
        base = self.content_dir / "writeups"
        return lambda ref: self.resolve(ref, base)


# ---- frames (preface, closing) -------------------------------------------------------------

_LEAD_PATTERNS = (
    re.compile(r"^([一二三四五六七八九十]+、)"),
    re.compile(r"^(（[一二三四五六七八九十]+）)"),
)


def frame_blocks(markdown: str, demote: bool = False) -> list[Node]:
    """The preface or closing as blocks; numbered items get their first sentence as a lead.

    With `demote`, items numbered 一、 become （一） (the closing sits under a section heading
    of its own, so its items are second-level headings).
    """
    blocks = markdown_tree(markdown)
    counter = 0
    for block in blocks:
        if block["t"] == "heading":
            block["level"] = 2 if demote else max(1, block["level"])
            continue
        if block["t"] != "par" or not block["c"] or block["c"][0]["t"] != "text":
            continue
        first = block["c"][0]["text"]
        for level, pattern in enumerate(_LEAD_PATTERNS):
            m = pattern.match(first)
            if not m:
                continue
            rest = first[m.end() :]
            number = m.group(1)
            if demote and level == 0:
                counter += 1
                number = f"（{chinese_number(counter)}）"
            end = rest.find("。")
            sentence, remainder = (rest[: end + 1], rest[end + 1 :]) if end >= 0 else (rest, "")
            if end < 0 and len(block["c"]) == 1 and len(rest) > 30:
                sentence, remainder = "", rest  # a long unpunctuated item: only the number
            block["lead"] = number + sentence
            block["c"] = [{"t": "text", "text": remainder}, *block["c"][1:]]
            break
    return blocks


def writeup_blocks(w: WriteUp, assets: Assets, number: int | None) -> list[Node]:
    """A write-up as a second-level heading, its unit and date, its body and its images."""
    title = f"（{chinese_number(number)}）{w.title}" if number else w.title
    blocks: list[Node] = [{"t": "heading", "level": 2, "c": _text(title)}]
    blocks.append(par(f"（{w.unit_name}，{fmt.chinese_date(w.date)}）"))
    for block in markdown_tree(w.body, assets.writeup_resolver()):
        if block["t"] == "heading":
            block = {**block, "level": 3}
        blocks.append(block)
    images = []
    for ref in w.images:
        src = assets.resolve(ref, assets.content_dir)
        if src is not None:
            images.append({"src": src, "alt": w.title})
    if images:
        blocks.append({"t": "images", "list": images})
    return blocks


# ---- the city bulletin ----------------------------------------------------------------------


def full_name(bulletin: Bulletin, u: UnitFigures) -> str:
    """A township named with its county (明湖区荷塘街道), as a city-wide document needs."""
    if u.level != "township" or u.parent is None:
        return u.name
    try:
        county = bulletin.unit(u.parent).name
    except KeyError:
        return u.name
    return u.name if u.name.startswith(county) else county + u.name


def _judged(bulletin: Bulletin, kind: str) -> list[tuple[UnitFigures, str]]:
    """Units judged `kind` with their reasons: counties first, then townships."""
    out = []
    for code in bulletin.judgments.get(kind, []):
        u = bulletin.unit(code)
        reason = next((j.reason for j in u.judgments if j.kind == kind), "")
        out.append((u, reason))
    levels = {"county": 0, "township": 1}
    return sorted(out, key=lambda item: levels.get(item[0].level, 2))  # stable: model order kept


def _counties(bulletin: Bulletin) -> list[UnitFigures]:
    return [u for u in bulletin.units if u.level == "county"]


def county_ranking_table(bulletin: Bulletin, full: bool) -> Node:
    """The county ranking: short in the body, every figure in the attachment."""
    pct = fmt.percent
    units = [bulletin.unit(c) for c in bulletin.county_ranking]
    if not full:
        return table(
            ["名次", "县市区", "建会率", "职工入会率", "序时进度", "得分", "名次变化"],
            (
                [
                    _rank_text(u),
                    u.name,
                    pct(u.coverage_rate),
                    pct(u.membership_rate),
                    pct(u.schedule_rate),
                    fmt.number(u.score, 2),
                    rank_change_text(u.rank_change),
                ]
                for u in units
            ),
            widths=[0.7, "auto", 1, 1, 1, 1, 1],
        )
    return table(
        [
            "名次",
            "县市区",
            "企业数",
            "已建会",
            "建会率",
            "职工入会率",
            "本年新建会",
            "目标完成率",
            "序时进度",
            "得分",
            "名次变化",
        ],
        (
            [
                _rank_text(u),
                u.name,
                fmt.integer(u.enterprises),
                fmt.integer(u.unionized),
                pct(u.coverage_rate),
                pct(u.membership_rate),
                fmt.integer(u.ytd_new_unions),
                pct(u.target_completion),
                pct(u.schedule_rate),
                fmt.number(u.score, 2),
                rank_change_text(u.rank_change),
            ]
            for u in units
        ),
        widths=[0.7, 2.6, 1, 1, 1, 1.1, 1, 1.1, 1.1, 1, 1.1],
        size=0.62,
    )


def township_ranking_table(bulletin: Bulletin) -> Node:
    pct = fmt.percent
    rows = []
    for county_code in bulletin.county_ranking:
        county = bulletin.unit(county_code)
        for code in bulletin.township_ranking.get(county_code, []):
            u = bulletin.unit(code)
            rows.append(
                [
                    county.name,
                    _rank_text(u),
                    u.name,
                    fmt.integer(u.enterprises),
                    fmt.integer(u.unionized),
                    pct(u.coverage_rate),
                    pct(u.membership_rate),
                    fmt.number(u.score, 2),
                    rank_change_text(u.rank_change),
                ]
            )
    return table(
        [
            "县市区",
            "名次",
            "乡镇（街道）",
            "企业数",
            "已建会",
            "建会率",
            "职工入会率",
            "得分",
            "名次变化",
        ],
        rows,
        widths=[2.2, 0.7, 2.8, 1, 1, 1, 1.1, 1, 1.1],
        size=0.7,
    )


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


def bulletin_sections(
    bulletin: Bulletin, config: Config, assets: Assets, charts: bool
) -> list[dict[str, Any]]:
    """The generated sections between preface and closing, numbered 一、二、…"""
    sections: list[tuple[str, list[Node]]] = []
    city = bulletin.city
    n, pct = fmt.integer, fmt.percent
    counties = _counties(bulletin)

    # 一、总体情况
    overview: list[Node] = [par(s) for s in bulletin.overview]
    # Charts are placeholders here, drawn by fill_charts only when the PDF is not cached.
    if charts and counties:
        overview.append(
            {"t": "chart", "chart": "county", "alt": "各县市区企业建会率", "width": 1.0}
        )
        if len(bulletin.history.get(city.code, [])) >= 2:
            overview.append(
                {"t": "chart", "chart": "trend", "alt": "全市企业建会率走势", "width": 0.85}
            )
    sections.append(("总体情况", overview))

    # 二、排名情况
    if bulletin.county_ranking:
        ranking: list[Node] = [
            par(
                f"{_weights_sentence(config)}（满分100分），{bulletin.period_label}"
                f"各县市区排名情况如下："
            ),
            county_ranking_table(bulletin, full=False),
        ]
        if bulletin.township_ranking:
            ranking.append(par("各乡镇（街道）在所属县市区内的排名情况见附件2。"))
        sections.append(("排名情况", ranking))

    # 三、表扬 / 四、通报批评 / 一票否决 — whatever the model carries (the public one: praise only)
    for kind, intro in (
        ("commend", "对以下单位予以通报表扬："),
        ("criticize", "对以下单位予以通报批评，请认真分析原因，限期整改："),
        ("veto", "以下单位未完成年度目标任务，实行一票否决，本年度不得评先评优："),
    ):
        judged = _judged(bulletin, kind)
        if not judged:
            continue
        blocks: list[Node] = [{**par(intro), "keep": True}]
        for i, (u, reason) in enumerate(judged, 1):
            blocks.append(
                lead_par(
                    f"（{chinese_number(i)}）{full_name(bulletin, u)}。",
                    reason + ("。" if reason and not reason.endswith("。") else ""),
                )
            )
        sections.append((JUDGMENT_LABELS[kind], blocks))

    # 重点企业销号
    if counties:
        ticks: list[Node] = [
            par(
                f"全市职工{n(config.priority_min_employees)}人以上未建会重点企业{n(city.priority_open)}家，"
                f"本期销号{n(city.priority_closed)}家、新增{n(city.priority_added)}家。各县市区情况如下："
            ),
            table(
                ["县市区", "未建会重点企业", "本期销号", "本期新增"],
                (
                    [
                        u.name,
                        n(u.priority_open),
                        n(u.priority_closed),
                        n(u.priority_added),
                    ]
                    for u in counties
                ),
                widths=["auto", 1, 1, 1],
            ),
        ]
        sections.append(("重点企业销号情况", ticks))

    # 工会工作志愿者
    if city.volunteer_required_townships:
        vol: list[Node] = [
            par(
                f"全市应配备工会工作志愿者的乡镇（街道）{n(city.volunteer_required_townships)}个，"
                f"已配备{n(city.volunteer_covered_townships)}个，覆盖率{pct(city.volunteer_coverage)}。"
            )
        ]
        if bulletin.townships_lacking_volunteer:
            names = "、".join(bulletin.unit(c).name for c in bulletin.townships_lacking_volunteer)
            vol.append(par(f"尚未配备志愿者的乡镇（街道）：{names}。请抓紧选聘到位。"))
        vol.append(
            table(
                ["县市区", "应配备乡镇（街道）", "已配备", "覆盖率"],
                (
                    [
                        u.name,
                        n(u.volunteer_required_townships),
                        n(u.volunteer_covered_townships),
                        pct(u.volunteer_coverage),
                    ]
                    for u in counties
                ),
                widths=["auto", 1, 1, 1],
            )
        )
        sections.append(("工会工作志愿者配备情况", vol))

    # 工人先锋号、职工书屋
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
    kinds = {"pioneer-team": "工人先锋号", "book-room": "职工书屋", "model-home": "模范职工之家"}
    for kind, label in kinds.items():
        new = [c for c in bulletin.campaigns if c.kind == kind and c.new]
        if new:
            items = "；".join(
                f"{c.name}（{c.host}，{c.level}）"
                if c.host and c.host != c.name
                else f"{c.name}（{c.level}）"
                for c in new
            )
            campaign.append(par(f"本期新增{label}：{items}。"))
    sections.append(("工人先锋号和职工书屋创建情况", campaign))

    # 工作动态
    if bulletin.writeups:
        news: list[Node] = []
        for i, w in enumerate(bulletin.writeups, 1):
            news.extend(writeup_blocks(w, assets, i))
        sections.append(("工作动态", news))

    return [
        {"heading": f"{chinese_number(i)}、{title}", "blocks": blocks}
        for i, (title, blocks) in enumerate(sections, 1)
    ]


def bulletin_document(
    bulletin: Bulletin, config: Config, assets: Assets, fonts: dict[str, Any], charts: bool = True
) -> Doc:
    """Everything the bulletin template shows, as JSON-ready data."""
    doc = bulletin.document
    sections = bulletin_sections(bulletin, config, assets, charts)
    closing = frame_blocks(doc.closing, demote=True)
    if closing:
        number = len(sections) + 1
        sections.append({"heading": f"{chinese_number(number)}、下一步工作要求", "blocks": closing})
    attachments = []
    if bulletin.county_ranking:
        attachments.append(
            {"title": "县市区排名表", "blocks": [county_ranking_table(bulletin, full=True)]}
        )
    if any(bulletin.township_ranking.values()):
        attachments.append(
            {"title": "乡镇（街道）排名表", "blocks": [township_ranking_table(bulletin)]}
        )
    # The last body block goes with the signature (see the template's tail).
    tail: list[Node] = []
    if sections and sections[-1]["blocks"] and sections[-1]["blocks"][-1]["t"] == "par":
        tail = [sections[-1]["blocks"].pop()]
    return {
        "kind": "bulletin",
        "internal": bulletin.audience == "internal",
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
        "attachments": attachments,
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


# ---- the unit reports -----------------------------------------------------------------------


def _parent(bulletin: Bulletin, u: UnitFigures) -> UnitFigures | None:
    if u.parent is None:
        return None
    try:
        return bulletin.unit(u.parent)
    except KeyError:
        return None


def _figure_rows(units: list[UnitFigures]) -> list[list[str]]:
    n, pct = fmt.integer, fmt.percent

    def row(label: str, get: Callable[[UnitFigures], str]) -> list[str]:
        return [label, *(get(u) for u in units)]

    return [
        row("企业数（家）", lambda u: n(u.enterprises)),
        row("已建会企业（家）", lambda u: n(u.unionized)),
        row("建会率", lambda u: pct(u.coverage_rate)),
        row("建会率较上期", lambda u: fmt.change_phrase(u.coverage_rate_change) or "—"),
        row("职工人数（人）", lambda u: n(u.employees)),
        row("会员人数（人）", lambda u: n(u.members)),
        row("职工入会率", lambda u: pct(u.membership_rate)),
        row("本期新建会（家）", lambda u: n(u.new_unions)),
        row("本年累计新建会（家）", lambda u: n(u.ytd_new_unions)),
        row("年度新建会目标（家）", lambda u: n(u.target_new_unions)),
        row("年度目标完成率", lambda u: pct(u.target_completion)),
        row("序时进度完成率", lambda u: pct(u.schedule_rate)),
        row("未建会重点企业（家）", lambda u: n(u.priority_open)),
        row("本期销号（家）", lambda u: n(u.priority_closed)),
        row("工人先锋号（个）", lambda u: n(u.pioneer_teams)),
        row("职工书屋（家）", lambda u: n(u.book_rooms)),
        row("综合得分", lambda u: fmt.number(u.score, 2)),
    ]


def unit_writeups(bulletin: Bulletin, code: str) -> list[WriteUp]:
    return [w for w in bulletin.writeups if code in (w.unit, w.county)]


def report_document(
    bulletin: Bulletin, code: str, assets: Assets, fonts: dict[str, Any], organization: str
) -> Doc:
    """Everything one unit's report shows, as JSON-ready data."""
    u = bulletin.unit(code)
    parent = _parent(bulletin, u)
    city = bulletin.city
    n, pct = fmt.integer, fmt.percent
    sections: list[tuple[str, list[Node]]] = []

    # 一、主要指标
    compared = [u, *([parent] if parent and parent.level != "city" else []), city]
    heads = [
        "指标",
        u.name,
        *(["所属" + LEVEL_LABELS["county"]] if len(compared) == 3 else []),
        "全市",
    ]
    figures: list[Node] = []
    among = (
        "全市各县市区" if u.level == "county" else f"{parent.name if parent else ''}各乡镇（街道）"
    )
    if u.rank is not None:
        sentence = f"{bulletin.period_label}综合得分{fmt.number(u.score, 2)}分，在{among}中排名第{u.rank}位"
        if u.ranked_among:
            sentence += f"（共{u.ranked_among}个）"
        if u.rank_change:
            sentence += f"，较上期{'上升' if u.rank_change > 0 else '下降'}{abs(u.rank_change)}位"
        elif u.rank_change == 0:
            sentence += "，与上期持平"
        figures.append(par(sentence + "。"))
    for j in u.judgments:
        figures.append(lead_par(f"{JUDGMENT_LABELS.get(j.kind, j.kind)}：", j.reason))
    figures.append(
        table(
            heads,
            _figure_rows(compared),
            align=["left", *["right"] * (len(heads) - 1)],
            widths=["auto", *[1] * (len(heads) - 1)],
        )
    )
    sections.append(("主要指标", figures))

    # 二、历次排名
    history = bulletin.history.get(code, [])
    if history:
        sections.append(
            (
                "历次指标和排名",
                [
                    table(
                        ["期别", "企业数", "已建会", "建会率", "职工入会率", "得分", "名次"],
                        (
                            [
                                Period.parse(h.period).label if _is_period(h.period) else h.period,
                                n(h.enterprises),
                                n(h.unionized),
                                pct(h.coverage_rate),
                                pct(h.membership_rate),
                                fmt.number(h.score, 2),
                                "—" if h.rank is None else str(h.rank),
                            ]
                            for h in history[-12:]
                        ),
                        widths=["auto", 1, 1, 1, 1, 1, 1],
                    )
                ],
            )
        )

    # 三、所辖乡镇（街道）
    if u.level == "county":
        towns = [bulletin.unit(c) for c in bulletin.township_ranking.get(code, [])]
        if towns:
            sections.append(
                (
                    "所辖乡镇（街道）情况",
                    [
                        table(
                            [
                                "名次",
                                "乡镇（街道）",
                                "企业数",
                                "已建会",
                                "建会率",
                                "职工入会率",
                                "重点企业",
                                "志愿者",
                                "得分",
                                "名次变化",
                            ],
                            (
                                [
                                    _rank_text(t),
                                    t.name,
                                    n(t.enterprises),
                                    n(t.unionized),
                                    pct(t.coverage_rate),
                                    pct(t.membership_rate),
                                    n(t.priority_open),
                                    n(t.volunteers_active),
                                    fmt.number(t.score, 2),
                                    rank_change_text(t.rank_change),
                                ]
                                for t in towns
                            ),
                            widths=["auto"] * 10,
                        )
                    ],
                )
            )

    # 四、未建会重点企业（销号清单）
    key = "county" if u.level == "county" else "unit"
    entries = [p for p in bulletin.priority if getattr(p, key) == code]
    open_entries = sorted(
        (p for p in entries if p.state == "open"), key=lambda p: (-p.employees, p.name)
    )
    closed = [p for p in entries if p.state == "closed"]
    left = [p for p in entries if p.state == "left"]
    tick: list[Node] = [
        par(
            f"职工人数达到规定标准的未建会重点企业{n(len(open_entries))}家"
            f"（其中本期新增{n(sum(1 for p in open_entries if p.added))}家），"
            f"本期已销号{n(len(closed))}家，注销或迁出{n(len(left))}家。"
        )
    ]
    if open_entries:
        # A township's own list needs no township column.
        with_town = u.level != "township"
        tick.append(
            table(
                [
                    "序号",
                    "企业名称",
                    *(["所属乡镇（街道）"] if with_town else []),
                    "职工人数",
                    "未建会原因",
                    "备注",
                ],
                (
                    [
                        str(i),
                        p.name,
                        *([p.unit_name] if with_town else []),
                        n(p.employees),
                        p.reason or "未填报",
                        "本期新增" if p.added else "",
                    ]
                    for i, p in enumerate(open_entries, 1)
                ),
                align=[
                    "center",
                    "left",
                    *(["left"] if with_town else []),
                    "right",
                    "left",
                    "center",
                ],
                widths=["auto", 4, *([2.4] if with_town else []), "auto", 2.6, "auto"],
            )
        )
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
    sections.append(("未建会重点企业销号清单", tick))

    # 五、工会工作志愿者
    volunteers = [v for v in bulletin.volunteers if code in (v.unit, v.county)]
    lacking = [
        bulletin.unit(c).name
        for c in bulletin.townships_lacking_volunteer
        if c == code or _parent_code(bulletin, c) == code
    ]
    if volunteers or lacking or u.volunteer_required:
        vol: list[Node] = []
        if lacking:
            vol.append(par("应配备而尚未配备志愿者的乡镇（街道）：" + "、".join(lacking) + "。"))
        if volunteers:
            vol.append(
                table(
                    [
                        "姓名",
                        "派驻乡镇（街道）",
                        "联系电话",
                        "上岗日期",
                        "选聘方式",
                        "汇报次数",
                        "考核等次",
                    ],
                    (
                        [
                            v.name,
                            v.unit_name,
                            v.phone or "—",
                            fmt.chinese_date(v.hired_on),
                            v.selection or "—",
                            "—" if v.reports is None else str(v.reports),
                            v.grade or "—",
                        ]
                        for v in volunteers
                    ),
                    widths=["auto"] * 7,
                )
            )
        elif not lacking:
            vol.append(par("暂无在岗志愿者。"))
        sections.append(("工会工作志愿者", vol))

    # 六、工作动态
    writeups = unit_writeups(bulletin, code)
    if writeups:
        news: list[Node] = []
        for i, w in enumerate(writeups, 1):
            news.extend(writeup_blocks(w, assets, i))
        sections.append(("工作动态", news))

    parent_name = parent.name if parent and parent.level != "city" else ""
    return {
        "kind": "report",
        "internal": True,
        "fonts": fonts,
        "organization": organization,
        "title": f"{u.name}{bulletin.period_label}企业工会组建工作情况",
        "subtitle": "，".join(
            part
            for part in (
                LEVEL_LABELS.get(u.level, ""),
                f"隶属{parent_name}" if parent_name else "",
                f"单位代码{u.code}",
            )
            if part
        ),
        "date": bulletin.document.signed_on_text,
        "sections": [
            {"heading": f"{chinese_number(i)}、{title}", "blocks": blocks}
            for i, (title, blocks) in enumerate(sections, 1)
        ],
    }


def _is_period(text: str) -> bool:
    try:
        Period.parse(text)
    except ValueError:
        return False
    return True


def _parent_code(bulletin: Bulletin, code: str) -> str | None:
    try:
        return bulletin.unit(code).parent
    except KeyError:
        return None


# ---- compiling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One PDF to compile: everything a worker process needs, picklable."""

    template: str  # file name inside the stage
    data: str  # the document JSON
    out: str
    key: str  # cache key ("" when not cached)
    timestamp: int  # the PDF's fixed creation time
    charts: Bulletin | None = None  # draw the document's charts from this model first


@dataclass(frozen=True)
class Engine:
    """How to compile: stage folder, fonts, standard and timestamp (shared by all jobs)."""

    stage: str
    font_dirs: tuple[str, ...]
    standard: str | None


_COMPILER: typst.Compiler | None = None
_COMPILER_FONTS: tuple[str, ...] | None = None


def _compiler(font_dirs: tuple[str, ...]) -> typst.Compiler:
    """The process's compiler: fonts are scanned once and reused for every document."""
    global _COMPILER, _COMPILER_FONTS
    if _COMPILER is None or font_dirs != _COMPILER_FONTS:
        _COMPILER = typst.Compiler(font_paths=load_fonts(font_dirs))
        _COMPILER_FONTS = font_dirs
    return _COMPILER


def _init_worker(font_dirs: tuple[str, ...]) -> None:
    ignore_interrupt()
    _compiler(font_dirs)


def compile_pdf(engine: Engine, job: Job) -> bytes:
    """Compile one document with this process's compiler."""
    compiler = _compiler(engine.font_dirs)
    stage = Path(engine.stage)
    data = job.data
    if job.charts is not None:
        data = _dumps(fill_charts(json.loads(data), job.charts))
    try:
        pdf = compiler.compile(
            input=str(stage / job.template),
            root=str(stage),
            format="pdf",
            sys_inputs={"data": data},
            pdf_standards=[engine.standard] if engine.standard else [],  # type: ignore[list-item]
            timestamp=job.timestamp,
        )
    except typst.TypstError as exc:
        raise BuildError(
            f"排版 PDF（{Path(job.out).name}）失败：{exc.message}。"
            "如果修改过 site_templates/pdf/ 下的模板，请检查模板。"
        ) from exc
    if not isinstance(pdf, bytes):
        raise BuildError(f"排版 PDF（{Path(job.out).name}）没有产生输出。")
    return pdf


def _run_job(engine: Engine, job: Job, cache_dir: str | None) -> str:
    pdf = compile_pdf(engine, job)
    _write(Path(job.out), pdf)
    if cache_dir and job.key:
        _write(Path(cache_dir) / f"{job.key}.pdf", pdf)
    return job.out


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)  # readers never see half a file


def template_files(config: Config) -> dict[str, bytes]:
    """Every PDF template, the project's own overriding the built-in ones by file name."""
    files: dict[str, bytes] = {}
    for folder in reversed(template_dirs(config.root, "pdf")):
        for path in sorted(folder.glob("*.typ")):
            files[path.name] = path.read_bytes()
    return files


@contextmanager
def staged(config: Config, assets: Assets | None = None) -> Iterator[tuple[Path, dict[str, bytes]]]:
    """A temporary Typst root holding the templates and (later) the staged images."""
    templates = template_files(config)
    with tempfile.TemporaryDirectory(prefix="bulletin-pdf-") as tmp:
        stage = Path(tmp)
        for name, content in templates.items():
            (stage / name).write_bytes(content)
        (stage / "assets").mkdir()
        yield stage, templates


def _stage_assets(stage: Path, assets: Assets) -> None:
    for name, source in assets.files.items():
        target = stage / "assets" / name
        if not target.exists():
            shutil.copyfile(source, target)


def _timestamp(bulletin: Bulletin) -> int:
    """A fixed creation time (the signing date, else the period end) for reproducible PDFs."""
    when = issued_on(bulletin)
    return int(datetime(when.year, when.month, when.day, tzinfo=UTC).timestamp())


def cache_key(
    data: str, templates: dict[str, bytes], fonts: dict[str, Any], engine: Engine, job: Job
) -> str:
    """sha256 of everything that shapes the PDF: data, templates, fonts, versions, standard."""
    h = hashlib.sha256()
    for part in (
        __version__,
        TYPST_VERSION,
        job.template,
        engine.standard or "",
        str(job.timestamp),
        json.dumps(fonts, sort_keys=True),
        *(
            f"{name}\0{hashlib.sha256(content).hexdigest()}"
            for name, content in sorted(templates.items())
        ),
        data,
    ):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def _dumps(doc: Doc) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _fonts(config: Config) -> tuple[tuple[str, ...], dict[str, Any]]:
    dirs = tuple(str(p) for p in font_paths(config.root))
    return dirs, typst_fonts(resolve_fonts(config.root))


def _from_cache(cache_dir: Path | None, key: str, out: Path) -> bool:
    if cache_dir is None:
        return False
    cached = cache_dir / f"{key}.pdf"
    if not cached.is_file():
        return False
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, out)
    os.utime(cached)  # recently used: kept by prune_cache
    return True


#: Cached PDFs unused for this long are deleted (old periods, superseded versions).
CACHE_KEEP_DAYS = 60


def prune_cache(cache_dir: Path, keep_days: float = CACHE_KEEP_DAYS) -> int:
    """Delete cached PDFs (and XLSX) not written or used for `keep_days`; return how many."""
    import time

    limit = time.time() - keep_days * 86400
    removed = 0
    for path in [*cache_dir.glob("*.pdf"), *cache_dir.glob("*.xlsx")]:
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:
            continue  # another build may be using the cache at the same time
    return removed


def render_bulletin_pdf(
    bulletin: Bulletin,
    config: Config,
    out: Path,
    *,
    cache_dir: Path | None = None,
    charts: bool = True,
) -> Path:
    """Write the bulletin of one period and audience as an official-document PDF."""
    return render_bulletin_pdfs([(bulletin, out)], config, 1, cache_dir, charts=charts)[0]


def render_bulletin_pdfs(
    items: Sequence[tuple[Bulletin, Path]],
    config: Config,
    jobs: int = 1,
    cache_dir: Path | None = None,
    *,
    charts: bool = True,
    progress: Progress | None = None,
) -> list[Path]:
    """Write many bulletins (periods × audiences) in parallel; unchanged ones from the cache.

    `progress(done, total)` is called as documents are finished (from a helper thread too).
    """
    font_dirs, fonts = _fonts(config)
    assets = Assets(config.content_dir)
    todo: list[Job] = []
    with staged(config) as (stage, templates):
        engine = Engine(str(stage), font_dirs, config.pdf_standard)
        for bulletin, out in items:
            doc = bulletin_document(bulletin, config, assets, fonts, charts=charts)
            # The key is taken before the charts are drawn (by the worker, on a miss): every
            # input of a chart is in the document already.
            job = Job(BULLETIN_TEMPLATE, _dumps(doc), str(out), "", _timestamp(bulletin), bulletin)
            if cache_dir is not None:
                job = replace(job, key=cache_key(job.data, templates, fonts, engine, job))
                if _from_cache(cache_dir, job.key, out):
                    continue
            todo.append(job)
        _stage_assets(stage, assets)
        _compile_all(engine, todo, jobs, cache_dir, _counter(progress, len(items), len(todo)))
    return [out for _, out in items]


def report_units(bulletin: Bulletin) -> list[UnitFigures]:
    """The units that get a report: every county and township, in official order."""
    return [u for u in bulletin.units if u.level in ("county", "township")]


def render_unit_reports(
    bulletin: Bulletin,
    config: Config,
    out_dir: Path,
    jobs: int = 1,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Write `<code>.pdf` for every county and township; unchanged reports come from the cache."""
    font_dirs, fonts = _fonts(config)
    assets = Assets(config.content_dir)
    organization = bulletin.organization
    outputs: list[Path] = []
    with staged(config) as (stage, templates):
        engine = Engine(str(stage), font_dirs, config.pdf_standard)
        timestamp = _timestamp(bulletin)
        todo: list[Job] = []
        for u in report_units(bulletin):
            out = out_dir / f"{file_name(u.code)}.pdf"
            outputs.append(out)
            data = _dumps(report_document(bulletin, u.code, assets, fonts, organization))
            job = Job(REPORT_TEMPLATE, data, str(out), "", timestamp)
            if cache_dir is not None:
                job = replace(job, key=cache_key(data, templates, fonts, engine, job))
                if _from_cache(cache_dir, job.key, out):
                    continue
            todo.append(job)
        _stage_assets(stage, assets)
        _compile_all(engine, todo, jobs, cache_dir, _counter(progress, len(outputs), len(todo)))
    if cache_dir is not None and cache_dir.is_dir():
        prune_cache(cache_dir)
    return outputs


def _run_chunk(engine: Engine, jobs: list[Job], cache_dir: str | None) -> None:
    for job in jobs:
        _run_job(engine, job, cache_dir)


def _counter(progress: Progress | None, total: int, todo: int) -> Callable[[int], None]:
    """A callback adding finished documents to `progress` (cached ones count as done at once)."""
    lock = threading.Lock()
    done = [total - todo]

    def add(n: int) -> None:
        with lock:
            done[0] += n
            if progress is not None:
                progress(done[0], total)

    add(0)
    return add


def _when_done(finished: Callable[[int], None], n: int) -> Callable[[Future[None]], None]:
    def callback(future: Future[None]) -> None:
        if not future.cancelled() and future.exception() is None:
            finished(n)

    return callback


def _compile_all(
    engine: Engine,
    todo: list[Job],
    jobs: int,
    cache_dir: Path | None,
    finished: Callable[[int], None] = lambda n: None,
) -> None:
    """Compile every job on `jobs` processes: this one and jobs - 1 workers."""
    cache = str(cache_dir) if cache_dir else None
    workers = min(jobs, len(todo), os.cpu_count() or 1) - 1
    if workers < 1:
        for job in todo:
            _run_job(engine, job, cache)
            finished(1)
        return
    import multiprocessing

    # Small chunks, handed out from the front to the workers; this process, whose compiler is
    # already warm, takes chunks from the back that no worker has started, so nobody waits for
    # the workers to start. Each worker builds its compiler once (the initializer). "spawn":
    # Typst runs threads of its own, which do not survive a fork.
    size = max(1, len(todo) // ((workers + 1) * 6))
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(engine.font_dirs,),
    )
    try:
        with workers_starting():  # the workers leave Ctrl-C to this process
            futures = [pool.submit(_run_chunk, engine, chunk, cache) for chunk in chunks]
        for future, chunk in zip(futures, chunks, strict=True):
            future.add_done_callback(_when_done(finished, len(chunk)))
        for future, chunk in zip(reversed(futures), reversed(chunks), strict=True):
            if future.cancel():
                _run_chunk(engine, chunk, cache)
                finished(len(chunk))
        for future in futures:
            if not future.cancelled():
                future.result()
    finally:
        # On an error or Ctrl-C, chunks not started are dropped instead of waited for.
        pool.shutdown(wait=True, cancel_futures=True)
