"""The build cache under PROJECT/.bulletin-cache/: results keyed by content hashes.

Keys hash file contents (never modification times), so `touch`-ing an input rebuilds nothing,
and they include the tool's version, so an upgrade starts afresh.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generator import __version__

CACHE_DIR = ".bulletin-cache"
_FORMAT = 1  # bump when a cached value's shape changes


def file_digest(path: Path) -> str:
    """The blake2b digest of a file's bytes."""
    h = hashlib.blake2b(digest_size=20)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def key(*parts: object) -> str:
    """A cache key from parts (strings, numbers, digests), with the tool's version."""
    h = hashlib.blake2b(digest_size=20)
    for part in (__version__, _FORMAT, *parts):
        h.update(repr(part).encode())
        h.update(b"\0")
    return h.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers (another build, a crash half-way) never see half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def keep_newest(paths: Iterable[Path], keep: int) -> int:
    """Delete all but the `keep` most recently used of `paths` (files or folders); return how many."""
    entries = []
    for path in paths:
        try:
            entries.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue
    entries.sort(reverse=True)
    for _, path in entries[keep:]:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return max(len(entries) - keep, 0)


def store_files(folder: Path, files: list[Path]) -> None:
    """Copy finished files into a cache folder, with a list of their digests written last."""
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.mkdir(parents=True)
        for path in files:
            shutil.copyfile(path, folder / path.name)
        listing = {path.name: file_digest(path) for path in files}
        write_atomic(folder / "done.json", json.dumps(listing).encode())
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)  # without it the next build is only slower


def restore_files(folder: Path, target: Path) -> int:
    """Copy a cache folder's files into `target` if all are there intact; return how many."""
    try:
        listing = json.loads((folder / "done.json").read_text(encoding="utf-8"))
        if not isinstance(listing, dict) or not listing:
            return 0
        for name, digest in listing.items():
            if Path(name).name != name or file_digest(folder / name) != digest:
                return 0
        for name in sorted(listing):
            shutil.copyfile(folder / name, target / name)
        os.utime(folder)  # recently used: kept by keep_newest
        return len(listing)
    except (OSError, ValueError, TypeError):
        return 0


SCRATCH = "tmp"


@contextmanager
def scratch_folder(root: Path, prefix: str) -> Iterator[Path]:
    """A fresh working folder inside the project's cache, deleted after the block.

    Never in the system's temp folder: what a build stages stays with its project. Folders left
    by a process that was killed (their name carries its process id) are deleted here.
    """
    base = root / CACHE_DIR / SCRATCH
    base.mkdir(parents=True, exist_ok=True)
    clear_scratch(root)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-{os.getpid()}-", dir=base))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def clear_scratch(root: Path) -> None:
    """Delete the scratch folders of processes that are no longer running."""
    base = root / CACHE_DIR / SCRATCH
    try:
        entries = list(os.scandir(base))
    except OSError:
        return
    for entry in entries:
        parts = entry.name.split("-")
        if len(parts) >= 3 and parts[1].isdigit() and not pid_alive(int(parts[1])):
            shutil.rmtree(entry.path, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id is running (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


class Cache:
    """Pickled values in PROJECT/.bulletin-cache/<namespace>/<key>.pkl; disabled when `enabled` is false."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.dir = root / CACHE_DIR
        self.enabled = enabled

    def path(self, namespace: str, name: str, suffix: str = ".pkl") -> Path:
        return self.dir / namespace / f"{name}{suffix}"

    def get(self, namespace: str, name: str) -> Any | None:
        if not self.enabled:
            return None
        path = self.path(namespace, name)
        try:
            with path.open("rb") as handle:
                value = pickle.load(handle)
            os.utime(path)  # recently used: kept by prune
            return value
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, ValueError):
            return None

    def put(self, namespace: str, name: str, value: Any) -> None:
        """Store a value; a cache that cannot be written only makes the next build slower."""
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            write_atomic(self.path(namespace, name), data)
        except OSError:
            pass

    def prune(self, namespace: str, keep: int) -> int:
        """Delete all but the `keep` most recently used values of a namespace; return how many."""
        return keep_newest((self.dir / namespace).glob("*.pkl"), keep)


class Digests:
    """File digests remembered by their stat, so unchanged files are not read again.

    The stat (size, modification and change times, inode) only decides whether to re-read a
    file; what is compared is always the digest of its bytes, so a `touch` costs one re-read and
    rebuilds nothing.
    """

    def __init__(self, cache_dir: Path | None) -> None:
        self.path = cache_dir / "digests.json" if cache_dir is not None else None
        self.memo: dict[str, list[Any]] = {}
        self.dirty = False
        if self.path is not None:
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict):
                    self.memo = loaded
            except (OSError, ValueError):
                pass

    def file(self, path: Path) -> str:
        stat = path.stat()
        seen = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
        name = str(path.absolute())
        memo = self.memo.get(name)
        if memo is not None and memo[:4] == seen:
            return str(memo[4])
        digest = file_digest(path)
        self.memo[name] = [*seen, digest]
        self.dirty = True
        return digest

    def tree(self, paths: Iterable[Path], base: Path) -> str:
        """A digest of many files: their paths relative to `base` and their contents."""
        h = hashlib.blake2b(digest_size=20)
        for path in sorted(paths):
            if path.is_file():
                h.update(path.relative_to(base).as_posix().encode())
                h.update(b"\0")
                h.update(self.file(path).encode())
        return h.hexdigest()

    def folder(self, folder: Path, base: Path) -> str:
        """A digest of every file under `folder` (none: the digest of nothing)."""
        return self.tree(_files_under(folder), base)

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        # Forget files that are gone, so the memo does not grow with every renamed input.
        self.memo = {k: v for k, v in self.memo.items() if os.path.exists(k)}
        try:
            write_atomic(self.path, json.dumps(self.memo, ensure_ascii=False).encode())
        except OSError:
            return  # the digests are only read again, never trusted blindly
        self.dirty = False


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]


@functools.cache
def tool_digest() -> str:
    """A digest of the tool itself: its code and built-in templates (and its version).

    Once per process: the code that runs is the code that was loaded.
    """
    package = Path(__file__).resolve().parent
    h = hashlib.blake2b(digest_size=20)
    h.update(__version__.encode())
    for base in (package, package.parent / "site_templates"):
        for path in sorted(_files_under(base)):
            if path.suffix == ".pyc":
                continue
            h.update(path.relative_to(base).as_posix().encode())
            h.update(b"\0")
            h.update(file_digest(path).encode())
    return h.hexdigest()
