"""A site's Markdown pages remembered from one build to the next, by what their templates read.

Jinja writes every page of a site again on each build, most of the site stage when only a
write-up changed. A page is a function of its template (and every template it includes or
imports), of the context it is given and of what the templates read through the shared names
(`site`, `latest`, `shows` and the environment's globals): the model of the site's bulletins
and the project's settings. The built-in templates show write-ups only from the context they
are given (a unit's, a category's, a period's), so a page's key is

- the tool (its code and built-in templates, see cache.tool_digest) and the word segmenter's
  version (the `words` filter and unit_keywords cut names into words),
- the site's shared inputs: the config and every bulletin of the site with its write-ups left
  out,
- the page's path and template, and the exact context it is given.

A project with templates of its own may read anything (every write-up through `site`, the
output folder's files), so its pages are always written again. A kept page is a file named by
its key whose first line is the digest of the rest: a damaged or planted file is written again,
never used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from generator.common import cache
from generator.common.cache import keep_newest, tool_digest, write_atomic
from generator.common.config import Config
from generator.model.bulletin import Bulletin
from generator.office.templates import BUILTIN

#: How the last site's pages were made (for the benchmark and tests).
STATS: dict[str, int] = {}
#: The pages the last site wrote again (not kept), by path.
WRITTEN: list[str] = []


class _Digester(cache._Digester):
    """common.cache's digester, its answers for a record's type given once per type, and a
    record written as its class and the values of its fields (when its attributes are its
    fields, in their order: the class then names each value's field).

    The bytes name a value as exactly as value_digest's (a record whose attributes are not its
    fields is written by its own reduction, with their names, in another form), in half the
    time: pages are keyed by every bulletin of the site, tens of thousands of records.
    """

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, type):  # a class a reduction names
            if obj in _OWN_CLASSES:
                return NotImplemented
            answer = super().reducer_override(obj)
            if answer is NotImplemented:
                _OWN_CLASSES.add(obj)
            return answer
        kind = type(obj)
        names = _FIELDS.get(kind)
        if names is None:
            answer = super().reducer_override(obj)  # Unkeyed for what names nothing
            if answer is not NotImplemented or not dataclasses.is_dataclass(kind):
                return answer
            names = _FIELDS[kind] = [f.name for f in dataclasses.fields(kind)]
        attributes = getattr(obj, "__dict__", None)
        if attributes is None or list(attributes) != names:
            return NotImplemented
        return kind, tuple(attributes.values())


#: The record types `_Digester` writes by their fields' values: their fields' names.
_FIELDS: dict[type, list[str]] = {}
#: The classes common.cache's digester writes by their own reduction (by module and name).
_OWN_CLASSES: set[type] = set()


def digest(value: Any) -> str:
    """The digest of a value exactly (as common.cache.value_digest): pages are keyed by it.

    Raises Unkeyed (a TypeError) for a value of another kind (a function, an object of the
    renderer).
    """
    return cache.value_digest(value, _Digester)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


class PageReuse:
    """One site's pages: each taken from the last builds when its key is that of a kept page."""

    def __init__(
        self,
        folder: Path,
        bulletins: list[Bulletin],
        config: Config,
        template_folders: list[Path],
        enabled: bool = True,
    ) -> None:
        self.folder = folder
        self.used: set[Path] = set()
        # The project's own templates may read what the built-in ones never do (see above).
        self.enabled = enabled and all(f == BUILTIN / "site" for f in template_folders)
        STATS.update(hits=0, misses=0, unkeyed=0)
        WRITTEN.clear()
        if not self.enabled:
            self.shared = ""
            return
        # each bulletin without its write-ups, once: pages given a bulletin (a period's page,
        # the key areas of the latest) are keyed by it, not by every write-up it carries
        self.bulletins = {id(b): digest(dataclasses.replace(b, writeups=[])) for b in bulletins}
        self.shared = digest(
            [
                tool_digest(),
                _version("jieba"),
                _version("jinja2"),
                config,
                [*self.bulletins.values()],
            ]
        )

    def page(
        self, path: str, template: str, context: dict[str, Any], render: Callable[[], str]
    ) -> str:
        """The page's text: the kept one when its key matches, else `render()`, then kept."""
        if not self.enabled:
            return render()
        try:
            given = {k: self._named(v) for k, v in context.items()}
            name = digest([self.shared, path, template, given])
        except TypeError:  # Unkeyed among them
            STATS["unkeyed"] += 1
            return render()
        kept = self.folder / f"{name}.md"
        text = _checked(kept)
        if text is not None:
            STATS["hits"] += 1
            os.utime(kept)  # recently used: kept by keep_newest
            self.used.add(kept)
            return text
        STATS["misses"] += 1
        WRITTEN.append(path)
        text = render()
        try:
            write_atomic(kept, _sealed(text))
            self.used.add(kept)
        except OSError:
            pass  # without it the next build only writes the page again
        return text

    def _named(self, value: Any) -> Any:
        """A context value, a bulletin of the site (alone or in a list) by its digest."""
        if isinstance(value, Bulletin) and id(value) in self.bulletins:
            return ["bulletin", self.bulletins[id(value)]]
        if isinstance(value, list) and value and all(isinstance(v, Bulletin) for v in value):
            return [self._named(v) for v in value]
        return value

    def close(self) -> None:
        """Keep the pages this build used, and as many older ones (the last build's)."""
        if self.used:
            keep_newest(self.folder.glob("*.md"), keep=2 * len(self.used))


def _sealed(text: str) -> bytes:
    data = text.encode("utf-8")
    return hashlib.blake2b(data, digest_size=20).hexdigest().encode() + b"\n" + data


def _checked(path: Path) -> str | None:
    """The kept page's text, or None unless its digest line vouches for every byte."""
    try:
        kept = path.read_bytes()
    except OSError:
        return None
    seal, _, data = kept.partition(b"\n")
    if hashlib.blake2b(data, digest_size=20).hexdigest().encode() != seal:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
