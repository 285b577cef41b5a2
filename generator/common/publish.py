"""Publishing: where a build may write, and the swap of a finished output for the old one.

A build writes into a fresh staging folder beside the output and swaps it in only when every
renderer succeeded, in one step (the old or the new output is whole at every instant), holding
the project's build lock so that two builds never mix their outputs. Because the swap replaces the whole output folder, the folder must be one
that only ever held our output: never the project, its inputs, or a parent of them.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import stat
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from generator.common.cache import write_atomic
from generator.common.errors import BuildError, ConfigError
from generator.common.paths import ProjectPaths
from generator.common.record import project_zone

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
    """Yield a fresh staging folder; swap it in for `out` only if the block succeeds.

    Call it holding the project's build lock (`exclusive_build`): it settles what an earlier
    build left half-done and removes any staging folder beside `out`.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    staging = _sibling(out, "new")
    remove_tree(staging)
    staging.mkdir(parents=True)
    try:
        yield staging
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        swap(staging, out)
    except BaseException:
        remove_tree(staging)
        raise


def _sibling(out: Path, kind: str) -> Path:
    return out.with_name(f".{out.name}.{kind}")


#: errors of renameat2 that mean "not here": no such call, or a file system without exchange
_NO_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(first: Path, second: Path) -> None:
    """Exchange two existing paths in one step (Linux `renameat2` with RENAME_EXCHANGE).

    Raises OSError with ENOSYS where the system has no such call.
    """
    if not sys.platform.startswith("linux"):
        raise OSError(errno.ENOSYS, "renameat2 is Linux only")
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # this process's own libc
        renameat2 = libc.renameat2
    except (OSError, AttributeError) as exc:
        raise OSError(errno.ENOSYS, "renameat2 is not available") from exc
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes.append(ctypes.c_uint)
    renameat2.restype = ctypes.c_int
    status = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if status != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(first), None, str(second))


def swap(staging: Path, out: Path) -> None:
    """Put the finished `staging` in the place of `out`; at every instant one of them is whole.

    On Linux the two folders are exchanged in one step and the old one deleted. Elsewhere (or
    on a file system without exchange) `out` becomes a symbolic link to a generation folder
    beside it, replaced in one step by a link to the next generation.
    """
    if not os.path.lexists(out):
        os.rename(staging, out)
        return
    if not out.is_symlink():
        try:
            exchange(staging, out)
        except OSError as exc:
            if exc.errno not in _NO_EXCHANGE:
                raise
        else:
            remove_tree(staging)  # now the old output
            return
    _flip(staging, out)


def _flip(staging: Path, out: Path) -> None:
    """Make `out` a symbolic link to `staging` (moved to a generation folder) in one step."""
    generation = out.with_name(f".{out.name}.gen-{uuid.uuid4().hex[:12]}")
    os.rename(staging, generation)
    link = _sibling(out, "link")
    if os.path.lexists(link):
        link.unlink()
    os.symlink(generation.name, link)
    if out.is_symlink():
        previous = out.with_name(os.readlink(out))
        os.rename(link, out)  # replaces the old link in one step
        if previous.name.startswith(f".{out.name}.gen-"):
            remove_tree(previous)
        return
    # The first flip turns a real folder into a link: the only moment without `out`, which
    # `recover` finishes (the link is ready) or undoes (the old folder is put back).
    old = _sibling(out, "old")
    remove_tree(old)
    os.rename(out, old)
    os.rename(link, out)
    remove_tree(old)


def recover(out: Path) -> None:
    """Finish or undo a swap that was interrupted, and delete what an earlier build left.

    Only while holding the build lock: a running build's staging folder looks the same.
    """
    link, old, staging = _sibling(out, "link"), _sibling(out, "old"), _sibling(out, "new")
    if not os.path.lexists(out):
        if os.path.lexists(link) and link.resolve().is_dir():
            os.rename(link, out)  # the new output was ready: finish
        elif old.is_dir():
            os.rename(old, out)  # undo: the old output comes back
    for leftover in (staging, old, link):
        if os.path.lexists(out) or leftover != old:
            remove_tree(leftover)
    current = os.readlink(out) if out.is_symlink() else None
    try:
        siblings = list(os.scandir(out.parent))
    except OSError:
        return
    for entry in siblings:
        if entry.name.startswith(f".{out.name}.gen-") and entry.name != current:
            remove_tree(Path(entry.path))


def remove_tree(path: Path) -> None:
    """Delete a file, link or folder if it is there, even with read-only folders inside."""

    def writable_and_retry(function: Any, name: str, _exc: object) -> None:
        parent = os.path.dirname(name)
        with contextlib.suppress(OSError):
            os.chmod(parent, os.stat(parent).st_mode | stat.S_IWUSR | stat.S_IXUSR)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, os.stat(name).st_mode | stat.S_IRWXU)
        with contextlib.suppress(FileNotFoundError):
            function(name)

    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        if sys.version_info >= (3, 12):
            shutil.rmtree(path, onexc=writable_and_retry)
        else:
            shutil.rmtree(path, onerror=writable_and_retry)


# ---- one build per project at a time ------------------------------------------------------

LOCK_FILE = "build.lock"
OWNER_FILE = "build-owner.json"


class BuildRunning(BuildError):
    """Raised when another process is building the same project."""


@contextmanager
def exclusive_build(root: Path) -> Iterator[None]:
    """Hold the project's build lock for the block, or refuse: one build per project at a time.

    The lock is an operating-system lock on a file in the project's cache: it is released
    when its process ends, however it ends, so a killed build's lock is simply taken over.
    Beside it the holder leaves its process id and start time, for the message of the refused.
    """
    with _project_lock(root, LOCK_FILE, OWNER_FILE, _running_message):
        yield


ISSUE_LOCK_FILE = "issue.lock"
ISSUE_OWNER_FILE = "issue-owner.json"


@contextmanager
def exclusive_issue(root: Path) -> Iterator[None]:
    """Hold the project's issuing lock: one `issue` or `send` per project at a time.

    Separate from the build lock, which `issue` takes again for the build it makes; two
    issues at once would otherwise both pass the register's checks and write it twice, and
    two sends would both mail the units neither had logged yet.
    """
    with _project_lock(root, ISSUE_LOCK_FILE, ISSUE_OWNER_FILE, _issuing_message):
        yield


@contextmanager
def _project_lock(
    root: Path, name: str, owner_name: str, message: Callable[[Path], str]
) -> Iterator[None]:
    from filelock import FileLock, Timeout

    folder = ProjectPaths(root).cache
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / name), timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise BuildRunning(message(folder / owner_name)) from None
    owner = folder / owner_name
    try:
        # The office's clock (bulletin.yml `timezone`), as every other time the office reads.
        started = datetime.now(project_zone(root)).isoformat(timespec="seconds")
        with contextlib.suppress(OSError):
            write_atomic(owner, json.dumps({"pid": os.getpid(), "started": started}).encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            owner.unlink()
        lock.release()


def _holder(owner: Path) -> str:
    try:
        info = json.loads(owner.read_text(encoding="utf-8"))
        pid, started = int(info["pid"]), str(info["started"])
        when = datetime.fromisoformat(started).strftime("%Y-%m-%d %H:%M:%S")
        return f"（进程号 {pid}，{when} 开始）"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _issuing_message(owner: Path) -> str:
    return (
        f"另一个 bulletin issue 或 send 命令正在处理这个项目{_holder(owner)}。"
        "印发和发送一次只能运行一个，以免重复登记或重复发送。请等它结束后再运行。"
    )


def _running_message(owner: Path) -> str:
    return (
        f"另一个 bulletin 命令正在生成这个项目{_holder(owner)}。同一项目一次只能运行一个生成，"
        "以免输出混杂。请等它结束后再运行；如果那个命令已经关闭，直接再运行一次即可。"
    )


def settle(root: Path, out: Path | None = None) -> None:
    """Finish or undo a half-done swap of the project's output, unless a build is running."""
    out = out or ProjectPaths(root).site
    if not any(
        os.path.lexists(p)
        for p in (_sibling(out, "new"), _sibling(out, "old"), _sibling(out, "link"))
    ) and os.path.lexists(out):
        return
    try:
        with exclusive_build(root):
            recover(out)
    except (BuildRunning, OSError):
        return  # the running build settles it; a read-only project has nothing to settle
