"""MkDocs run in this process: its warnings collected, its build time pinned, the segmenter's words."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from generator.common.errors import BuildError
from generator.model.bulletin import (
    Bulletin,
)
from generator.office.templates import COMPILED
from generator.render.files import issued_on
from generator.render.page_cache import page_cache


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_epoch(bulletin: Bulletin) -> int:
    """The site's fixed build time: the latest bulletin's date (UTC midnight), not the clock."""
    day = issued_on(bulletin)
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@contextmanager
def _source_date_epoch(epoch: int | None) -> Iterator[None]:
    """Pin SOURCE_DATE_EPOCH, from which MkDocs dates its pages, for the block.

    Without it MkDocs reads the clock (page.update_date, sitemap dates), and an empty or
    malformed value in the user's environment makes it fail.
    """
    if epoch is None:
        yield
        return
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def mkdocs_build(
    config_file: Path,
    page_cache_file: Path | None = None,
    epoch: int | None = None,
    search_salt: str = "",
) -> list[str]:
    """Build a MkDocs project as `mkdocs build` would; return its warnings.

    With `page_cache_file`, pages unchanged since the last build reuse its Markdown conversion
    and search entries (see page_cache; `search_salt` names the words added to the segmenter).
    `epoch` is the build time MkDocs sees (see build_epoch); without it MkDocs takes
    SOURCE_DATE_EPOCH or the clock.
    """
    import jieba
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    jieba.setLogLevel(logging.WARNING)
    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False  # reported once, by render_site
    try:
        cfg = load_config(str(config_file))
        theme_env = cfg.theme.get_env

        def compiled_once() -> jinja2.Environment:
            env = theme_env()
            env.bytecode_cache = COMPILED  # the theme's templates compiled once per process
            _list_theme_once(env.loader)
            return env

        cfg.theme.get_env = compiled_once  # type: ignore[method-assign]
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            with page_cache(page_cache_file, search_salt), _source_date_epoch(epoch):
                build(cfg)
        finally:
            cfg.plugins.on_shutdown()
    except Exception as exc:
        raise BuildError(f"MkDocs 生成网站失败：{exc}") from exc
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    return handler.messages


#: The theme's files by theme folders, listed once per process (see _list_theme_once).
_THEME_FILES: dict[tuple[str, ...], list[str]] = {}


def _list_theme_once(loader: Any) -> None:
    """Let the theme's loader list its folders once per process.

    MkDocs lists every file of the theme folders on each build to copy the theme's static files:
    Material's are 14 500, of which 14 300 are the icons in its hidden `.icons` folder, which
    MkDocs never copies (its own filter leaves out every hidden name). The folders are the
    installed theme (a project may not name folders of its own, see _check_mkdocs_config); the
    list kept leaves out hidden names, so MkDocs filters 200 names instead of 14 500.
    """
    folders = getattr(loader, "searchpath", None)
    if not isinstance(loader, jinja2.FileSystemLoader) or not folders:
        return
    key = tuple(str(folder) for folder in folders)
    listing = _THEME_FILES.get(key)
    if listing is None:
        listing = [
            name
            for name in loader.list_templates()
            if not name.startswith(".") and "/." not in name
        ]
        _THEME_FILES[key] = listing
    kept = list(listing)
    loader.list_templates = lambda: list(kept)  # type: ignore[method-assign]


@contextmanager
def jieba_words(words: Iterable[str]) -> Iterator[None]:
    """Within the block, the word segmenter keeps each of `words` whole (unit names split as
    明|湖区 made a search for 明湖区 find 明辉超市); its dictionary is restored afterwards, so a
    build never depends on the builds the process ran before it."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.dt
    tokenizer.check_initialized()
    saved = (dict(tokenizer.FREQ), tokenizer.total)
    try:
        for word in sorted(set(words)):
            if word and not word.isascii():
                tokenizer.add_word(word)
        yield
    finally:
        tokenizer.FREQ, tokenizer.total = saved


def segment_for_search(text: str) -> str:
    """Chinese text segmented as the search plugin segments page text (words joined by U+200B)."""
    try:
        from material.plugins.search.plugin import SearchIndex

        return str(SearchIndex._segment_chinese(None, text))
    except (ImportError, AttributeError):  # another Material: the words stay unsegmented
        return text


#: Material's search worker splits a Chinese query into the index's words, but never tries a
#: word that reaches the query's last character: 明湖区 was searched as 明 alone (so it found
