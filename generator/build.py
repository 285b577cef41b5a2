"""The build, top to bottom: rosters -> figures -> model -> render -> publish.

First every input is read and every figure and model computed (nothing is written), then the
outputs are rendered into a fresh folder beside the old one, which is swapped in only when
everything succeeded: an error or Ctrl-C at any point leaves the previous output as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from generator.common.cache import (
    Cache,
    Digests,
    encode,
    keep_newest,
    key,
    restore_files,
    store_files,
    tool_digest,
    write_atomic,
)
from generator.common.config import Config, load_config
from generator.common.errors import ConfigError, DataError
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.common.publish import check_output_folder, exclusive_build, publishing, recover
from generator.common.record import project_today, record_inputs, reference, report_deadline
from generator.common.register import apply_issued, overlay_issued, registered_paths
from generator.federation.words import speak_as
from generator.model.bulletin import SHOWS, Bulletin
from generator.model.content import Content, frame_deadline_problems, load_content
from generator.model.frame_dates import frame_date_problems
from generator.model.stored import KeptBulletins
from generator.rosters.specs import ROSTERS

if TYPE_CHECKING:
    import pandas as pd

    from generator.figures.reduce import Figures, PeriodReduction
    from generator.render.pool import KeptWorkers
    from generator.rosters.load import ProjectData, Snapshot

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
    #: parallel processes for PDFs and charts (default: up to the cores, as many as the work
    #: pays for: render.pdf.DOCUMENTS_PER_WORKER, render.site_charts.CHARTS_PER_WORKER)
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
    data: ProjectData
    content: Content
    periods: list[Period]
    figures: Figures
    reviews: dict[str, pd.DataFrame | None]  # period -> its volunteer reviews, if any
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
    #: ledgers read in this build (the others came from the cache)
    snapshots_read: int = 0
    #: nothing changed since the last build into `out`: the output was left as it was
    unchanged: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    #: W-ISSUED-CHANGED: figures of issued bulletins that the data now give differently
    issued_changed: list[Problem] = field(default_factory=list)


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
    speak_as(config.level)  # what it writes names its level: 全市/全省 (federation.words)
    if config.level != "city":  # a province or national project: its members' packages (§7)
        from generator.federation.gather import gather_level

        with _timed(result, "figures"):
            return Gathered(*gather_level(root, config, options))

    # Here, not at the top: a build with nothing changed (the stamp matches) never imports
    # pandas, which is most of the start-up of `bulletin build` (see _Stamp).
    from generator.figures.reduce import project_figures
    from generator.model.assemble import assemble, pages, period_writeups, unit_history
    from generator.rosters.load import load_project

    with _timed(result, "rosters"):
        data = load_project(root, config)
        periods = [p for p in data.periods if options.period is None or p <= options.period]
        if options.period is not None and options.period not in periods:
            names = "、".join(str(p) for p in data.periods) or "无"
            raise ConfigError(
                f"没有报告期 {options.period} 的数据（data/{options.period}/）。现有报告期：{names}"
            )
        if not periods:
            example = "2026-10" if config.cadence == "month" else "2026-Q3"
            raise ConfigError(
                f"还没有任何报告期的数据（data/ 下没有 {example} 这样的报告期目录）。新项目请依次："
                f"在 data/units.csv 等名册中填写单位和名册；运行 bulletin new-period {example} "
                f"建立本期目录和通报框架；把企业建会台账放进 data/{example}/；"
                "然后运行 bulletin check 和 bulletin build。"
            )
        content = load_content(root, set(data.units["code"].astype(str)))
        content.problems.extend(
            frame_deadline_problems(
                root, content.frames, config.report_deadline, config.rectify_days
            )
        )
        content.problems.extend(frame_date_problems(root, content.frames, config))
    snapshots = _Snapshots(root, data, config, options.force, result)
    shared: list[Problem] = [*data.problems, *content.problems]
    problems: dict[str, list[Problem]] = {}
    reviews: dict[str, pd.DataFrame | None] = {}
    reporting: dict[str, list[Any]] = {}  # period -> 报送情况 (record.CountyReport per county)
    reductions: list[PeriodReduction] = []
    refused = any(p.is_error for p in shared)
    for i, period in enumerate(periods):
        report("读取台账", i, len(periods))
        # Once an error is known the build stops after reading: later ledgers are only read for
        # their problems, not reduced (nor cached).
        entry = snapshots.get(period, reduce=not refused)
        refused = refused or any(p.is_error for p in entry.problems)
        reductions.append(entry.reduction)
        reviews[str(period)] = entry.reviews
        reporting[str(period)] = entry.reporting
        problems[str(period)] = [*shared, *entry.problems]
    report("读取台账", len(periods), len(periods))
    snapshots.close(len(periods))
    result.snapshots_read = snapshots.read

    errors = [p for items in problems.values() for p in items if p.severity == "error"]
    if errors:
        unique = {(p.file, p.row, p.column, p.code) for p in errors}
        raise DataError(
            f"数据中有 {len(unique)} 处错误，本次没有生成任何输出（原有输出保持不变）。"
            "请运行 bulletin check 查看每处错误所在的文件、行和列，改正后再生成。"
        )

    with _timed(result, "figures"):
        figures = project_figures(data, reductions, config, reviews, reporting)
        for warning in figures.warnings:
            problems.setdefault(_problem_period(warning, periods), []).append(warning)

    audiences = AUDIENCES if options.audience == "all" else (options.audience,)
    bulletins: dict[str, list[Bulletin]] = {}
    inputs = {
        str(p): {
            "reviews": reviews.get(str(p)),
            "problems": problems.get(str(p), []),
            "reporting": reporting.get(str(p)),
        }
        for p in periods
    }
    models = None if options.force else ProjectPaths(root).cache / "model"
    kept = KeptBulletins(
        models,
        data,
        figures,
        content,
        periods,
        inputs,
        lambda period, audience: period_writeups(
            data.unit_index, content, period, SHOWS[audience].internal_writeups
        ),
        pages(content),
        lambda period: unit_history(figures.indicators, data.unit_index, periods, period),
    )
    with _timed(result, "model"):
        for audience in audiences:
            bulletins[audience] = [
                kept.bulletin(
                    period,
                    audience,  # type: ignore[arg-type]
                    partial(
                        assemble,
                        data,
                        figures,
                        content,
                        period,
                        periods,
                        audience,  # type: ignore[arg-type]
                        reviews=reviews.get(str(period)),
                        reporting=reporting.get(str(period)),
                        problems=problems.get(str(period), []),
                        inspections=data.inspections,
                    ),
                )
                for period in periods
            ]
        kept.close()
    return Gathered(config, data, content, periods, figures, reviews, problems, bulletins)


@dataclass
class SnapshotEntry:
    """What the build keeps of one period's ledger: its reduction, reviews and problems."""

    reduction: Any  # generator.figures.reduce.PeriodReduction
    reviews: Any  # the volunteer reviews frame, or None
    problems: list[Problem]
    #: digest of what the next period reads of this one (its state, without the digests of the
    #: earlier ledgers, and its priority ledger): the next period's cache key includes it, so an
    #: edit that leaves them as they were stops here
    digest: str
    #: 报送情况 (generator.common.record.CountyReport per county)
    reporting: list[Any] = field(default_factory=list)
    #: per county: the digest of its rows this period (the later periods' E-LEDGER-STALE)
    county_digests: dict[str, str] = field(default_factory=dict)
    #: per county: the earlier period whose rows its rows repeat ("" none), as the earlier
    #: ledgers gave it when this entry was made: checked against them before it is used again
    repeats: dict[str, str] = field(default_factory=dict)
    #: digest of the earlier ledgers, when counties' rows were carried from them ("" none)
    sources: str = ""


def _roster_folder_file(path: Path) -> bool:

    roster = ROSTERS.get(path.parent.name)
    return roster is not None and not roster.per_period and path.is_file()


History = dict[str, dict[str, str]]  # county -> digest of its rows -> the latest period with them


def _with_period(history: History, digests: dict[str, str], period: Period) -> History:
    """The history of the ledgers up to `period`, from that before it and its own digests."""
    out = {county: dict(seen) for county, seen in history.items()}
    for county, digest in digests.items():
        out.setdefault(county, {})[digest] = str(period)
    return out


def _repeats(history: History, digests: dict[str, str]) -> dict[str, str]:
    """Each county's digest looked up in the earlier ledgers (what E-LEDGER-STALE reads)."""
    return {county: history.get(county, {}).get(digest, "") for county, digest in digests.items()}


class _Snapshots:
    """Each period's ledger read and reduced once, then cached by the content of its inputs.

    A period's key is the tool, the config and the non-period rosters, the period's own folder,
    and the digest of what it reads of the previous period (its state and priority ledger,
    digested once when they are made). What it reads of all the earlier ledgers (whether a
    county's rows repeat an earlier period's: E-LEDGER-STALE, and the rows carried for a county)
    is checked against them before a cached entry is used: one ledger changed is read again
    with only the periods whose inputs it truly changed. One snapshot is alive at a time.
    """

    def __init__(
        self, root: Path, data: Any, config: Config, force: bool, result: BuildResult
    ) -> None:
        self.root, self.data, self.config, self.result = root, data, config, result
        self.cache = Cache(root, enabled=not force)
        self.digests = Digests(self.cache.dir)
        # Rosters are files in data/ or folders data/<roster>/ (one file per county).
        shared = [
            ProjectPaths(root).config,
            *(p for p in ProjectPaths(root).data.glob("*") if p.is_file()),
            *(p for p in sorted(ProjectPaths(root).data.glob("*/*")) if _roster_folder_file(p)),
        ]
        self.base = key("snapshot", tool_digest(), self.digests.tree(shared, root))
        self.previous: tuple[Period, str, SnapshotEntry] | None = None  # (period, key, entry)
        self.state: Any = None  # the previous period's state, when it was read in this build
        #: the digests of the ledgers before the previous period, and before the current one
        self.history_before_previous: History = {}
        self.history: History = {}
        self.read = 0

    def get(self, period: Period, reduce: bool = True) -> SnapshotEntry:
        """The period's entry; without `reduce` (the build is refused) one with its problems
        only, when it is not in the cache, or when its ledger has errors."""
        if self.previous is not None:
            self.history_before_previous = self.history
            self.history = _with_period(
                self.history, self.previous[2].county_digests, self.previous[0]
            )
        if self.previous is not None and self.previous[2].reduction is None:
            return self._refused(period)  # no digest to key the period by
        prev_digest = self.previous[2].digest if self.previous else ""
        folder = ProjectPaths(self.root).period(period)
        # The month's record (receipts, decisions) is hidden files, which the folder's digest
        # leaves out; the 报送情况 depends on the deadline having passed and on the issue.
        ref = reference(self.root, period, self.config.report_deadline)
        name = key(
            self.base,
            str(period),
            self.digests.folder(folder, self.root),
            self.digests.tree(record_inputs(folder), self.root),
            ref.key,
            period == max(self.data.periods),
            prev_digest,
        )
        entry = self.cache.get("snapshots", name)
        if not isinstance(entry, SnapshotEntry) or not self._still_true(entry, period):
            entry = self._compute(period, name) if reduce else self._refused(period)
        else:
            self.state = None  # loaded lazily by the next period, only if it must be read
        self.previous = (period, name, entry)
        return entry

    def _still_true(self, entry: SnapshotEntry, period: Period) -> bool:
        """Whether what a cached entry read of the earlier ledgers is what they give now."""
        if entry.repeats != _repeats(self.history, entry.county_digests):
            return False
        return not entry.sources or entry.sources == self._sources(period)

    def _sources(self, period: Period) -> str:
        """A digest of the ledgers before `period` (where carried rows are taken from)."""
        paths = ProjectPaths(self.root)
        return key(
            *(
                self.digests.folder(paths.period(p), self.root)
                for p in self.data.periods
                if p < period
            )
        )

    def _compute(self, period: Period, name: str) -> SnapshotEntry:
        import hashlib

        from generator.figures.reduce import reduce_snapshot

        previous_reduction = self.previous[2].reduction if self.previous else None
        snapshot = self._read(period)
        if any(p.is_error for p in snapshot.problems):
            return self._unreduced(snapshot)
        with _timed(self.result, "figures"):
            reduction = reduce_snapshot(
                self.data.units,
                snapshot.enterprises,
                period,
                self.config,
                previous_reduction,
                snapshot.units_numbered,
            )
        state = snapshot.state
        assert state is not None  # only an unreadable ledger (an error) has none
        # What the next period reads of the state, encoded once: the cached state and its
        # digest. The digests of the ledgers' rows are kept in the entry, outside the digest:
        # the next period checks its own against them (_still_true).
        carried = dataclasses.replace(
            state, county_digests={}, history={}, rows_by_county={}, county_files={}
        )
        encoded = encode(carried)
        digest = hashlib.blake2b(encoded, digest_size=20)
        digest.update(encode((reduction.period, reduction.priority, reduction.dormant)))
        entry = SnapshotEntry(
            reduction,
            snapshot.volunteer_reviews,
            list(snapshot.problems),
            digest.hexdigest(),
            list(snapshot.reporting),
            dict(state.county_digests),
            _repeats(state.history, state.county_digests),
            self._sources(period) if snapshot.carried else "",
        )
        del snapshot  # one snapshot alive at a time: province-sized projects stay in memory
        self.cache.put("snapshots", name, entry)
        self.cache.put_encoded("states", name, encoded)
        self.state = state
        self.read += 1
        return entry

    def _read(self, period: Period) -> Snapshot:
        """The period's ledger read and compared with the previous period's state (from the
        cache, or, evicted or never written, from reading the previous ledger again)."""
        from generator.rosters.load import read_snapshot

        if self.previous is not None and self.state is None:
            self.state = self.cache.get("states", self.previous[1])
            if self.state is not None:  # cached without the digests of the earlier ledgers
                self.state.county_digests = dict(self.previous[2].county_digests)
                self.state.history = self.history_before_previous
            else:
                self.state = read_snapshot(self.data, self.previous[0]).state
                self.state.history = self.history_before_previous
        with _timed(self.result, "rosters"):
            return read_snapshot(self.data, period, self.state)

    def _refused(self, period: Period) -> SnapshotEntry:
        """The period's problems only: the ledger read, not reduced."""
        entry = self._unreduced(self._read(period))
        self.previous = (period, "", entry)
        return entry

    def _unreduced(self, snapshot: Snapshot) -> SnapshotEntry:
        """An entry of a ledger with errors (the build is refused): never cached."""
        self.state = snapshot.state
        self.read += 1
        digests = dict(snapshot.state.county_digests) if snapshot.state is not None else {}
        return SnapshotEntry(
            None,
            snapshot.volunteer_reviews,
            list(snapshot.problems),
            "",
            list(snapshot.reporting),
            digests,
        )

    def close(self, periods: int) -> None:
        """Save the digests and keep the cache to a few generations of every period."""
        self.digests.save()
        self.cache.prune("snapshots", keep=3 * periods + 6)
        self.cache.prune("states", keep=3 * periods + 6)


def _problem_period(problem: Problem, periods: list[Period]) -> str:
    for period in reversed(periods):
        if str(period) in problem.file:
            return str(period)
    return str(periods[-1])


def write_data_files(
    g: Gathered, out: Path, cache_dir: Path | None = None, reuse: bool = True
) -> int:
    """bulletin.json per audience, and indicators and problems where its Shows says, per period.

    The tables are cached by the bulletin and problems they are made from (`cache_dir`), since
    writing XLSX is the slow part and most periods do not change from one build to the next.
    """
    import hashlib

    from generator.render.files import issued_on, write_indicators, write_problems

    count = 0
    for audience, bulletins in g.bulletins.items():
        for bulletin in bulletins:
            folder = out / audience / "data" / bulletin.period
            folder.mkdir(parents=True, exist_ok=True)
            text = bulletin.to_json() + "\n"
            (folder / "bulletin.json").write_text(text, encoding="utf-8")
            count += 1
            if not (bulletin.shows.indicator_tables or bulletin.shows.data_quality):
                continue
            problems = g.problems.get(bulletin.period, [])
            # What the tables show (files.write_indicators, write_problems): the units' figures
            # of this period for this audience, dated as the document is, and the problems;
            # never the history, write-ups or pages, so that a write-up or an earlier period
            # changed finds them in the cache.
            tabled = [
                tool_digest(),
                g.config.level,
                bulletin.audience,
                bulletin.period,
                bulletin.period_label,
                bulletin.document,
                bulletin.units,
            ]
            h = hashlib.blake2b(orjson.dumps(tabled), digest_size=20)
            h.update(repr(sorted(map(repr, problems))).encode())
            cached = cache_dir / h.hexdigest() if cache_dir is not None else None
            if reuse and cached is not None and (copied := restore_files(cached, folder)):
                count += copied
                continue
            when = issued_on(bulletin)  # the workbook's date, never the clock
            written = [
                *(write_indicators(bulletin, folder) if bulletin.shows.indicator_tables else []),
                *(
                    write_problems(problems, folder, when=when)
                    if bulletin.shows.data_quality
                    else []
                ),
            ]
            count += len(written)
            if cached is not None:
                store_files(cached, written)
    if cache_dir is not None:
        keep_newest((p for p in cache_dir.glob("*") if p.is_dir()), keep=4 * len(g.periods))
    return count


def build(root: Path, options: BuildOptions | None = None, report: Reporter = _noop) -> BuildResult:
    """Build the project at `root` into options.out (default root/site), atomically.

    When nothing the output shows has changed since the last build into the same folder (same
    inputs, templates, config, tool and options, and the output untouched), nothing is done.
    """
    options = options or BuildOptions()
    out = check_output_folder(root, options.out or ProjectPaths(root).site)
    with exclusive_build(root):  # one build per project at a time: outputs never mix
        recover(out)
        return _build(root, out, options, report)


def _build(root: Path, out: Path, options: BuildOptions, report: Reporter) -> BuildResult:
    result = BuildResult(out=out)
    stamp = _Stamp(root, out, options)
    if not options.force and stamp.matches():
        # the templates and fonts were checked by the build that wrote the stamp; a change to
        # them is a change of the stamp's inputs
        return stamp.unchanged_result(result)
    _check_templates(root, options)

    g = gather(root, options, report, result)
    result.issued_changed = _issued_corrections(root, g)
    result.periods = [str(p) for p in g.periods]
    result.warnings = sum(
        1 for p in {q for items in g.problems.values() for q in items} if p.severity == "warning"
    )

    stamp.clear()  # written again only once the new output is in place
    # What was read and assembled lives until the build ends: the collector need not go over
    # it again and again while the outputs are made (hundreds of collections of a large heap).
    gc.freeze()
    try:
        with publishing(out) as staging:
            _keep_other_audience(out, staging, options.audience)
            _render(g, root, staging, options, report, result)
    finally:
        gc.unfreeze()
    stamp.write(result)
    return result


def _render(
    g: Gathered,
    root: Path,
    staging: Path,
    options: BuildOptions,
    report: Reporter,
    result: BuildResult,
) -> None:
    """Write every output of the gathered build into `staging`."""
    with _timed(result, "files"):
        tables = ProjectPaths(root).cache / "tables"
        result.files += write_data_files(g, staging, tables, reuse=not options.force)
    if options.pdf:
        with _timed(result, "pdf"):
            result.pdfs += _render_pdfs(g, staging, options, root, report)
    _publish_issued(root, staging, g, options)
    if options.site:
        with _timed(result, "site"):
            result.pages += _render_sites(g, staging, root, report, options.force, options.jobs)


def _check_templates(root: Path, options: BuildOptions) -> None:
    """The project's templates and fonts the build will read, refused (a link out of their folder,
    a named pipe) before any work rather than after the data and the other outputs."""
    from generator.office.templates import template_dirs
    from generator.render.fonts import font_paths

    if options.pdf:
        template_dirs(root, "pdf")
        font_paths(root)
    if options.site:
        template_dirs(root, "site")


def check_warnings(root: Path, period: Period | None = None) -> list[Problem]:
    """What `check` learns only from the computed figures, for data without errors: a judgment
    the office's missing data leave undecided (W-JUDGMENT-UNDECIDED, CONTRACT 3.9), a frame
    naming another deadline (W-CONTENT-DEADLINE), issued figures the data now give otherwise."""
    config = load_config(root)
    frames = load_content(root).frames
    out = frame_deadline_problems(root, frames, config.report_deadline, config.rectify_days)
    out += frame_date_problems(root, frames, config)
    try:
        g = gather(root, BuildOptions(site=False, pdf=False, audience="internal"))
    except (DataError, ConfigError):  # errors of an earlier period, or no period yet:
        return out  # check names those itself
    wanted = str(period) if period is not None else None
    # every warning the figures give (W-SCORE-NULL, W-JUDGMENT-UNDECIDED): check and build
    # must tell the office the same things
    out += [
        w for w in g.figures.warnings if wanted is None or _problem_period(w, g.periods) == wanted
    ]
    if ProjectPaths(root).register.is_file():
        out += _issued_corrections(root, g)
    return out


def _issued_corrections(root: Path, g: Gathered) -> list[Problem]:
    """Issued periods whose figures the data now give differently: warnings and 更正说明."""
    from generator.model.assemble import _data_quality  # not at the top: see gather()

    changed: list[Problem] = []
    for period, warnings in apply_issued(root, g.bulletins).items():
        g.problems.setdefault(period, []).extend(warnings)
        changed.extend(warnings)
        for b in (b for bulletins in g.bulletins.values() for b in bulletins):
            if b.period == period and b.shows.data_quality:  # the quality page counts them too
                b.data_quality = _data_quality(g.data.unit_index, g.problems[period])
    return changed


def _publish_issued(root: Path, staging: Path, g: Gathered, options: BuildOptions) -> None:
    """Issued periods are published from issued/, byte-identical (CONTRACT §4.1)."""

    if options.pdf:
        parts = [*g.bulletins, "dist"] if "internal" in g.bulletins else [*g.bulletins]
        overlay_issued(root, staging, [str(p) for p in g.periods], parts)


def _keep_other_audience(out: Path, staging: Path, audience: str) -> None:
    """Carry over what a one-audience build does not make: the other site, stays as it was.

    `--audience public` refreshes the public site only; the intranet and the files for the units
    (made from the internal bulletin) of the last build go into the new tree unchanged.
    """
    if audience == "all" or not out.is_dir():
        return
    keep = ["internal", "dist"] if audience == "public" else ["public"]
    for name in keep:
        source = out / name
        if source.is_dir():
            shutil.copytree(source, staging / name, copy_function=_link_or_copy)


def _link_or_copy(source: str, target: str) -> None:
    # Outputs are only ever replaced, never written in place, so a hard link is a safe copy.
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class _Stamp:
    """What the last build into `out` was made from, to skip a build that would change nothing.

    Inputs are compared by the digests of their bytes (a `touch` changes nothing); the output is
    compared by its files' sizes and times, so an output edited or deleted by hand is rebuilt.
    """

    def __init__(self, root: Path, out: Path, options: BuildOptions) -> None:

        self.root, self.out = root, out
        cache_dir = ProjectPaths(root).cache
        self.path = cache_dir / "stamps" / f"{key(str(out))}.json"
        digests = Digests(cache_dir)
        folders = sorted(
            p for p in ProjectPaths(root).data.glob("*") if Period.is_period_name(p.name)
        )
        parts = [
            # every issued file: one edited or removed by hand is found by the build it makes
            digests.tree(
                [ProjectPaths(root).config, ProjectPaths(root).register, *registered_paths(root)],
                root,
            ),
            *(
                digests.folder(root / name, root)
                for name in ("data", "content", "site_templates", "fonts")  # PROJECT/fonts: PDFs
            ),
            # the month's record: hidden files, which the folders' digests leave out
            digests.tree([p for f in folders for p in record_inputs(f)], root),
            _pending(root, folders),
        ]
        digests.save()
        self.inputs = key(
            "build",
            tool_digest(),
            *parts,
            str(options.period),
            options.audience,
            options.site,
            options.pdf,
            str(out),
        )

    def _outputs(self) -> str | None:
        if not self.out.is_dir():
            return None
        listing: list[tuple[str, int, int]] = []
        _list_files(str(self.out), "", listing)
        return key(*sorted(listing))

    def _load(self) -> dict[str, Any] | None:
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return loaded if isinstance(loaded, dict) else None

    def matches(self) -> bool:
        saved = self._load()
        return (
            saved is not None
            and saved.get("inputs") == self.inputs
            and saved.get("outputs") == self._outputs()
        )

    def unchanged_result(self, result: BuildResult) -> BuildResult:
        saved = (self._load() or {}).get("result", {})
        result.unchanged = True
        result.periods = list(saved.get("periods", []))
        for name in ("pages", "pdfs", "files", "warnings"):
            setattr(result, name, int(saved.get(name, 0)))
        return result

    def clear(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)

    def write(self, result: BuildResult) -> None:
        saved = {
            "inputs": self.inputs,
            "outputs": self._outputs(),
            "result": {
                "periods": result.periods,
                "pages": result.pages,
                "pdfs": result.pdfs,
                "files": result.files,
                "warnings": result.warnings,
            },
        }
        with contextlib.suppress(OSError):  # without a stamp the next build simply runs in full
            write_atomic(self.path, json.dumps(saved, ensure_ascii=False).encode())


def _list_files(folder: str, prefix: str, listing: list[tuple[str, int, int]]) -> None:
    """Every file under `folder` as (relative path, size, modification time), as os.walk finds
    them (links to folders not followed), without a Path per file: the output holds thousands."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                if not entry.is_symlink():
                    _list_files(entry.path, f"{prefix}{entry.name}/", listing)
                continue
            stat = entry.stat()
            listing.append((prefix + entry.name, stat.st_size, stat.st_mtime_ns))


def _pending(root: Path, folders: list[Path]) -> str:
    """Today's date while a period's reporting deadline has not passed (its 报送情况 says
    尚未报送 until then, and changes when it passes), else nothing."""

    try:
        day = load_config(root).report_deadline
    except ConfigError:
        return ""  # the build itself says what is wrong with the config
    today = project_today(root)  # the day reference() judges by: the office's, not the computer's
    for folder in folders:
        if report_deadline(Period.parse(folder.name), day) >= today:
            return today.isoformat()
    return ""


def _render_pdfs(
    g: Gathered, staging: Path, options: BuildOptions, root: Path, report: Reporter
) -> int:
    from generator.render.pdf import KeptWorkers

    # The PDF workers started for the bulletins compile the units' reports too.
    with KeptWorkers() as kept:
        return _render_documents(g, staging, options, root, report, kept)


def _render_documents(
    g: Gathered,
    staging: Path,
    options: BuildOptions,
    root: Path,
    report: Reporter,
    kept: KeptWorkers,
) -> int:
    from generator.render.dist import write_dist
    from generator.render.pdf import render_bulletin_pdfs, render_unit_reports

    count = 0
    jobs = options.jobs  # None: as many workers as the documents to compile pay for
    cache = None if options.force else ProjectPaths(root).cache / "pdf"
    latest = g.periods[-1]
    items = [
        (bulletin, staging / audience / "pdf" / bulletin.period / "bulletin.pdf")
        for audience, bulletins in g.bulletins.items()
        for bulletin in bulletins
    ]
    count += len(
        render_bulletin_pdfs(
            items,
            g.config,
            jobs=jobs,
            cache_dir=cache,
            progress=lambda done, total: report("生成通报 PDF", done, total),
            kept=kept,
        )
    )
    for audience, bulletins in g.bulletins.items():
        bulletin = bulletins[-1]
        if not bulletin.shows.unit_reports:
            continue
        assert bulletin.period == str(latest)
        reports_dir = staging / audience / "pdf" / bulletin.period / "units"
        reports = render_unit_reports(
            bulletin,
            g.config,
            reports_dir,
            jobs=jobs,
            cache_dir=cache,
            progress=lambda done, total: report("生成单位报告 PDF", done, total),
            kept=kept,
        )
        count += len(reports)
        write_dist(bulletin, reports_dir, staging / "dist" / bulletin.period, cache_dir=cache)
    return count


def _render_sites(
    g: Gathered,
    staging: Path,
    root: Path,
    report: Reporter,
    force: bool = False,
    jobs: int | None = None,
) -> int:
    from generator.render.site import render_site

    pages = 0
    for audience, bulletins in g.bulletins.items():
        report(f"生成{'内网' if audience == 'internal' else '外网'}网站", 0, 1)
        work = ProjectPaths(root).cache / "mkdocs" / audience
        if force:
            (work / "pages.json").unlink(missing_ok=True)
            shutil.rmtree(work / "pages-html", ignore_errors=True)
        site = render_site(
            bulletins, g.config, staging / audience, work_dir=work, jobs=jobs, force=force
        )
        pages += int(getattr(site, "pages", 0))
        report(f"生成{'内网' if audience == 'internal' else '外网'}网站", 1, 1)
    return pages
