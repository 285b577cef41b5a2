"""`bulletin serve`: build, serve on 127.0.0.1 and rebuild when inputs change (live reload)."""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.build import BuildOptions, build
from generator.common.errors import BulletinError, ConfigError, os_error_message, write_crash_log
from generator.common.paths import ProjectPaths
from generator.common.publish import check_output_folder

if TYPE_CHECKING:
    from mkdocs.livereload import LiveReloadServer

#: Only this address is served: the site may be internal, and serve is for looking at it locally.
HOST = "127.0.0.1"
#: The project's input folders, watched recursively; bulletin.yml is watched with the project
#: folder itself (not recursively, so the output in site/ never triggers a rebuild).
WATCHED = ("data", "content", "site_templates")


def check_port(port: int) -> None:
    """Raise a ConfigError now, before a long build, if the port cannot be served on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"端口 {port} 已被其他程序占用（可能另一个 bulletin serve 还在运行）："
                    f"请关闭它，或用 --port 换一个端口，例如 --port {port + 1}。"
                ) from exc
            raise ConfigError(f"无法在端口 {port} 上提供网站：{exc.strerror}。") from exc


def make_server(
    root: Path,
    options: BuildOptions,
    audience: str,
    port: int,
    echo: Callable[[str], None] = print,
) -> LiveReloadServer:
    """A live-reload server over PROJECT/site/<audience>, rebuilding on changes."""
    from mkdocs.livereload import LiveReloadServer

    out = check_output_folder(root, options.out or ProjectPaths(root).site)

    def rebuild() -> None:
        echo("检测到修改，正在重新生成……")
        try:
            result = build(root, options)
        except BulletinError as exc:
            # Keep serving the previous output; the user fixes the data and saves again.
            echo(f"生成失败，仍显示上次的结果：{exc}")
            return
        except OSError as exc:
            echo(f"生成失败，仍显示上次的结果：{os_error_message(exc)}")
            return
        except Exception as exc:  # a bug: keep serving, and keep the details for maintainers
            log = write_crash_log()
            echo(
                f"程序内部错误（不是数据问题）：{type(exc).__name__}: {exc}。仍显示上次的结果；"
                f"详细信息已写入 {log}，请把该文件发给维护人员。"
            )
            return
        if result.unchanged:
            echo("内容没有变化。")
        else:
            echo(f"已重新生成（{len(result.periods)} 期），浏览器中的页面会自动刷新。")

    server = LiveReloadServer(builder=rebuild, host=HOST, port=port, root=str(out / audience))
    server.watch(str(root), recursive=False)
    for name in WATCHED:
        if (root / name).is_dir():
            server.watch(str(root / name))
    server.observer.schedule(_new_folder_handler(server, root), str(root), recursive=False)
    logging.getLogger("mkdocs.livereload").setLevel(logging.WARNING)
    return server


def _new_folder_handler(server: LiveReloadServer, root: Path) -> Any:
    """A watchdog handler that starts watching an input folder created while serving."""
    import watchdog.events

    class Handler(watchdog.events.FileSystemEventHandler):
        def on_any_event(self, event: watchdog.events.FileSystemEvent) -> None:
            if not event.is_directory or event.event_type not in ("created", "moved"):
                return
            target = getattr(event, "dest_path", "") or event.src_path
            path = Path(str(target))
            if path.parent.resolve() != root.resolve() or path.name not in WATCHED:
                return
            server.watch(str(path))
            # Files that came with the folder are in the new watch's first snapshot and make no
            # event of their own: ask for the rebuild here (mkdocs' own flag, mkdocs < 2).
            with server._rebuild_cond:
                server._want_rebuild = True
                server._rebuild_cond.notify_all()

    return Handler()
