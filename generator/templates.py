"""Where templates come from: the project's own site_templates/ first, then the built-in ones."""

from __future__ import annotations

from pathlib import Path

#: The built-in templates, shipped beside the package.
BUILTIN = Path(__file__).resolve().parent.parent / "site_templates"


def template_dirs(root: Path | None, kind: str) -> list[Path]:
    """Folders to search for templates of `kind` (site, pdf, project), overrides first."""
    dirs = []
    if root is not None:
        own = (root / "site_templates" / kind).resolve()
        if own.is_dir() and own != (BUILTIN / kind):
            dirs.append(own)
    dirs.append(BUILTIN / kind)
    return dirs


def find_template(root: Path | None, kind: str, name: str) -> Path:
    """The first `kind/name` template found, the project's own before the built-in one."""
    for folder in template_dirs(root, kind):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"找不到模板 site_templates/{kind}/{name}")
