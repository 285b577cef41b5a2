"""A grid's structure (the part both readers share): the header row found (title rows above it
skipped, a two-row header flattened), then blank rows, repeated header rows, total rows
(合计/小计/总计, checked against the rows they cover) and footer notes (注：…, 填表人：…) taken
out of the data rows."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator.common.problems import Problem
from generator.rosters import codes
from generator.rosters.grid import (
    HEADER_SEARCH_ROWS,
    Grid,
    RawTable,
    find_header,
    header_lookup,
    match_header,
)
from generator.rosters.specs import INT, NUMBER, Column, Roster
from generator.rosters.values import normalise_number, normalise_text, trim_array

#: Leading columns searched for a 合计 label or a note.
LABEL_COLUMNS = 3


_TOTAL_RE = r"^[^0-9A-Za-z]{0,12}?(合\s*计|小\s*计|总\s*计)\s*[:：]?\s*$"


#: The labels of a county workbook's footer lines (填表单位（盖章）：…, 填表人：…, 日期：…), a
#: bracketed remark allowed before the colon; a label alone, or a date alone, is a footer too.
_FOOTER_LABELS = (
    "注|备注|说明|填表人|填报人|制表人|制表|审核人|审核|填报日期|填表日期|制表日期|日期|负责人|"
    "单位负责人|主要负责人|分管领导|联系人|联系电话|电话|填表单位|填报单位|制表单位|报送单位"
)


_NOTE_RE = (
    rf"^({_FOOTER_LABELS})\s*([(（][^)）]{{0,8}}[)）])?\s*[:：]|^注\s*\d"
    r"|^(填表人|审核人|制表人|填报人|单位负责人|联系人|填表单位|填报单位|制表单位|日期)"
)


#: A footer line of one cell without a label: the date under the signature, the seal's place.
_LONE_FOOTER = re.compile(
    r"^(\d{4}\s*)?年\s*(\d{1,2}\s*)?月\s*(\d{1,2}\s*)?日$|^[(（]\s*盖\s*章\s*[)）]$"
)


def _empty_table(rel: str, roster: Roster, problems: list[Problem]) -> RawTable:
    return RawTable(rel, [], [], np.zeros(0, dtype=np.int64), 1, [], problems)


def _head(grid: Grid) -> list[list[Any]]:
    """The grid's first HEADER_SEARCH_ROWS rows, where a header is looked for."""
    head_n = min(len(grid.rows), HEADER_SEARCH_ROWS)
    heads = [c.slice(0, head_n).to_pylist() for c in grid.columns]
    return [list(r) for r in zip(*heads, strict=True)]


def structure(grid: Grid, rel: str, roster: Roster) -> RawTable:
    """Find the header, drop blank, total and note rows, and check totals."""
    lookup = header_lookup(roster)
    n = len(grid.rows)
    if not grid.columns or n == 0:
        return _empty_table(rel, roster, [codes.E_FILE_EMPTY.problem(rel, None)])
    head = _head(grid)
    found = find_header(head, lookup)
    if found is None:
        expected = "、".join(c.title for c in roster.columns if c.required)
        problem = codes.E_HEADER_NOT_FOUND.problem(rel, None, expected=expected)
        return _empty_table(rel, roster, [problem])
    _first, last, headers = found
    header_row = int(grid.rows[last])
    body = [c.slice(last + 1) for c in grid.columns]
    rows = grid.rows[last + 1 :]
    matched = [match_header(h, lookup) for h in headers]
    texts = [None if h is None else str(h).strip() for h in headers]

    keep = np.ones(len(rows), dtype=bool)
    problems: list[Problem] = [replace(p, file=rel) for p in grid.problems]
    if grid.lossy:
        problems.extend(_lossy_cells(grid, texts, rel))
    if len(rows):
        # Cells are not trimmed here: text columns are trimmed when validated, and the typed
        # parsers trim the few values that miss their fast path.
        label = _label_column(body)
        is_total = _total_rows(label)
        blank = _blank_rows(body, label)
        trailing_notes = np.zeros(len(rows), dtype=bool)
        for i in range(len(rows) - 1, -1, -1):
            if blank[i] or _footer_row(label, body, i):
                trailing_notes[i] = True
            elif not is_total[i]:
                break
        repeated = _repeated_headers(body, headers, matched)
        keep = ~(is_total | trailing_notes | blank | repeated)
        for i in np.flatnonzero(repeated).tolist():
            problems.append(codes.W_HEADER_REPEATED.problem(rel, int(rows[i])))
        if is_total.any():
            problems.extend(
                _check_totals(body, rows, keep, is_total, label, roster, matched, texts, rel)
            )
        if grid.formulas:
            kept = set(rows[keep].tolist())
            for row, j in grid.formulas:
                name = matched[j] if j < len(matched) else None
                if row in kept and name is not None:
                    title = roster.column(name).title
                    problems.append(
                        codes.E_FORMULA_NO_VALUE.problem(rel, row, texts[j] or "", label=title)
                    )
    index = np.flatnonzero(keep)
    if len(index) < len(rows):
        taken = pa.array(index, pa.int64())
        body = [c.take(taken) for c in body]
        rows = rows[index]
    return RawTable(
        rel, [t or "" for t in texts], body, np.asarray(rows), header_row, matched, problems
    )


def _lossy_cells(grid: Grid, texts: list[str | None], rel: str) -> list[Problem]:
    """E-ENCODING-CELL for each cell holding a replaced byte (U+FFFD), header rows included."""
    problems = []
    for j, column in enumerate(grid.columns):
        hits = np.flatnonzero(_mask(pc.match_substring(column, "\ufffd")))
        for i in hits.tolist():
            text = texts[j] if j < len(texts) else None
            header = text or f"第{_letters(j)}列"
            value = column[i].as_py()
            problems.append(codes.E_ENCODING_CELL.problem(rel, int(grid.rows[i]), header, value))
    return problems


def _letters(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(j + 1))


def _footer_row(label: pa.Array, body: list[pa.Array], i: int) -> bool:
    """Whether a trailing row is a footer line: its label (or, when the leading columns are
    empty, its first cell: 日期：… is often written to the right) is a note's, and it has no
    more cells than a note line has; or it is one cell holding a date or （盖章） alone.

    填表人：周敏 … 审核人：陈立新 spreads over a few cells, each label perhaps with its value in
    the next cell (填报单位： | 东湖区总工会 | 填表人： | 周敏); a row with values in many more
    cells than labels is data whose first cell happens to start like a note (and is reported,
    not skipped).
    """
    cells = [str(c) for c in (column[i].as_py() for column in body) if c is not None]
    cells = [c for c in cells if c.strip()]
    if len(cells) == 1 and _LONE_FOOTER.match(cells[0].strip(" \t\u3000\xa0")):
        return True
    first = label[i].as_py()
    if not _is_note(str(first) if first is not None else (cells[0] if cells else None)):
        return False
    notes = sum(1 for c in cells if _is_note(c))
    other = len(cells) - notes
    return other < 3 or other <= notes


def _repeated_headers(
    body: list[pa.Array], headers: list[Any], matched: list[str | None]
) -> np.ndarray:
    """Rows that repeat the header row in most of its known columns (files pasted together)."""
    known = [
        (j, str(headers[j]))
        for j, name in enumerate(matched)
        if name is not None and headers[j] is not None
    ]
    none = np.zeros(len(body[0]), dtype=bool)
    if len(known) < 2:
        return none
    # Such a row repeats the first or the second known header; only those rows are compared.
    first = pc.or_kleene(
        pc.equal(body[known[0][0]], known[0][1]), pc.equal(body[known[1][0]], known[1][1])
    )
    candidates = np.flatnonzero(_mask(first))
    if not len(candidates):
        return none
    take = pa.array(candidates)
    hits = np.zeros(len(candidates), dtype=np.int32)
    for j, text in known:
        hits += _mask(pc.equal(body[j].take(take), text))
    none[candidates[hits >= max(2, (len(known) + 1) // 2)]] = True
    return none


def _mask(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _label_column(body: list[pa.Array]) -> pa.Array:
    """Per row, the first non-empty cell among the leading columns."""
    label = trim_array(body[0])
    for column in body[1:LABEL_COLUMNS]:
        if not label.null_count:
            break  # later columns only matter where the first is empty
        label = pc.coalesce(label, trim_array(column))
    return label


def _total_rows(label: pa.Array) -> np.ndarray:
    # A plain substring test first: the regex runs only when some label mentions 计.
    if not pc.any(pc.match_substring(label, "计")).as_py():
        return np.zeros(len(label), dtype=bool)
    return _mask(pc.match_substring_regex(label, _TOTAL_RE))


_NOTE = re.compile(_NOTE_RE)


def _is_note(text: str | None) -> bool:
    return text is not None and bool(_NOTE.match(text.strip(" \t\u3000\xa0")))


def _blank_rows(body: list[pa.Array], label: pa.Array) -> np.ndarray:
    """Rows whose cells are all empty or white space."""
    blank = np.zeros(len(body[0]), dtype=bool)
    # A blank row has no label (its leading cells are empty): only those rows are checked.
    rest = np.flatnonzero(_mask(pc.is_null(label)))
    if len(rest):
        take = pa.array(rest)
        empty = np.ones(len(rest), dtype=bool)
        for column in body:
            cells = trim_array(column.take(take))
            empty &= np.asarray(cells.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        blank[rest[empty]] = True
    return blank


def _check_totals(
    body: list[pa.Array],
    rows: np.ndarray,
    keep: np.ndarray,
    is_total: np.ndarray,
    label: pa.Array,
    roster: Roster,
    matched: list[str | None],
    texts: list[str | None],
    rel: str,
) -> list[Problem]:
    """Compare each total row with the sum of the data rows it covers."""
    numeric: list[tuple[int, Column]] = []
    for j, name in enumerate(matched):
        if name is not None and roster.column(name).kind in (INT, NUMBER):
            numeric.append((j, roster.column(name)))
    values: dict[int, np.ndarray] = {}
    for j, _column in numeric:
        parsed, _bad = normalise_number(normalise_text(body[j]))
        values[j] = np.asarray(parsed.to_numpy(zero_copy_only=False).astype(float), dtype=float)
    labels = label.to_pylist()
    problems: list[Problem] = []
    segment_start = 0
    data = keep & ~is_total
    for t in np.flatnonzero(is_total).tolist():
        subtotal = "小" in str(labels[t])
        start = segment_start if subtotal else 0
        covered = np.zeros(len(rows), dtype=bool)
        covered[start:t] = True
        covered &= data
        for j, _column in numeric:
            total = values[j][t]
            if total != total:  # the total row leaves this column empty
                continue
            expected = float(np.nansum(values[j][covered]))
            if abs(expected - total) > 1e-6 * max(1.0, abs(total)):
                problems.append(
                    codes.E_TOTAL_MISMATCH.problem(
                        rel,
                        int(rows[t]),
                        texts[j] or "",
                        _fmt(total),
                        total=_fmt(total),
                        expected=_fmt(expected),
                    )
                )
        segment_start = t + 1
    return problems


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"
