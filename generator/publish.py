"""Publishing: where a build may write, and the swap of a finished output for the old one.

A build writes into a fresh staging folder beside the output and swaps it in only when every
renderer succeeded. Because the swap replaces the whole output folder, the folder must be one
that only ever held our output: never the project, its inputs, or a parent of them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.errors import ConfigError

#: written into the root of every output folder: a folder with it is ours to replace
MARKER = ".bulletin-output"
MARKER_TEXT = "bulletin 生成的输出目录：每次生成时整体替换，请不要在此存放其他文件。\n"

#: what a project holds that a build must never replace (its inputs, records and caches)
PROTECTED = ("data", "content", "site_templates", "issued", "fonts", "problems", ".bulletin-cache")

#: the top-level folders of an output written before outputs carried the marker
_OUTPUT_PARTS = {"public", "internal", "dist"}


def check_output_folder(root: Path, out: Path) -> Path:
    """Return `out` made absolute, or refuse (exit 2) an output folder a build must not replace.

    Refused: the project itself or a folder that contains it; a folder inside the project's
    inputs, records or caches; a file; an existing non-empty folder that is not an earlier output.
    """
    out = out.absolute()
    real_out = Path(os.path.realpath(out))
    real_root = Path(os.path.realpath(root))
    hint = "请用 --out 指定一个新的空目录，或省略 --out（默认为项目下的 site/）。"
    if real_out == real_root or real_root.is_relative_to(real_out):
        raise ConfigError(
            f"输出目录 {out} 是项目目录本身或它的上级目录：生成时会整体替换输出目录，"
            f"项目中的设置、数据和稿件都会被删除。没有写入任何文件。{hint}"
        )
    for name in PROTECTED:
        protected = real_root / name
        if real_out == protected or real_out.is_relative_to(protected):
            raise ConfigError(
                f"输出目录 {out} 位于项目的 {name}/ 目录中：生成时会整体替换输出目录，"
                f"{name}/ 中的文件会被删除。没有写入任何文件。{hint}"
            )
    if out.exists() and not out.is_dir():
        raise ConfigError(f"输出目录 {out} 是一个文件，不是目录。没有写入任何文件。{hint}")
    if out.is_dir() and not looks_like_output(out):
        raise ConfigError(
            f"输出目录 {out} 已存在且不是空目录，也不是 bulletin 以前生成的输出"
            f"（没有 {MARKER} 标记文件）：生成时会整体替换输出目录，其中的文件会被删除。"
            f"没有写入任何文件。{hint}"
        )
    return out


def looks_like_output(folder: Path) -> bool:
    """An empty folder, one with our marker, or one holding only an earlier output's parts."""
    try:
        names = {entry.name for entry in os.scandir(folder)}
    except OSError:
        return False
    return not names or MARKER in names or names <= _OUTPUT_PARTS


@contextmanager
def publishing(out: Path) -> Iterator[Path]:
    """Yield a fresh staging folder; swap it in for `out` only if the block succeeds."""
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    staging = out.with_name(f".{out.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def recover(out: Path) -> None:
    """Undo a swap interrupted between its two renames (the old output is put back)."""
    old = out.with_name(f".{out.name}.old")
    if old.exists() and not out.exists():
        os.replace(old, out)
    else:
        shutil.rmtree(old, ignore_errors=True)
