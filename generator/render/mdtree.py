"""Markdown to a JSON tree that the Typst templates walk and set as content.

Write-ups come from many people, so their text never becomes Typst markup: every piece of text
stays a JSON string, which Typst sets literally (`#read(...)`, `$x$`, `#set …` are just
characters). Raw HTML is not interpreted (it shows as text), links keep only web and mail
targets, and images are resolved by the caller, which only lets through files inside content/.

Node shapes (`t` is the type):
  blocks:  par{c}, heading{level, c}, list{ordered, start, items: [[block]]}, quote{c: [block]},
           code{text}, hr{}, table{align, header: [cell], rows: [[cell]]} with cell = [inline]
  inlines: text{text}, strong{c}, em{c}, strike{c}, code{text}, link{href, c}, br{},
           image{src, alt} (src null when the image was refused or is missing)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

Node = dict[str, Any]
#: Maps an image reference as written in Markdown to a path the template can load, or None.
ImageResolver = Callable[[str], str | None]

#: Deepest nesting of emphasis and links kept as such (content.py refuses deeper write-ups).
MAX_INLINE_DEPTH = 20
_SAFE_LINK = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # html False: "<b>" stays the four characters it is; linkify off: URLs stay text.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _refuse_images(_src: str) -> str | None:
    return None


def markdown_tree(text: str, resolve_image: ImageResolver | None = None) -> list[Node]:
    """Parse Markdown into a list of block nodes (see the module docstring)."""
    resolver = resolve_image or _refuse_images
    tokens = _parser().parse(text or "")
    for token in tokens:
        # Thousands of nested emphases (`****…x…****`) would exhaust the stack below and in
        # Typst; such a paragraph is set as the characters it was written with.
        if token.children and any(c.level > MAX_INLINE_DEPTH for c in token.children):
            token.children = [Token("text", "", 0, content=token.content)]
    root = SyntaxTreeNode(tokens)
    return _blocks(root.children, resolver)


def _blocks(nodes: list[SyntaxTreeNode], resolve: ImageResolver) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        kind = node.type
        if kind == "paragraph":
            out.append({"t": "par", "c": _inline_of(node, resolve)})
        elif kind == "heading":
            out.append({"t": "heading", "level": int(node.tag[1:]), "c": _inline_of(node, resolve)})
        elif kind in ("bullet_list", "ordered_list"):
            start = node.attrs.get("start", 1) if kind == "ordered_list" else 1
            out.append(
                {
                    "t": "list",
                    "ordered": kind == "ordered_list",
                    "start": int(start) if isinstance(start, int | str) else 1,
                    "items": [_blocks(item.children, resolve) for item in node.children],
                }
            )
        elif kind == "blockquote":
            out.append({"t": "quote", "c": _blocks(node.children, resolve)})
        elif kind in ("fence", "code_block"):
            out.append({"t": "code", "text": node.content.rstrip("\n")})
        elif kind == "hr":
            out.append({"t": "hr"})
        elif kind == "table":
            out.append(_table(node, resolve))
        elif kind == "html_block":  # unreachable with html off; kept as text to be safe
            out.append({"t": "par", "c": [{"t": "text", "text": node.content}]})
        elif node.children:
            out.extend(_blocks(node.children, resolve))
    return out


def _table(node: SyntaxTreeNode, resolve: ImageResolver) -> Node:
    header: list[list[Node]] = []
    rows: list[list[list[Node]]] = []
    align: list[str] = []
    for part in node.children:
        for tr in part.children:
            cells = [_inline_of(cell, resolve) for cell in tr.children]
            if part.type == "thead":
                header = cells
                for cell in tr.children:
                    style = str(cell.attrs.get("style", ""))
                    align.append(
                        "right" if "right" in style else "center" if "center" in style else "left"
                    )
            else:
                rows.append(cells)
    width = max([len(header), *(len(r) for r in rows)], default=0)
    align += ["left"] * (width - len(align))
    rows = [r + [[]] * (width - len(r)) for r in rows]
    return {"t": "table", "align": align, "header": header, "rows": rows}


def _inline_of(node: SyntaxTreeNode, resolve: ImageResolver) -> list[Node]:
    inline = node.children[0] if node.children and node.children[0].type == "inline" else None
    if inline is None:
        return []
    return _merge(_inlines(inline.children, resolve))


def _inlines(nodes: list[SyntaxTreeNode], resolve: ImageResolver) -> list[Node]:
    out: list[Node] = []
    for i, node in enumerate(nodes):
        kind = node.type
        if kind in ("text", "html_inline"):
            out.append({"t": "text", "text": node.content})
        elif kind == "softbreak":
            # A line break inside a paragraph: nothing between Chinese characters, a space
            # between Latin words (as a browser would show it).
            before = _edge(nodes[i - 1], last=True) if i else ""
            after = _edge(nodes[i + 1], last=False) if i + 1 < len(nodes) else ""
            if not (before and after and (_wide(before) or _wide(after))):
                out.append({"t": "text", "text": " "})
        elif kind == "hardbreak":
            out.append({"t": "br"})
        elif kind == "code_inline":
            out.append({"t": "code", "text": node.content})
        elif kind == "strong":
            out.append({"t": "strong", "c": _inlines(node.children, resolve)})
        elif kind == "em":
            out.append({"t": "em", "c": _inlines(node.children, resolve)})
        elif kind == "s":
            out.append({"t": "strike", "c": _inlines(node.children, resolve)})
        elif kind == "link":
            href = str(node.attrs.get("href", ""))
            children = _inlines(node.children, resolve)
            if _SAFE_LINK.match(href):
                out.append({"t": "link", "href": href, "c": children})
            else:
                out.extend(children)
        elif kind == "image":
            src = str(node.attrs.get("src", ""))
            alt = "".join(_plain(c) for c in node.children) or str(node.attrs.get("alt", ""))
            out.append({"t": "image", "src": resolve(src), "alt": alt})
        elif node.children:
            out.extend(_inlines(node.children, resolve))
    return out


def _edge(node: SyntaxTreeNode, last: bool) -> str:
    text = _plain(node)
    if not text:
        return ""
    return text[-1] if last else text[0]


def _plain(node: SyntaxTreeNode) -> str:
    if node.type in ("text", "code_inline", "html_inline"):
        return node.content
    return "".join(_plain(c) for c in node.children)


def _merge(nodes: list[Node]) -> list[Node]:
    """Join neighbouring text nodes (fewer nodes for Typst to walk)."""
    out: list[Node] = []
    for node in nodes:
        if node["t"] == "text" and out and out[-1]["t"] == "text":
            out[-1] = {"t": "text", "text": out[-1]["text"] + node["text"]}
        else:
            if "c" in node and node["t"] != "text":
                node = {**node, "c": _merge(node["c"])}
            out.append(node)
    return out


def plain_text(nodes: list[Node]) -> str:
    """The text of a tree without markup (for tests and summaries)."""
    parts: list[str] = []
    for node in nodes:
        if "text" in node:
            parts.append(node["text"])
        if node.get("t") == "image":
            parts.append(node.get("alt", ""))
        for key in ("c", "header"):
            if key in node:
                for child in node[key]:
                    parts.append(
                        plain_text(child) if isinstance(child, list) else plain_text([child])
                    )
        for row in node.get("rows", []):
            parts.extend(plain_text(cell) for cell in row)
        for item in node.get("items", []):
            parts.append(plain_text(item))
    return "".join(parts)
