"""The members of a province or national project: data/units.csv, read as a members roster.

The roster has the columns of a city's units.csv. Its first unit without a parent is the
project's own federation (层级 省 or 全国), every other row a member (层级 市, or 省 for the
national federation) whose parent is the root. The city pipeline sees the root as its "city"
and the members as its "counties": they are ranked among themselves as counties are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from generator.common.paths import ProjectPaths
from generator.common.problems import Problem
from generator.rosters import codes
from generator.rosters.ledger import relative
from generator.rosters.read import ReadError, read_table, roster_files
from generator.rosters.specs import ENUM, INT, TEXT, UNITS, Column, Roster
from generator.rosters.validate import Context, validate_table

#: The level of a project (bulletin.yml `level`) -> the level of its members.
MEMBER_LEVEL = {"province": "city", "national": "province"}
LEVEL_NAMES = {"national": "全国", "province": "省", "city": "市"}

MEMBERS = Roster(
    "members",
    "成员名册",
    (
        Column("code", ("单位代码",), TEXT, required=True, unique=True),
        Column("name", ("单位名称",), TEXT, required=True),
        Column(
            "level",
            ("层级",),
            ENUM,
            required=True,
            choices=("national", "province", "city"),
            synonyms={
                "national": "national",
                "全国": "national",
                "全总": "national",
                "province": "province",
                "省": "province",
                "自治区": "province",
                "直辖市": "province",
                "省级": "province",
                "city": "city",
                "市": "city",
                "地市": "city",
                "地级市": "city",
                "州": "city",
                "盟": "city",
            },
        ),
        Column("parent", ("上级单位代码",), TEXT),
        Column("order", ("排序",), INT),
        UNITS.column("email"),
        UNITS.column("short_name"),
    ),
)


@dataclass
class Members:
    """The project's own federation and its members, and the roster as the pipeline reads it."""

    root: str
    root_name: str
    names: dict[str, str] = field(default_factory=dict)  # member code -> name, roster order
    units: pd.DataFrame = field(default_factory=pd.DataFrame)  # city-roster shaped frame
    problems: list[Problem] = field(default_factory=list)


def read_members(project: Path, level: str) -> Members:
    """Read data/units.csv of a `level` project (province or national) as its members."""
    files = roster_files(ProjectPaths(project).data, "units")
    if not files:
        rel = "data/units.csv"
        return Members("", "", problems=[codes.E_FILE_MISSING.problem(rel, None, title="单位名册")])
    path = files[0]
    rel = relative(project, path)
    try:
        raw = read_table(path, rel, MEMBERS)
    except ReadError as exc:
        return Members("", "", problems=[exc.problem])
    validated = validate_table(raw, MEMBERS, Context())
    frame = validated.frame
    problems = list(validated.problems)
    want = MEMBER_LEVEL[level]
    roots = [i for i, p in enumerate(frame["parent"]) if p is pd.NA or not str(p)]
    root = str(frame["code"].iloc[roots[0]]) if roots else ""
    root_name = str(frame["name"].iloc[roots[0]]) if roots else ""
    names: dict[str, str] = {}
    rows = []
    for i, (code, name, lv, parent, order, email, short) in enumerate(
        zip(
            frame["code"],
            frame["name"],
            frame["level"],
            frame["parent"],
            frame["order"],
            frame["email"],
            frame["short_name"],
            strict=True,
        )
    ):
        if code is pd.NA:
            continue
        is_root = i == (roots[0] if roots else -1)
        ok = lv == level if is_root else (lv == want and str(parent) == root)
        if not ok:
            expected = f"层级“{LEVEL_NAMES[want]}”，上级单位代码“{root}”"
            row = int(frame["_row"].iloc[i]) if "_row" in frame else None
            problems.append(codes.E_MEMBER_ROSTER.problem(rel, row, value=code, expected=expected))
            continue
        if not is_root:
            names[str(code)] = str(name)
        rows.append(
            {
                "code": str(code),
                "name": str(name),
                # the pipeline's positions: the root ranks its members as a city its counties
                "level": "city" if is_root else "county",
                "parent": pd.NA if is_root else root,
                "order": order,
                "email": email,
                "short_name": short,
            }
        )
    units = pd.DataFrame(rows, columns=["code", "name", "level", "parent", "order", "email"])
    if rows:
        units["short_name"] = [r["short_name"] for r in rows]
    for column in ("code", "name", "level", "parent", "email", "short_name"):
        if column in units:
            units[column] = units[column].astype("string")
    units["order"] = units["order"].astype("Int64")
    units["volunteer_required"] = pd.array([pd.NA] * len(units), dtype="boolean")
    return Members(root, root_name, names, units, problems)
