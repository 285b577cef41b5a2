"""Reading a folder's roster files into typed frames: the rosters of data/ (a file, or a folder
of one file per county) and a period's ledger from every file of its folder, each validated,
marked with its file and given to its county, then joined."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from generator.common.problems import Problem
from generator.rosters import codes
from generator.rosters.counties import county_of_rows
from generator.rosters.filing import hidden_workbook, stored_county, stray_rows
from generator.rosters.read import (
    READERS,
    ReadError,
    read_roster_sheet,
    read_roster_sheets,
    read_table,
    roster_files,
)
from generator.rosters.specs import ENTERPRISES, ROSTERS, VOLUNTEER_REVIEWS, Roster
from generator.rosters.units import UnitTree
from generator.rosters.validate import Context, empty_frame, validate_table

if TYPE_CHECKING:
    from generator.rosters.grid import RawTable
    from generator.rosters.read import FoundSheet

T = TypeVar("T")


def relative(root: Path, path: Path) -> str:
    """A path as users see it in messages: relative to the project, with forward slashes."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_roster(
    root: Path, folder: Path, roster: Roster, ctx: Context
) -> tuple[pd.DataFrame, list[Problem], bool]:
    """Read and validate one roster file; return (frame, problems, file was read)."""
    readable = roster_files(folder, roster.name)
    problems: list[Problem] = []
    directory = folder / roster.name
    if not roster.per_period and directory.is_dir():
        if readable:
            folder_rel = relative(root, directory) + "/"
            problems.append(
                codes.E_FILE_AND_FOLDER.problem(relative(root, readable[0]), None, other=folder_rel)
            )
            return empty_frame(roster), problems, False
        return read_roster_folder(root, directory, roster, ctx)
    if len(readable) > 1:
        first, other = readable[0], readable[1]
        problems.append(
            codes.E_FILE_BOTH.problem(relative(root, first), None, other=relative(root, other))
        )
        return empty_frame(roster), problems, False
    if not readable:
        if not roster.optional and not problems:
            rel = relative(root, folder / f"{roster.name}.csv")
            problems.append(codes.E_FILE_MISSING.problem(rel, None, title=roster.title))
        return empty_frame(roster), problems, False
    path = readable[0]
    try:
        raw = read_table(path, relative(root, path), roster)
    except ReadError as exc:
        return empty_frame(roster), [*problems, exc.problem], False
    except OSError as exc:
        detail = (
            "没有读取权限，或文件正被其他程序占用"
            if isinstance(exc, PermissionError)
            else "打开文件时出错，请确认文件完整、可以用 Excel 打开"
        )
        problem = codes.E_FILE_UNREADABLE.problem(relative(root, path), None, detail=detail)
        return empty_frame(roster), [*problems, problem], False
    validated = validate_table(raw, roster, ctx)
    found = [*problems, *validated.problems]
    if roster.rows_required and raw.headers and len(raw) == 0:
        found.append(codes.E_NO_ROWS.problem(raw.file, raw.header_row, title=roster.title))
    ok = not any(p.code in _UNREAD for p in found)
    return validated.frame, found, ok


def read_roster_folder(
    root: Path, directory: Path, roster: Roster, ctx: Context
) -> tuple[pd.DataFrame, list[Problem], bool]:
    """A roster kept as a folder, `data/<roster>/`: every spreadsheet in it (one per county is
    usual), each read from its sheet with the roster's header and validated, then joined."""

    files, problems = _folder_files(root, directory)
    frames: list[pd.DataFrame] = []
    ok = True
    for path in files:
        rel = relative(root, path)
        found = _attempt(rel, problems, lambda: read_roster_sheet(path, rel, roster))  # noqa: B023
        if found is None:
            ok = False
            continue
        if found.table is None:
            problems.append(_not_found(codes.E_ROSTER_NOT_FOUND, rel, found, roster))
            ok = False
            continue
        validated = validate_table(found.table, roster, ctx)
        if any(p.code in _UNREAD for p in validated.problems):
            ok = False
        frames.append(_file_frame(validated.frame, rel, list(validated.problems), ctx, problems))
    if not frames:
        if not roster.optional and not files:
            rel = relative(root, directory) + "/"
            problems.append(codes.E_FILE_MISSING.problem(rel, None, title=roster.title))
        return empty_frame(roster), problems, False
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if len(frames) > 1:
        problems.extend(_roster_duplicates(frame, roster, ctx.units))
    return frame, problems, ok


def _roster_duplicates(
    frame: pd.DataFrame, roster: Roster, units: UnitTree | None
) -> list[Problem]:
    """E-DUPLICATE for a unique value found in more than one file of a roster folder."""
    keys: list[tuple[str, pd.Series]] = [
        (c.name, frame[c.name].astype("object")) for c in roster.columns if c.unique
    ]
    if roster.name == "volunteers" and units is not None:  # 编号: unique within its county
        county = frame["unit"].map(lambda u: units.county.get(u, "") if isinstance(u, str) else "")
        ids = frame["id"].astype("object")
        joined = (county.astype(str) + "\x1f" + ids.astype(str)).where(ids.notna())
        keys.append(("id", joined))
    out: list[Problem] = []
    for name, key in keys:
        column = roster.column(name)
        places: dict[str, list[tuple[str, int, str]]] = {}
        rows = zip(key, frame["_file"], frame["_row"], frame["unit"], strict=True)
        for value, file, row, unit in rows:
            if isinstance(value, str) and value:
                owner = unit if isinstance(unit, str) else ""
                places.setdefault(value, []).append((str(file), int(row), owner))
        for value, where in places.items():
            if len({f for f, _, _ in where}) < 2:
                continue  # within one file: already reported by its validation
            shown = "；".join(f"{f} 第 {r} 行" for f, r, _ in where)
            text = value.split("\x1f", 1)[-1]
            for file, row, unit in where:
                owner_county = units.county_of(unit) if units is not None else ("", "")
                out.append(
                    codes.E_DUPLICATE_PLACES.problem(
                        file, row, column.title, text, owner_county, places=shown
                    )
                )
    return out


#: Problems after which a roster counts as not read.
_UNREAD = frozenset({"E-HEADER-NOT-FOUND", "E-FILE-EMPTY", "E-NO-ROWS"})


@dataclass
class Ledger:
    """A period's ledger read from every file of its folder."""

    frame: pd.DataFrame
    problems: list[Problem]
    readable: bool
    files: list[str]  # the files rows came from, relative to the project
    #: the 志愿者考核 sheets found in the period's files: (table, the file's county or "")
    reviews: list[tuple[Any, str]] = field(default_factory=list)
    #: (file, row) -> (企业名称, 统一社会信用代码) of each row of another county's unit, left out
    #: of `frame` (E-UNIT-OTHER-COUNTY): named in the problem lists, not missing (W-ENT-MISSING)
    strays: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)


#: Lock and temporary files of Excel, WPS and LibreOffice: never a county's file.
def _is_scratch(name: str) -> bool:
    return name.startswith(("~$", ".~lock", ".", "~")) or name.endswith(("#", ".tmp", ".TMP"))


def period_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """The spreadsheets of a period folder that may hold the ledger, and files not read.

    Lock and temporary files are skipped; so are files named as another period roster
    (volunteer_reviews.*). The second list is every other regular file: named, not ignored.
    """

    if not folder.is_dir():
        return [], []
    others = {r.name for r in ROSTERS.values() if r.per_period and r.name != ENTERPRISES.name}
    sheets: list[Path] = []
    ignored: list[Path] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if _is_scratch(path.name) or not path.is_file():
            continue
        if path.stem in others:
            continue
        if path.suffix.lower() in READERS:
            sheets.append(path)
        else:
            ignored.append(path)
    return sheets, ignored


def _period_empty(rel: str, period: str, ctx: Context) -> Problem:
    """E-PERIOD-EMPTY: no county's file taken in yet; how the office takes one in (an example
    with a county of its own) and which counties have not sent theirs."""
    counties = [c for c, level in ctx.units.level.items() if level == "county"] if ctx.units else []
    names = [ctx.units.name.get(c, c) for c in counties] if ctx.units else []
    arrived = f"{ctx.period.end + timedelta(days=3):%Y-%m-%d} 09:30" if ctx.period else "收到时间"
    example = f'bulletin intake {period} ~/下载/{names[0] if names else "某县"}台账.xlsx --received "{arrived}"'
    return codes.E_PERIOD_EMPTY.problem(
        rel,
        None,
        period=period,
        example=example,
        names="、".join(names) or "（单位名册有错误，改正后再列出）",
        previous=str(ctx.period.previous()) if ctx.period else "上一期",
    )


def read_ledger(root: Path, folder: Path, ctx: Context) -> Ledger:
    """Every file of a period folder read for the ledger, validated file by file, then joined.

    Row numbers stay those of each file; the same enterprise in two files is E-DUPLICATE naming
    both places; a spreadsheet without a ledger sheet is E-LEDGER-NOT-FOUND.
    """

    files, problems = _folder_files(root, folder)
    if not files:
        problems.append(_period_empty(relative(root, folder) + "/", folder.name, ctx))
        return Ledger(empty_frame(ENTERPRISES), problems, False, [])
    frames: list[pd.DataFrame] = []
    used: list[str] = []
    reviews: list[tuple[Any, str]] = []
    strays: dict[tuple[str, int], tuple[str, str]] = {}
    readable = True
    for path in files:
        rel = relative(root, path)
        named = path.stem == ENTERPRISES.name

        sheets = _attempt(rel, problems, lambda: _ledger_sheets(path, rel))  # noqa: B023
        if sheets is None:
            readable = False
            continue
        found, review, raw = sheets
        if raw is None and review.table is not None and not named:
            reviews.append((review.table, ""))  # a file of volunteer reviews only
            continue
        if raw is None:
            problems.append(_not_found(codes.E_LEDGER_NOT_FOUND, rel, found, ENTERPRISES, path))
            readable = False
            continue
        # a county's stored file is that county's: every problem of it goes to its list, a stray
        # row of another county's unit included (the county that sent the row fixes it)
        county = stored_county(path.name, ctx.units) if ctx.units is not None else ""
        validated = validate_table(raw, ENTERPRISES, replace(ctx, file_county=county), release=True)
        found_problems = list(validated.problems)
        if raw.headers and len(raw) == 0:
            found_problems.append(
                codes.E_NO_ROWS.problem(raw.file, raw.header_row, title=ENTERPRISES.title)
            )
        if any(p.code in _UNREAD for p in found_problems):
            readable = False
        frame = _file_frame(validated.frame, rel, found_problems, ctx, problems, county)
        if ctx.units is not None:  # a county's stored file: rows of other counties are strays
            stray, found_strays = stray_rows(frame, rel, county, ctx.units)
            problems.extend(found_strays)
            if stray.any():
                picked = frame.loc[stray, ["_row", "name", "uscc"]]
                for row, name, code in picked.itertuples(index=False):
                    strays[(rel, int(row))] = (_text(name), _text(code))
                frame = frame.loc[~stray].reset_index(drop=True)
        frames.append(frame)
        used.append(rel)
        if review.table is not None:
            reviews.append((review.table, _one_county(frame, ctx.units)))
    if not frames:
        return Ledger(empty_frame(ENTERPRISES), problems, False, [], reviews, strays)
    if len(frames) == 1:
        return Ledger(frames[0], problems, readable, used, reviews, strays)
    frame = pd.concat(frames, ignore_index=True)
    problems.extend(_duplicates_across_files(frame, ctx.units))
    return Ledger(frame, problems, readable, used, reviews, strays)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _one_county(frame: pd.DataFrame, units: UnitTree | None) -> str:
    """The county of a file's ledger rows when they are all one county's, else ""."""
    if units is None or not len(frame):
        return ""
    counties = set(pc.unique(county_of_rows(frame, units)).to_pylist())
    return str(counties.pop()) if len(counties) == 1 else ""


def _ledger_sheets(path: Path, rel: str) -> tuple[FoundSheet, FoundSheet, RawTable | None]:
    """A period file's ledger and 志愿者考核 sheets, and the ledger's rows (None when no sheet
    has its header; enterprises.csv itself is read as it is, to say what is wrong with it)."""

    tables = read_roster_sheets(path, rel, (ENTERPRISES, VOLUNTEER_REVIEWS))
    found, review = tables[ENTERPRISES.name], tables[VOLUNTEER_REVIEWS.name]
    raw = found.table
    if raw is None and path.stem == ENTERPRISES.name:
        raw = read_table(path, rel, ENTERPRISES)
    return found, review, raw


def _folder_files(root: Path, folder: Path) -> tuple[list[Path], list[Problem]]:
    """The spreadsheets of a roster folder, and a W-FILE-IGNORED for each other file in it."""
    files, ignored = period_files(folder)
    problems = [codes.W_FILE_IGNORED.problem(relative(root, path), None) for path in ignored]
    if folder.is_dir():  # a workbook under a lock file's or hidden name is named, not skipped
        problems += [
            codes.W_FILE_HIDDEN.problem(relative(root, path), None)
            for path in sorted(folder.iterdir(), key=lambda p: p.name)
            if _is_scratch(path.name) and hidden_workbook(path)
        ]
    return files, problems


def _attempt(rel: str, problems: list[Problem], read: Callable[[], T]) -> T | None:
    """What `read` gives of a file, or None with the file's problem added when it cannot be
    read."""
    try:
        return read()
    except ReadError as exc:
        problems.append(exc.problem)
    except OSError as exc:
        problems.append(_os_problem(rel, exc))
    return None


def _not_found(
    code: Any, rel: str, found: FoundSheet, roster: Roster, path: Path | None = None
) -> Problem:
    """No sheet of a file has the roster's header: the sheets it has, the columns wanted."""
    sheets = "、".join(f"工作表“{name}”" for name in found.sheets) or "文件"
    expected = "、".join(c.title for c in roster.columns if c.required)
    if path is not None:  # the ledger's message names the file
        return code.problem(rel, None, value=path.name, sheets=sheets, expected=expected)
    return code.problem(rel, None, title=roster.title, sheets=sheets, expected=expected)


def _file_frame(
    frame: pd.DataFrame,
    rel: str,
    found: list[Problem],
    ctx: Context,
    problems: list[Problem],
    county: str = "",
) -> pd.DataFrame:
    """A file's validated rows marked with the file; its problems added, each about the whole
    file given to `county` (the county it was taken in for) or the county whose rows it holds."""
    files = pa.nulls(len(frame), pa.large_string()).fill_null(rel)
    frame["_file"] = pd.Series(pd.arrays.ArrowStringArray(files), index=frame.index)
    problems.extend(_file_county(found, frame, ctx.units, county))
    return frame


def _os_problem(rel: str, exc: OSError) -> Problem:
    detail = (
        "没有读取权限，或文件正被其他程序占用"
        if isinstance(exc, PermissionError)
        else "打开文件时出错，请确认文件完整、可以用 Excel 打开"
    )
    return codes.E_FILE_UNREADABLE.problem(rel, None, detail=detail)


def _file_county(
    problems: list[Problem], frame: pd.DataFrame, units: UnitTree | None, county: str = ""
) -> list[Problem]:
    """A file's problems about the whole file go to `county` when given, else to the county
    whose rows it holds (if one)."""

    if units is None or not problems or (not county and not len(frame)):
        return problems
    if not county:
        counties = set(pc.unique(county_of_rows(frame, units)).to_pylist())
        counties.discard("")
        if len(counties) != 1:
            return problems
        county = counties.pop()
    name = units.name.get(county, "")
    return [replace(p, county=county, county_name=name) if not p.county else p for p in problems]


def _duplicates_across_files(frame: pd.DataFrame, units: UnitTree | None) -> list[Problem]:
    """E-DUPLICATE for each enterprise found in more than one file, naming every place."""
    uscc = frame["uscc"]
    known = uscc.notna()
    files_per = frame.loc[known].groupby("uscc", observed=True)["_file"].nunique()
    shared = set(files_per[files_per > 1].index.tolist())
    if not shared:
        return []
    header = ENTERPRISES.column("uscc").title
    rows = frame.loc[known & uscc.isin(shared), ["uscc", "_file", "_row", "unit"]]
    places: dict[str, list[tuple[str, int]]] = {}
    for code, file, row in zip(rows["uscc"], rows["_file"], rows["_row"], strict=True):
        places.setdefault(code, []).append((str(file), int(row)))
    out = []
    for code, file, row, unit in zip(
        rows["uscc"], rows["_file"], rows["_row"], rows["unit"], strict=True
    ):
        shown = "；".join(f"{f} 第 {r} 行" for f, r in places[code])
        county = units.county_of(unit if isinstance(unit, str) else None) if units else ("", "")
        out.append(
            codes.E_DUPLICATE_FILES.problem(str(file), int(row), header, code, county, places=shown)
        )
    return out
