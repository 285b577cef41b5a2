"""Shared fixtures: a small valid project written into tmp_path, and helpers to break it; the
session's shared builds (made once per run, also across pytest-xdist workers)."""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from generator.rosters.specs import ROSTERS
from generator.rosters.uscc import uscc_check_char

#: Hypothesis's default 200 ms a case is a time limit, not a property: on a loaded machine (the
#: suite's own other workers, Chromium, builds) a case of a few ms took 479 ms and failed a run.
#: Tests still set their own limits with @settings where they want one.
settings.register_profile("bulletin", deadline=None)
settings.load_profile("bulletin")


def uscc(body17: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    return body17 + uscc_check_char(body17)


CONFIG = """organization:
  name: 测试市总工会
  doc_prefix: 测工发
cadence: month
priority_min_employees: 25
"""

UNITS = [
    {"code": "990000", "name": "测试市", "level": "市", "parent": "", "order": "1"},
    {"code": "990100", "name": "甲县", "level": "县", "parent": "990000", "order": "2"},
    {"code": "990101", "name": "东镇", "level": "乡镇", "parent": "990100", "order": "3"},
    {"code": "990102", "name": "西镇", "level": "乡镇", "parent": "990100", "order": "4"},
    {"code": "990200", "name": "乙区", "level": "区", "parent": "990000", "order": "5"},
    {"code": "990201", "name": "南街道", "level": "街道", "parent": "990200", "order": ""},
]

TARGETS = [
    {"year": "2026", "unit": "990100", "new_unions": "10", "new_members": "300"},
    {"year": "2026", "unit": "990200", "new_unions": "8", "new_members": "200"},
]

VOLUNTEERS = [
    {
        "id": "ZY001",
        "name": "张三",
        "phone": "13800000001",
        "unit": "990101",
        "hired_on": "2025-03-01",
        "left_on": "",
        "selection": "考试",
    },
    {
        "id": "ZY002",
        "name": "李四",
        "phone": "13800000002",
        "unit": "990201",
        "hired_on": "2024/5/6",
        "left_on": "2026年8月31日",
        "selection": "推荐",
    },
]

PIONEER_TEAMS = [
    {
        "name": "数控车间",
        "enterprise": "东方机械有限公司",
        "unit": "990101",
        "level": "市级",
        "status": "已命名",
        "registered_on": "2025-02-01",
        "named_on": "2025-09-01",
    },
    {
        "name": "物流调度班",
        "enterprise": "南街物流有限公司",
        "unit": "990201",
        "level": "县级",
        "status": "创建中",
        "registered_on": "2026-03-01",
        "named_on": "",
    },
]

BOOK_ROOMS = [
    {
        "name": "东方机械职工书屋",
        "host": "东方机械有限公司",
        "unit": "990101",
        "level": "基层",
        "opened_on": "2024-06-01",
        "books": "1,200",
    },
]

ENTERPRISES = [
    {
        "uscc": uscc("91990101MA0000001"),
        "name": "东方机械有限公司",
        "unit": "990101",
        "industry": "制造业",
        "ownership": "私营",
        "area_type": "工业园区",
        "employees": "120",
        "migrant_workers": "40",
        "dispatch_workers": "5",
        "unionized": "是",
        "union_date": "2020-05-01",
        "members": "100",
        "migrant_members": "30",
        "union_form": "单独建会",
        "workers_congress": "是",
        "wage_bargaining": "是",
        "not_unionized_reason": "",
        "status": "存续",
    },
    {
        "uscc": uscc("91990102MA0000002"),
        "name": "西城商贸有限公司",
        "unit": "990102",
        "industry": "批发和零售业",
        "ownership": "私营",
        "area_type": "商贸楼宇",
        "employees": "30",
        "migrant_workers": "10",
        "dispatch_workers": "0",
        "unionized": "否",
        "union_date": "",
        "members": "",
        "migrant_members": "",
        "union_form": "",
        "workers_congress": "",
        "wage_bargaining": "",
        "not_unionized_reason": "正在筹建",
        "status": "存续",
    },
    {
        "uscc": uscc("91990201MA0000003"),
        "name": "南街物流有限公司",
        "unit": "990201",
        "industry": "交通运输业",
        "ownership": "私营",
        "area_type": "其他",
        "employees": "10",
        "migrant_workers": "2",
        "dispatch_workers": "0",
        "unionized": "否",
        "union_date": "",
        "members": "",
        "migrant_members": "",
        "union_form": "",
        "workers_congress": "否",
        "wage_bargaining": "否",
        "not_unionized_reason": "人数较少",
        "status": "存续",
    },
    {
        "uscc": uscc("91990100MA0000004"),
        "name": "县直电子有限公司",
        "unit": "990100",
        "industry": "制造业",
        "ownership": "外资",
        "area_type": "开发区",
        "employees": "200",
        "migrant_workers": "80",
        "dispatch_workers": "20",
        "unionized": "是",
        "union_date": "2026-10-08",
        "members": "150",
        "migrant_members": "60",
        "union_form": "单独建会",
        "workers_congress": "是",
        "wage_bargaining": "否",
        "not_unionized_reason": "",
        "status": "存续",
    },
]

REVIEWS = [
    {"volunteer": "ZY001", "reports": "4", "score": "92.5", "grade": "优秀"},
]

#: The rows of every roster of the small project, by roster name (period rosters by period).
STATIC = {
    "units": UNITS,
    "targets": TARGETS,
    "volunteers": VOLUNTEERS,
    "pioneer_teams": PIONEER_TEAMS,
    "book_rooms": BOOK_ROOMS,
}
PERIODS = {
    "2026-09": {"enterprises": ENTERPRISES[:3]},
    "2026-10": {"enterprises": ENTERPRISES, "volunteer_reviews": REVIEWS},
}


def roster_headers(name: str, english: bool = False) -> list[str]:
    """The headers of a roster as a county would write them (first Chinese alias)."""
    return [c.name if english else c.aliases[0] for c in ROSTERS[name].columns]


def write_roster(
    path: Path,
    name: str,
    rows: Sequence[dict[str, Any]],
    *,
    encoding: str = "utf-8-sig",
    english: bool = False,
    above: Sequence[Sequence[Any]] = (),
    below: Sequence[Sequence[Any]] = (),
    headers: Sequence[str] | None = None,
) -> Path:
    """Write a roster as CSV or XLSX (by path suffix), with optional rows above and below."""
    columns = [c.name for c in ROSTERS[name].columns]
    head = list(headers) if headers is not None else roster_headers(name, english)
    keys = columns[: len(head)] if headers is None else columns
    body = [[row.get(k, "") for k in keys] for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        width = len(head)
        for line in above:
            writer.writerow([*line, *[""] * (width - len(line))])
        writer.writerow(head)
        writer.writerows(body)
        for line in below:
            writer.writerow([*line, *[""] * (width - len(line))])
        path.write_bytes(buffer.getvalue().encode(encoding))
    else:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = ROSTERS[name].title
        for line in above:
            ws.append(list(line))
        ws.append(head)
        for values in body:
            ws.append([None if v == "" else v for v in values])
        for line in below:
            ws.append(list(line))
        wb.save(path)
    return path


class Project:
    """A small valid project in a folder, with helpers to rewrite one roster."""

    def __init__(self, root: Path, fmt: str = "csv", encoding: str = "utf-8-sig") -> None:
        self.root = root
        self.fmt = fmt
        self.encoding = encoding
        root.mkdir(parents=True, exist_ok=True)
        (root / "bulletin.yml").write_text(CONFIG, encoding="utf-8")
        for name, rows in STATIC.items():
            self.write(name, rows)
        for period, rosters in PERIODS.items():
            for name, rows in rosters.items():
                self.write(name, rows, period=period)

    def path(self, name: str, period: str | None = None, fmt: str | None = None) -> Path:
        folder = self.root / "data" / period if period else self.root / "data"
        return folder / f"{name}.{fmt or self.fmt}"

    def rel(self, name: str, period: str | None = None) -> str:
        return self.path(name, period).relative_to(self.root).as_posix()

    def write(
        self, name: str, rows: Sequence[dict[str, Any]], period: str | None = None, **kw: Any
    ) -> Path:
        for old in self.path(name, period).parent.glob(f"{name}.*"):
            old.unlink()
        kw.setdefault("encoding", self.encoding)
        return write_roster(self.path(name, period), name, rows, **kw)


def rows_of(name: str, period: str | None = None) -> list[dict[str, Any]]:
    """A fresh copy of the valid rows of a roster."""
    source = PERIODS[period][name] if period else STATIC[name]
    return [dict(r) for r in source]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A small valid project (UTF-8 CSV rosters) in tmp_path/project."""
    return Project(tmp_path / "project")


@pytest.fixture(params=["csv-utf8", "csv-gb18030", "xlsx"])
def any_project(request: pytest.FixtureRequest, tmp_path: Path) -> Project:
    """The small valid project as UTF-8 CSV, GB18030 CSV and XLSX."""
    fmt, _, enc = str(request.param).partition("-")
    encoding = {"utf8": "utf-8-sig", "gb18030": "gb18030", "": "utf-8"}[enc]
    return Project(tmp_path / "project", fmt=fmt, encoding=encoding)


REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="module")
def _forget_read_pdfs() -> Iterator[None]:
    """After each module, the PDF pages it read (tests/pdf_reading.py keeps them for the
    module's other tests) are let go.

    Before each module, what earlier modules left alive (imports, the session's builds, caches)
    is collected once and frozen out of the cyclic garbage collector: a test worker holds
    millions of such objects, which every full collection would otherwise walk again (about 5 %
    of a worker's CPU time). What a module makes is still collected as before.
    """
    gc.collect()
    gc.freeze()
    yield
    reading = sys.modules.get("pdf_reading")
    if reading is not None:
        reading.forget()


def shared(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], dict[str, Any]]
) -> tuple[Path, dict[str, Any]]:
    """`make(folder)` run once per test run, whatever the number of xdist workers.

    Under xdist the first worker to ask makes it in the run's common temporary folder, under a
    file lock; the others wait for the lock and reuse the folder and what `make` returned (JSON).
    What is made this way is read only: a test that changes it works on a copy.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        folder = tmp_path_factory.mktemp(name)
        return folder, make(folder)
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp().parent
    folder, done = base / name, base / f"{name}.json"
    with FileLock(str(base / f"{name}.lock")):
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)  # left by a worker that failed making it
            folder.mkdir()
            done.write_text(json.dumps(make(folder)), encoding="utf-8")
    return folder, json.loads(done.read_text(encoding="utf-8"))


def built_project(result: Any) -> dict[str, Any]:
    """The counts of a BuildResult, as JSON (what the workers reusing a shared build see)."""
    assert not result.issued_changed
    return {
        "periods": result.periods,
        "pages": result.pages,
        "pdfs": result.pdfs,
        "files": result.files,
        "warnings": result.warnings,
        "snapshots_read": result.snapshots_read,
        "unchanged": result.unchanged,
    }


def as_project(root: Path) -> Project:
    """The Project helper over a folder that already holds the small project (UTF-8 CSV)."""
    project = Project.__new__(Project)
    project.root, project.fmt, project.encoding = root, "csv", "utf-8-sig"
    return project


@dataclass
class PlantedBuild:
    """The session's one full build (both sites, every PDF, the packets) of the planted project."""

    project: Project
    out: Path
    result: Any


@pytest.fixture(scope="session")
def planted_build(tmp_path_factory: pytest.TempPathFactory) -> PlantedBuild:
    """The small project with a marker in every internal-only value (tests/planted.py), built once.

    The build-heavy modules read it and never write to it; a test that changes the project or
    its output builds a copy of its own.
    """
    from planted import plant

    from generator.build import BuildOptions, BuildResult, build

    def make(folder: Path) -> dict[str, Any]:
        project = Project(folder / "project")
        plant(project)
        return built_project(build(project.root, BuildOptions(out=project.root / "site", jobs=1)))

    folder, counts = shared(tmp_path_factory, "planted", make)
    project = as_project(folder / "project")
    out = project.root / "site"
    return PlantedBuild(project, out, BuildResult(out, **counts))


@pytest.fixture(scope="session")
def small_result(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The BuildResult of `small_build`: a build from nothing, in one process (jobs=1)."""
    from generator.build import BuildOptions, BuildResult, build

    def make(folder: Path) -> dict[str, Any]:
        project = Project(folder / "project")
        return built_project(build(project.root, BuildOptions(jobs=1)))

    folder, counts = shared(tmp_path_factory, "small", make)
    return BuildResult(folder / "project" / "site", **counts)


@pytest.fixture(scope="session")
def small_build(small_result: Any) -> Path:
    """The small project (Project) built once with everything: its folder, holding site/ and the
    build's caches. Read only: a test copies it with `copy_built`."""
    return Path(small_result.out).parent


def copy_built(source: Path, root: Path, *, rebuild: bool = True) -> Project:
    """A copy at `root` of a built project (`small_build`), its output and caches along.

    The build's stamp names the output folder, so the copy's first build is not skipped: with
    `rebuild` it is made here, every renderer taking its result from the copied caches (the same
    bytes as a build from nothing, see test_determinism), and the copy's output is then current.
    """
    from generator.build import BuildOptions, build

    shutil.copytree(source, root, symlinks=True)
    if rebuild:
        result = build(root, BuildOptions(jobs=1))
        assert not result.unchanged and result.snapshots_read == 0, "the copy missed its caches"
    return as_project(root)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city (the repository's bulletin.yml, data/ and content/) built once with both
    sites and every PDF; its output folder. Read only. In this process only: the other test
    worker keeps the second core busy, and a PDF worker would cost its start (~3 s of CPU)."""
    from generator.build import BuildOptions, build

    def make(folder: Path) -> dict[str, Any]:
        root = folder / "project"
        root.mkdir()
        shutil.copy(REPO / "bulletin.yml", root / "bulletin.yml")
        for name in ("data", "content"):
            shutil.copytree(REPO / name, root / name)
        return built_project(build(root, BuildOptions(out=root / "site", jobs=1)))

    folder, _ = shared(tmp_path_factory, "demo", make)
    return folder / "project" / "site"


@pytest.fixture(scope="session")
def demo_base(demo_build: Path) -> Iterator[str]:
    """The session's build of the demo city served under a sub-path (/public/, /internal/) by a
    server that answers unknown addresses with the site's 404.html; its base address."""
    from demo_site import serve

    with serve(demo_build) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched once per test worker for every browser test; each
    test opens its own context (its own cookies, cache and storage)."""
    from demo_site import chromium

    with chromium() as b:
        yield b


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The sample site (tests/site_helpers.py) built once for both audiences: its project folder
    (site/<audience>/, the build's caches) and, by audience, what its build returned (pages,
    charts, warnings). Read only (test_site, test_browser)."""
    from site_helpers import build_sample_site

    def make(folder: Path) -> dict[str, Any]:
        results = {}
        for audience in ("public", "internal"):
            result = build_sample_site(folder, audience)
            results[audience] = {
                "pages": result.pages,
                "charts": result.charts,
                "warnings": result.warnings,
            }
        return results

    return shared(tmp_path_factory, "sample_site", make)


#: The modules that read the session's demo build (`demo_build`, ~58 CPU-s to make) and only
#: read it: one unit of work for pytest-xdist (`DemoTogether` below), so the worker that makes
#: the build runs them all, while the others run the rest instead of waiting for the build's
#: lock (test_fair_judgments and test_synth read it too, but have work of their own and are
#: handed out once the other workers have done ~150 CPU-s of LONGEST_FIRST, by when the build
#: is made).
DEMO_READERS = (
    "test_browser_layout.py",
    "test_document.py",
    "test_prose.py",
    "test_search.py",
    "test_page_weight.py",
)

#: The other modules that take longest, longest first, by their CPU time (their processes
#: included: build children, forkserver builds, Chromium) in a whole run with tests/cpu_usage.py;
#: the modules not listed take a few CPU-seconds each. Only the order in which pytest-xdist
#: hands out whole modules depends on it: the long ones start first and the short ones fill
#: the end, so the workers finish together (a worker takes its next module while its last
#: two tests run, so a long module handed out last would hold one worker alone).
LONGEST_FIRST = (
    "test_incremental.py",
    "test_corpus.py",
    "test_issue.py",
    "test_crash.py",
    "test_incremental_pages.py",
    "test_record.py",
    "test_intake.py",
    "test_rosters.py",
    "test_publish.py",
    "test_synth.py",
    "test_hostile.py",
    "test_send.py",
    "test_determinism.py",
    "test_new_project.py",
    "test_fair_judgments.py",
    "test_serve.py",
    "test_figures.py",
    "test_record_zone.py",
    "test_vectorised.py",
    "test_site.py",
    "test_filing.py",
    "test_workbooks.py",
    "test_month.py",
    "test_fetch.py",
    "test_federation.py",
    "test_month_by_mail.py",
    "test_pdf.py",
    "test_leaks.py",
    "test_fuzz.py",
    "test_charts.py",
    "test_output_folder.py",
    "test_send_problems.py",
    "test_check.py",
    "test_commands.py",
    "test_structure.py",
    "test_chart_cache.py",
    "test_categories.py",
    "test_pdf_build.py",
    "test_values.py",
    "test_golden.py",
    "test_browser.py",
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the cores (PYTEST_XDIST_AUTO_NUM_WORKERS if set).

    A worker often waits on a process of its own (Chromium, a `bulletin` command it started,
    a mail or IMAP server, a build it holds or kills) or on a poll; the extra worker runs its
    tests meanwhile, so both cores stay busy (with one worker per core the suite kept ~1.6 of
    2 cores busy). A worker costs its start and collection, a few CPU-seconds.
    """
    chosen = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "")
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """DEMO_READERS first, then modules in LONGEST_FIRST, in its order, then modules with a
    test marked slow or browser, then the others (each in collection order otherwise);
    `--no-loadscope-reorder` (pyproject.toml) keeps xdist from reordering them by their number
    of tests."""
    long = {
        item.nodeid.split("::")[0]
        for item in items
        if item.get_closest_marker("slow") or item.get_closest_marker("browser")
    }

    def rank(item: pytest.Item) -> tuple[int, int]:
        module = item.nodeid.split("::")[0]
        name = module.rsplit("/", 1)[-1]
        if name in DEMO_READERS:
            return (0, DEMO_READERS.index(name))
        if name in LONGEST_FIRST:
            return (1, LONGEST_FIRST.index(name))
        return (2 if module in long else 3, 0)

    items.sort(key=rank)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With `--dist loadfile` (pyproject.toml): whole modules, as loadfile gives them, except
    that DEMO_READERS are one unit. (pytest-xdist's own `--dist loadgroup` would do it with a
    mark, but its group never reaches the scheduler under pytest 9.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class DemoTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = super()._split_scope(nodeid)
            return "demo" if module.rsplit("/", 1)[-1] in DEMO_READERS else module

    return DemoTogether(config, log)
