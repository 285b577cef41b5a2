"""Finished files kept in the build cache with the digest of their bytes, checked on reuse.

A file in .bulletin-cache/ may be damaged (a disk, a copy cut short) or planted (a project
folder is copied and shared with its cache): what is published from there must be the bytes a
build made. Each kept file carries, on its first line, the digest of the bytes after it, written
when the build made them; a file whose digest line does not vouch for every byte is not reused
(the output is made again), never published.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def seal(data: bytes) -> bytes:
    """`data` as the cache keeps it: the digest of its bytes on the first line."""
    return hashlib.blake2b(data, digest_size=20).hexdigest().encode() + b"\n" + data


def unseal(kept: bytes) -> bytes | None:
    """The bytes of a kept file, or None unless its digest line vouches for every byte."""
    digest, _, data = kept.partition(b"\n")
    if not data or hashlib.blake2b(data, digest_size=20).hexdigest().encode() != digest:
        return None
    return data


def read_sealed(path: Path) -> bytes | None:
    """The bytes kept at `path`, or None when it is missing, unreadable, damaged or planted."""
    try:
        return unseal(path.read_bytes())
    except OSError:
        return None
