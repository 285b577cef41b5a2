"""The exceptions the CLI knows how to print: each carries a Chinese message for users."""

from __future__ import annotations

import errno
import tempfile
import traceback
from pathlib import Path

from generator import __version__


class BulletinError(Exception):
    """Base of every error the CLI prints as a message instead of a traceback."""

    exit_code = 1


class ConfigError(BulletinError):
    """Raised while reading bulletin.yml or the project layout; a usage error (exit 2)."""

    exit_code = 2


class DataError(BulletinError):
    """Raised when the rosters have errors and nothing may be published."""

    exit_code = 1


class BuildError(BulletinError):
    """Raised by a renderer or the publisher when an output cannot be produced."""

    exit_code = 1


#: What an operating-system error means for users, by errno.
_OS_ERRORS = {
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "所在磁盘是只读的",
    errno.ENOSPC: "磁盘空间不足",
    errno.ENOENT: "找不到该文件或文件夹",
    errno.ENOTDIR: "路径中有一级不是文件夹而是文件",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.EEXIST: "那里已有同名的文件，无法建立文件夹",
    errno.EADDRINUSE: "端口已被其他程序占用，请用 --port 换一个端口",
}


def os_error_message(exc: OSError) -> str:
    """A Chinese sentence for an operating-system error: what failed, where, and why."""
    reason = _OS_ERRORS.get(exc.errno or 0, exc.strerror or str(exc))
    where = exc.filename if exc.filename is not None else ""
    if where:
        return f"无法读写 {where}：{reason}。请检查路径和权限后重试。"
    return f"操作失败：{reason}。"


def write_crash_log() -> Path:
    """Write the traceback being handled to a temporary log for maintainers; its path."""

    with tempfile.NamedTemporaryFile(
        "w", prefix="bulletin-error-", suffix=".log", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(f"bulletin {__version__}\n")
        traceback.print_exc(file=handle)
    return Path(handle.name)
