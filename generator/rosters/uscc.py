"""The unified social credit code (统一社会信用代码, GB 32100-2015): its form, check character,
Excel's scientific notation and duplicates, over a whole column's bytes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator.rosters import codes
from generator.rosters.collector import Collector, _np_mask, _null_mask, _unique
from generator.rosters.values import SCIENTIFIC_PATTERN

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int32)
_USCC_LUT = np.full(256, 255, dtype=np.uint8)  # 255: not a USCC character
for _i, _ch in enumerate(USCC_ALPHABET):
    _USCC_LUT[ord(_ch)] = _i


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character of the first 17 characters of a USCC."""
    total = sum(USCC_ALPHABET.index(c) * int(w) for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


@dataclass
class UsccFindings:
    """What is wrong with a column of USCCs, by position (computed off the main thread)."""

    scientific: np.ndarray
    form_bad: np.ndarray
    checksum_bad: np.ndarray
    expected: list[str]  # the right check character, at the positions of checksum_bad
    candidates: np.ndarray  # positions that may be duplicates (to compare as text)


def analyse_uscc(text: pa.Array) -> UsccFindings:
    """Form, scientific notation, check character and duplicate candidates, over the bytes."""
    n = len(text)
    length18 = _np_mask(pc.equal(pc.binary_length(text), 18))
    present = ~_null_mask(text)
    checksum_bad = np.zeros(n, dtype=bool)
    expected: list[str] = []
    idx = np.flatnonzero(length18)
    chars_bad = np.zeros(len(idx), dtype=bool)
    maybe = np.zeros(len(idx), dtype=bool)
    if len(idx):
        sub = text if len(idx) == n else pc.take(text, pa.array(idx))
        if isinstance(sub, pa.ChunkedArray):
            sub = sub.combine_chunks()
        offsets = np.frombuffer(sub.buffers()[1], dtype=np.int32)
        offsets = offsets[sub.offset : sub.offset + len(sub) + 1]
        raw = np.frombuffer(sub.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        # Character by character over a transposed copy: short vector operations, and a table
        # lookup (`take`) per character position; the weighted sum stays below 2**16.
        columns = np.ascontiguousarray(raw.reshape(-1, 18).T)
        values = [_USCC_LUT.take(columns[i]) for i in range(18)]
        for v in values:
            if v.max() == 255:
                chars_bad |= v == 255
        total = np.zeros(len(idx), dtype=np.uint16)
        for i in range(17):
            total += values[i].astype(np.uint16) * np.uint16(USCC_WEIGHTS[i])
        check = (31 - total % 31) % 31
        wrong = ~chars_bad & (values[17] != check)
        if wrong.any():
            checksum_bad[idx[wrong]] = True
            expected = [""] * n
            alphabet = np.array(list(USCC_ALPHABET), dtype=object)
            for pos, char in zip(idx[wrong].tolist(), alphabet[check[wrong]], strict=True):
                expected[pos] = char
        # Duplicates: a 64-bit hash of the 18 bytes finds candidates in one pass; only those
        # (and codes of other lengths) are compared as text.
        words = np.ascontiguousarray(raw.reshape(-1, 18)[:, :16]).view(np.uint64)
        tail = raw.reshape(-1, 18)[:, 16:].astype(np.uint64)
        with np.errstate(over="ignore"):
            digest = (words[:, 0] * np.uint64(0x9E3779B97F4A7C15)) ^ words[:, 1]
            digest ^= (tail[:, 0] << np.uint64(56)) ^ (tail[:, 1] << np.uint64(48))
        maybe = _repeated(digest)
    # Excel's form has a `.`, `+` or `-`, which no USCC character is: only cells of another
    # length or with such characters can be one (none, in a clean ledger).
    suspects = present & ~length18
    suspects[idx[chars_bad]] = True
    scientific = np.zeros(n, dtype=bool)
    if suspects.any():
        where = np.flatnonzero(suspects)
        found = pc.match_substring_regex(pc.take(text, pa.array(where)), SCIENTIFIC_PATTERN)
        scientific[where] = _np_mask(found)
    form_bad = suspects & ~scientific
    # Codes Excel turned into numbers are not compared: equal numbers say nothing of the codes.
    others = np.flatnonzero(present & ~length18 & ~scientific)
    candidates = np.sort(np.concatenate([idx[maybe & ~scientific[idx]], others]))
    return UsccFindings(scientific, form_bad, checksum_bad, expected, candidates)


def _repeated(values: np.ndarray) -> np.ndarray:
    """Which values occur more than once (every occurrence): one sort finds the repeated
    values, usually none; only then is each value looked up among them."""
    ordered = np.sort(values)
    twice = ordered[1:][ordered[1:] == ordered[:-1]]
    if not len(twice):
        return np.zeros(len(values), dtype=bool)
    return np.isin(values, twice)


def _check_uscc(
    text: pa.Array, out: Collector, header: str, found: UsccFindings | None = None
) -> None:
    """Report the USCC findings (computing them here unless the column pass did)."""
    if len(text) == 0:
        return
    found = found or analyse_uscc(text)
    out.add_mask(codes.E_USCC_SCIENTIFIC, found.scientific, header, text)
    out.add_mask(codes.E_USCC_FORMAT, found.form_bad, header, text)
    out.add_mask(codes.E_USCC_CHECKSUM, found.checksum_bad, header, text, expected=found.expected)
    _unique(text, out, header, found.candidates)
