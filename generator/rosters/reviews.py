"""A period's volunteer reviews (志愿者考核, CONTRACT 3.5): read from their own file and from the
sheets of the period's ledger files, each review given its county and its volunteer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from generator.common.problems import Problem
from generator.rosters import codes
from generator.rosters.ledger import read_roster, relative
from generator.rosters.read import roster_files
from generator.rosters.specs import VOLUNTEER_REVIEWS
from generator.rosters.validate import Context, empty_frame, validate_table

if TYPE_CHECKING:
    from generator.rosters.load import ProjectData


def _unique_volunteers(data: ProjectData) -> dict[str, str]:
    """Volunteer id -> unit, for the ids used in one county only."""
    index = data.unit_index
    units: dict[str, str] = {}
    counties: dict[str, set[str]] = {}
    for vid, unit in zip(data.volunteers["id"], data.volunteers["unit"], strict=True):
        if isinstance(vid, str) and isinstance(unit, str):
            units[vid] = unit
            counties.setdefault(vid, set()).add(index.county_code(unit))
    return {vid: unit for vid, unit in units.items() if len(counties[vid]) == 1}


def _period_reviews(
    data: ProjectData, folder: Path, sheets: list[tuple[Any, str]], ctx: Context
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A period's volunteer reviews (3.5): data/<period>/volunteer_reviews.* and the 志愿者考核
    sheets of the period's files, validated, each row given its county and its volunteer."""

    root = data.config.root
    problems: list[Problem] = []
    frames: list[pd.DataFrame] = []
    counties: dict[str, str] = {}  # file -> its county, when it is one county's
    named = roster_files(folder, VOLUNTEER_REVIEWS.name)
    if named:
        frame, found, _ = read_roster(root, folder, VOLUNTEER_REVIEWS, ctx)
        problems.extend(found)
        if len(named) == 1:
            rel = relative(root, named[0])
            frame["_file"] = pd.Series(
                [rel] * len(frame), dtype="string[pyarrow]", index=frame.index
            )
            frames.append(frame)
    for raw, county in sheets:
        if not len(raw):
            continue  # the collection template's empty sheet
        validated = validate_table(raw, VOLUNTEER_REVIEWS, replace(ctx, file_county=county))
        problems.extend(validated.problems)
        frame = validated.frame
        frame["_file"] = pd.Series(
            [raw.file] * len(frame), dtype="string[pyarrow]", index=frame.index
        )
        frames.append(frame)
        counties[raw.file] = county
    if not frames:
        return (empty_frame(VOLUNTEER_REVIEWS) if named else None), problems
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    problems.extend(match_reviews(frame, data, counties))
    return frame, problems


def match_reviews(
    frame: pd.DataFrame, data: ProjectData, counties: dict[str, str]
) -> list[Problem]:
    """Give each review its county and its volunteer (CONTRACT 1.1, 3.5: 编号 are unique within
    a county only), adding the columns `county` and `volunteer_unit` (the volunteer's unit).

    A review's county is that of its unit column, else its file's (a county's returned
    workbook), else the one county whose volunteers use its 编号. A 编号 not in that county's
    roster is E-VOLUNTEER-UNKNOWN; one used in several counties, with nothing saying which, is
    E-VOLUNTEER-AMBIGUOUS; the same volunteer reviewed twice is E-DUPLICATE naming both places.
    """
    index = data.unit_index
    header = VOLUNTEER_REVIEWS.column("volunteer").title
    by_key: dict[tuple[str, str], str] = {}
    id_counties: dict[str, list[str]] = {}
    for vid, unit in zip(data.volunteers["id"], data.volunteers["unit"], strict=True):
        if isinstance(vid, str) and isinstance(unit, str):
            county = index.county_code(unit)
            by_key.setdefault((county, vid), unit)
            if county not in id_counties.setdefault(vid, []):
                id_counties[vid].append(county)
    check = data.volunteers_read and data.units_read
    problems: list[Problem] = []
    county_column: list[str | None] = []
    unit_column: list[str | None] = []
    places: dict[tuple[str, str], list[tuple[str, int]]] = {}
    rows = zip(frame["volunteer"], frame["unit"], frame["_file"], frame["_row"], strict=True)
    for vid, unit, file, row in rows:
        file, row = str(file), int(row)
        county = ""
        if isinstance(unit, str) and unit:
            county = index.county_code(unit) if unit in index.level else ""
        elif counties.get(file):
            county = counties[file]
        elif isinstance(vid, str) and len(id_counties.get(vid, [])) == 1:
            county = id_counties[vid][0]
        matched = by_key.get((county, vid)) if isinstance(vid, str) and county else None
        county_column.append(county or None)
        unit_column.append(matched)
        if not isinstance(vid, str) or (isinstance(unit, str) and unit and not county):
            continue  # no 编号 (E-REQUIRED), or an unknown unit code (E-UNIT-UNKNOWN)
        where = (county, index.name.get(county, "")) if county else ("", "")
        if check and matched is None:
            if county:
                problems.append(
                    codes.E_VOLUNTEER_NOT_IN_COUNTY.problem(
                        file, row, header, vid, where, name=where[1]
                    )
                )
            elif len(id_counties.get(vid, [])) > 1:
                names = "、".join(index.name.get(c, c) for c in id_counties[vid])
                problems.append(
                    codes.E_VOLUNTEER_AMBIGUOUS.problem(file, row, header, vid, names=names)
                )
            else:
                problems.append(codes.E_VOLUNTEER_UNKNOWN.problem(file, row, header, vid))
        if county:
            places.setdefault((county, vid), []).append((file, row))
    for (county, vid), where_all in places.items():
        if len(where_all) < 2:
            continue
        shown = "；".join(f"{f} 第 {r} 行" for f, r in where_all)
        owner = (county, index.name.get(county, ""))
        for file, row in where_all:
            problems.append(
                codes.E_REVIEW_TWICE.problem(file, row, header, vid, owner, places=shown)
            )
    frame["county"] = pd.Series(county_column, dtype="string[pyarrow]", index=frame.index)
    frame["volunteer_unit"] = pd.Series(unit_column, dtype="string[pyarrow]", index=frame.index)
    return problems
