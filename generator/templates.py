"""Where templates come from: the project's own site_templates/ first, then the built-in ones."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from generator.errors import ConfigError

#: The built-in templates, shipped beside the package.
BUILTIN = Path(__file__).resolve().parent.parent / "site_templates"


def template_dirs(root: Path | None, kind: str) -> list[Path]:
    """Folders to search for templates of `kind` (site, pdf, project), overrides first."""
    dirs = []
    if root is not None:
        own = (root / "site_templates" / kind).resolve()
        if own.is_dir() and own != (BUILTIN / kind):
            check_folder(root, own, root / "site_templates")
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


def check_folder(root: Path, folder: Path, inside: Path | None) -> None:
    """Refuse a folder of templates or fonts holding what must not be read from it.

    Refused: anything but regular files and folders (a named pipe would hang the build, a
    device would never end), and, when `inside` is given, a symbolic link leading out of it
    (a template could otherwise read any file of the machine into a page or a PDF).
    """
    limit = os.path.realpath(inside) if inside is not None else None
    for base, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = os.path.join(base, name)
            shown = _shown(root, path)
            try:
                info = os.lstat(path)
                if stat.S_ISLNK(info.st_mode):
                    target = os.path.realpath(path)
                    if limit is not None and os.path.commonpath([limit, target]) != limit:
                        raise ConfigError(
                            f"{shown} 是指向 {target} 的符号链接，位于 {_shown(root, limit)}/ 之外："
                            "模板只能读取模板目录中的文件。请删除该链接，把需要的文件复制进来。"
                        )
                    info = os.stat(path)
            except OSError as exc:
                raise ConfigError(f"无法读取 {shown}：{exc.strerror}。") from None
            if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
                raise ConfigError(
                    f"{shown} 不是普通文件（例如命名管道或设备），无法读取：请删除它或换成普通文件。"
                )


def _shown(root: Path, path: str | Path) -> str:
    try:
        return Path(path).relative_to(root.resolve()).as_posix()
    except ValueError:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            return str(path)
