"""The unit hierarchy of the figures stage, and the array helpers its steps share."""

from __future__ import annotations

from datetime import date
from typing import TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.arrays import ArrowExtensionArray

from generator.rosters.units import UnitTree


class Hierarchy:
    """Unit codes with their levels, parents, counties and the pairs a roll-up adds along."""

    def __init__(self, units: pd.DataFrame, tree: UnitTree | None = None) -> None:
        tree = tree if tree is not None else UnitTree.from_frame(units)
        self.codes: list[str] = tree.codes
        self.index = pd.Index(self.codes, dtype=object)
        self.codes_arrow = pa.array(self.codes, type=pa.string())
        self.n = len(self.codes)
        self.level = np.array([tree.level[c] for c in self.codes], dtype=object)
        parents = [tree.parent[c] or "" for c in self.codes]
        self.parent = np.array(parents, dtype=object)
        position = {c: i for i, c in enumerate(self.codes)}
        self.parent_pos = np.array([position.get(p, -1) for p in parents], dtype=np.int64)
        required: dict[str, bool | None] = {}
        if "volunteer_required" in units:
            for code, value in zip(units["code"], units["volunteer_required"], strict=True):
                if isinstance(code, str):
                    required.setdefault(code, None if value is pd.NA else bool(value))
        self.volunteer_required = np.array([required.get(c) for c in self.codes], dtype=object)

        # Every unit adds into itself and each of its ancestors (a cycle is cut, not followed).
        desc: list[int] = []
        anc: list[int] = []
        self.depth = np.zeros(self.n, dtype=np.int64)
        for i in range(self.n):
            seen = {i}
            j = i
            while j >= 0:
                desc.append(i)
                anc.append(j)
                j = int(self.parent_pos[j])
                if j in seen:
                    break
                seen.add(j)
                if j >= 0:
                    self.depth[i] += 1
        self.desc = np.array(desc, dtype=np.int64)
        self.anc = np.array(anc, dtype=np.int64)

        self.county = np.array([tree.county[c] for c in self.codes], dtype=object)
        self.county_of = dict(tree.county)
        self.names = dict(tree.name)
        self.is_township = self.level == "township"
        self.is_county = self.level == "county"
        # Official order: the city, then each county followed by its townships.
        self.official = np.array([position[c] for c in tree.official], dtype=np.int64)

    @classmethod
    def of(cls, units: pd.DataFrame) -> Hierarchy:
        """The hierarchy of a units roster, built once for the same roster (each period of a
        build reduces its ledger against the same units: their contents are compared, not the
        frame's identity, so a roster changed in place is built again)."""
        digest = pd.util.hash_pandas_object(units, index=True).to_numpy().tobytes()
        key = (tuple(units.columns), digest)
        cached = _BUILT.get("last")
        if cached is not None and cached[0] == key:
            return cached[1]
        built = cls(units)
        _BUILT["last"] = (key, built)
        return built

    def positions(self, codes: pd.Series) -> np.ndarray:
        """Positions of unit codes in the roster (-1 for an unknown or missing code)."""
        if not len(codes):
            return np.zeros(0, dtype=np.int64)
        # Hash the few thousand unit codes once and look every row up in them.
        found = pc.index_in(str_array(codes), value_set=self.codes_arrow)
        return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)

    def count(
        self, pos: np.ndarray, mask: np.ndarray, weights: np.ndarray | None = None
    ) -> np.ndarray:
        """Per-unit count (or sum of weights) of the rows in `mask`; unknown units dropped."""
        slot = pos[mask] + 1
        w = None if weights is None else weights[mask].astype(np.float64)
        sums = np.bincount(slot, weights=w, minlength=self.n + 1)[1:]
        return np.rint(sums).astype(np.int64)

    def roll(self, own: np.ndarray) -> np.ndarray:
        """Roll per-unit values (periods, units) up the hierarchy: each unit plus its descendants."""
        out = np.zeros(own.shape, dtype=np.float64)
        np.add.at(out, (slice(None), self.anc), own[:, self.desc])  # type: ignore[arg-type]
        return out

    def children_sum(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Σ of the non-null values of each unit's children, and how many children had one."""
        has = ~np.isnan(values)
        parent = self.parent_pos
        ok = (parent >= 0) & has
        sums = np.bincount(parent[ok], weights=values[ok], minlength=self.n)
        counts = np.bincount(parent[ok], minlength=self.n)
        return sums, counts


#: the last hierarchy built, by the contents of its roster (Hierarchy.of)
_BUILT: dict[str, tuple[tuple[object, bytes], Hierarchy]] = {}

Strings: TypeAlias = pd.Series | pa.Array | pa.ChunkedArray


def str_array(series: Strings) -> pa.Array | pa.ChunkedArray:
    """A string column as an Arrow array (zero-copy for Arrow-backed columns)."""
    if isinstance(series, pa.Array | pa.ChunkedArray):
        return series
    return pa.array(series.astype("string"), type=pa.string(), from_pandas=True)


def arrow_strings(series: pd.Series) -> pa.Array:
    """A text column as one Arrow array, zero-copy where it is Arrow-backed already."""
    array = series.array
    if isinstance(array, ArrowExtensionArray):
        arrow = array.__arrow_array__()
        if pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type):
            # combining chunks copies them, even a single one
            return arrow.chunk(0) if arrow.num_chunks == 1 else arrow.combine_chunks()
    return pa.array(series.astype("string"), type=pa.string(), from_pandas=True)


def in_set(values: Strings, known: Strings) -> np.ndarray:
    """Which values are among `known` (a missing value never is, even beside a missing one)."""
    # skip_nulls: Arrow would otherwise match a null to a null of `known`, taking two rows
    # without a code for the same enterprise.
    found = pc.is_in(str_array(values), value_set=str_array(known), skip_nulls=True)
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


def index_in(values: Strings, known: Strings) -> np.ndarray:
    """Position of each value in `known` (-1 for a value not there; a missing value never is)."""
    found = pc.index_in(str_array(values), value_set=str_array(known), skip_nulls=True)
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def day_array(series: pd.Series) -> np.ndarray:
    """A date column as datetime64[D] (NaT where missing)."""
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = pd.to_datetime(series)
    # Days, whatever the column's resolution: no nanosecond range limit on old dates.
    return np.asarray(series.to_numpy()).astype("datetime64[D]")


def optional_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """An optional column, or an all-missing one where the frame has none."""
    if name in frame:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="object")


def iso_dates(values: pd.Series) -> np.ndarray:
    """Date cells as ISO text, missing ones as pd.NA (an object array), over the column."""
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce")
    days = np.asarray(values.to_numpy(dtype="datetime64[ns]")).astype("datetime64[D]")
    # Arrow writes a day as YYYY-MM-DD as numpy does (every year of datetime64[ns] has four
    # digits), straight into Python strings
    out = pa.array(days, from_pandas=True).cast(pa.string()).to_numpy(zero_copy_only=False)
    out[np.isnat(days)] = pd.NA
    return np.asarray(out, dtype=object)


def bool_array(series: pd.Series) -> np.ndarray:
    """A flag column as bools (a missing flag is False)."""
    return np.asarray(series.to_numpy(dtype=bool, na_value=False))


def int_array(series: pd.Series) -> np.ndarray:
    """A count column as int64 (a missing count is 0)."""
    return np.asarray(series.to_numpy(dtype=np.int64, na_value=0))


def within(days: np.ndarray, first: date | None, last: date) -> np.ndarray:
    """days in [first, last], or up to last when first is None (NaT never is)."""
    upto = days <= np.datetime64(last.isoformat(), "D")
    if first is None:
        return upto
    return upto & (days >= np.datetime64(first.isoformat(), "D"))


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 or missing (CONTRACT §3: rates are null then)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    ok = (den != 0) & ~np.isnan(den)
    np.divide(num, den, out=out, where=ok)
    return out


def shifted(values: np.ndarray, to: np.ndarray) -> np.ndarray:
    """values of the period at index to[p] for each period p (NaN where to[p] < 0)."""
    out = np.full(values.shape, np.nan)
    ok = to >= 0
    out[ok] = values[to[ok]]
    return out
