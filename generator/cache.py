"""The build cache under PROJECT/.bulletin-cache/: results keyed by content hashes.

Keys hash file contents (never modification times), so `touch`-ing an input rebuilds nothing,
and they include the tool's version, so an upgrade starts afresh.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable
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


def tree_digest(paths: Iterable[Path], base: Path) -> str:
    """A digest of many files: their paths relative to `base` and their contents."""
    h = hashlib.blake2b(digest_size=20)
    for path in sorted(paths):
        if path.is_file():
            h.update(path.relative_to(base).as_posix().encode())
            h.update(b"\0")
            h.update(file_digest(path).encode())
    return h.hexdigest()


def key(*parts: object) -> str:
    """A cache key from parts (strings, numbers, digests), with the tool's version."""
    h = hashlib.blake2b(digest_size=20)
    for part in (__version__, _FORMAT, *parts):
        h.update(repr(part).encode())
        h.update(b"\0")
    return h.hexdigest()


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
                return pickle.load(handle)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
            return None

    def put(self, namespace: str, name: str, value: Any) -> None:
        path = self.path(namespace, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        with temp.open("wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)  # readers never see half a file
