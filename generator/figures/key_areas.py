"""Stage 2, key areas and groups (CONTRACT §3.7): breakdowns of the ledger per unit.

`reduce_groups` reduces one period's ledger to counts per own unit code and category of each
dimension (所在区域类型, 经济类型, 行业, 组建形式) and to the federations named in it;
`roll_groups` adds them up the unit hierarchy. Pure functions on DataFrames, no I/O.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from generator.rosters.specs import AREA_TYPES

if TYPE_CHECKING:
    from generator.figures.hierarchy import Hierarchy

#: The breakdowns, in the order the bulletin and the pages show them, with their Chinese names.
DIMENSIONS: dict[str, str] = {
    "area_type": "所在区域类型",
    "ownership": "经济类型",
    "industry": "行业",
    "union_form": "组建形式",
}
#: The category of an enterprise that left the column empty.
UNFILLED = "未填写"
#: 组建形式 values of regional and industry federations.
FEDERATION_FORMS = ("区域性联合会", "行业性联合会")
#: How many industries the bulletin lists (those with the most non-unionized enterprises).
TOP_INDUSTRIES = 10

GROUP_COLUMNS = ("code", "dimension", "category", "enterprises", "unionized", "employees")
FEDERATION_COLUMNS = ("code", "form", "federation", "enterprises", "employees")


def empty_groups() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="string" if i < 3 else "int64") for i, c in enumerate(GROUP_COLUMNS)}
    )


def empty_federations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype="string" if i < 3 else "int64")
            for i, c in enumerate(FEDERATION_COLUMNS)
        }
    )


def _category(series: pd.Series, nfkc: bool = False) -> pd.Series:
    """Each value stripped, an empty or missing one UNFILLED, with `nfkc` in NFKC form; worked
    out once per distinct value (a column of a million rows has a few dozen)."""
    codes, uniques = pd.factorize(series.astype("string"))
    text = pd.Series(uniques, dtype="string").str.strip()
    text = text.mask(text.isna() | (text == ""), UNFILLED)
    values = [unicodedata.normalize("NFKC", t) if nfkc else t for t in text]
    categories = pd.array([*values, UNFILLED], dtype="string")  # the last: missing values
    return pd.Series(categories.take(np.where(codes < 0, len(values), codes)), index=series.index)


def category_codes(series: pd.Series, nfkc: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """`_category` as numbers: (each row's number, the categories numbered), two values the
    same once stripped (or in NFKC form) one category."""
    codes, uniques = pd.factorize(series.astype("string"))
    text = pd.Series(uniques, dtype="string").str.strip()
    text = text.mask(text.isna() | (text == ""), UNFILLED)
    values = [unicodedata.normalize("NFKC", t) if nfkc else t for t in text]
    merged, categories = pd.factorize(np.asarray([*values, UNFILLED], dtype=object))
    return merged[np.where(codes < 0, len(values), codes)], np.asarray(categories, dtype=object)


def reduce_groups(
    enterprises: pd.DataFrame,
    known: np.ndarray,
    active: np.ndarray,
    unionized: np.ndarray,
    units: Numbered | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts per (own unit, dimension, category) of active enterprises, and the federations.

    `known` marks the rows whose unit code is in the roster (others are roster errors);
    `active` and `unionized` are the row masks of CONTRACT §3.1; `units`, when the caller has
    it, each row's unit numbered (-1: none) and the codes numbered, saving a pass over them.
    """
    e = enterprises
    rows = known & active
    employees = e["employees"].to_numpy(dtype=np.int64, na_value=0)

    def kept(series: pd.Series, at: np.ndarray) -> pd.Series:
        """The rows at positions `at`, numbered from 0 (taken before any conversion: a ledger
        has up to millions of rows, and its strings stay in Arrow)."""
        return series.take(at).reset_index(drop=True)

    # Numbered over the whole column (no copy of a million strings), then the rows taken.
    code_at, code_values = pd.factorize(e["unit"].astype("string")) if units is None else units
    categories = {}
    for dimension in DIMENSIONS:
        if dimension == "union_form":
            continue  # the federations are counted below, among unionized enterprises
        column = e[dimension] if dimension in e else pd.Series(pd.NA, index=e.index)
        # 村（社区） as written in Chinese is 村(社区) of the contract
        at, values = category_codes(column, nfkc=dimension == "area_type")
        categories[dimension] = (at[rows], values)
    grouped = group_counts(
        (code_at[rows], np.asarray(code_values, dtype=object)),
        categories,
        unionized[rows],
        employees[rows],
    )

    form = (
        e["union_form"].astype("string") if "union_form" in e else pd.Series(pd.NA, index=e.index)
    )
    federated = rows & unionized & form.isin(FEDERATION_FORMS).to_numpy(dtype=bool, na_value=False)
    at = np.flatnonzero(federated)
    name = (
        e["federation"].astype("string")
        if "federation" in e
        else pd.Series(pd.NA, index=e.index, dtype="string")
    )
    feds = pd.DataFrame(
        {
            "code": kept(e["unit"].astype("string"), at),
            "form": kept(form, at),
            "federation": _category(kept(name, at)),
            "enterprises": np.ones(len(at), dtype=np.int64),
            "employees": employees[at],
        }
    )
    feds = feds.groupby(["code", "form", "federation"], sort=True, as_index=False)[
        ["enterprises", "employees"]
    ].sum()
    forms = feds.groupby(["code", "form"], as_index=False)[["enterprises", "employees"]].sum()
    forms = forms.rename(columns={"form": "category"}).assign(
        dimension="union_form", unionized=forms["enterprises"]
    )
    out = pd.concat([grouped, forms], ignore_index=True)
    out = out.astype({"code": "string", "dimension": "string", "category": "string"}).loc[
        :, list(GROUP_COLUMNS)
    ]
    feds = feds.astype({"code": "string", "form": "string", "federation": "string"})
    return out.reset_index(drop=True), feds.loc[:, list(FEDERATION_COLUMNS)]


Numbered = tuple[np.ndarray, np.ndarray]  # (each row's number, -1 for none; the values)


def group_counts(
    code: Numbered, categories: dict[str, Numbered], unionized: np.ndarray, employees: np.ndarray
) -> pd.DataFrame:
    """Enterprises, unionized ones and employees per (code, dimension, category) that has rows,
    sorted by the three: each (code, category) pair numbered and counted with `bincount`, not
    grouped over strings (a province ledger has a million rows of each dimension), and the
    groups sorted by the ranks of their strings, not by the strings."""
    code_at, code_values = code
    code_values = np.asarray(code_values, dtype=object)
    code_rank = _ranks(code_values)
    dimension_rank = _ranks(np.asarray(list(categories), dtype=object))
    parts: list[tuple[np.ndarray, ...]] = []
    for d, (category_at, category_values) in enumerate(categories.values()):
        # A row without a code or a category is in no group (groupby drops it too).
        keep = (code_at >= 0) & (category_at >= 0)
        width = max(len(category_values), 1)
        key = code_at[keep].astype(np.int64) * width + category_at[keep]
        # Numbered densely when the pairs are too many to count in one array of all of them.
        dense = len(code_values) * width <= 4_000_000
        keys, at = (
            (np.arange(len(code_values) * width), key)
            if dense
            else np.unique(key, return_inverse=True)
        )
        size = len(keys)
        counted = np.bincount(at, minlength=size)
        present = np.flatnonzero(counted)
        pairs = keys[present]
        codes, cats = pairs // width, pairs % width
        category_values = np.asarray(category_values, dtype=object)
        parts.append(
            (
                codes,
                np.full(len(pairs), d),
                category_values[cats] if len(category_values) else np.zeros(0, dtype=object),
                code_rank[codes],
                np.full(len(pairs), dimension_rank[d] if len(dimension_rank) else 0),
                _ranks(category_values)[cats] if len(category_values) else cats,
                counted[present].astype(np.int64),
                _sums(at, unionized[keep], size)[present],
                _sums(at, employees[keep], size)[present],
            )
        )
    if not parts:
        return pd.DataFrame(
            {
                c: pd.Series(dtype="string" if i < 3 else "int64")
                for i, c in enumerate(GROUP_COLUMNS)
            }
        )
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)]
    codes, dims, cats, by_code, by_dimension, by_category = columns[:6]
    # Sorted by code, dimension, category as strings (code point order), ties kept in order.
    order = np.lexsort((by_category, by_dimension, by_code))
    names = np.asarray(list(categories), dtype=object)
    return pd.DataFrame(
        {
            "code": pd.array(code_values[codes[order]], "string"),
            "dimension": names[dims[order]],
            "category": pd.array(cats[order], "string"),
            "enterprises": columns[6][order],
            "unionized": columns[7][order],
            "employees": columns[8][order],
        }
    )


def _ranks(values: np.ndarray) -> np.ndarray:
    """Each string's rank in code point order (equal strings the same rank)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.asarray(np.unique(values.astype(str), return_inverse=True)[1], dtype=np.int64)


def _sums(at: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Integer sums of values per number in `at` (exact: the sums stay far below 2**53)."""
    return np.rint(np.bincount(at, weights=values, minlength=size)).astype(np.int64)


def _ancestors(h: Hierarchy, codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """For each row, one entry per unit it adds into (itself and its ancestors): (row, unit)."""
    pos = h.positions(codes)
    pairs = pd.DataFrame({"desc": h.desc, "anc": h.anc})
    rows = pd.DataFrame({"row": np.arange(len(pos)), "desc": pos})
    merged = rows.merge(pairs, on="desc", how="inner")
    return merged["row"].to_numpy(dtype=np.int64), merged["anc"].to_numpy(dtype=np.int64)


def roll_groups(h: Hierarchy, groups: pd.DataFrame, federations: pd.DataFrame) -> pd.DataFrame:
    """The breakdowns of every unit (itself and its descendants), with rates and federations.

    Columns: code, dimension, category, enterprises, unionized, non_unionized, employees,
    coverage_rate (null without enterprises), federations (distinct named federations of a
    组建形式 category; 0 elsewhere). A federation named in two townships is one federation of
    their county. Rows: by unit in official order, dimension, then category.
    """
    row, anc = _ancestors(h, groups["code"])
    spread = groups.iloc[row].reset_index(drop=True)
    spread["unit"] = anc
    rolled = spread.groupby(["unit", "dimension", "category"], as_index=False)[
        ["enterprises", "unionized", "employees"]
    ].sum()

    frow, fanc = _ancestors(h, federations["code"])
    named = federations.iloc[frow].reset_index(drop=True)
    named["unit"] = fanc
    named = named[named["federation"] != UNFILLED]
    counts = (
        named.drop_duplicates(["unit", "form", "federation"])
        .groupby(["unit", "form"], as_index=False)
        .size()
        .rename(columns={"form": "category", "size": "federations"})
    )
    counts["dimension"] = "union_form"
    rolled = rolled.merge(counts, on=["unit", "dimension", "category"], how="left")
    rolled["federations"] = rolled["federations"].fillna(0).astype(np.int64)
    rolled["non_unionized"] = np.where(
        rolled["dimension"] == "union_form", 0, rolled["enterprises"] - rolled["unionized"]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = rolled["unionized"] / rolled["enterprises"].where(rolled["enterprises"] > 0)
    rolled["coverage_rate"] = np.where(rolled["dimension"] == "union_form", np.nan, rate)
    rank = np.empty(h.n, dtype=np.int64)
    rank[h.official] = np.arange(h.n)
    rolled["order"] = rank[rolled["unit"].to_numpy(dtype=np.int64)]
    rolled["code"] = np.array(h.codes, dtype=object)[rolled["unit"].to_numpy(dtype=np.int64)]
    rolled = rolled.sort_values(["order", "dimension", "category"], kind="stable")
    return rolled.loc[
        :,
        [
            "code",
            "dimension",
            "category",
            "enterprises",
            "unionized",
            "non_unionized",
            "employees",
            "coverage_rate",
            "federations",
        ],
    ].reset_index(drop=True)


def federation_counts(h: Hierarchy, rolled: pd.DataFrame) -> np.ndarray:
    """Distinct named federations per unit (both forms), in roster order."""
    out = np.zeros(h.n, dtype=np.float64)
    forms = rolled[rolled["dimension"] == "union_form"]
    sums = forms.groupby("code")["federations"].sum()
    where = {c: i for i, c in enumerate(h.codes)}
    for code, count in sums.items():
        out[where[str(code)]] = count
    return out


def display_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of roll_groups in display order, unit by unit (the frame's own unit order).

    Per unit, the dimensions in DIMENSIONS order: area types in their official order, ownership
    by enterprises, industries by non-unionized enterprises (the first TOP_INDUSTRIES with one
    or more), federation forms in their official order; 未填写 last everywhere.
    """
    if not len(frame):
        return frame
    dims = {name: i for i, name in enumerate(DIMENSIONS)}
    areas = {name: i for i, name in enumerate(AREA_TYPES)}
    forms = {name: i for i, name in enumerate(FEDERATION_FORMS)}
    category = frame["category"].astype(str)
    dimension = frame["dimension"].astype(str)
    is_industry = (dimension == "industry").to_numpy()
    unfilled = (category == UNFILLED).to_numpy()
    official = np.where(
        dimension == "area_type",
        category.map(lambda c: areas.get(c, len(areas))),
        np.where(dimension == "union_form", category.map(lambda c: forms.get(c, 9)), 0),
    )
    size = np.where(is_industry, -frame["non_unionized"], -frame["enterprises"])
    first_seen = pd.Series(pd.factorize(frame["code"])[0], index=frame.index)
    keyed = frame.assign(
        _unit=first_seen,
        _dim=dimension.map(dims).to_numpy(),
        _unfilled=unfilled,
        _official=official,
        _size=size,
        _name=category,
    )
    keep = ~is_industry | (~unfilled & (frame["non_unionized"] > 0).to_numpy())
    keyed = keyed[keep].sort_values(
        ["_unit", "_dim", "_unfilled", "_official", "_size", "_name"], kind="stable"
    )
    rank = keyed.groupby(["_unit", "_dim"], sort=False).cumcount()
    keyed = keyed[(keyed["dimension"] != "industry") | (rank < TOP_INDUSTRIES)]
    return keyed.drop(columns=["_unit", "_dim", "_unfilled", "_official", "_size", "_name"])
