"""The fixed wording of the PDF documents: site_templates/pdf/wording.yml, phrase by phrase.

A project overrides a phrase by writing it in its own site_templates/pdf/wording.yml; the phrases
it does not write keep the built-in wording. `$name` marks what is filled in (string.Template:
a phrase cannot reach into the program, as str.format's {x.attr} could).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template

from generator.errors import ConfigError
from generator.safe_yaml import Document, YamlError
from generator.templates import BUILTIN, template_dirs

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
        return Template(self.phrases[key]).safe_substitute({k: str(v) for k, v in values.items()})
