"""Cell value normalisers: the forms people type, as scalars and as whole columns."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.rosters import values as v
from generator.rosters.grid import header_lookup, match_header
from generator.rosters.read import cell_text
from generator.rosters.specs import ENTERPRISES, LEVEL_SYNONYMS, UNITS

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def group(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


# --- integers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234", 1234),
        ("１２３４", 1234),
        ("1,234", 1234),
        ("1，234", 1234),
        ("1234.0", 1234),
        ("12家", 12),
        ("30人", 30),
        (" 30 人 ", 30),
        ("-5", -5),
        (25.0, 25),
        (7, 7),
    ],
)
def test_parse_int(text: object, expected: int) -> None:
    assert v.parse_int(text) == expected


@pytest.mark.parametrize("text", ["1.5", "十二", "12,34", "", "1 2", "e5", True, 2.5])
def test_parse_int_rejects(text: object) -> None:
    with pytest.raises(ValueError):
        v.parse_int(text)


@given(
    st.integers(min_value=0, max_value=10**12),
    st.booleans(),
    st.sampled_from(["", ",", "，"]),
    st.sampled_from(["", ".0", "家", "人", " 人"]),
)
def test_int_round_trip(n: int, full_width: bool, sep: str, suffix: str) -> None:
    text = group(n, sep) if sep else str(n)
    if full_width:
        text = text.translate(FULL_WIDTH)
    assert v.parse_int(text + suffix) == n


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=30), st.integers(0, 3))
def test_int_column_matches_scalar(numbers: list[int], style: int) -> None:
    forms = [str, lambda n: f"{n:,}", lambda n: f"{n}.0", lambda n: f"{n}人"]
    texts = [forms[(style + i) % 4](n) for i, n in enumerate(numbers)] + [None]
    typed, bad = v.normalise_int(pa.array(texts, pa.string()))
    assert typed.to_pylist() == [*numbers, None]
    assert not bad.any()


def test_int_column_flags_bad_cells() -> None:
    typed, bad = v.normalise_int(pa.array(["12", "十二", None, "1,234", "3.5"]))
    assert typed.to_pylist() == [12, None, None, 1234, None]
    assert bad.tolist() == [False, True, False, False, True]


# --- numbers and rates ---------------------------------------------------------------------------


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False).map(lambda x: round(x, 3)))
def test_number_round_trip(x: float) -> None:
    assert v.parse_number(repr(x)) == pytest.approx(x)
    assert v.parse_number(f"{x:,.3f}") == pytest.approx(x)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("85%", 0.85), ("85％", 0.85), ("0.85", 0.85), ("85", 0.85), ("１００%", 1.0), ("1", 1.0)],
)
def test_parse_rate(text: str, expected: float) -> None:
    assert v.parse_rate(text) == pytest.approx(expected)


@given(st.integers(min_value=0, max_value=1000).map(lambda n: n / 10))
def test_rate_round_trip(percent: float) -> None:
    assert v.parse_rate(f"{percent}%") == pytest.approx(percent / 100)
    assert v.parse_rate(f"{percent}％") == pytest.approx(percent / 100)
    if percent > 1:
        assert v.parse_rate(str(percent)) == pytest.approx(percent / 100)


def test_rate_column() -> None:
    typed, bad = v.normalise_rate(pa.array(["85%", "0.5", "90", "abc", None]))
    assert typed.to_pylist()[:3] == pytest.approx([0.85, 0.5, 0.9])
    assert bad.tolist() == [False, False, False, True, False]


# --- booleans ------------------------------------------------------------------------------------

TRUE = ["是", "有", "已", "Y", "y", "yes", "YES", "true", "TRUE", "1", "√", "１", 1, True]
FALSE = ["否", "无", "未", "N", "no", "false", "0", "×", 0, False]


@pytest.mark.parametrize("text", TRUE)
def test_true_words(text: object) -> None:
    assert v.parse_bool(text) is True


@pytest.mark.parametrize("text", FALSE)
def test_false_words(text: object) -> None:
    assert v.parse_bool(text) is False


@given(st.sampled_from(TRUE + FALSE), st.sampled_from(["", " ", "\u3000"]))
def test_bool_ignores_padding(word: object, pad: str) -> None:
    expected = v.parse_bool(word)
    assert v.parse_bool(f"{pad}{word}{pad}") is expected


def test_bool_column() -> None:
    typed, bad = v.normalise_bool(pa.array(["是", "否", "可能", None, "√"]))
    assert typed.to_pylist() == [True, False, None, None, True]
    assert bad.tolist() == [False, False, True, False, False]


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-05",
        "2026/3/5",
        "2026.3.5",
        "2026年3月5日",
        "２０２６年３月５日",
        "20260305",
        "46086",
        46086,
        46086.0,
        "2026-03-05 00:00:00",
        datetime(2026, 3, 5, 14, 30),
        date(2026, 3, 5),
    ],
)
def test_parse_date(text: object) -> None:
    assert v.parse_date(text) == date(2026, 3, 5)


@pytest.mark.parametrize("text", ["2026-02-30", "2026/13/1", "明年", "2026-3", "3/5/2026", "1.5"])
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        v.parse_date(text)


DATES = st.dates(min_value=date(1911, 1, 1), max_value=date(2099, 12, 31))


@given(DATES)
def test_date_round_trips(d: date) -> None:
    forms = [
        d.isoformat(),
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        d.strftime("%Y%m%d"),
        str((d - date(1899, 12, 30)).days),  # Excel serial
    ]
    for form in forms:
        assert v.parse_date(form) == d, form


@settings(max_examples=60)
@given(st.lists(DATES, max_size=20))
def test_date_column_matches_scalar(days: list[date]) -> None:
    forms = [
        date.isoformat,
        lambda d: f"{d.year}年{d.month}月{d.day}日",
        lambda d: f"{d.year}/{d.month}/{d.day}",
        lambda d: f"{d.year}.{d.month}.{d.day}",
        lambda d: d.strftime("%Y%m%d"),
    ]
    texts = [forms[i % len(forms)](d) for i, d in enumerate(days)]
    wrong = ["2026-02-30", "2026/2/30", "2026/13/1", "2026/1/", "1899/1/1"]
    block = v._DATE_BLOCK
    try:
        for v._DATE_BLOCK in (block, 3):  # Y-M-D cells are read a block at a time
            typed, bad = v.normalise_date(pa.array([*texts, None, *wrong], pa.string()))
            got = typed.to_pylist()
            assert [g.date() for g in got[: len(days)]] == days
            assert got[len(days) :] == [None] * (1 + len(wrong))
            assert bad.tolist() == [False] * (len(days) + 1) + [True] * len(wrong)
    finally:
        v._DATE_BLOCK = block


def test_excel_serials() -> None:
    assert v.excel_serial_date(18264) == date(1950, 1, 1)
    assert v.excel_serial_date(45658) == date(2025, 1, 1)
    assert v.excel_serial_date(45658) - v.excel_serial_date(45657) == timedelta(days=1)


# --- missing, text, codes, enums -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "—", "-", "/", "无", "－", None])
def test_missing_markers(text: str | None) -> None:
    assert v.is_missing(text)
    assert v.parse_text(text) is None


def test_text_column_trims_and_clears_markers() -> None:
    out = v.normalise_text(pa.array(["\u3000东方 ", "—", "无", None, "/", "西城"]))
    assert out.to_pylist() == ["东方", None, None, None, None, "西城"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("９１ａｂ", "91AB"), (" 990101 ", "990101"), ("990101.0", "990101"), ("91 99 01", "919901")],
)
def test_codes(text: str, expected: str) -> None:
    assert v.normalise_code(text) == expected
    assert v.normalise_code_column(pa.array([text])).to_pylist() == [expected]


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=1, max_size=18))
def test_code_nfkc_round_trip(code: str) -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code)  # full-width forms
    assert v.normalise_code(wide.lower()) == code


@pytest.mark.parametrize(
    "text", ["9.13701E+17", "9.13701e17", "9.1310000E+17", "913100001E+17", "9.13E-03", "-9.1E+17"]
)
def test_scientific(text: str) -> None:
    assert v.is_scientific(text)


@pytest.mark.parametrize(
    "text", ["91370100MA3C1234X5", "9199100072819E7237", "9131E17", "91E1", "E+17", "9.13"]
)
def test_not_scientific(text: str) -> None:
    # E is a USCC character: a code with an E between digits is not Excel's notation.
    assert not v.is_scientific(text)


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18, max_size=18))
def test_no_code_of_the_uscc_alphabet_is_scientific(code: str) -> None:
    assert not v.is_scientific(code)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("市", "city"),
        ("区", "county"),
        ("县市区", "county"),
        ("街道", "township"),
        ("乡镇（街道）", "township"),
    ],
)
def test_enum_synonyms(written: str, canonical: str) -> None:
    assert v.parse_enum(written, ("city", "county", "township"), LEVEL_SYNONYMS) == canonical


# --- headers and XLSX cells ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("统一社会信用代码", "uscc"),
        (" uscc ", "uscc"),
        ("USCC", "uscc"),
        ("所属乡镇(街道)代码", "unit"),
        ("所属乡镇（街道）代码", "unit"),
        ("所属乡镇 街道 代码", "unit"),
        ("*职工人数", "employees"),
        ("职工人数（人）", "employees"),
        ("企业 名称", "name"),
        ("备注", None),
    ],
)
def test_header_matching(header: str, expected: str | None) -> None:
    assert match_header(header, header_lookup(ENTERPRISES)) == expected


def test_every_alias_matches_its_column() -> None:
    for roster in (ENTERPRISES, UNITS):
        lookup = header_lookup(roster)
        for column in roster.columns:
            for text in (column.name, *column.aliases):
                assert match_header(text, lookup) == column.name


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("  ", None),
        (12.0, "12"),
        (0.85, "0.85"),
        (9.13701e17, "9.13701E+17"),
        (913701000000000000, "9.13701E+17"),
        (datetime(2026, 3, 5), "2026-03-05"),
        (True, "TRUE"),
    ],
)
def test_xlsx_cell_text(value: object, text: str | None) -> None:
    assert cell_text(value) == text


@given(
    st.sampled_from([c for c in ENTERPRISES.columns]),
    st.sampled_from(["", " ", "\u3000", "*"]),
    st.sampled_from(["", " ", "\u3000"]),
    st.booleans(),
)
def test_header_variants_match(column: object, before: str, after: str, english: bool) -> None:
    from generator.rosters.specs import Column

    assert isinstance(column, Column)
    name = column.name.upper() if english else column.aliases[-1]
    wide = name.replace("(", "（").replace(")", "）")
    lookup = header_lookup(ENTERPRISES)
    assert match_header(f"{before}{wide}{after}", lookup) == column.name


@given(
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Zs", "Cc", "Cf")),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from(["", " ", "\u3000", "\xa0", "\t", "\u200b", "\ufeff", "\u3000 "]),
)
def test_text_trim_round_trip(text: str, pad: str) -> None:
    text = text.strip()
    if not text or text in v.MISSING_MARKERS:
        return
    cells = [f"{pad}{text}{pad}", f"{text}{pad}", f"{pad}{text}", "东方机械有限公司"]
    for cell in cells:  # one padded cell among clean ones must still be trimmed
        out = v.normalise_text(pa.array(["东方机械有限公司", cell, "西城商贸"]))
        assert out.to_pylist() == [
            "东方机械有限公司",
            text if cell != cells[3] else cell,
            "西城商贸",
        ]
