"""How a period folder's files are named and whose they are (CONTRACT 1.1, 1.2).

`bulletin intake` stores every file it takes in under a name it makes: the county's code and
name, a counter from the second file of the county on, and the file's own extension
(`880103-东湖区.xlsx`, `880103-东湖区-2.xlsx`); a city office's own file covering several
counties is named after the city. A made name is never hidden, never a lock file's, never one
the project reserves (`.received.csv`, `volunteer_reviews.*`), whatever the county called its
file; the county's own name is kept in the receipt record. The made name is also how `check`
knows which county a stored file was taken in for, so that a row naming a unit of another county
is an error (`E-UNIT-OTHER-COUNTY`) and is counted in neither county.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from generator.common.paths import ProjectPaths
from generator.common.problems import Problem
from generator.rosters import codes
from generator.rosters.specs import ENTERPRISES
from generator.rosters.units import UnitTree
from generator.rosters.workbook import CFB_MAGIC, ZIP_MAGIC

#: The receipt log of a period folder, written by `bulletin intake`.
RECEIPT_LOG = ".received.csv"
#: What a made name may end with after the county's code and name: nothing, or `-<counter>`.
_COUNTER = re.compile(r"(?:-(\d+))?")


#: Characters no made name holds: path separators, what Windows refuses, control characters.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def _part(text: str) -> str:
    """A unit's code or name as a part of a file name: nothing that leaves the folder or that
    Windows refuses, never leading dots, at most 40 characters (names come from the roster)."""
    return _UNSAFE.sub("_", text).strip().lstrip(".")[:40] or "_"


def made_stem(code: str, name: str, n: int) -> str:
    """The stem of the n-th file (from 1) stored for a unit: `code-name`, then `code-name-n`."""
    head = f"{_part(code)}-{_part(name)}"
    return head if n <= 1 else f"{head}-{n}"


def free_name(folder: Path, code: str, name: str, suffix: str) -> Path:
    """The first made name for a unit that no file of the folder uses, whatever its extension.

    Names are compared by stem, so `880103-东湖区.xlsx` and a later `880103-东湖区.csv` are never
    both there to be mistaken for one another.
    """
    taken = {p.stem for p in folder.iterdir()} if folder.is_dir() else set()
    n = 1
    while made_stem(code, name, n) in taken:
        n += 1
    return folder / f"{made_stem(code, name, n)}{suffix.lower()}"


def stored_county(file_name: str, units: UnitTree) -> str:
    """The county a stored file was taken in for, from its made name ("" when it has none).

    A file the office put into the folder under a name of its own has no county of its own:
    each of its rows is its unit's county's, as before.
    """
    stem = Path(file_name).stem
    for code, level in units.level.items():
        if level != "county":
            continue
        head = made_stem(code, units.name.get(code, ""), 1)
        if stem.startswith(head) and _COUNTER.fullmatch(stem[len(head) :]):
            return code
    return ""


def move_aside(path: Path, folder: Path, stamp: str) -> Path | None:
    """Move a file into `folder` as `<stamp>-<name>` (a counter added if taken), never replacing
    a file there: the link fails rather than overwrite, and only then is the old name removed.
    None when the file is gone already (another intake at the same time moved it)."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        aside = folder / (f"{stamp}-{path.name}" if n == 1 else f"{stamp}-{n}-{path.name}")
        try:
            os.link(path, aside)
        except FileExistsError:
            n += 1
            continue
        except FileNotFoundError:
            return None
        path.unlink(missing_ok=True)
        return aside


def stray_rows(
    frame: pd.DataFrame, rel: str, county: str, units: UnitTree
) -> tuple[np.ndarray, list[Problem]]:
    """The rows of a county's file whose unit is another county's, and an E-UNIT-OTHER-COUNTY
    for each (the row, both counties, the code).

    Such a row is counted in neither county: it is the county's mistake or another county's
    enterprise, and only the county can say which.
    """
    if not county or not len(frame):
        return np.zeros(len(frame), dtype=bool), []
    # Mapped once per distinct code (a county's ledger has up to a few hundred thousand rows).
    counties = frame["unit"].astype("string").map(units.county, na_action="ignore")
    stray = (counties.notna() & (counties != "") & (counties != county)).to_numpy(
        dtype=bool, na_value=False
    )
    own = units.name.get(county, county)
    header = ENTERPRISES.column("unit").title
    problems = []
    picked = frame.loc[stray, ["unit", "_row", "name"]]
    for unit, row, enterprise in zip(picked["unit"], picked["_row"], picked["name"], strict=True):
        other = units.county[unit]
        problems.append(
            codes.E_UNIT_OTHER_COUNTY.problem(
                rel,
                int(row),
                header,
                unit,
                (county, own),
                enterprise=enterprise if isinstance(enterprise, str) else "",
                unit_name=units.name.get(unit, ""),
                own=own,
                other_county=units.name.get(other, other),
            )
        )
    return stray, problems


def own_names(root: Path, periods: Sequence[object]) -> dict[str, str]:
    """The name each county gave a stored file of the periods (the receipt log's `source`), by
    the file's path in the project; files placed by hand, under their own names, have none."""
    out: dict[str, str] = {}
    for period in periods:
        log = ProjectPaths(root).period(period) / RECEIPT_LOG
        if not log.is_file():
            continue
        with log.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                stored, source = row.get("file") or "", row.get("source") or ""
                if stored and source and source != stored:
                    out[f"data/{period}/{stored}"] = source
    return out


def own_name(file: str, sources: dict[str, str]) -> str:
    """The county's own name of a problem's file ("" when it has none); a sheet named after the
    file (`….xlsx（志愿者考核）`) keeps its sheet."""
    for at in [len(file), *(i for i, c in enumerate(file) if c == "（")]:
        source = sources.get(file[:at])
        if source:
            return source + file[at:]
    return ""


def shown_file(file: str, sources: dict[str, str]) -> str:
    """A problem's file as the office reads it: the stored path, the county's own name beside."""
    source = own_name(file, sources)
    return f"{file}（原名 {source}）" if source else file


def hidden_workbook(path: Path) -> bool:
    """Whether a file skipped for its name (a lock file's, a hidden one) is a real workbook.

    Excel's and LibreOffice's lock files hold a user name, never a workbook's bytes; a file of
    intake's own (the receipt log, a copy left by an interrupted intake) is not the office's.
    """

    if path.name == RECEIPT_LOG or path.name.startswith(".intake-") or not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            magic = handle.read(8)
    except OSError:
        return False
    return magic == CFB_MAGIC or magic.startswith(ZIP_MAGIC)
