"""The fixed wording of the PDF documents: site_templates/pdf/wording.yml, phrase by phrase.

A project overrides a phrase by writing it in its own site_templates/pdf/wording.yml; the phrases
it does not write keep the built-in wording. `$name` marks what is filled in (string.Template:
a phrase cannot reach into the program, as str.format's {x.attr} could).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

from generator.common import formatting as fmt
from generator.common.errors import ConfigError
from generator.common.safe_yaml import Document, YamlError
from generator.federation.words import words
from generator.figures.indicators import BY_NAME, DELTA
from generator.figures.reduce import COMPLETIONS, SCHEDULE_OF, SCHEDULE_QUOTED_UP_TO
from generator.office.templates import BUILTIN, template_dirs
from generator.render.document.nodes import figure_text

WORDING_FILE = "wording.yml"


def _phrases(folders: tuple[str, ...]) -> dict[str, str]:
    files = []
    for folder in reversed(folders):  # the built-in file first, the project's over it
        path = Path(folder) / WORDING_FILE
        if path.is_file():
            files.append((path == BUILTIN / "pdf" / WORDING_FILE, path.read_bytes()))
    return dict(_parsed(tuple(files)))


@lru_cache(maxsize=16)
def _parsed(files: tuple[tuple[bool, bytes], ...]) -> tuple[tuple[str, str], ...]:
    """The phrases of the wording files (built-in first), parsed once per content."""
    phrases: dict[str, str] = {}
    for builtin, raw in files:
        shown = "site_templates/pdf/" + WORDING_FILE
        try:
            document = Document(raw.decode("utf-8"))
        except (YamlError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{shown}：{getattr(exc, 'message', exc)}") from None
        data = document.data or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{shown}：应为“名称: 说法”的列表")
        for key, value in data.items():
            line = document.line((key,))
            if not builtin and key not in phrases:
                known = "、".join(phrases)
                raise ConfigError(f"{shown} 第{line}行：不认识的说法“{key}”。可用的有：{known}")
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{shown} 第{line}行：“{key}”应是一句话")
            phrases[str(key)] = value.strip()
    return tuple(phrases.items())


class Wording:
    """The phrases of one project: `wording("ranking_intro", period=…)`."""

    def __init__(self, root: Path | None) -> None:
        self.phrases = _phrases(tuple(str(p) for p in template_dirs(root, "pdf")))

    def __call__(self, key: str, **values: object) -> str:
        given = {**words().placeholders(), **{k: str(v) for k, v in values.items()}}
        return Template(self.phrases[key]).safe_substitute(given)


#: The schedule of a unit with nothing left to unionise, in words (CONTRACT 3.9).
FULLY_UNIONIZED = "已全部建会"


def figure_said(u: Any, name: str) -> str:
    """A unit's figure as a document's table cell says it (CONTRACT 3.9).

    No schedule rate over 200 % (written 超200%), no negative rate (a fall has no rate: "—",
    its count written 减少N), 已全部建会 for the schedule of a unit with nothing left to
    unionise; every other figure as its kind is written.
    """
    value = getattr(u, name, None)
    completion = SCHEDULE_OF.get(name, name)
    if name == "schedule_rate" and u.enterprises and u.unionized >= u.enterprises:
        return FULLY_UNIONIZED
    if completion in COMPLETIONS:
        ytd = getattr(u, COMPLETIONS[completion][0], None)
        if ytd is not None and ytd < 0:
            return "—"
        if name != completion and value is not None and value > SCHEDULE_QUOTED_UP_TO:
            return f"超{fmt.percent(SCHEDULE_QUOTED_UP_TO, 0)}"
    indicator = BY_NAME[name]
    if indicator.kind == DELTA and value is not None and value < 0:
        return f"减少{fmt.integer(-value)}"
    return figure_text(indicator.kind, value)
