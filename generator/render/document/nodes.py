"""The blocks a PDF document is made of: paragraphs, tables from column specs, frames, write-ups.

A document is JSON-ready data (see site_templates/pdf/common.typ, which sets every string as
text): blocks are dicts with a type `t`, the same content trees that generator/render/mdtree.py
makes of Markdown.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from generator.common import formatting as fmt
from generator.common.formatting import chinese_number
from generator.federation.words import heading
from generator.figures import indicators
from generator.model.bulletin import UnitFigures, WriteUp
from generator.model.content import image_ok
from generator.render.document.lines import balanced_lines, grid_atoms, text_width, words
from generator.render.mdtree import Node, markdown_tree

IMAGE_TYPES = {  # suffix -> magic bytes Typst can decode
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}

Doc = dict[str, Any]
T = TypeVar("T")

#: A section of a document: its title (numbered when the document is put together) and blocks.
Section = tuple[str, list[Node]]


def numbered(sections: Iterable[Section]) -> list[dict[str, Any]]:
    """Sections as the templates take them, headed 一、二、… in order."""
    return [
        {"heading": f"{chinese_number(i)}、{title}", "blocks": blocks}
        for i, (title, blocks) in enumerate(sections, 1)
    ]


def _text(text: str) -> list[Node]:
    return [{"t": "text", "text": text}]


def par(text: str) -> Node:
    return {"t": "par", "c": _text(text)}


#: How a heading's number shows its level (GB/T 9704-2012 7.3.3), which sets its face:
#: 一、 黑体, （一） 楷体, 1. 仿宋 bold, （1） 仿宋.
_LEVELS = (
    (1, re.compile(r"^[一二三四五六七八九十]+、")),
    (2, re.compile(r"^（[一二三四五六七八九十]+）")),
    (3, re.compile(r"^\d+[.．]")),
    (4, re.compile(r"^[（(]\d+[）)]")),
)


def heading_level(text: str) -> int:
    """The level a heading's number gives it (2, 楷体, for one without a number)."""
    return next((level for level, pattern in _LEVELS if pattern.match(text)), 2)


def with_grid_atoms(blocks: list[Node]) -> list[Node]:
    """Give each paragraph of text only (and its run-in heading) the pieces the template breaks
    it into lines by (lines.grid_atoms; site_templates/pdf/common.typ, grid-par), so that no
    line is letter-spaced beyond what a line of Chinese needs. Returns `blocks`."""
    for block in blocks:
        if block["t"] != "par" or not all(c["t"] == "text" for c in block["c"]):
            continue
        runs = [block["lead"]] if block.get("lead") is not None else []
        runs.append("".join(c["text"] for c in block["c"]))
        pieces = grid_atoms(runs)
        if pieces is not None:
            block["grid"] = pieces
    return blocks


def lead_par(lead: str, text: str) -> Node:
    """A paragraph whose first words are a run-in heading, in the face of its level."""
    return {"t": "par", "lead": lead, "level": heading_level(lead), "c": _text(text)}


#: Room a cell keeps between its text and the rules, in em of the table's text.
CELL_PADDING = 0.8


def header_lines(header: str, room: float) -> str:
    """A header in one line, or (wider than its column's cells, and of four characters or
    more) two lines broken between words; the lines are joined with a newline."""
    if text_width(header) <= room or len(header) < 4 or len(words(header)) < 2:
        return header
    return "\n".join(balanced_lines(header, text_width(header), lines=2))


def table(
    header: list[str],
    rows: Iterable[list[str]],
    align: list[str] | None = None,
    size: float | None = None,
) -> Node:
    """A table of plain strings, `size` relative to the text.

    Column widths come from the content: each column gets the width of its widest cell or
    header line (headers wider than their cells take two lines, broken between words); the
    template shares the line out in those proportions, and sets the table smaller when even
    that does not fit, so that no header breaks inside a word and no number touches a rule.
    """
    body = [list(r) for r in rows]
    cells = [
        max((text_width(r[i]) for r in body if i < len(r)), default=0.0) for i in range(len(header))
    ]
    heads = [header_lines(h, max(cells[i], 2.0)) for i, h in enumerate(header)]
    natural = [
        round(max(cells[i], *(text_width(line) for line in heads[i].split("\n"))) + CELL_PADDING, 3)
        for i in range(len(header))
    ]
    node: Node = {"t": "table", "header": heads, "rows": body, "plain": True}
    if size is not None:
        node["size"] = size
    node["align"] = align or ["center"] * len(header)
    node["natural"] = natural
    return node


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column of a table: its header, how a row's cell reads, its width and alignment."""

    header: str
    cell: Callable[[T], str]
    align: str = "center"


def column_table(
    columns: Sequence[Column[T]], items: Iterable[T], size: float | None = None
) -> Node:
    """A table with a row per item, laid out by its column specs."""
    return table(
        [heading(c.header) for c in columns],
        ([c.cell(item) for c in columns] for item in items),
        align=[c.align for c in columns],
        size=size,
    )


def figure_text(kind: str, value: Any) -> str:
    """A figure as a document's table cell, written as its kind is (generator.figures.indicators)."""
    if kind == indicators.RATE:
        return fmt.percent(value)
    if kind == indicators.SCORE:
        return fmt.number(value, 2)
    if kind == indicators.POINTS:
        return fmt.change_phrase(value) or "—"
    if kind == indicators.RANK_CHANGE:
        return rank_change_text(value)
    if kind == indicators.RANK:
        return "—" if value is None else str(value)
    return fmt.integer(value)


def figure(
    name: str,
    of: Callable[[Any], Any] | None = None,
    cell: Callable[[Any], str] | None = None,
    full: bool = False,
) -> Column[Any]:
    """The column of a declared figure: its header from generator.figures.indicators (the short
    heading, or with `full` the label), its cell the figure of the row (of `of(row)`) written
    as its kind is, or `cell(row)` where a table writes it otherwise."""
    i = indicators.BY_NAME[name]
    if cell is None:
        get = of or (lambda row: row)
        cell = lambda row: figure_text(i.kind, getattr(get(row), name))  # noqa: E731
    return Column(i.label if full else i.heading, cell)


#: The union-building figures every table of units and periods starts with.
UNION_BUILDING = ("enterprises", "unionized", "coverage_rate", "membership_rate")


def figures(*names: str, of: Callable[[Any], Any] | None = None) -> list[Column[Any]]:
    """The columns of declared figures, in the order named."""
    return [figure(name, of) for name in names]


def rank_change_text(change: int | None) -> str:
    if change is None:
        return "—"
    if change == 0:
        return "持平"
    return f"上升{change}" if change > 0 else f"下降{-change}"


def rank_text(u: UnitFigures) -> str:
    """The rank, or 未排名 for a unit left out of its ranking (CONTRACT §3.4)."""
    return "未排名" if u.rank is None else str(u.rank)


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


# ---- frames (preface, closing) and write-ups ------------------------------------------------

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
            block["level"] = heading_level(number)
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


def writeups_section(writeups: Sequence[WriteUp], assets: Assets) -> list[Node]:
    """Write-ups one after the other, numbered （一）（二）…"""
    news: list[Node] = []
    for i, w in enumerate(writeups, 1):
        news.extend(writeup_blocks(w, assets, i))
    return news
