"""MkDocs' work per page (Markdown to HTML, search entries) remembered from one build to the next.

MkDocs has no incremental build: every page is converted and indexed again, which is most of
the site stage. Most pages do not change from one build to the next (a new write-up changes a
few pages, not the hundreds of unit pages), so the costly steps are wrapped: a page whose
Markdown, file set and Markdown settings are those of the last build gets its HTML, table of
contents and link warnings from the cache (a page depends on other files only through the
links it makes, so those are part of its key, not the whole file set); a page whose HTML is unchanged gets its search
entries (the Chinese word segmentation is the slow part) from the cache. Last, a page whose
own inputs to the theme (HTML, title, metadata, contents, neighbours) and the site's shared
ones (settings, navigation, build time, theme version) are those of the last build is the file
that build wrote (kept beside the cache, one file per page); the search plugin's page event
still runs.

The cache is one JSON file per site (data only: nothing in it can run code when read),
holding only what the last build used, and the pages' files beside it. When a MkDocs or Material version lacks the wrapped
methods, pages are simply built without it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from generator.common.cache import keep_newest, write_atomic

log = logging.getLogger(__name__)

_FORMAT = 3

#: Where a word naming a file by its extension ends (in Markdown links, HTML attributes or
#: text): the extension, then a fragment, a separator or the end of the text. The word itself
#: runs back from there to the nearest space or separator (_WORD_RUN, see link_targets).
_EXTENSION = re.compile(
    r"\.(?:md|html?|png|jpe?g|gif|svg|webp|pdf|json|csv|xlsx|js|css)(?=[#\s()<>\[\]\"'`|]|$)"
)
#: A word's characters up to its separator (any space, as str.isspace, U+3000 among them).
_WORD_RUN = re.compile(r"[^\s()<>\[\]\"'`|=]*")


def link_targets(markdown: str) -> list[str]:
    """Every word of the text that may name a file (ends in a file extension), sorted.

    A superset of the links MkDocs resolves: a word runs from the separator before it (a
    space, bracket, quote, `|` or `=`) to an extension followed by a fragment, a separator or
    the end. Linear in the text: only the few extensions are looked for, then the word's start,
    as the run of word characters that follows the extension's place in the reversed text (a
    pattern trying every start position took seconds on the long generated pages, a loop over
    the characters in Python most of the cached page's time).
    """
    words: set[str] = set()
    backwards = ""
    for match in _EXTENSION.finditer(markdown):
        if not backwards:
            backwards = markdown[::-1]
        start = match.start()
        at = len(markdown) - start  # the character before `start`, in the reversed text
        run = _WORD_RUN.match(backwards, at)
        length = run.end() - at if run is not None else 0
        if length:  # ".md" alone names no file
            words.add(markdown[start - length : match.end()])
    return sorted(words)


#: A raw HTML table on lines of its own (see _set_aside): from `<table` at the start of a line to
#: the first `</table>` at the end of a line.
_TABLE = re.compile(r"^<table\b[^\n]*?(?:\n[^\n]*?)*?</table>$", re.MULTILINE)
#: What a table set aside may not hold: a second table, an id or name (MkDocs collects those as
#: link anchors), text that is not markup and text (comments, declarations, raw-text elements,
#: Markdown attributes), or an entity or end tag that Python-Markdown would write back other
#: than as it stands.
_NOT_ASIDE = re.compile(
    r"<table\b.*<table\b|\b(?:id|name|markdown)\b|<[!?]|<(?:script|style|textarea|title|pre)\b"
    r"|&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)|</(?![A-Za-z][A-Za-z0-9]*>)",
    re.DOTALL | re.IGNORECASE,
)


def _set_aside(markdown: str) -> tuple[str, dict[str, str]]:
    """The page's Markdown with each plain raw HTML table replaced by an empty table naming it.

    Python-Markdown passes raw HTML through as it stands, but finds where it ends by running an
    HTML parser over it, twice (its own and MkDocs'): for the generated pages, with their
    hundreds of table rows, most of the conversion. An empty table in the same place is raw
    HTML of the same kind, passed through the same way, so putting each table back into the
    HTML afterwards gives the HTML the whole table would have given.
    """
    tables: dict[str, str] = {}

    def aside(match: re.Match[str]) -> str:
        table = match.group(0)
        if _NOT_ASIDE.search(table):
            return table
        mark = f'<table class="bulletin-aside-{len(tables)}-{_digest(table)[:12]}"></table>'
        tables[mark] = table
        return mark

    return _TABLE.sub(aside, markdown), tables


#: A table that opens an element left out of the search index (data-search-exclude), after
#: that element's summary if it has one (see _unsearched).
_UNSEARCHED_TABLE = re.compile(
    r"(<(?:div|details)\b[^<>]*\sdata-search-exclude\b[^<>]*>\n(?:<summary>[^<>]*</summary>\n)?)"
    r"(<table\b.*?</table>)",
    re.DOTALL,
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*>")
#: What the search plugin's parser does more with than skip (a heading starts a section even
#: where its text is left out), or reads other than as tags.
_SEARCH_READS = re.compile(
    r"<h[1-6]\b|<[!?]|<(?:script|style|object|textarea|title)\b|data-search-exclude|linenodiv",
    re.IGNORECASE,
)


def _unsearched(content: str) -> str:
    """The page's HTML with each table inside an element excluded from search made empty.

    Material's search parser reads every tag of a page, also those whose text it leaves out,
    and the generated pages have their long tables in such elements. An excluded table gives
    the parser nothing but tags opened and closed in order, so an empty table in its place
    leaves it in the state the whole table would have. Only tables of properly nested tags
    are emptied, holding no heading, no comment or raw-text element, and no tag that the
    page excludes elsewhere (the parser tells excluded elements apart by their tag only).
    """
    from material.plugins.search import plugin

    void = getattr(plugin, "void", None)  # the tags the parser does not expect to be closed
    if "data-search-exclude" not in content or not isinstance(void, set):
        return content
    excluded = {
        m.group(1).lower()
        for m in re.finditer(
            r"<([A-Za-z][A-Za-z0-9]*)\b[^<>]*(?:data-search-exclude|linenodiv)", content
        )
    } | {"script", "style", "object"}

    def empty(match: re.Match[str]) -> str:
        table = match.group(2)
        if table.count("<table") != 1 or _SEARCH_READS.search(table):
            return match.group(0)
        stack: list[str] = []
        tags = 0
        for tag in _TAG.finditer(table):
            tags += 1
            name = tag.group(2).lower()
            if name in excluded or tag.group(0).endswith("/>"):
                return match.group(0)
            if name in void:
                continue
            if not tag.group(1):
                stack.append(name)
            elif not stack or stack.pop() != name:
                return match.group(0)
        if stack or tags != table.count("<"):
            return match.group(0)
        return match.group(1) + "<table></table>"

    return _UNSEARCHED_TABLE.sub(empty, content)


#: How the last build used the cache (for the benchmark and tests).
STATS: dict[str, int] = {}


def _versions() -> str:
    parts = [str(_FORMAT)]
    for name in ("mkdocs", "mkdocs-material", "markdown", "jieba"):
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=?")
    return ";".join(parts)


def _digest(*parts: object) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else repr(part).encode())
        h.update(b"\0")
    return h.hexdigest()


class _Capture(logging.Handler):
    """The warnings MkDocs logs while rendering one page, to replay them on a cache hit."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _load(path: Path) -> dict[str, Any]:
    path.with_suffix(".pkl").unlink(missing_ok=True)  # an earlier version's format, never read
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(loaded, dict) or loaded.get("versions") != _versions():
        return {}
    entries = loaded.get("entries")
    return entries if isinstance(entries, dict) else {}


def _save(path: Path, entries: dict[str, Any]) -> None:
    try:
        data = json.dumps({"versions": _versions(), "entries": entries}, ensure_ascii=False)
        write_atomic(path, data.encode("utf-8"))
    except (OSError, TypeError, ValueError):
        pass  # without the cache the next build is only slower


def _toc_json(toc: Any) -> list[Any]:
    """A page's table of contents as plain lists: [title, id, level, active, children]."""
    return [
        [
            item.title,
            item.id,
            item.level,
            bool(getattr(item, "active", False)),
            _toc_json(item.children),
        ]
        for item in toc or ()
    ]


def _toc_from_json(items: list[Any]) -> Any:
    from mkdocs.structure.toc import AnchorLink, TableOfContents

    def link(entry: list[Any]) -> Any:
        title, anchor, level, active, children = entry
        made = AnchorLink(str(title), str(anchor), int(level))
        if active:
            made.active = True  # type: ignore[attr-defined]
        made.children = [link(child) for child in children]
        return made

    return TableOfContents([link(entry) for entry in items])


@dataclass(frozen=True)
class _Hooks:
    """The MkDocs and Material functions the page cache wraps, as they were before."""

    page: Any  # mkdocs.structure.pages.Page
    search_index: Any  # material.plugins.search.plugin.SearchIndex
    commands: Any  # mkdocs.commands.build
    utils: Any  # mkdocs.utils
    render: Any  # Page.render
    index: Any  # SearchIndex.add_entry_from_context
    build_page: Any  # mkdocs.commands.build._build_page


def _hooks() -> _Hooks | None:
    """The functions to wrap, or None when this MkDocs or Material lacks one of them."""
    try:
        from material.plugins.search.plugin import SearchIndex
        from mkdocs import utils as mkdocs_utils
        from mkdocs.commands import build as mkdocs_commands
        from mkdocs.structure.pages import Page
    except ImportError:
        return None
    render = getattr(Page, "render", None)
    index = getattr(SearchIndex, "add_entry_from_context", None)
    if render is None or index is None:
        return None
    return _Hooks(
        Page,
        SearchIndex,
        mkdocs_commands,
        mkdocs_utils,
        render,
        index,
        mkdocs_commands._build_page,
    )


@contextmanager
def page_cache(path: Path | None, search_salt: str = "") -> Iterator[None]:
    """Within the block, MkDocs reuses the page work of the last build recorded in `path`.

    `search_salt` names whatever else the search entries depend on (the words added to the
    word segmenter's dictionary).
    """
    hooks = _hooks() if path is not None else None
    if path is None or hooks is None:
        yield
        return
    cache = _PageCache(path, search_salt, hooks)
    cache.install()
    try:
        yield
    finally:
        cache.uninstall()
    cache.save()  # only after a build that succeeded


class _PageCache:
    """One build's use of the page cache: what the last build left, and what this one used."""

    def __init__(self, path: Path, search_salt: str, hooks: _Hooks) -> None:
        self.path, self.search_salt, self.hooks = path, search_salt, hooks
        self.store = _load(path)
        self.used: dict[str, Any] = {}
        self.pages_dir = path.with_name(path.stem + "-html")
        self.pages_used: set[Path] = set()
        self.site: str | None = None  # the digest of what every page's HTML shares
        self.linked_files: Any = None  # the file set `linked` answers for (see _targets)
        self.linked: dict[tuple[str, str], bool] = {}
        STATS.update(
            render_hits=0,
            render_misses=0,
            search_hits=0,
            search_misses=0,
            page_hits=0,
            page_misses=0,
        )

    def install(self) -> None:
        """Put the cached steps in place of MkDocs' own."""
        h = self.hooks
        h.page.render = lambda page, config, files: self.render(page, config, files)
        h.search_index.add_entry_from_context = lambda search, page: self.index(search, page)
        h.commands._build_page = self.build_page

    def uninstall(self) -> None:
        """Put MkDocs' own steps back."""
        h = self.hooks
        h.page.render = h.render
        h.search_index.add_entry_from_context = h.index
        h.commands._build_page = h.build_page

    def save(self) -> None:
        """Keep what this build used, and the page files it used (with a generation more)."""
        _save(self.path, self.used)
        if self.pages_used:
            keep_newest(self.pages_dir.glob("*.html"), keep=2 * len(self.pages_used))

    # ---- Markdown to HTML

    def _linked(self, files: Any) -> dict[tuple[str, str], bool]:
        """Which words name a file, by folder and word, for `files` (the build's file set)."""
        if self.linked_files is not files:
            self.linked_files, self.linked = files, {}
        return self.linked

    def render(self, page: Any, config: Any, files: Any) -> None:
        """Page.render, from the cache when the page's Markdown, links and settings are those
        of a page the last build converted."""
        key = "render:" + _digest(
            page.file.src_uri,
            page.file.url,
            page.markdown,
            _targets(page, files, self._linked(files)),
            config["markdown_extensions"],
            config["mdx_configs"],
            config["validation"],
            config["use_directory_urls"],
        )
        hit = self.store.get(key)
        if hit is not None:
            content, toc, title, anchors, links, warnings = hit
            for name, level, message in warnings:
                logging.getLogger(name).log(level, "%s", message)
            page.content, page._title_from_render = content, title
            page.toc = _toc_from_json(toc)
            page.present_anchor_ids = set(anchors)
            if links is not None:
                page.links_to_anchors = {
                    files.get_file_from_path(uri): value for uri, value in links.items()
                }
            self.used[key] = hit
            STATS["render_hits"] += 1
            return
        STATS["render_misses"] += 1
        capture = _Capture()
        mkdocs_log = logging.getLogger("mkdocs")
        mkdocs_log.addHandler(capture)
        try:
            _render_set_aside(self.hooks.render, page, config, files)
        finally:
            mkdocs_log.removeHandler(capture)
        links = page.links_to_anchors
        self.used[key] = [
            page.content,
            _toc_json(page.toc),
            page._title_from_render,
            sorted(page.present_anchor_ids or ()),
            {f.src_uri: value for f, value in links.items()} if links is not None else None,
            [list(record) for record in capture.records],
        ]

    # ---- search entries

    def index(self, search: Any, page: Any) -> None:
        """SearchIndex.add_entry_from_context, from the cache when the page's HTML, titles and
        the search settings are those of a page the last build indexed."""
        toc = [(item.id, item.url, item.title) for item in _walk(page.toc)]
        key = "search:" + _digest(
            page.url,
            page.content,
            page.title,
            page.meta.get("title"),
            page.meta.get("search"),
            page.meta.get("tags"),
            toc,
            sorted((k, repr(v)) for k, v in search.config.items()),
            self.search_salt,
        )
        hit = self.store.get(key)
        if hit is None:
            STATS["search_misses"] += 1
            before = len(search.entries)
            content = page.content
            page.content = _unsearched(content)
            try:
                self.hooks.index(search, page)
            finally:
                page.content = content
            hit = [dict(entry) for entry in search.entries[before:]]
        else:
            STATS["search_hits"] += 1
            search.entries.extend(dict(entry) for entry in hit)
        self.used[key] = hit

    # ---- the page's file

    def build_page(
        self,
        page: Any,
        config: Any,
        doc_files: Any,
        nav: Any,
        env: Any,
        dirty: bool = False,
        excluded: bool = False,
    ) -> None:
        """MkDocs' _build_page, the file the last build wrote when the page's inputs to the theme
        are those of that build (see _page_key).

        Only with no plugin but search, whose page event is run as usual.
        """
        build_page = self.hooks.build_page
        if dirty or excluded or set(config.plugins) - {"search", "material/search"}:
            build_page(page, config, doc_files, nav, env, dirty, excluded)
            return
        cached = self.pages_dir / f"{self._page_key(page, config, nav)}.html"
        try:
            output = _checked(cached.read_bytes())
        except OSError:
            output = None
        if output is None:  # none, or not the bytes that build wrote (damaged, planted)
            build_page(page, config, doc_files, nav, env, dirty, excluded)
            STATS["page_misses"] += 1
            with suppress(OSError):
                html = Path(page.file.abs_dest_path).read_bytes()
                write_atomic(cached, _sealed(html))
                self.pages_used.add(cached)
            return
        STATS["page_hits"] += 1
        self._write_kept(page, config, doc_files, nav, output)
        os.utime(cached)  # recently used: kept by keep_newest
        self.pages_used.add(cached)

    def _page_key(self, page: Any, config: Any, nav: Any) -> str:
        """The digest of everything the theme's template reads to write `page`.

        The template is a function of the page (its HTML, title, metadata, table of contents,
        neighbours) and of what every page shares (the settings, the navigation, the build time,
        the theme).
        """
        if self.site is None:
            self.site = _digest(
                Path(config.config_file_path).read_text(encoding="utf-8"),
                _versions(),
                os.environ.get("SOURCE_DATE_EPOCH"),
                [(p.file.src_uri, p.url, p.title) for p in nav.pages],
                sorted(config.plugins),
            )
        neighbours = [
            (other.url, other.title) if other is not None else None
            for other in (page.previous_page, page.next_page)
        ] + [getattr(section, "title", None) for section in page.ancestors]
        return _digest(
            self.site,
            page.file.src_uri,
            page.file.dest_uri,
            page.url,
            page.content,
            page.title,
            sorted((str(k), repr(v)) for k, v in page.meta.items()),
            _toc_json(page.toc),
            neighbours,
            page.canonical_url,
            page.edit_url,
            page.is_homepage,
        )

    def _write_kept(self, page: Any, config: Any, doc_files: Any, nav: Any, output: bytes) -> None:
        """Write a kept page's file, running the plugins' page event as MkDocs would."""
        commands = self.hooks.commands
        config._current_page = page
        page.active = True
        try:
            context = commands.get_context(nav, doc_files, config, page)
            config.plugins.on_page_context(context, page=page, config=config, nav=nav)
            self.hooks.utils.write_file(output, page.file.abs_dest_path)
        finally:
            page.active = False
            config._current_page = None


def _targets(page: Any, files: Any, seen: dict[tuple[str, str], bool]) -> list[tuple[str, bool]]:
    """Every path-like word of the page's Markdown, with whether it names a file of the site.

    A page's HTML depends on the other files only through the links it makes to them (found or
    not found). `seen` holds the answers for the build's file set by (folder, word): the pages
    of a folder link the same files over and over.
    """
    base = posixpath.dirname(page.file.src_uri)
    found = []
    for word in link_targets(page.markdown or ""):
        exists = seen.get((base, word))
        if exists is None:
            target = posixpath.normpath(posixpath.join(base, unquote(word.split("#")[0])))
            exists = seen[base, word] = files.get_file_from_path(target) is not None
        found.append((word, exists))
    return found


def _render_set_aside(render: Any, page: Any, config: Any, files: Any) -> None:
    """MkDocs' Page.render with the page's tables set aside during the conversion (_set_aside).

    Should a table not come back exactly once as its empty stand-in (in a code block, say), the
    page is converted again as it is.
    """
    markdown = page.markdown
    shown, tables = _set_aside(markdown or "")
    if not tables:
        render(page, config, files)
        return
    page.markdown = shown
    try:
        render(page, config, files)
    finally:
        page.markdown = markdown
    content = page.content
    if all(content.count(mark) == 1 for mark in tables):
        for mark, table in tables.items():
            content = content.replace(mark, table)
        page.content = content
        return
    render(page, config, files)


def _walk(toc: Any) -> Iterator[Any]:
    for item in toc or ():
        yield item
        yield from _walk(getattr(item, "children", ()))


def _sealed(html: bytes) -> bytes:
    """A page's HTML as the page cache keeps it: its digest on the first line, then the bytes."""
    return hashlib.blake2b(html, digest_size=20).hexdigest().encode() + b"\n" + html


def _checked(kept: bytes) -> bytes | None:
    """The HTML of a kept page, or None unless its digest line vouches for every byte."""
    seal, _, html = kept.partition(b"\n")
    if not html.strip() or hashlib.blake2b(html, digest_size=20).hexdigest().encode() != seal:
        return None
    return html
