"""The build cache under PROJECT/.bulletin-cache/: results keyed by content hashes.

Keys hash file contents (never modification times), so `touch`-ing an input rebuilds nothing,
and they include the tool's version, so an upgrade starts afresh.

Nothing in the cache can run code when read: a project folder is copied and shared with its
cache, so a planted file must be data at worst. Values are stored in one format (`encode`):
JSON for plain values, Arrow IPC for tables and arrays, and a fixed list of the tool's own
record types rebuilt field by field; never pickle. One atomic writer (`write_atomic`), one
eviction rule (`keep_newest`: the most recently used entries of each kind are kept).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import hashlib
import importlib
import importlib.metadata
import io
import json
import os
import pickle
import shutil
import struct
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path, PurePath
from typing import Any

from generator import __version__
from generator.common.paths import CACHE_DIR as CACHE_DIR  # its old home, for imports of it
from generator.common.paths import ProjectPaths
from generator.common.periods import Period

_FORMAT = 1  # bump when a cached value's shape changes


def file_digest(path: Path, algorithm: str = "blake2b") -> str:
    """The digest of a file's bytes: blake2b (20 bytes) for the cache's keys, or `algorithm`
    ("sha256" for the registers users may check a file against)."""
    with path.open("rb") as handle:
        if algorithm == "blake2b":
            return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=20)).hexdigest()
        return hashlib.file_digest(handle, algorithm).hexdigest()


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


def keep_newest(paths: Iterable[Path], keep: int, used_within: float = 0.0) -> int:
    """The cache's one eviction rule: delete what is neither among the `keep` most recently
    used of `paths` (files or folders) nor used in the last `used_within` seconds.

    "Used" is the modification time, which a cache hit refreshes (`os.utime`). Returns how many
    were deleted.
    """
    import time

    entries = []
    for path in paths:
        try:
            entries.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue
    entries.sort(reverse=True)
    limit = (time.time() - used_within) * 1e9
    removed = 0
    for used, path in entries[keep:]:
        if used_within and used >= limit:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed


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
    base = ProjectPaths(root).cache / SCRATCH
    base.mkdir(parents=True, exist_ok=True)
    clear_scratch(root)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-{os.getpid()}-", dir=base))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def clear_scratch(root: Path) -> None:
    """Delete the scratch folders of processes that are no longer running."""
    base = ProjectPaths(root).cache / SCRATCH
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


# ---- the cache's one format: data that cannot execute ----------------------------------------

_MAGIC = b"BULLETIN-CACHE-1\n"

#: the only record types a cached value may hold, by the name written in the file
RECORDS = {
    "Period": "generator.common.periods:Period",
    "Problem": "generator.common.problems:Problem",
    "PeriodReduction": "generator.figures.reduce:PeriodReduction",
    "SnapshotState": "generator.rosters.load:SnapshotState",
    "SnapshotEntry": "generator.build:SnapshotEntry",
    "CountyReport": "generator.common.record:CountyReport",
}


class CacheFormatError(ValueError):
    """A cache file that is not in the cache's format (damaged, old or planted)."""


def encode(value: Any) -> bytes:
    """A value as bytes: JSON for the structure, Arrow IPC for tables and arrays."""
    blobs: list[bytes] = []
    tree = _encode(value, blobs)
    header = json.dumps(
        {"value": tree, "blobs": [len(b) for b in blobs]}, ensure_ascii=False, sort_keys=True
    ).encode("utf-8")
    return b"".join([_MAGIC, struct.pack("<Q", len(header)), header, *blobs])


def decode(data: bytes) -> Any:
    """The value `encode` wrote; CacheFormatError for anything else."""
    try:
        if not data.startswith(_MAGIC):
            raise CacheFormatError("not a cache file")
        start = len(_MAGIC) + 8
        (size,) = struct.unpack("<Q", data[len(_MAGIC) : start])
        header = json.loads(data[start : start + size].decode("utf-8"))
        blobs, offset = [], start + size
        for length in header["blobs"]:
            blobs.append(data[offset : offset + int(length)])
            offset += int(length)
        return _decode(header["value"], blobs)
    except CacheFormatError:
        raise
    except Exception as exc:  # a damaged file is only a cache miss
        raise CacheFormatError(str(exc)) from exc


def _encode(value: Any, blobs: list[bytes]) -> Any:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        items = [_encode(v, blobs) for v in value]
        return items if isinstance(value, list) else {"t": "tuple", "v": items}
    if isinstance(value, dict):
        return {
            "t": "dict",
            "v": [[_encode(k, blobs), _encode(v, blobs)] for k, v in value.items()],
        }
    if isinstance(value, set | frozenset):
        return {"t": "set", "v": sorted((_encode(v, blobs) for v in value), key=repr)}
    if isinstance(value, pd.DataFrame):
        table = pa.Table.from_pandas(value, preserve_index=True)
        return {"t": "frame", "v": _blob(table, blobs)}
    if isinstance(value, pa.Array | pa.ChunkedArray):
        return {"t": "arrow", "v": _blob(pa.table({"a": value}), blobs)}
    if isinstance(value, np.ndarray):
        return {"t": "numpy", "v": _blob(pa.table({"a": pa.array(value)}), blobs)}
    if isinstance(value, np.generic):
        return _encode(value.item(), blobs)
    name = type(value).__name__
    if dataclasses.is_dataclass(value) and RECORDS.get(name) == _qualified(type(value)):
        fields = {f.name: _encode(getattr(value, f.name), blobs) for f in dataclasses.fields(value)}
        return {"t": "record", "n": name, "v": fields}
    raise TypeError(f"not cacheable: {type(value)!r}")


def _decode(tree: Any, blobs: list[bytes]) -> Any:
    if tree is None or isinstance(tree, bool | int | float | str):
        return tree
    if isinstance(tree, list):
        return [_decode(v, blobs) for v in tree]
    if not isinstance(tree, dict):
        raise CacheFormatError("unexpected value")
    kind = tree.get("t")
    value: Any = tree.get("v")
    if kind == "tuple":
        return tuple(_decode(v, blobs) for v in value)
    if kind == "dict":
        return {_decode(k, blobs): _decode(v, blobs) for k, v in value}
    if kind == "set":
        return {_decode(v, blobs) for v in value}
    if kind == "frame":
        return _table(blobs[int(value)]).to_pandas()
    if kind == "arrow":
        return _table(blobs[int(value)]).column("a").combine_chunks()
    if kind == "numpy":
        return _table(blobs[int(value)]).column("a").to_numpy()
    if kind == "record":
        target = RECORDS.get(str(tree.get("n")))
        if target is None:
            raise CacheFormatError("unknown record type")
        module, _, name = target.partition(":")
        cls = getattr(importlib.import_module(module), name)
        return cls(**{str(k): _decode(v, blobs) for k, v in value.items()})
    raise CacheFormatError("unknown value kind")


def _qualified(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _blob(table: Any, blobs: list[bytes]) -> int:
    import pyarrow as pa

    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    blobs.append(sink.getvalue())
    return len(blobs) - 1


def _table(data: bytes) -> Any:
    import pyarrow as pa

    with pa.ipc.open_stream(pa.py_buffer(data)) as reader:
        return reader.read_all()


class Cache:
    """Values in PROJECT/.bulletin-cache/<namespace>/<key>.bin (see `encode`); disabled when
    `enabled` is false."""

    SUFFIX = ".bin"

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.dir = ProjectPaths(root).cache
        self.enabled = enabled

    def path(self, namespace: str, name: str) -> Path:
        return self.dir / namespace / f"{name}{self.SUFFIX}"

    def get(self, namespace: str, name: str) -> Any | None:
        if not self.enabled:
            return None
        path = self.path(namespace, name)
        try:
            value = decode(path.read_bytes())
            os.utime(path)  # recently used: kept by prune
            return value
        except (OSError, CacheFormatError):
            return None

    def put(self, namespace: str, name: str, value: Any) -> None:
        """Store a value; a cache that cannot be written only makes the next build slower."""
        with contextlib.suppress(OSError):
            write_atomic(self.path(namespace, name), encode(value))

    def put_encoded(self, namespace: str, name: str, data: bytes) -> None:
        """Store a value already encoded (`encode`), when its bytes serve another use too."""
        with contextlib.suppress(OSError):
            write_atomic(self.path(namespace, name), data)

    def prune(self, namespace: str, keep: int) -> int:
        """Delete all but the `keep` most recently used values of a namespace; return how many."""
        folder = self.dir / namespace
        for stale in folder.glob("*.pkl"):  # an earlier version's format, never read
            stale.unlink(missing_ok=True)
        return keep_newest(folder.glob(f"*{self.SUFFIX}"), keep)


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


class Unkeyed(TypeError):
    """A value value_digest cannot name exactly (a function, an object of the renderer)."""


#: What a digested value may hold besides the plain values (None, bool, int, float, str, bytes,
#: list, tuple, dict, set): each names its value exactly by its type and fields.
_KEYED = (PurePath, Period, date, enum.Enum, str, int, float, list, dict, tuple)


class _Digester(pickle.Pickler):
    """Writes a value as bytes that name it exactly, for its digest only (never read back).

    orjson writes a NaN as null, as it writes None: a page showing "—" for a missing figure
    and one showing a NaN had one key. Pickle's bytes keep every float (NaN, -0.0),
    and every type (1 and 1.0 and True, a tuple and a list); without its memo ("fast" mode)
    equal values give equal bytes whichever objects they share. A value of another kind (a
    function, a class, an object of the renderer) raises Unkeyed: what it keys is made again.
    """

    def reducer_override(self, obj: Any) -> Any:
        # only objects that are not plain values come here (exact int, float, str, list, dict,
        # tuple, set and None never do), and the classes their reductions name
        numpy = sys.modules.get("numpy")  # not imported: no numpy value to write
        scalars: tuple[type, ...] = (numpy.generic,) if numpy is not None else ()
        if isinstance(obj, type):
            if dataclasses.is_dataclass(obj) or issubclass(obj, (*_KEYED, *scalars)):
                return NotImplemented  # named by its module and name
        elif isinstance(obj, scalars):
            value = obj.item()  # type: ignore[attr-defined]
            return type(obj), (
                value,
            )  # its type and value (numpy's own reduction names a function)
        elif isinstance(obj, _KEYED) or dataclasses.is_dataclass(obj):
            return NotImplemented  # the type's own reduction: its class by name and its fields
        raise Unkeyed(type(obj).__qualname__)


def value_digest(value: Any, digester: type[_Digester] | None = None) -> str:
    """The digest of a value made of model records, containers, text and numbers.

    Raises Unkeyed for a value of another kind (a function, an object of the renderer).
    Sets are written in their iteration order: an equal set may give another digest in
    another process (what it keys is then made again, never wrongly reused). `digester`: a
    subclass writing the same values as exactly (render/site_reuse.py's, faster on records).
    """
    out = io.BytesIO()
    writer = (digester or _Digester)(out, protocol=5)
    writer.fast = True  # no memo: the bytes depend on the values alone (a cycle raises)
    try:
        writer.dump(value)
    except (pickle.PicklingError, RecursionError, ValueError) as exc:
        raise Unkeyed(str(exc)) from exc
    return hashlib.blake2b(out.getvalue(), digest_size=20).hexdigest()


@functools.cache
def tool_digest() -> str:
    """A digest of the tool itself: its code and built-in templates (and its version), and the
    data it carries in a library: the official holidays (a new year announced moves deadlines).

    Once per process: the code that runs is the code that was loaded.
    """
    package = Path(__file__).resolve().parent.parent
    h = hashlib.blake2b(digest_size=20)
    h.update(__version__.encode())
    h.update(importlib.metadata.version("chinese-calendar").encode())
    for base in (package, package.parent / "site_templates"):
        for path in sorted(_files_under(base)):
            if path.suffix == ".pyc":
                continue
            h.update(path.relative_to(base).as_posix().encode())
            h.update(b"\0")
            h.update(file_digest(path).encode())
    return h.hexdigest()
