"""The corpus of bad rosters: each case breaks a copy of the small valid project one way.

A case names how it breaks the project (a function of a `Project` whose files it may rewrite)
and what `bulletin check` must report: problem codes, optionally at an Excel row (`"E-INT@3"`,
the row in the case's `file`). Most cases change one cell of a valid roster; the rest write
whole files (wrong encodings, truncated or binary files, corrupt or encrypted XLSX). A few
binary inputs are committed under `files/`; everything else is made here at test time.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import CONFIG, Project, roster_headers, rows_of, uscc, write_roster

from generator.rosters.specs import ROSTERS

OCT = "2026-10"
SEP = "2026-09"
FILES = Path(__file__).parent / "files"

Breaker = Callable[[Project], object]


@dataclass(frozen=True)
class Case:
    """One way to break the small project, and what `bulletin check` must say about it."""

    name: str
    breaks: Breaker
    expect: tuple[str, ...]  # codes, "CODE@row" for a row of `file`
    file: str = ""  # the file expected rows refer to (default: the first roster touched)
    exit: int | None = None  # check's exit code (default: 1 with an expected error, else 0)
    absent: tuple[str, ...] = ()  # codes that must not be reported
    build_exit: int | None = None  # build's exit code when check passes (None: not built)

    @property
    def located_in(self) -> str:
        """The file whose rows the expected codes name."""
        return self.file or getattr(self.breaks, "file", "")

    @property
    def check_exit(self) -> int:
        if self.exit is not None:
            return self.exit
        return 1 if any(code.startswith("E-") for code in self.expect) else 0


def _both(first: Breaker, second: Breaker) -> Breaker:
    """Two breakers, one after the other; rows are located as the first's."""

    def breaks(project: Project) -> None:
        first(project)
        second(project)

    return _locate(breaks, getattr(first, "file", ""))


def _review_unit(project: Project) -> None:
    """The period's review names its volunteer's township."""
    reviews = rows_of("volunteer_reviews", OCT)
    reviews[0]["unit"] = "990101"
    project.write("volunteer_reviews", reviews, period=OCT)


def _rel(roster: str, fmt: str = "csv") -> str:
    period = OCT if ROSTERS[roster].per_period else None
    return f"data/{period}/{roster}.{fmt}" if period else f"data/{roster}.{fmt}"


def _period(roster: str) -> str | None:
    return OCT if ROSTERS[roster].per_period else None


def cells(roster: str, changes: dict[int, dict[str, Any]]) -> Breaker:
    """Rewrite a roster with some cells of its valid rows changed (by 0-based data row)."""

    def breaks(project: Project) -> None:
        period = _period(roster)
        rows = rows_of(roster, period)
        for index, values in changes.items():
            rows[index].update(values)
        project.write(roster, rows, period=period)

    return _locate(breaks, _rel(roster))


def _locate(breaks: Breaker, file: str) -> Breaker:
    breaks.file = file  # type: ignore[attr-defined]
    return breaks


def rows(roster: str, make: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> Breaker:
    """Rewrite a roster with the rows `make` returns from a copy of its valid rows."""

    def breaks(project: Project) -> None:
        period = _period(roster)
        project.write(roster, make(rows_of(roster, period)), period=period)

    return _locate(breaks, _rel(roster))


def raw_bytes(roster: str, data: bytes | Callable[[bytes], bytes], fmt: str = "csv") -> Breaker:
    """Replace a roster's file with bytes (or a function of its valid CSV bytes)."""

    def breaks(project: Project) -> None:
        period = _period(roster)
        path = project.path(roster, period)
        valid = path.read_bytes()
        path.unlink()
        target = path.with_suffix(f".{fmt}")
        target.write_bytes(data(valid) if callable(data) else data)

    return _locate(breaks, _rel(roster, fmt))


def xlsx(roster: str, make: Callable[[Any], None]) -> Breaker:
    """Replace a roster with an XLSX workbook that `make` fills (given the Workbook)."""

    def breaks(project: Project) -> None:
        from openpyxl import Workbook

        period = _period(roster)
        path = project.path(roster, period)
        path.unlink()
        wb = Workbook()
        make(wb)
        wb.save(path.with_suffix(".xlsx"))

    return _locate(breaks, _rel(roster, "xlsx"))


def with_headers(roster: str, headers: Sequence[str]) -> Breaker:
    """Rewrite a roster under other headers (the cells stay in the contract's column order)."""

    def breaks(project: Project) -> None:
        period = _period(roster)
        project.write(roster, rows_of(roster, period), period=period, headers=list(headers))

    return _locate(breaks, _rel(roster))


def both(*breakers: Breaker) -> Breaker:
    def breaks(project: Project) -> None:
        for breaker in breakers:
            breaker(project)

    return _locate(breaks, getattr(breakers[0], "file", ""))


def valid_xlsx_bytes(roster: str) -> bytes:
    """The valid rows of a roster as XLSX bytes."""
    buffer = io.BytesIO()
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(roster_headers(roster))
    names = [c.name for c in ROSTERS[roster].columns]
    for row in rows_of(roster, _period(roster)):
        ws.append([row.get(n) or None for n in names])
    wb.save(buffer)
    return buffer.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _replace_member(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members[name] = change(members[name])
    return _zip(members)


def _csv_text(table: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(table)
    return buffer.getvalue().encode("utf-8")


def _lines(change: Callable[[list[bytes]], list[bytes]]) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        return b"\r\n".join(change(data.split(b"\r\n")))

    return edit


def _enterprise_values(index: int) -> list[Any]:
    row = rows_of("enterprises", OCT)[index]
    return [row.get(c.name) or None for c in ROSTERS["enterprises"].columns]


def _formulas(wb: Any) -> None:
    """Formulas as a script (not Excel) writes them: no cached values in the file."""
    ws = wb.active
    ws.append(roster_headers("enterprises"))
    for i in range(4):
        values = _enterprise_values(i)
        values[7] = f"=G{i + 2}/3"  # migrant workers: optional, so an empty value would pass
        ws.append(values)


def _title_total_notes(wb: Any) -> None:
    ws = wb.active
    ws.append(["2026年10月企业建会台账"])
    ws.append(["填报单位：测试市总工会"])
    ws.append(roster_headers("enterprises"))
    for i in range(4):
        ws.append(_enterprise_values(i))
    ws.append(["合计", *[None] * 5, 360, 132, 25])
    ws.append(["注：职工人数25人以上的未建会企业须填写未建会原因。"])
    ws.append(["填表人：周敏", None, "审核人：陈立新"])


def _total_mismatch(wb: Any) -> None:
    ws = wb.active
    ws.append(roster_headers("enterprises"))
    for i in range(4):
        ws.append(_enterprise_values(i))
    ws.append(["合计", *[None] * 5, 361, 132, 26])


def _subtotal_mismatch(wb: Any) -> None:
    ws = wb.active
    ws.append(roster_headers("enterprises"))
    ws.append(_enterprise_values(0))
    ws.append(_enterprise_values(1))
    ws.append(["甲县小计", *[None] * 5, 150])
    ws.append(_enterprise_values(2))
    ws.append(_enterprise_values(3))
    ws.append(["小计", *[None] * 5, 200])  # 10 + 200 = 210
    ws.append(["总计", *[None] * 5, 360])


def _titles_gaps_error(wb: Any) -> None:
    """Two title rows and empty rows between records: rows as the sheet numbers them."""
    ws = wb.active
    ws.append(["2026年10月企业建会台账"])
    ws.append(["填报单位：测试市总工会"])
    ws.append(roster_headers("enterprises"))
    for i, row in enumerate((4, 6, 8, 9)):
        values = _enterprise_values(i)
        if i == 2:
            values[6] = "十人以上"
        for j, value in enumerate(values, start=1):
            ws.cell(row=row, column=j, value=value)


def _chart_first(wb: Any) -> None:
    from openpyxl.chart import BarChart

    ws = wb.active
    ws.title = "企业"
    ws.append(roster_headers("enterprises"))
    for i in range(4):
        ws.append(_enterprise_values(i))
    chart = wb.create_chartsheet("图表", 0)
    chart.add_chart(BarChart())


def _hidden_first(wb: Any) -> None:
    ws = wb.active
    ws.title = "说明"
    ws.sheet_state = "hidden"
    ws.append(["本表由系统导出"])
    data = wb.create_sheet("Sheet2")
    data.append(roster_headers("enterprises"))
    for i in range(4):
        data.append(_enterprise_values(i))


def _huge_cell(wb: Any) -> None:
    ws = wb.active
    ws.append(roster_headers("enterprises"))
    for i in range(4):
        values = _enterprise_values(i)
        if i == 1:
            values[1] = "西城商贸" * 440_000
        ws.append(values)


def _merged_title_header(wb: Any) -> None:
    """A merged title over a two-row header: clean."""
    headers = roster_headers("enterprises")
    ws = wb.active
    ws.append(["2026年10月企业建会台账"])
    ws.append(["企业基本情况", *[None] * 5, "职工情况", None, None, "工会组建情况"])
    ws.append(headers)
    for i in range(4):
        ws.append(_enterprise_values(i))
    ws.merge_cells("A1:R1")
    ws.merge_cells("A2:F2")
    ws.merge_cells("G2:I2")


def _excel_scientific(wb: Any) -> None:
    ws = wb.active
    ws.append(roster_headers("enterprises"))
    for i in range(4):
        values = _enterprise_values(i)
        if i in (1, 2):
            values[0] = 9.13701e17  # two codes Excel turned into the same number
        ws.append(values)


def _gbk(data: bytes) -> bytes:
    return data.decode("utf-8-sig").encode("gb18030")


def _config(text: str) -> Breaker:
    def breaks(project: Project) -> None:
        (project.root / "bulletin.yml").write_text(text, encoding="utf-8")

    return breaks


def _no_periods(project: Project) -> None:
    import shutil

    for period in (SEP, OCT):
        shutil.rmtree(project.root / "data" / period)


def _extra_folder(name: str) -> Breaker:
    def breaks(project: Project) -> None:
        (project.root / "data" / name).mkdir()

    return breaks


def _both_formats(project: Project) -> None:
    write_roster(project.path("targets", fmt="xlsx"), "targets", rows_of("targets"))


def _missing(roster: str) -> Breaker:
    def breaks(project: Project) -> None:
        project.path(roster, _period(roster)).unlink()

    return breaks


def _model_homes(project: Project) -> None:
    rows = [
        {
            "name": "东方机械职工之家",
            "host": "东方机械有限公司",
            "unit": "990101",
            "level": "乡级",
            "opened_on": "2024-06-01",
        }
    ]
    project.write("model_homes", rows)


def _repeat_header(lines: list[bytes]) -> list[bytes]:
    header = lines[0].removeprefix(b"\xef\xbb\xbf")
    return [*lines[:3], header, *lines[3:]]


def _unbalanced_quote(lines: list[bytes]) -> list[bytes]:
    lines[2] = b'"' + lines[2]  # row 3 opens a quote that never closes
    return lines


def _note_with_data(make: list[dict[str, Any]]) -> list[dict[str, Any]]:
    make[-1]["uscc"] = "注：待核实"
    return make


def _blank_rows(lines: list[bytes]) -> list[bytes]:
    return [lines[0], lines[1], b"", b",,,", lines[2], *lines[3:]]


def _many_errors(make: list[dict[str, Any]]) -> list[dict[str, Any]]:
    extra = [dict(make[2], uscc=f"X{i}", name=f"企业{i}") for i in range(60)]
    return make + extra


ENTERPRISE_HEADERS = roster_headers("enterprises")
E = "enterprises"
V = "volunteers"
U = "units"
T = "targets"
P = "pioneer_teams"
B = "book_rooms"
R = "volunteer_reviews"
BAD_CHECK = uscc("91990101MA0000001")[:-1] + "0"

CASES: list[Case] = [
    # --- units ----------------------------------------------------------------------------------
    Case("units-code-missing", cells(U, {3: {"code": ""}}), ("E-REQUIRED@5",)),
    Case("units-code-duplicate", cells(U, {3: {"code": "990101"}}), ("E-DUPLICATE@5",)),
    Case("units-name-missing", cells(U, {2: {"name": "—"}}), ("E-REQUIRED@4",)),
    Case("units-level-missing", cells(U, {2: {"level": ""}}), ("E-REQUIRED@4",)),
    Case("units-level-unknown", cells(U, {2: {"level": "村"}}), ("E-ENUM@4",)),
    Case("units-two-cities", cells(U, {1: {"level": "市"}}), ("E-UNITS-ROOT@3",)),
    Case("units-no-city", cells(U, {0: {"level": "县"}}), ("E-UNITS-ROOT",)),
    Case("units-parent-missing", cells(U, {4: {"parent": ""}}), ("E-UNIT-PARENT-REQUIRED@6",)),
    Case("units-parent-unknown", cells(U, {3: {"parent": "990900"}}), ("E-UNIT-PARENT-UNKNOWN@5",)),
    Case(
        "units-county-under-county",
        cells(U, {4: {"parent": "990100"}}),
        ("E-UNIT-PARENT-LEVEL@6",),
    ),
    Case(
        "units-township-under-city",
        cells(U, {2: {"parent": "990000"}}),
        ("E-UNIT-PARENT-LEVEL@4",),
    ),
    Case("units-cycle", cells(U, {1: {"parent": "990101"}}), ("E-UNIT-CYCLE",)),
    Case("units-order-not-int", cells(U, {2: {"order": "第三"}}), ("E-INT@4",)),
    Case("units-volunteer-flag-bad", cells(U, {2: {"volunteer_required": "也许"}}), ("E-BOOL@4",)),
    Case(
        "units-volunteer-flag-on-county",
        cells(U, {1: {"volunteer_required": "是"}}),
        ("W-VOLUNTEER-REQUIRED-IGNORED@3",),
    ),
    Case(
        "units-volunteer-flag-no-on-county",
        cells(U, {1: {"volunteer_required": "否"}}),
        (),
        absent=("W-VOLUNTEER-REQUIRED-IGNORED",),
    ),
    Case("units-header-only", rows(U, lambda r: []), ("E-UNITS-ROOT",), absent=("E-UNIT-UNKNOWN",)),
    # --- enterprises: codes ---------------------------------------------------------------------
    Case("uscc-missing", cells(E, {1: {"uscc": ""}}), ("E-REQUIRED@3",)),
    Case("uscc-duplicate", cells(E, {1: {"uscc": uscc("91990101MA0000001")}}), ("E-DUPLICATE@3",)),
    Case("uscc-short", cells(E, {2: {"uscc": "91990201MA000003"}}), ("E-USCC-FORMAT@4",)),
    Case(
        "uscc-forbidden-letter", cells(E, {2: {"uscc": "91990201MA0000O03A"}}), ("E-USCC-FORMAT@4",)
    ),
    Case("uscc-check-character", cells(E, {0: {"uscc": BAD_CHECK}}), ("E-USCC-CHECKSUM@2",)),
    Case(
        "uscc-scientific",
        cells(E, {1: {"uscc": "9.13701E+17"}}),
        ("E-USCC-SCIENTIFIC@3",),
        absent=("E-USCC-FORMAT",),
    ),
    Case(
        "uscc-scientific-xlsx-numbers",
        xlsx(E, _excel_scientific),
        ("E-USCC-SCIENTIFIC@3", "E-USCC-SCIENTIFIC@4"),
        file=_rel(E, "xlsx"),
        absent=("E-DUPLICATE", "E-USCC-FORMAT"),
    ),
    Case(
        "uscc-lower-case-and-full-width",
        cells(E, {0: {"uscc": "９１９９０１０１ma0000001y"}}),
        (),
    ),
    # --- enterprises: values --------------------------------------------------------------------
    Case("name-missing", cells(E, {0: {"name": "/"}}), ("E-REQUIRED@2",)),
    Case("unit-missing", cells(E, {0: {"unit": ""}}), ("E-REQUIRED@2",)),
    Case("unit-unknown", cells(E, {0: {"unit": "999999"}}), ("E-UNIT-UNKNOWN@2",)),
    Case("unit-is-the-city", cells(E, {0: {"unit": "990000"}}), ("E-UNIT-LEVEL@2",)),
    Case("employees-missing", cells(E, {2: {"employees": ""}}), ("E-REQUIRED@4",)),
    Case("employees-negative", cells(E, {2: {"employees": "-3"}}), ("E-RANGE@4",)),
    Case("employees-fraction", cells(E, {2: {"employees": "10.5"}}), ("E-INT@4",)),
    Case("employees-words", cells(E, {2: {"employees": "十人"}}), ("E-INT@4",)),
    Case(
        "employees-huge",
        cells(E, {2: {"employees": "99999999999999999999999"}}),
        ("E-INT@4",),
    ),
    Case("migrant-negative", cells(E, {0: {"migrant_workers": "-1"}}), ("E-RANGE@2",)),
    Case("migrant-exceeds", cells(E, {0: {"migrant_workers": "121"}}), ("E-MIGRANT-EXCEEDS@2",)),
    Case("dispatch-exceeds", cells(E, {0: {"dispatch_workers": "500"}}), ("E-DISPATCH-EXCEEDS@2",)),
    Case("unionized-missing", cells(E, {0: {"unionized": ""}}), ("E-REQUIRED@2",)),
    Case("unionized-unknown", cells(E, {0: {"unionized": "可能"}}), ("E-BOOL@2",)),
    Case(
        "union-date-required",
        cells(E, {0: {"union_date": "—"}}),
        ("E-UNION-DATE-REQUIRED@2",),
    ),
    Case("union-date-not-a-date", cells(E, {0: {"union_date": "2026-02-30"}}), ("E-DATE@2",)),
    Case("union-date-year-1850", cells(E, {0: {"union_date": "1850-01-01"}}), ("E-DATE@2",)),
    Case(
        "union-date-future",
        cells(E, {3: {"union_date": "2026年11月2日"}}),
        ("E-UNION-DATE-FUTURE@5",),
    ),
    Case("members-required", cells(E, {3: {"members": "无"}}), ("E-MEMBERS-REQUIRED@5",)),
    Case("members-negative", cells(E, {3: {"members": "-5"}}), ("E-RANGE@5",)),
    Case("members-exceed", cells(E, {0: {"members": "121"}}), ("W-MEMBERS-EXCEED@2",)),
    Case(
        "migrant-members-exceed",
        cells(E, {0: {"migrant_members": "41"}}),
        ("W-MIGRANT-MEMBERS-EXCEED@2",),
    ),
    Case("congress-unknown", cells(E, {0: {"workers_congress": "部分"}}), ("E-BOOL@2",)),
    Case("bargaining-unknown", cells(E, {0: {"wage_bargaining": "待定"}}), ("E-BOOL@2",)),
    Case(
        "priority-without-reason",
        cells(E, {1: {"not_unionized_reason": ""}}),
        ("W-REASON-MISSING@3",),
    ),
    Case("status-unknown", cells(E, {0: {"status": "倒闭"}}), ("E-ENUM@2",)),
    Case("enterprise-gone", rows(E, lambda r: [r[0], *r[2:]]), ("W-ENT-MISSING",)),
    Case(
        "ledger-header-only",
        rows(E, lambda r: []),
        ("E-NO-ROWS",),
        absent=("W-ENT-MISSING",),
    ),
    # --- targets, volunteers, reviews, teams, book rooms -----------------------------------------
    Case("targets-year-missing", cells(T, {0: {"year": ""}}), ("E-REQUIRED@2",)),
    Case("targets-year-range", cells(T, {0: {"year": "206"}}), ("E-RANGE@2",)),
    Case("targets-unit-missing", cells(T, {1: {"unit": "-"}}), ("E-REQUIRED@3",)),
    Case("targets-unit-unknown", cells(T, {1: {"unit": "990300"}}), ("E-UNIT-UNKNOWN@3",)),
    Case("targets-twice", cells(T, {1: {"unit": "990100"}}), ("E-DUPLICATE@3",)),
    Case("targets-negative", cells(T, {0: {"new_unions": "-1"}}), ("E-RANGE@2",)),
    Case("targets-not-int", cells(T, {0: {"new_members": "三百"}}), ("E-INT@2",)),
    Case("volunteer-id-missing", cells(V, {0: {"id": ""}}), ("E-REQUIRED@2",)),
    # 编号 is unique within a county (each numbers from 001): 东镇 and 西镇 are both 甲县.
    Case(
        "volunteer-id-duplicate",
        cells(V, {1: {"id": "ZY001", "unit": "990102"}}),
        ("E-DUPLICATE@3", "E-DUPLICATE@2"),
    ),
    # 编号 are unique within a county only (CONTRACT 1.1): a review then says whose it is.
    Case("volunteer-id-in-two-counties", _both(cells(V, {1: {"id": "ZY001"}}), _review_unit), ()),
    Case(
        "review-volunteer-ambiguous",
        _both(cells(V, {1: {"id": "ZY001"}}), cells(R, {})),
        ("E-VOLUNTEER-AMBIGUOUS@2",),
        file=_rel(R),
    ),
    Case(
        "review-volunteer-not-in-its-county",
        cells(R, {0: {"unit": "990200"}}),  # ZY001 is 甲县's volunteer, not 乙区's
        ("E-VOLUNTEER-UNKNOWN@2",),
    ),
    Case("volunteer-name-missing", cells(V, {1: {"name": ""}}), ("E-REQUIRED@3",)),
    Case("volunteer-unit-missing", cells(V, {1: {"unit": ""}}), ("E-REQUIRED@3",)),
    Case("volunteer-unit-county", cells(V, {0: {"unit": "990100"}}), ("E-UNIT-LEVEL@2",)),
    Case("volunteer-unit-unknown", cells(V, {0: {"unit": "990199"}}), ("E-UNIT-UNKNOWN@2",)),
    Case("volunteer-hired-missing", cells(V, {1: {"hired_on": ""}}), ("E-REQUIRED@3",)),
    Case("volunteer-hired-bad", cells(V, {1: {"hired_on": "去年"}}), ("E-DATE@3",)),
    Case(
        "volunteer-left-before-hired",
        cells(V, {0: {"left_on": "2025.2.1"}}),
        ("E-LEFT-BEFORE-HIRED@2",),
    ),
    Case("review-volunteer-missing", cells(R, {0: {"volunteer": ""}}), ("E-REQUIRED@2",)),
    Case(
        "review-volunteer-unknown", cells(R, {0: {"volunteer": "ZY9"}}), ("E-VOLUNTEER-UNKNOWN@2",)
    ),
    Case("review-reports-negative", cells(R, {0: {"reports": "-1"}}), ("E-RANGE@2",)),
    Case("review-score-over-100", cells(R, {0: {"score": "101"}}), ("E-RANGE@2",)),
    Case("review-score-words", cells(R, {0: {"score": "优"}}), ("E-NUMBER@2",)),
    Case("review-grade-unknown", cells(R, {0: {"grade": "良好"}}), ("E-ENUM@2",)),
    Case("review-twice", rows(R, lambda r: [r[0], dict(r[0])]), ("E-DUPLICATE@2", "E-DUPLICATE@3")),
    Case("review-unit-unknown", cells(R, {0: {"unit": "990399"}}), ("E-UNIT-UNKNOWN@2",)),
    Case("team-name-missing", cells(P, {0: {"name": ""}}), ("E-REQUIRED@2",)),
    Case("team-enterprise-missing", cells(P, {0: {"enterprise": ""}}), ("E-REQUIRED@2",)),
    Case("team-unit-unknown", cells(P, {0: {"unit": "123"}}), ("E-UNIT-UNKNOWN@2",)),
    Case("team-level-unknown", cells(P, {1: {"level": "乡级"}}), ("E-ENUM@3",)),
    Case("team-status-unknown", cells(P, {1: {"status": "已取消"}}), ("E-ENUM@3",)),
    Case("team-registered-missing", cells(P, {1: {"registered_on": ""}}), ("E-REQUIRED@3",)),
    Case("team-named-without-date", cells(P, {0: {"named_on": ""}}), ("E-NAMED-ON-REQUIRED@2",)),
    Case("team-twice", rows(P, lambda r: [*r, dict(r[0])]), ("W-DUPLICATE-ROW@4",)),
    Case("book-room-host-missing", cells(B, {0: {"host": ""}}), ("E-REQUIRED@2",)),
    Case("book-room-level-unknown", cells(B, {0: {"level": "县级"}}), ("E-ENUM@2",)),
    Case("book-room-opened-bad", cells(B, {0: {"opened_on": "2024-13-01"}}), ("E-DATE@2",)),
    Case("book-room-books-negative", cells(B, {0: {"books": "-100"}}), ("E-RANGE@2",)),
    Case("book-room-unit-unknown", cells(B, {0: {"unit": "000000"}}), ("E-UNIT-UNKNOWN@2",)),
    Case("book-room-twice", rows(B, lambda r: [*r, dict(r[0])]), ("W-DUPLICATE-ROW@3",)),
    Case("model-home-level-unknown", _model_homes, ("E-ENUM@2",), file="data/model_homes.csv"),
    # --- headers --------------------------------------------------------------------------------
    Case(
        "unknown-column",
        with_headers(E, [*ENTERPRISE_HEADERS, "备注"]),
        ("W-UNKNOWN-COLUMN@1",),
    ),
    Case(
        "required-column-missing",
        with_headers(T, ["年度", "单位编号", "新建会目标", "新增会员目标"]),
        ("E-COLUMN-MISSING@1", "W-UNKNOWN-COLUMN@1"),
    ),
    Case(
        "duplicate-headers",
        with_headers(E, [h if h != "农民工人数" else "职工人数" for h in ENTERPRISE_HEADERS]),
        ("E-COLUMN-DUPLICATE@1",),
    ),
    Case(
        "english-and-chinese-header-twice",
        with_headers(T, ["year", "unit", "new_unions", "新建会目标"]),
        ("E-COLUMN-DUPLICATE@1",),
    ),
    Case(
        "columns-reordered",
        raw_bytes(
            T,
            _csv_text(
                [
                    ["单位代码", "新增会员目标", "年度", "新建会目标"],
                    ["990100", "300", "2026", "10"],
                    ["990200", "200", "2026", "8"],
                ]
            ),
        ),
        (),
    ),
    Case(
        "columns-swapped-under-headers",
        raw_bytes(
            T,
            _csv_text(
                [
                    ["年度", "单位代码", "新建会目标", "新增会员目标"],
                    ["990100", "2026", "10", "300"],
                    ["990200", "2026", "8", "200"],
                ]
            ),
        ),
        ("E-RANGE@2", "E-UNIT-UNKNOWN@2", "E-RANGE@3"),
    ),
    Case(
        "header-not-found",
        raw_bytes(T, _csv_text([["甲", "乙"], ["1", "2"]])),
        ("E-HEADER-NOT-FOUND",),
    ),
    # no targets at all while 2026 has periods: a new year without its targets (CONTRACT §2)
    Case("header-only-targets", rows(T, lambda r: []), ("E-TARGETS-MISSING",)),
    Case(
        "header-repeated-in-the-data",
        raw_bytes(E, _lines(_repeat_header)),
        ("W-HEADER-REPEATED@4",),
        absent=("E-USCC-FORMAT", "E-INT"),
    ),
    # --- structure: titles, totals, notes, blank rows -------------------------------------------
    Case("xlsx-title-total-and-notes", xlsx(E, _title_total_notes), ()),
    Case("xlsx-merged-title-two-row-header", xlsx(E, _merged_title_header), ()),
    Case(
        "xlsx-total-mismatch",
        xlsx(E, _total_mismatch),
        ("E-TOTAL-MISMATCH@6",),
        file=_rel(E, "xlsx"),
    ),
    Case(
        "xlsx-subtotal-mismatch",
        xlsx(E, _subtotal_mismatch),
        ("E-TOTAL-MISMATCH@7",),
        file=_rel(E, "xlsx"),
    ),
    Case(
        "csv-total-mismatch",
        raw_bytes(E, lambda data: data + "合计,,,,,,361\r\n".encode()),
        ("E-TOTAL-MISMATCH@6",),
    ),
    Case("csv-total-matches", raw_bytes(E, lambda data: data + "合计,,,,,,360\r\n".encode()), ()),
    Case(
        "trailing-note-with-data-is-data",
        rows(E, _note_with_data),
        ("E-USCC-FORMAT@5",),
    ),
    Case("blank-rows", raw_bytes(E, _lines(_blank_rows)), ()),
    Case(
        "blank-rows-then-error-row",
        both(cells(E, {2: {"employees": "ten"}}), raw_bytes(E, _lines(_blank_rows))),
        ("E-INT@6",),
    ),
    Case("many-errors", rows(E, _many_errors), ("E-USCC-FORMAT@6", "E-USCC-FORMAT@65")),
    Case(
        "quoted-line-break-is-one-excel-row",
        cells(E, {0: {"name": "东方机械\n有限公司"}, 2: {"employees": "ten"}}),
        ("E-INT@4",),
    ),
    Case(
        "xlsx-title-rows-and-gaps-then-error",
        xlsx(E, _titles_gaps_error),
        ("E-INT@8",),
        file=_rel(E, "xlsx"),
    ),
    Case(
        "header-variants",
        with_headers(
            E,
            [
                " 统一社会信用代码 ",
                "企业名称",
                "所属乡镇（街道）代码",
                *ENTERPRISE_HEADERS[3:6],
                "职工人数（人）",
                *ENTERPRISE_HEADERS[7:],
            ],
        ),
        (),
    ),
    # --- encodings and damaged text files -------------------------------------------------------
    Case("gb18030-is-read", raw_bytes(E, _gbk), ()),
    Case(
        "gb18030-with-an-error",
        both(cells(E, {2: {"employees": "很多"}}), raw_bytes(E, _gbk)),
        ("E-INT@4",),
    ),
    Case(
        "utf16",
        raw_bytes(E, lambda data: data.decode("utf-8-sig").encode("utf-16")),
        ("E-ENCODING",),
    ),
    Case(
        "latin1-bytes",
        raw_bytes(T, b"year,unit\r\n2026,\xe9\xe8\xff\xfe\xfd\r\n"),
        ("E-ENCODING",),
    ),
    Case(
        "utf8-with-a-gbk-row",
        raw_bytes(E, lambda data: data + "91990101MA0000009X,东城,990101\r\n".encode("gb18030")),
        ("E-ENCODING-CELL@6",),
    ),
    Case(
        "utf8-truncated-mid-character",
        raw_bytes(E, lambda data: data[:-40] + "东".encode()[:2]),
        ("E-ENCODING-CELL@5",),
    ),
    Case(
        "csv-truncated-mid-row",
        raw_bytes(E, lambda data: data[: data.rfind(b"\r\n", 0, len(data) - 2) + 30]),
        ("E-REQUIRED@5",),
    ),
    Case(
        "csv-unbalanced-quote",
        raw_bytes(E, _lines(_unbalanced_quote)),
        ("E-CSV-QUOTE@3",),
    ),
    Case("csv-empty-file", raw_bytes(T, b""), ("E-FILE-EMPTY",)),
    Case("csv-bom-only", raw_bytes(T, b"\xef\xbb\xbf"), ("E-FILE-EMPTY",)),
    Case("csv-white-space-only", raw_bytes(T, b" \r\n\r\n\t"), ("E-FILE-EMPTY",)),
    Case(
        "csv-5mb-cell",
        cells(E, {1: {"name": "西城商贸" * 440_000}}),
        ("E-CELL-TOO-LONG@3",),
    ),
    Case(
        "csv-binary",
        raw_bytes(T, (FILES / "pixel.png").read_bytes()),
        ("E-FILE-UNREADABLE",),
    ),
    Case(
        "csv-nul-bytes",
        raw_bytes(T, lambda data: data.replace(b"2026", b"20\x0026")),
        ("E-FILE-UNREADABLE",),
    ),
    Case("csv-is-an-xlsx", raw_bytes(T, valid_xlsx_bytes(T)), ("E-FILE-UNREADABLE",)),
    Case(
        "csv-old-mac-line-ends",
        both(
            cells(E, {2: {"employees": "ten"}}),
            raw_bytes(E, lambda data: data.replace(b"\r\n", b"\r")),
        ),
        ("E-INT@4",),
    ),
    # --- damaged, encrypted and odd XLSX --------------------------------------------------------
    Case(
        "xlsx-encrypted",
        raw_bytes(T, (FILES / "encrypted.xlsx").read_bytes(), "xlsx"),
        ("E-FILE-UNREADABLE",),
    ),
    Case(
        "xlsx-not-a-zip",
        raw_bytes(T, b"year,unit\r\n2026,990100\r\n", "xlsx"),
        ("E-FILE-UNREADABLE",),
    ),
    Case(
        "xlsx-zip-of-garbage",
        raw_bytes(
            T,
            _zip({"[Content_Types].xml": b"garbage<<", "xl/workbook.xml": b"\x00\x01"}),
            "xlsx",
        ),
        ("E-FILE-UNREADABLE",),
    ),
    Case(
        "xlsx-truncated-zip",
        raw_bytes(T, valid_xlsx_bytes(T)[:1500], "xlsx"),
        ("E-FILE-UNREADABLE",),
    ),
    Case(
        "xlsx-sheet-xml-cut",
        raw_bytes(
            T,
            _replace_member(valid_xlsx_bytes(T), "xl/worksheets/sheet1.xml", lambda x: x[:300]),
            "xlsx",
        ),
        ("E-FILE-UNREADABLE",),
    ),
    Case(
        "xlsx-formulas-without-values",
        xlsx(E, _formulas),
        ("E-FORMULA-NO-VALUE@2", "E-FORMULA-NO-VALUE@5"),
        file=_rel(E, "xlsx"),
    ),
    Case("xlsx-chart-sheet-first", xlsx(E, _chart_first), ()),
    Case("xlsx-hidden-first-sheet", xlsx(E, _hidden_first), ()),
    Case(
        "xlsx-5mb-cell",
        xlsx(E, _huge_cell),
        ("E-CELL-TOO-LONG@3",),
        file=_rel(E, "xlsx"),
    ),
    Case(
        "xlsx-empty-workbook",
        xlsx(E, lambda wb: None),
        ("E-FILE-EMPTY",),
    ),
    # --- files and folders ----------------------------------------------------------------------
    Case("both-csv-and-xlsx", _both_formats, ("E-FILE-BOTH",)),
    Case("ledger-missing", _missing(E), ("E-PERIOD-EMPTY",)),
    Case("units-missing", _missing(U), ("E-FILE-MISSING",)),
    Case(
        "xls-only",
        raw_bytes(T, (FILES / "encrypted.xlsx").read_bytes(), "xls"),
        ("E-FILE-UNREADABLE",),
    ),
    Case("wrong-cadence-folder", _extra_folder("2026-Q3"), ("E-PERIOD-FOLDER",)),
    Case("stray-folder", _extra_folder("旧数据"), ("W-FOLDER-IGNORED",)),
    # --- configuration: usage errors, exit 2 ----------------------------------------------------
    Case("config-not-yaml", _config("organization: [unclosed\n"), (), exit=2),
    Case("config-unknown-key", _config(CONFIG + "colour: red\n"), (), exit=2),
    Case("no-periods", _no_periods, (), build_exit=2),
]
