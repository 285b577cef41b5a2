"""The build, top to bottom: rosters -> figures -> model -> render -> publish.

First every input is read and every figure and model computed (nothing is written), then the
outputs are rendered into a fresh folder beside the old one, which is swapped in only when
everything succeeded: an error or Ctrl-C at any point leaves the previous output as it was.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.assemble import assemble
from generator.config import Config, load_config
from generator.content import Content, load_content
from generator.errors import ConfigError, DataError
from generator.model import Bulletin
from generator.periods import Period
from generator.problems import Problem

AUDIENCES = ("public", "internal")


@dataclass
class BuildOptions:
    """What to build; the CLI's options, one attribute each."""

    #: the latest period to build (default: the latest with data); later periods are left out
    period: Period | None = None
    #: public | internal | all
    audience: str = "all"
    #: output folder (default PROJECT/site)
    out: Path | None = None
    #: parallel workers for PDFs and charts (default: cores)
    jobs: int | None = None
    #: rebuild everything, ignoring the cache
    force: bool = False
    #: build the site (MkDocs) — off for quick data-only builds
    site: bool = True
    #: build the PDFs
    pdf: bool = True


@dataclass
class Gathered:
    """Everything read and computed before anything is written."""

    config: Config
    data: Any  # generator.rosters.load.ProjectData
    content: Content
    periods: list[Period]
    figures: Any  # generator.figures.Figures
    reviews: dict[str, Any]
    problems: dict[str, list[Problem]]  # period -> every problem that period's build saw
    bulletins: dict[str, list[Bulletin]]  # audience -> one per period, oldest first


@dataclass
class BuildResult:
    out: Path
    periods: list[str] = field(default_factory=list)
    pages: int = 0
    pdfs: int = 0
    files: int = 0
    warnings: int = 0
    timings: dict[str, float] = field(default_factory=dict)


Reporter = Callable[[str, int, int], None]  # (stage label, done, total)


def _noop(_stage: str, _done: int, _total: int) -> None:
    return None


@contextmanager
def _timed(result: BuildResult, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        result.timings[stage] = result.timings.get(stage, 0.0) + time.perf_counter() - start


def gather(
    root: Path, options: BuildOptions, report: Reporter = _noop, result: BuildResult | None = None
) -> Gathered:
    """Read the rosters and content, compute the figures and assemble every bulletin."""
    result = result or BuildResult(out=root)
    config = load_config(root)

    from generator.figures import compute_figures, reduce_snapshot
    from generator.rosters.load import load_project, read_snapshot

    with _timed(result, "rosters"):
        data = load_project(root, config)
        periods = [p for p in data.periods if options.period is None or p <= options.period]
        if options.period is not None and options.period not in periods:
            names = "、".join(str(p) for p in data.periods) or "无"
            raise ConfigError(
                f"没有报告期 {options.period} 的数据（data/{options.period}/）。现有报告期：{names}"
            )
        if not periods:
            raise ConfigError(
                "data/ 下没有任何报告期目录（例如 data/2026-10/）：请先放入本期台账。"
            )
        content = load_content(root, set(data.units["code"].astype(str)))
    shared: list[Problem] = [*data.problems, *content.problems]
    problems: dict[str, list[Problem]] = {}
    reviews: dict[str, Any] = {}
    reductions: list[Any] = []
    previous_state = None
    for i, period in enumerate(periods):
        report("读取台账", i, len(periods))
        with _timed(result, "rosters"):
            snapshot = read_snapshot(data, period, previous_state)
            previous_state = getattr(snapshot, "state", None)
        with _timed(result, "figures"):
            reductions.append(
                reduce_snapshot(
                    data.units,
                    snapshot.enterprises,
                    period,
                    config,
                    reductions[-1] if reductions else None,
                )
            )
        reviews[str(period)] = snapshot.volunteer_reviews
        problems[str(period)] = [*shared, *snapshot.problems]
        del snapshot  # one snapshot alive at a time: province-sized projects stay in memory
    report("读取台账", len(periods), len(periods))

    errors = [p for items in problems.values() for p in items if p.severity == "error"]
    if errors:
        unique = {(p.file, p.row, p.column, p.code) for p in errors}
        raise DataError(
            f"数据中有 {len(unique)} 处错误，本次没有生成任何输出（原有输出保持不变）。"
            "请运行 bulletin check 查看每处错误所在的文件、行和列，改正后再生成。"
        )

    with _timed(result, "figures"):
        figures = compute_figures(
            data.units,
            reductions,
            data.targets,
            data.volunteers,
            data.pioneer_teams,
            data.book_rooms,
            data.model_homes,
            config,
        )
        for warning in figures.warnings:
            problems.setdefault(_problem_period(warning, periods), []).append(warning)

    audiences = AUDIENCES if options.audience == "all" else (options.audience,)
    bulletins: dict[str, list[Bulletin]] = {}
    with _timed(result, "model"):
        for audience in audiences:
            bulletins[audience] = [
                assemble(
                    config=config,
                    units=data.units,
                    figures=figures,
                    content=content,
                    period=period,
                    periods=periods,
                    audience=audience,  # type: ignore[arg-type]
                    pioneer_teams=data.pioneer_teams,
                    book_rooms=data.book_rooms,
                    model_homes=data.model_homes,
                    volunteers=data.volunteers,
                    reviews=reviews.get(str(period)),
                    problems=problems.get(str(period), []),
                )
                for period in periods
            ]
    return Gathered(config, data, content, periods, figures, reviews, problems, bulletins)


def _problem_period(problem: Problem, periods: list[Period]) -> str:
    for period in reversed(periods):
        if str(period) in problem.file:
            return str(period)
    return str(periods[-1])


def write_data_files(g: Gathered, out: Path) -> int:
    """bulletin.json per audience, and (internal) indicators and problems, per period."""
    from generator.render.files import write_bulletin_json, write_indicators, write_problems

    count = 0
    for audience, bulletins in g.bulletins.items():
        for bulletin in bulletins:
            folder = out / audience / "data" / bulletin.period
            write_bulletin_json(bulletin, folder / "bulletin.json")
            count += 1
            if audience == "internal":
                count += len(write_indicators(bulletin, folder))
                count += len(write_problems(g.problems.get(bulletin.period, []), folder))
    return count


def build(root: Path, options: BuildOptions | None = None, report: Reporter = _noop) -> BuildResult:
    """Build the project at `root` into options.out (default root/site), atomically."""
    options = options or BuildOptions()
    out = (options.out or root / "site").absolute()
    result = BuildResult(out=out)
    g = gather(root, options, report, result)
    result.periods = [str(p) for p in g.periods]
    result.warnings = sum(
        1 for p in {q for items in g.problems.values() for q in items} if p.severity == "warning"
    )

    with publishing(out) as staging:
        with _timed(result, "files"):
            result.files += write_data_files(g, staging)
        if options.pdf:
            with _timed(result, "pdf"):
                result.pdfs += _render_pdfs(g, staging, options, root, report)
        if options.site:
            with _timed(result, "site"):
                result.pages += _render_sites(g, staging, root, report)
    return result


def _render_pdfs(
    g: Gathered, staging: Path, options: BuildOptions, root: Path, report: Reporter
) -> int:
    from generator.render.dist import write_dist
    from generator.render.pdf import render_bulletin_pdfs, render_unit_reports

    count = 0
    jobs = options.jobs or os.cpu_count() or 1
    cache = None if options.force else root / ".bulletin-cache" / "pdf"
    latest = g.periods[-1]
    items = [
        (bulletin, staging / audience / "pdf" / bulletin.period / "bulletin.pdf")
        for audience, bulletins in g.bulletins.items()
        for bulletin in bulletins
    ]
    report("生成通报 PDF", 0, 1)
    count += len(render_bulletin_pdfs(items, g.config, jobs=jobs, cache_dir=cache))
    report("生成通报 PDF", 1, 1)
    internal = g.bulletins.get("internal")
    if internal:
        bulletin = internal[-1]
        assert bulletin.period == str(latest)
        report("生成单位报告 PDF", 0, 1)
        reports_dir = staging / "internal" / "pdf" / bulletin.period / "units"
        reports = render_unit_reports(bulletin, g.config, reports_dir, jobs=jobs, cache_dir=cache)
        count += len(reports)
        write_dist(bulletin, reports_dir, staging / "dist" / bulletin.period, cache_dir=cache)
        report("生成单位报告 PDF", 1, 1)
    return count


def _render_sites(g: Gathered, staging: Path, root: Path, report: Reporter) -> int:
    from generator.render.site import render_site

    pages = 0
    for audience, bulletins in g.bulletins.items():
        report(f"生成{'内网' if audience == 'internal' else '外网'}网站", 0, 1)
        work = root / ".bulletin-cache" / "mkdocs" / audience
        site = render_site(bulletins, g.config, staging / audience, work_dir=work)
        pages += int(getattr(site, "pages", 0))
        report(f"生成{'内网' if audience == 'internal' else '外网'}网站", 1, 1)
    return pages


@contextmanager
def publishing(out: Path) -> Iterator[Path]:
    """Yield a fresh staging folder; swap it in for `out` only if the block succeeds."""
    out.parent.mkdir(parents=True, exist_ok=True)
    _recover(out)
    staging = out.with_name(f".{out.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def _recover(out: Path) -> None:
    """Undo a swap interrupted between its two renames (the old output is put back)."""
    old = out.with_name(f".{out.name}.old")
    if old.exists() and not out.exists():
        os.replace(old, out)
    else:
        shutil.rmtree(old, ignore_errors=True)
