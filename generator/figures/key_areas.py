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
import pyarrow as pa
import pyarrow.compute as pc

from generator.figures.hierarchy import arrow_strings
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
    # Numbered by Arrow over the column as it is (no copy of its strings); each distinct value
    # stripped and normalised once, then every row looked up in that small table.
    encoded = pc.dictionary_encode(arrow_strings(series))
    return numbered_categories(encoded.indices, encoded.dictionary, nfkc)


def numbered_categories(
    indices: pa.Array, distinct: pa.Array, nfkc: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """category_codes of a column already numbered (`indices` into its `distinct` values)."""
    # stripped as pandas' str.strip strips (the same Arrow kernel), over Arrow, not row by row
    # in Python: a federation column has thousands of distinct names
    text = pc.utf8_trim_whitespace(distinct)
    blank = pc.fill_null(pc.equal(text, ""), True)
    values = pc.if_else(blank, pa.scalar(UNFILLED, text.type), text).to_pylist()
    if nfkc:
        values = [unicodedata.normalize("NFKC", t) for t in values]
    merged, categories = pd.factorize(np.asarray([*values, UNFILLED], dtype=object))
    merged = merged.astype(np.int32)
    # the indices' own buffer, read in place: a missing value's slot (any number) is set to
    # the last category, UNFILLED
    if indices.type != pa.int32() or not len(indices):
        filled = pc.fill_null(indices, len(values)).to_numpy(zero_copy_only=False)
        return merged[np.asarray(filled, dtype=np.int64)], np.asarray(categories, dtype=object)
    at = np.frombuffer(indices.buffers()[1], dtype=np.int32)[
        indices.offset : indices.offset + len(indices)
    ]
    if indices.null_count:
        at = np.where(_valid(indices), at, len(values))
    elif (merged[:-1] == np.arange(len(values))).all():
        return at, np.asarray(categories, dtype=object)  # each value its own category already
    return merged[at], np.asarray(categories, dtype=object)


def _valid(arr: pa.Array) -> np.ndarray:
    """Which entries of an array are not null, from its validity bitmap."""
    bits = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little", count=arr.offset + len(arr))[arr.offset :].view(
        bool
    )


def dimension_codes(enterprises: pd.DataFrame) -> dict[str, Numbered]:
    """category_codes of each dimension but 组建形式 (whose federations are counted apart)."""
    e = enterprises
    categories = {}
    for dimension in DIMENSIONS:
        if dimension == "union_form":
            continue  # the federations are counted below, among unionized enterprises
        column = e[dimension] if dimension in e else pd.Series(pd.NA, index=e.index)
        # 村（社区） as written in Chinese is 村(社区) of the contract
        categories[dimension] = category_codes(column, nfkc=dimension == "area_type")
    return categories


def form_numbers(column: pd.Series) -> np.ndarray:
    """Each row's 组建形式 numbered in FEDERATION_FORMS (-1: another form, or none)."""
    # the column numbered by its few values (cheaper than looking each row up), each value
    # looked up once
    encoded = pc.dictionary_encode(arrow_strings(column))
    found = pc.index_in(encoded.dictionary, value_set=pa.array(FEDERATION_FORMS))
    lookup = np.append(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), -1)  # -1: none
    indices = encoded.indices
    if indices.type != pa.int32() or not len(indices):
        filled = pc.fill_null(indices, len(lookup) - 1).to_numpy(zero_copy_only=False)
        return np.asarray(lookup[np.asarray(filled, dtype=np.int64)], dtype=np.int64)
    at = np.frombuffer(indices.buffers()[1], dtype=np.int32)[
        indices.offset : indices.offset + len(indices)
    ]
    if indices.null_count:
        at = np.where(_valid(indices), at, len(lookup) - 1)
    return np.asarray(lookup, dtype=np.int64)[at]


def reduce_groups(
    enterprises: pd.DataFrame,
    known: np.ndarray,
    active: np.ndarray,
    unionized: np.ndarray,
    units: Numbered | None = None,
    employees: np.ndarray | None = None,
    forms: np.ndarray | None = None,
    categories: dict[str, Numbered] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts per (own unit, dimension, category) of active enterprises, and the federations.

    `known` marks the rows whose unit code is in the roster (others are roster errors);
    `active` and `unionized` are the row masks of CONTRACT §3.1; `units`, when the caller has
    it, each row's unit numbered (-1: none) and the codes numbered, saving a pass over them;
    `employees` (a missing count 0), `forms` (form_numbers: each row's 组建形式 numbered) and
    `categories` (dimension_codes) likewise, when the caller has worked them out.
    """
    e = enterprises
    rows = known & active
    if employees is None:
        employees = e["employees"].to_numpy(dtype=np.int64, na_value=0)
    # Numbered over the whole column (no copy of a million strings).
    code_at, code_values = pd.factorize(e["unit"].astype("string")) if units is None else units
    code_values = np.asarray(code_values, dtype=object)
    if categories is None:
        categories = dimension_codes(e)
    grouped = group_counts((code_at, code_values), categories, unionized, employees, rows)

    if forms is None:
        forms = form_numbers(
            e["union_form"] if "union_form" in e else pd.Series(pd.NA, index=e.index)
        )
    at = np.flatnonzero(rows & unionized & (forms >= 0))
    name = e["federation"] if "federation" in e else pd.Series(pd.NA, index=e.index)
    feds, per_form = _federations(
        (code_at[at], code_values),
        forms[at],
        category_codes(name.take(at)),
        employees[at],
    )
    out = pd.concat([grouped, per_form], ignore_index=True)
    out = out.astype({"code": "string", "dimension": "string", "category": "string"}).loc[
        :, list(GROUP_COLUMNS)
    ]
    return out.reset_index(drop=True), feds


def _federations(
    code: Numbered, form_at: np.ndarray, federation: Numbered, employees: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The federated enterprises' counts per (code, form, federation) and per (code, form),
    sorted by their strings (as a groupby over them would be), counted over numbers."""
    code_at, code_values = code
    name_at, names = federation
    forms = np.asarray(FEDERATION_FORMS, dtype=object)
    width = max(len(names), 1)
    key = (code_at.astype(np.int64) * len(forms) + form_at) * width + name_at
    keys, at = _unique_inverse(key)
    count = np.bincount(at, minlength=len(keys)).astype(np.int64)
    employed = _sums(at, employees, len(keys))
    name_of, pair = keys % width, keys // width
    form_of, code_of = pair % len(forms), pair // len(forms)
    order = np.lexsort(
        (
            _ranks(np.asarray(names, dtype=object))[name_of] if len(names) else name_of,
            _ranks(forms)[form_of],
            _ranks(code_values)[code_of] if len(code_values) else code_of,
        )
    )
    code_of, form_of, name_of = code_of[order], form_of[order], name_of[order]
    count, employed = count[order], employed[order]
    feds = pd.DataFrame(
        {
            "code": pd.array(code_values[code_of], "string"),
            "form": pd.array(forms[form_of], "string"),
            "federation": pd.array(np.asarray(names, dtype=object)[name_of], "string"),
            "enterprises": count,
            "employees": employed,
        }
    )
    # Per (code, form): the federations' rows are sorted by both already, each pair in one run.
    starts = np.flatnonzero(
        np.r_[True, (code_of[1:] != code_of[:-1]) | (form_of[1:] != form_of[:-1])]
    )[: len(order)]
    summed = np.add.reduceat(count, starts) if len(starts) else count[:0]
    employed_sum = np.add.reduceat(employed, starts) if len(starts) else employed[:0]
    per_form = pd.DataFrame(
        {
            "code": pd.array(code_values[code_of[starts]], "string"),
            "category": pd.array(forms[form_of[starts]], "string"),
            "enterprises": summed,
            "employees": employed_sum,
            "dimension": "union_form",
            "unionized": summed,
        }
    )
    return feds, per_form


Numbered = tuple[np.ndarray, np.ndarray]  # (each row's number, -1 for none; the values)


def group_counts(
    code: Numbered,
    categories: dict[str, Numbered],
    unionized: np.ndarray,
    employees: np.ndarray,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Enterprises, unionized ones and employees per (code, dimension, category) that has rows
    (of those in `rows`, when given), sorted by the three: each (code, category) pair numbered
    and counted with `bincount`, not grouped over strings (a province ledger has a million rows
    of each dimension), and the groups sorted by the ranks of their strings, not by them."""
    code_at, code_values = code
    code_values = np.asarray(code_values, dtype=object)
    code_rank = _ranks(code_values)
    dimension_rank = _ranks(np.asarray(list(categories), dtype=object))
    counted_rows = code_at >= 0 if rows is None else rows & (code_at >= 0)
    base = np.asarray(code_at, dtype=np.int64)
    flag = np.asarray(unionized, dtype=bool)
    weights = np.asarray(employees, dtype=np.float64)  # once for every dimension
    # the rows counted in no group numbered past every code, once for every dimension
    n_codes = len(code_values)
    beyond = np.where(counted_rows, base, n_codes)
    parts: list[tuple[np.ndarray, ...]] = []
    for d, (category_at, category_values) in enumerate(categories.values()):
        # A row without a code or a category is in no group (groupby drops it too).
        width = max(len(category_values), 1)
        size = n_codes * width
        every = not len(category_at) or int(category_at.min()) >= 0
        if every and (size + width) * 2 <= 8_000_000:
            # Every pair numbered densely, the rows in no group past them; worked in place
            key = beyond * width
            key += category_at
            summed = np.bincount(key, weights=weights, minlength=size + width)[:size]
            key *= 2
            key += flag
            both = np.bincount(key, minlength=2 * (size + width))[: 2 * size]
            counts = both[0::2] + both[1::2]
            pairs = np.flatnonzero(counts)
            counted, unions = counts[pairs], both[1::2][pairs]
            employed = np.rint(summed[pairs]).astype(np.int64)
            del key
        elif size <= 4_000_000:
            keep = counted_rows & (category_at >= 0)
            # Every pair numbered densely; the rows in no group counted one past the end.
            key = base * width + category_at
            if not keep.all():
                key = np.where(keep, key, size)
            both = np.bincount(key * 2 + flag, minlength=2 * size + 2)[: 2 * size]
            pairs = np.flatnonzero(both[0::2] + both[1::2])
            counted = (both[0::2] + both[1::2])[pairs]
            unions = both[1::2][pairs]
            employed = _sums(key, weights, size + 1)[pairs]
        else:  # numbered by the pairs present (too many to count in one array of all)
            keep = counted_rows & (category_at >= 0)
            keys, at = np.unique(base[keep] * width + category_at[keep], return_inverse=True)
            pairs, counted = keys, np.bincount(at, minlength=len(keys))
            unions = _sums(at, flag[keep], len(keys))
            employed = _sums(at, weights[keep], len(keys))
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
                counted.astype(np.int64),
                unions.astype(np.int64),
                employed,
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


def _unique_inverse(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(key, return_inverse=True): the rows hashed, only the distinct keys sorted."""
    at, distinct = pd.factorize(key)
    order = np.argsort(distinct)
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[order] = np.arange(len(distinct))
    return np.asarray(distinct)[order], rank[at]


def _ranks(values: np.ndarray) -> np.ndarray:
    """Each string's rank in code point order (equal strings the same rank)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.asarray(np.unique(values.astype(str), return_inverse=True)[1], dtype=np.int64)


def _sums(at: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Integer sums of values per number in `at` (exact: the sums stay far below 2**53)."""
    return np.rint(np.bincount(at, weights=values, minlength=size)).astype(np.int64)


def _spread(h: Hierarchy, codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """For each row, one entry per unit it adds into (itself and its ancestors): (row, unit);
    a row of an unknown or missing code adds into none."""
    pos = h.positions(codes)
    # h.desc is in unit order: each unit's (desc, anc) pairs are one run of them
    runs = np.bincount(h.desc, minlength=h.n)
    starts = np.cumsum(runs) - runs
    rows = np.flatnonzero(pos >= 0)
    many = runs[pos[rows]]
    row = np.repeat(rows, many)
    within_run = np.arange(len(row)) - np.repeat(np.cumsum(many) - many, many)
    return row, h.anc[np.repeat(starts[pos[rows]], many) + within_run]


def _numbered(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's number (-1: missing) and the values numbered."""
    at, uniques = pd.factorize(values)
    return np.asarray(at, dtype=np.int64), np.asarray(uniques, dtype=object)


def _a_row_of(at: np.ndarray, n: int) -> np.ndarray:
    """For each of `n` numbers, a row numbered so (the last one)."""
    rows = np.zeros(n, dtype=np.int64)
    valid = at >= 0
    rows[at[valid]] = np.flatnonzero(valid)
    return rows


#: the dtype pandas gives a column of Python strings (roll_groups' codes were made so)
_TEXT_DTYPE = pd.Series(np.asarray(["-"], dtype=object)).dtype


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (one sort; np.unique hashes, slower on these keys)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _named_federations(
    h: Hierarchy, federations: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, dict[str, int], int]:
    """Distinct named federations per (unit, form), each unit with its descendants': the
    (unit, form) pairs numbered unit * forms + form, sorted, their counts, the forms numbered,
    and how many forms."""
    row, unit = _spread(h, federations["code"])
    form_at, forms = _numbered(federations["form"])
    name_at, names = _numbered(federations["federation"])
    # a missing name (-1) read as UNFILLED: neither is counted
    named = (form_at >= 0) & (np.append(names, UNFILLED)[name_at] != UNFILLED)
    keep = named[row]
    row, unit = row[keep], unit[keep]
    n_forms, n_names = max(len(forms), 1), max(len(names), 1)
    pair_of = _distinct((unit * n_forms + form_at[row]) * n_names + name_at[row]) // n_names
    starts = np.flatnonzero(np.r_[True, pair_of[1:] != pair_of[:-1]]) if len(pair_of) else pair_of
    counts = np.diff(np.append(starts, len(pair_of)))
    numbered = {str(form): i for i, form in enumerate(forms)}
    return pair_of[starts], counts, numbered, n_forms


def roll_groups(h: Hierarchy, groups: pd.DataFrame, federations: pd.DataFrame) -> pd.DataFrame:
    """The breakdowns of every unit (itself and its descendants), with rates and federations.

    Columns: code, dimension, category, enterprises, unionized, non_unionized, employees,
    coverage_rate (null without enterprises), federations (distinct named federations of a
    组建形式 category; 0 elsewhere). A federation named in two townships is one federation of
    their county. Rows: by unit in official order, dimension, then category.
    """
    # Over numbers, not strings: each row spread to the units it adds into, keyed by (unit,
    # dimension, category) numbered, and summed per key in one sorted pass (a province period
    # has some 50 000 rows, each added into three or four units).
    row, unit = _spread(h, groups["code"])
    dim_at, dims = _numbered(groups["dimension"])
    cat_at, cats = _numbered(groups["category"])
    dim_rank, cat_rank = _ranks(dims), _ranks(cats)
    keep = (dim_at[row] >= 0) & (cat_at[row] >= 0)  # a missing key is in no group
    row, unit = row[keep], unit[keep]
    n_dims, n_cats = max(len(dims), 1), max(len(cats), 1)
    key = (unit * n_dims + dim_at[row]) * n_cats + cat_at[row]
    order = np.argsort(key, kind="stable")
    key, row = key[order], row[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else key[:0]
    keys = key[starts]
    sums = {
        name: np.add.reduceat(groups[name].to_numpy(dtype=np.int64)[row], starts)
        if len(starts)
        else np.zeros(0, dtype=np.int64)
        for name in ("enterprises", "unionized", "employees")
    }
    k_unit, k_dim, k_cat = keys // (n_dims * n_cats), (keys // n_cats) % n_dims, keys % n_cats
    rank = np.empty(h.n, dtype=np.int64)
    rank[h.official] = np.arange(h.n)
    # by unit in official order, then dimension and category as strings (code point order)
    shown = np.lexsort((cat_rank[k_cat], dim_rank[k_dim], rank[k_unit]))
    k_unit, k_dim, k_cat = k_unit[shown], k_dim[shown], k_cat[shown]
    sums = {name: values[shown] for name, values in sums.items()}

    is_form = dims[k_dim] == "union_form" if len(dims) else np.zeros(0, dtype=bool)
    pairs, counts, form_of, n_forms = _named_federations(h, federations)
    at = np.flatnonzero(is_form)
    # each 组建形式 row's (unit, form) looked up among the pairs counted (-1: a form not named)
    form = np.array([form_of.get(str(c), -1) for c in cats], dtype=np.int64)[k_cat[at]]
    wanted = np.where(form >= 0, k_unit[at] * n_forms + form, -1)
    found = np.minimum(np.searchsorted(pairs, wanted), max(len(pairs) - 1, 0))
    hit = (form >= 0) & (pairs[found] == wanted) if len(pairs) else np.zeros(len(at), dtype=bool)
    federation_count = np.zeros(len(k_unit), dtype=np.int64)
    federation_count[at[hit]] = counts[found[hit]]
    named = len(pairs) > 0
    enterprises, unionized = sums["enterprises"], sums["unionized"]
    rate = np.full(len(k_unit), np.nan)
    np.divide(unionized, enterprises, out=rate, where=(enterprises > 0) & ~is_form)
    # The dtypes the pandas merge this replaces gave (kept: the frames are compared and
    # cached): code inferred from Python strings; dimension object where either a federation
    # is counted or no row is (not both), else the groups' own dtype.
    as_object = named != (not len(k_unit))
    return pd.DataFrame(
        {
            "code": pd.Series(
                pd.array(h.codes_arrow.take(k_unit), dtype=_TEXT_DTYPE)
                if len(k_unit)
                else np.asarray(h.codes, dtype=object)[k_unit]
            ),
            "dimension": pd.Series(
                dims[k_dim], dtype=object if as_object else groups["dimension"].dtype
            ),
            # taken from the rows that have them, not made again from Python strings
            "category": groups["category"].array.take(_a_row_of(cat_at, len(cats))[k_cat]),
            "enterprises": enterprises,
            "unionized": unionized,
            "non_unionized": np.where(is_form, 0, enterprises - unionized),
            "employees": sums["employees"],
            "coverage_rate": rate,
            "federations": federation_count,
        }
    )


def federation_counts(h: Hierarchy, rolled: pd.DataFrame) -> np.ndarray:
    """Distinct named federations per unit (both forms), in roster order."""
    forms = (rolled["dimension"] == "union_form").to_numpy(dtype=bool, na_value=False)
    pos = h.positions(rolled["code"][forms])
    counts = rolled["federations"].to_numpy(dtype=np.float64)[forms]
    return np.bincount(pos[pos >= 0], weights=counts[pos >= 0], minlength=h.n)


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
