"""Untrusted Markdown (write-ups, the project's pages) to HTML that is safe to publish.

Write-ups come from many people: markdown-it renders them, then nh3 keeps only harmless
tags and attributes. No script or style survives, no event attribute (onerror=…), no link
with a scheme other than http(s)/mailto, and no image that is not a local file the caller
copied into the site (an outside image would make every reader's browser call that host).

markdown-it rather than Python-Markdown: the PDFs parse with it too (mdtree), so both outputs
read a write-up the same way (CommonMark), and its parsing stays linear on hostile input, where
Python-Markdown took minutes on 100 KB of brackets and overflowed the stack on nested lists.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

#: Maps an image `src` as written to the URL of a copy inside the site, or None to drop it.
ImageResolver = Callable[[str], str | None]

_LINK_SCHEMES = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "del",
    "div",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "ol": {"start"},
}


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Raw HTML passes to nh3, which keeps the harmless tags; the renderer walks a flat token
    # list, so no nesting depth can exhaust the stack.
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Every link becomes a link, whatever its target: nh3 then drops the unsafe targets and
    # keeps the words, rather than showing "[text](javascript:…)" as typed.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def _drop_images(_src: str) -> str | None:
    return None


def safe_html(text: str, resolve_image: ImageResolver | None = None) -> str:
    """Render Markdown to sanitised HTML; images go through `resolve_image` (default: dropped)."""
    resolver = resolve_image or _drop_images
    html = _markdown().render(text or "")

    def keep(element: str, attribute: str, value: str) -> str | None:
        if element == "a" and attribute == "href":
            # Relative links would point at files that are not part of the site.
            return value if _LINK_SCHEMES.match(value.strip()) else None
        if element == "img" and attribute == "src":
            return resolver(value.strip())
        return value

    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        attribute_filter=keep,
        strip_comments=True,
    )
    return _IMG_WITHOUT_SRC.sub("", clean)
