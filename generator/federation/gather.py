"""A province or national build: the members' packages instead of ledgers, then the city pipeline.

`gather_level` gives the build what `build.gather` gives it for a city: the project's rosters
(the members as the units), its content, the figures made from the members' counts and one
bulletin per period and audience. Everything after it (the files, PDFs, sites, issued periods
and their 更正说明) is the city's code, one level up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.common.config import Config
from generator.common.errors import ConfigError, DataError
from generator.common.periods import Period
from generator.common.problems import Problem, ProblemList
from generator.federation.reduce import level_figures, read_level
from generator.model.assemble import assemble
from generator.model.bulletin import Bulletin
from generator.model.content import frame_deadline_problems, load_content
from generator.model.frame_dates import frame_date_problems
from generator.rosters.load import CheckResult, ProjectData
from generator.rosters.specs import CAMPAIGNS, TARGETS, VOLUNTEERS
from generator.rosters.units import UnitTree
from generator.rosters.validate import empty_frame

if TYPE_CHECKING:
    from generator.build import BuildOptions
    from generator.figures.reduce import Figures

AUDIENCES = ("public", "internal")


#: What build's Gathered holds, in its order (build makes it: this module does not import build)
LevelParts = tuple[
    Config,
    ProjectData,
    Any,
    list[Period],
    "Figures",
    dict[str, Any],
    dict[str, list[Problem]],
    dict[str, list[Bulletin]],
]


def gather_level(root: Path, config: Config, options: BuildOptions) -> LevelParts:
    """Read the members' packages, compute the figures and assemble every bulletin."""
    level = read_level(root, config, options.period)
    if options.period is not None and options.period not in level.periods:
        raise ConfigError(f"没有报告期 {options.period} 的成员通报包（data/{options.period}/）。")
    if not level.periods:
        raise ConfigError(
            "还没有任何报告期的成员通报包：请在 data/ 下建立报告期目录（如 data/2026-10/），"
            "用 bulletin intake 收进各成员印发的通报包，然后运行 bulletin build。"
        )
    units = level.members.units
    tree = UnitTree.from_frame(units)
    content = load_content(root, set(tree.codes))
    content.problems.extend(
        frame_deadline_problems(root, content.frames, config.report_deadline, config.rectify_days)
    )
    content.problems.extend(frame_date_problems(root, content.frames, config))
    shared: list[Problem] = [*content.problems]
    problems = {key: [*shared, *items] for key, items in level.problems.items()}
    errors = {
        (p.file, p.code, p.county) for items in problems.values() for p in items if p.is_error
    }
    if errors:
        raise DataError(
            f"成员通报包或名册中有 {len(errors)} 处错误，本次没有生成任何输出（原有输出保持不变）。"
            "请运行 bulletin check 查看每处错误所在的文件和成员，改正后再生成。"
        )
    data = ProjectData(
        config=config,
        units=units,
        targets=empty_frame(TARGETS),
        volunteers=empty_frame(VOLUNTEERS),
        campaigns={key: empty_frame(c.roster) for key, c in CAMPAIGNS.items()},
        periods=level.periods,
        problems=ProblemList(list(level.members.problems)),
        unit_index=tree,
    )
    figures = level_figures(level, config)
    for warning in figures.warnings:
        problems.setdefault(str(level.periods[-1]), []).append(warning)
    audiences = AUDIENCES if options.audience == "all" else (options.audience,)
    bulletins: dict[str, list[Bulletin]] = {}
    for audience in audiences:
        bulletins[audience] = [
            assemble(
                data,
                figures,
                content,
                period,
                level.periods,
                audience,  # type: ignore[arg-type]
                reporting=level.reporting.get(str(period)),
                problems=problems.get(str(period), []),
            )
            for period in level.periods
        ]
    reviews: dict[str, Any] = {str(p): None for p in level.periods}
    return config, data, content, level.periods, figures, reviews, problems, bulletins


def check_level(root: Path, config: Config, period: Period | None = None) -> CheckResult:
    """`check` of a province or national project: its roster and its members' packages."""
    level = read_level(root, config, period)
    periods = [p for p in level.periods if period is None or p == period]
    problems = ProblemList(list(level.members.problems))
    seen = set(problems.items)
    for p in periods:
        for problem in level.problems.get(str(p), []):
            if problem not in seen:
                seen.add(problem)
                problems.items.append(problem)
    last = str(periods[-1]) if periods else ""
    return CheckResult(
        root=root,
        periods=periods,
        problems=problems,
        counties=dict(level.members.names),
        reporting=level.reporting.get(last, []),
    )
