"""The rules of each roster over its typed columns (CONTRACT §2): references to units, the
enterprise ledger's row rules and categories, the unit hierarchy, repeated entries. Each rule
is a mask over whole columns; Python values only for the cells reported."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from generator.rosters import codes
from generator.rosters.collector import Collector, _np_mask, _null_mask, _show, _unique
from generator.rosters.specs import (
    ENTERPRISES,
    LISTED_VALUES,
    TARGETS,
    UNITS,
    VOLUNTEER_REVIEWS,
    VOLUNTEERS,
    Campaign,
)
from generator.rosters.uscc import _check_uscc
from generator.rosters.values import as_string_array, enum_table, header_key

if TYPE_CHECKING:
    from generator.rosters.validate import Context


LEVEL_NAMES = {"city": "市", "county": "县市区", "township": "乡镇（街道）"}


def _check_units(
    arrays: dict[str, pa.Array],
    out: Collector,
    ctx: Context,
    column: str,
    header: str,
    allowed: tuple[str, ...] = (),
) -> None:
    """Every unit code refers to a unit (of an allowed level, when given)."""
    units = ctx.units
    if units is None:
        return
    values = arrays[column]
    encoded = pc.dictionary_encode(values)
    dictionary = encoded.dictionary.to_pylist()
    unknown = [v not in units.level for v in dictionary]
    wrong = [
        bool(allowed) and v in units.level and units.level[v] not in allowed for v in dictionary
    ]
    if not any(unknown) and not any(wrong):
        return
    idx = encoded.indices.to_numpy(zero_copy_only=False)
    valid = ~_null_mask(encoded.indices)
    safe = np.where(valid, idx, 0).astype(np.int64)
    unknown_mask = valid & np.asarray(unknown, dtype=bool)[safe]
    wrong_mask = valid & np.asarray(wrong, dtype=bool)[safe]
    out.add_mask(codes.E_UNIT_UNKNOWN, unknown_mask, header, values)
    if wrong_mask.any():
        codes_ = values.to_pylist()
        names = [units.name.get(c or "", "") for c in codes_]
        levels = [LEVEL_NAMES.get(units.level.get(c or "", ""), "") for c in codes_]
        allowed_text = "或".join(LEVEL_NAMES[a] for a in allowed)
        out.add_mask(
            codes.E_UNIT_LEVEL,
            wrong_mask,
            header,
            values,
            name=names,
            level=levels,
            allowed=allowed_text,
        )


def _enterprise_rules(
    a: dict[str, pa.Array], texts: dict[str, pa.Array], out: Collector, ctx: Context
) -> None:
    """The §2 rules of the enterprise ledger."""
    R = ENTERPRISES

    h = lambda name: out.header(R.column(name))  # noqa: E731
    for name, listed in LISTED_VALUES.items():
        a[name] = _listed_category(a[name], listed, out, h(name))
    _check_uscc(texts["uscc"], out, h("uscc"), out.findings.get("uscc"))
    _check_units(a, out, ctx, "unit", h("unit"), ("township", "county"))

    number = lambda name: out.floats.get(name, np.full(len(a[name]), np.nan))  # noqa: E731
    employees = number("employees")
    migrant = number("migrant_workers")
    dispatch = number("dispatch_workers")
    members = number("members")
    migrant_members = number("migrant_members")
    unionized = _np_mask(a["unionized"])
    with np.errstate(invalid="ignore"):
        out.add_mask(
            codes.E_MIGRANT_EXCEEDS,
            migrant > employees,
            h("migrant_workers"),
            migrant,
            employees=employees,
        )
        out.add_mask(
            codes.E_DISPATCH_EXCEEDS,
            dispatch > employees,
            h("dispatch_workers"),
            dispatch,
            employees=employees,
        )
        out.add_mask(
            codes.W_MEMBERS_EXCEED,
            members > employees,
            h("members"),
            members,
            employees=employees,
        )
        out.add_mask(
            codes.W_MIGRANT_MEMBERS_EXCEED,
            migrant_members > migrant,
            h("migrant_members"),
            migrant_members,
            migrant_workers=migrant,
        )
        out.add_mask(
            codes.W_DISPATCH_MEMBERS_EXCEED,
            number("dispatch_members") > dispatch,
            h("dispatch_members"),
            number("dispatch_members"),
            dispatch_workers=dispatch,
        )

    # Only cells that were empty (not unreadable) count as missing here: no double report.
    date_empty = out.absent["union_date"]
    out.add_mask(codes.E_UNION_DATE_REQUIRED, unionized & date_empty, h("union_date"), None)
    members_empty = out.absent["members"]
    out.add_mask(codes.E_MEMBERS_REQUIRED, unionized & members_empty, h("members"), None)

    if ctx.period is not None:
        end = pa.scalar(np.datetime64(ctx.period.end.isoformat(), "ns"), pa.timestamp("ns"))
        future = _np_mask(pc.greater(a["union_date"], end))
        out.add_mask(
            codes.E_UNION_DATE_FUTURE,
            future,
            h("union_date"),
            a["union_date"],
            end=ctx.period.end.isoformat(),
        )

    status = a["status"]
    active = _np_mask(pc.or_kleene(pc.is_null(status), pc.equal(status, "存续")))
    not_unionized = _np_mask(pc.invert(a["unionized"]))
    with np.errstate(invalid="ignore"):
        big = employees >= ctx.priority_min_employees
    reason_missing = _null_mask(a["not_unionized_reason"])
    out.add_mask(
        codes.W_REASON_MISSING,
        active & not_unionized & big & reason_missing,
        h("not_unionized_reason"),
        None,
        minimum=ctx.priority_min_employees,
    )


def _listed_category(
    arr: pa.Array, listed: tuple[str, ...], out: Collector, header: str
) -> pa.Array:
    """A category column (3.7) in its listed values: each written value matched without spaces
    and bracket forms (“商贸　楼宇” is 商贸楼宇, “村（社区）” is 村(社区)); a value none of the
    listed is W-CATEGORY-UNLISTED and becomes 其他 where the list has it (组建形式 has not:
    kept as written, and counted as no federation). Worked out once per distinct value."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not len(arr) or arr.null_count == len(arr):
        return arr
    table = enum_table(listed, {})
    # A column worked out per distinct value comes encoded already (a unique dictionary).
    encoded = arr if isinstance(arr, pa.DictionaryArray) else pc.dictionary_encode(arr)
    written = encoded.dictionary.to_pylist()
    canonical = [table.get(header_key(value)) for value in written]
    other = "其他" if "其他" in listed else None
    values = [c or other or w for c, w in zip(canonical, written, strict=True)]
    unlisted = np.array([c is None for c in canonical] + [False], dtype=bool)
    at = np.asarray(pc.fill_null(encoded.indices, len(written)).to_numpy(zero_copy_only=False))
    counted = "暂按“其他”统计" if other else "不计入区域性、行业性联合会"
    out.add_mask(
        codes.W_CATEGORY_UNLISTED,
        unlisted[at],
        header,
        arr,
        choices="、".join(listed),
        counted=counted,
    )
    if values == written and isinstance(arr, pa.DictionaryArray):
        return arr  # every value listed as written: the column as it is
    if isinstance(arr, pa.DictionaryArray):
        return pa.DictionaryArray.from_arrays(encoded.indices, pa.array(values, pa.string()))
    return pa.array(values, pa.string()).take(encoded.indices)


#: control characters (C0, DEL, C1) and the Unicode line and paragraph separators
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


_SHOWN = {"\r": "␍", "\n": "␊", "\t": "␉"}


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return _SHOWN.get(char, f"U+{ord(char):04X}")


def _unit_rules(
    a: dict[str, pa.Array], texts: dict[str, pa.Array], out: Collector, ctx: Context
) -> None:
    """The unit hierarchy: one city, parents exist and have the right level, no cycles."""
    R = UNITS

    h = lambda name: out.header(R.column(name))  # noqa: E731
    codes_ = a["code"].to_pylist()
    levels = a["level"].to_pylist()
    parents = a["parent"].to_pylist()
    level_of = {c: lv for c, lv in zip(codes_, levels, strict=True) if c is not None}
    cities = [i for i, lv in enumerate(levels) if lv == "city"]
    if len(cities) != 1:
        if cities:
            for i in cities:
                out.add(codes.E_UNITS_ROOT, i, h("level"), "市", count=len(cities))
        else:
            out.add(codes.E_UNITS_ROOT, None, h("level"), "", count=0)
    expected_parent = {"county": "city", "township": "county"}
    for i, (code, level, parent) in enumerate(zip(codes_, levels, parents, strict=True)):
        if level is None or code is None:
            continue
        if parent is None:
            if level != "city":
                out.add(codes.E_UNIT_PARENT_REQUIRED, i, h("parent"), "")
            continue
        if parent not in level_of:
            out.add(codes.E_UNIT_PARENT_UNKNOWN, i, h("parent"), parent)
            continue
        want = expected_parent.get(level)
        got = level_of[parent]
        if want is not None and got != want:
            out.add(
                codes.E_UNIT_PARENT_LEVEL,
                i,
                h("parent"),
                parent,
                level=LEVEL_NAMES.get(got or "", "未知层级"),
                child=LEVEL_NAMES[level],
                expected=LEVEL_NAMES[want],
            )
    parent_of = {c: p for c, p in zip(codes_, parents, strict=True) if c is not None}
    reported: set[str] = set()
    for i, code in enumerate(codes_):
        if code is None or code in reported:
            continue
        chain = [code]
        node = parent_of.get(code)
        while node is not None and node in parent_of and node not in chain:
            chain.append(node)
            node = parent_of.get(node)
        if node is not None and node in chain:
            loop = chain[chain.index(node) :]
            if code in loop:
                reported.update(loop)
                out.add(
                    codes.E_UNIT_CYCLE,
                    i,
                    h("parent"),
                    parent_of[code],
                    chain=" → ".join([*loop, node]),
                )
    # 是 on a county or the city has no effect and says so; 否 there is simply true
    flags = a["volunteer_required"]
    given = np.asarray(pc.fill_null(flags, False).to_numpy(zero_copy_only=False), dtype=bool)
    not_township = np.asarray([lv != "township" for lv in levels], dtype=bool)
    out.add_mask(
        codes.W_VOLUNTEER_REQUIRED_IGNORED,
        given & not_township,
        h("volunteer_required"),
        texts["volunteer_required"],
    )
    # A name or address goes into mail headers and file names: one line, nothing invisible.
    for name in ("name", "email"):
        cells = a[name].to_pylist()
        bad = np.asarray([bool(v and _CONTROL.search(str(v))) for v in cells], dtype=bool)
        shown = [_CONTROL.sub(_visible, str(v)) if v else "" for v in cells]
        out.add_mask(codes.E_CONTROL_CHAR, bad, h(name), shown)
    # The official order defaults to the file order.
    order = a["order"]
    position = pa.array(np.arange(1, len(order) + 1, dtype=np.int64))
    a["order"] = pc.coalesce(order, position)


def _target_rules(
    a: dict[str, pa.Array], texts: dict[str, pa.Array], out: Collector, ctx: Context
) -> None:
    R = TARGETS

    header = out.header(R.column("unit"))
    _check_units(a, out, ctx, "unit", header)
    # "2026年 990100", or null when either is missing
    keys = pc.binary_join_element_wise(pc.cast(a["year"], pa.string()), a["unit"], "年 ")
    _unique(as_string_array(keys), out, header)


def _volunteer_rules(
    a: dict[str, pa.Array], texts: dict[str, pa.Array], out: Collector, ctx: Context
) -> None:
    R = VOLUNTEERS

    _check_units(a, out, ctx, "unit", out.header(R.column("unit")), ("township",))
    _unique_within_county(a["id"], a["unit"], out, out.header(R.column("id")), ctx)
    before = _np_mask(pc.less(a["left_on"], a["hired_on"]))
    # The hiring date is shown only beside the rows reported.
    hired = np.full(len(before), "", dtype=object)
    wrong = np.flatnonzero(before)
    hired[wrong] = [_show(v) for v in a["hired_on"].take(pa.array(wrong)).to_pylist()]
    out.add_mask(
        codes.E_LEFT_BEFORE_HIRED,
        before,
        out.header(R.column("left_on")),
        a["left_on"],
        hired=hired,
    )


def _unique_within_county(
    ids: pa.Array, units: pa.Array, out: Collector, header: str, ctx: Context
) -> None:
    """E-DUPLICATE for an id seen twice in one county (counties number from 001 each)."""
    index = ctx.units
    ids = as_string_array(ids)
    if index is not None and index.county:
        keys = pa.array(list(index.county), pa.string())
        counties = pa.array([*index.county.values(), ""], pa.string())
        county = counties.take(pc.fill_null(pc.index_in(units, value_set=keys), len(keys)))
    else:
        county = pa.array([""] * len(ids), pa.string())
    joined = pc.binary_join_element_wise(county, ids, "\x1f")  # null where the id is
    dup = _duplicated(joined)
    if dup is None:
        return
    groups: dict[str, list[int]] = {}
    positions = np.flatnonzero(dup)
    for pos, key in zip(
        positions.tolist(), joined.take(pa.array(positions)).to_pylist(), strict=True
    ):
        groups.setdefault(str(key), []).append(pos)
    for key, positions_ in groups.items():
        shown = "、".join(str(out.raw.rows[i]) for i in positions_[:10])
        for k in positions_:
            out.add(codes.E_DUPLICATE, k, header, key.split("\x1f", 1)[1], rows=shown)


def _duplicated(values: pa.Array) -> np.ndarray | None:
    """Cells (not null) whose value another cell holds too, or None when there are none."""
    values = as_string_array(values)
    if pc.count_distinct(values).as_py() == len(values) - values.null_count:
        return None  # one hash pass answers the usual case
    series = pd.Series(values.to_pandas(), dtype=object)
    dup = series.duplicated(keep=False).to_numpy() & series.notna().to_numpy()
    return dup if dup.any() else None


def _review_rules(
    a: dict[str, pa.Array], texts: dict[str, pa.Array], out: Collector, ctx: Context
) -> None:
    R = VOLUNTEER_REVIEWS

    # Which volunteer a review is of, and a review given twice, are decided per county over
    # all of the period's reviews (rosters.reviews.match_reviews).
    _check_units(a, out, ctx, "unit", out.header(R.column("unit")), ("county", "township"))


def _campaign_rules(
    campaign: Campaign,
    a: dict[str, pa.Array],
    texts: dict[str, pa.Array],
    out: Collector,
    ctx: Context,
) -> None:
    """A campaign roster: the unit exists; a counted entry has its date; no entry twice."""
    R = campaign.roster
    _check_units(a, out, ctx, "unit", out.header(R.column("unit")))
    if campaign.counted is not None:
        column, value, _ = campaign.counted
        counted = _np_mask(pc.equal(a[column], value))
        missing = out.absent[campaign.date]
        header = out.header(R.column(campaign.date))
        out.add_mask(codes.E_NAMED_ON_REQUIRED, counted & missing, header, None)
    key = [a[name] for name in campaign.identity]
    _duplicate_rows(out, out.header(R.column(campaign.identity[0])), key)


def _duplicate_rows(out: Collector, header: str, keys: Iterable[pa.Array]) -> None:
    """W-DUPLICATE-ROW on each repeat of an entry (its identity columns all given and equal)."""
    columns = [as_string_array(k) for k in keys]
    if not columns or not len(columns[0]):
        return
    joined = pc.binary_join_element_wise(*columns, " / ")  # null where any part is
    dup = _duplicated(joined)
    if dup is None:
        return
    groups: dict[str, list[int]] = {}
    positions = np.flatnonzero(dup)
    for pos, value in zip(
        positions.tolist(), joined.take(pa.array(positions)).to_pylist(), strict=True
    ):
        groups.setdefault(value or "", []).append(pos)
    for value, index in groups.items():
        rows = "、".join(str(out.raw.rows[i]) for i in index[:10])
        for k in index[1:]:
            out.add(codes.W_DUPLICATE_ROW, k, header, value, rows=rows)


_ROSTER_RULES = {
    "enterprises": _enterprise_rules,
    "units": _unit_rules,
    "targets": _target_rules,
    "volunteers": _volunteer_rules,
    "volunteer_reviews": _review_rules,
}
