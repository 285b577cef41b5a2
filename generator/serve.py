"""`bulletin serve`: build, serve on 127.0.0.1 and rebuild when inputs change (live reload)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from generator.build import BuildOptions, build
from generator.errors import BulletinError

if TYPE_CHECKING:
    from mkdocs.livereload import LiveReloadServer

WATCHED = ("bulletin.yml", "data", "content", "site_templates")


def make_server(
    root: Path,
    options: BuildOptions,
    audience: str,
    port: int,
    echo: Callable[[str], None] = print,
) -> LiveReloadServer:
    """A live-reload server over PROJECT/site/<audience>, rebuilding on changes."""
    from mkdocs.livereload import LiveReloadServer

    out = (options.out or root / "site").absolute()

    def rebuild() -> None:
        try:
            result = build(root, options)
            echo(f"已重新生成（{len(result.periods)} 期）。")
        except BulletinError as exc:
            # Keep serving the previous output; the user fixes the data and saves again.
            echo(f"生成失败，仍显示上次的结果：{exc}")

    server = LiveReloadServer(
        builder=rebuild, host="127.0.0.1", port=port, root=str(out / audience)
    )
    for name in WATCHED:
        path = root / name
        if path.exists():
            server.watch(str(path))
    logging.getLogger("mkdocs.livereload").setLevel(logging.WARNING)
    return server
