"""Site benchmark at city scale: 1 + 10 + 150 units, 12 periods of bulletins, both audiences.

Compares, in one run on this machine:
- the site stage (render_site: pages, charts in worker processes, MkDocs build) with a bare
  `mkdocs build` of the very pages it generated: target at most 1.3×, with a cold chart cache
  (first build) and a warm one (a rebuild);
- the site's size per page at half and at full city scale: the size per page must not grow
  with the number of pages (no per-page copy of the whole navigation).

The bulletins are synthetic (a fixed seed), built directly as model objects, so the benchmark
measures the site stage alone.
"""

from __future__ import annotations

import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.common.config import Config
from generator.model.bulletin import (
    Bulletin,
    CampaignRecord,
    DataQuality,
    DocumentHeader,
    HistoryPoint,
    Judgment,
    PriorityEntry,
    UnitFigures,
    VolunteerRecord,
    WriteUp,
)
from generator.render.site import SiteResult, render_site
from generator.render.site_mkdocs import mkdocs_build

PERIODS = [f"{2025 + (m >= 2)}-{(m + 10) % 12 + 1:02d}" for m in range(12)]  # 2025-11 … 2026-10
CATEGORIES = [
    ("pioneer-team", "工人先锋号"),
    ("book-room", "职工书屋"),
    ("union-building", "企业建会"),
    ("volunteer", "工会工作志愿者"),
]
WRITEUP_TEXT = (
    "{unit}总工会围绕企业普遍建会目标，深入园区和商贸楼宇开展走访，"
    "帮助{n}家企业完成建会登记。活动中，工人先锋号班组代表介绍了技能比武经验，"
    "职工书屋为一线职工送去图书{n}0册。\n\n- 开展政策宣讲\n- 建立工作台账，实行销号管理\n"
)


def synthetic_bulletins(
    audience: str, counties: int = 10, townships: int = 15, seed: int = 11
) -> list[Bulletin]:
    """One Bulletin per period (oldest first) of 1 + counties × (1 + townships) units."""
    rng = random.Random(seed)
    internal = audience == "internal"
    codes: list[tuple[str, str, str, str | None]] = [("370900", "示例市", "city", None)]
    for c in range(counties):
        county = f"3709{c + 1:02d}"
        codes.append((county, f"第{c + 1}县", "county", "370900"))
        for t in range(townships):
            codes.append((f"{county}{t + 1:03d}", f"第{c + 1}县第{t + 1}镇", "township", county))
    base = {code: rng.uniform(0.55, 0.9) for code, *_ in codes}
    size = {code: rng.randint(80, 400) for code, *_ in codes}
    bulletins: list[Bulletin] = []
    history: dict[str, list[HistoryPoint]] = {code: [] for code, *_ in codes}
    writeups_so_far: list[WriteUp] = []
    for p_index, period in enumerate(PERIODS):
        units: list[UnitFigures] = []
        for order, (code, name, level, parent) in enumerate(codes, start=1):
            rate = min(0.99, base[code] + 0.004 * p_index + rng.uniform(-0.01, 0.01))
            enterprises = size[code] * (1 if level == "township" else townships)
            u = UnitFigures(code=code, name=name, level=level, parent=parent, order=order)
            u.enterprises = enterprises
            u.unionized = int(enterprises * rate)
            u.coverage_rate = u.unionized / enterprises
            u.employees = enterprises * 45
            u.members = int(u.employees * rate * 0.95)
            u.membership_rate = u.members / u.employees
            u.new_unions = rng.randint(0, 12)
            u.ytd_new_unions = u.new_unions * (p_index % 12 + 1)
            u.target_new_unions = 60
            u.target_completion = u.ytd_new_unions / 60
            u.elapsed = (p_index % 12 + 1) / 12
            u.schedule_rate = u.target_completion / u.elapsed
            # Draw every number whatever the audience: both sites show the same figures.
            priority_open, volunteer_coverage = rng.randint(0, 40), rng.uniform(0.5, 1)
            u.priority_open = priority_open if internal else 0
            u.score = round(40 * rate + 30 * u.membership_rate + 30 * min(1, u.schedule_rate), 2)
            u.coverage_rate_change = rng.uniform(-0.01, 0.02) if p_index else None
            u.volunteer_coverage = volunteer_coverage if internal else None
            if u.schedule_rate >= 1 and level != "city":
                u.judgments.append(Judgment("commend", f"{name}序时进度完成率领先"))
            elif internal and u.schedule_rate < 0.6 and level != "city":
                u.judgments.append(Judgment("criticize", f"{name}序时进度完成率偏低"))
            units.append(u)
        by_parent: dict[str, list[UnitFigures]] = {}
        for u in units:
            if u.parent:
                by_parent.setdefault(u.parent, []).append(u)
        for group in by_parent.values():
            if group[0].level == "city":
                continue
            for rank, u in enumerate(sorted(group, key=lambda x: -(x.score or 0)), start=1):
                u.rank, u.ranked_among = rank, len(group)
        for rank, u in enumerate(
            sorted(by_parent["370900"], key=lambda x: -(x.score or 0)), start=1
        ):
            u.rank, u.ranked_among = rank, len(by_parent["370900"])
        for u in units:
            previous = history[u.code][-1].rank if history[u.code] else None
            u.rank_change = None if previous is None or u.rank is None else previous - u.rank
            history[u.code].append(
                HistoryPoint(
                    period,
                    u.coverage_rate,
                    u.membership_rate,
                    u.unionized,
                    u.enterprises,
                    u.score,
                    u.rank,
                )
            )
        writeups = []
        for w in range(12):
            unit = units[1 + rng.randrange(len(units) - 1)]
            category, label = CATEGORIES[w % len(CATEGORIES)]
            writeups.append(
                WriteUp(
                    f"{period}-w{w:02d}",
                    f"{unit.name}开展{label}工作",
                    f"{period}-{w + 1:02d}",
                    unit.code,
                    unit.name,
                    unit.code if unit.level == "county" else unit.parent or "",
                    category,
                    label,
                    "internal" if internal and w % 6 == 5 else "public",
                    [],
                    WRITEUP_TEXT.format(unit=unit.name, n=w + 3),
                )
            )
        writeups = [w for w in writeups if internal or w.audience == "public"]
        writeups_so_far += writeups
        county_codes = [u.code for u in units if u.level == "county"]
        lookup = {u.code: u for u in units}
        bulletins.append(
            Bulletin(
                period=period,
                period_label=f"{period[:4]}年{int(period[5:])}月",
                audience=audience,  # type: ignore[arg-type]
                organization="示例市总工会",
                document=DocumentHeader(
                    organization="示例市总工会",
                    doc_prefix="示工发",
                    doc_number=p_index + 30,
                    doc_code=f"示工发〔{period[:4]}〕{p_index + 30}号",
                    title=f"关于{period[:4]}年{int(period[5:])}月全市企业工会组建工作情况的通报",
                    recipients="各县市区总工会",
                    cc="省总工会组织部",
                    signed_on=None,
                    signed_on_text="",
                    printed_on=None,
                    printed_on_text="",
                    printed_by="示例市总工会办公室",
                    preface="现将本月全市企业工会组建工作情况通报如下。",
                    closing="各县市区要对照目标任务，倒排工期，确保完成全年任务。",
                ),
                overview=[f"全市企业建会率{units[0].coverage_rate:.1%}。"],
                units=units,
                county_ranking=sorted(county_codes, key=lambda c: lookup[c].rank or 0),
                township_ranking={
                    c: [u.code for u in sorted(by_parent[c], key=lambda x: x.rank or 0)]
                    for c in county_codes
                },
                judgments={
                    kind: [u.code for u in units if any(j.kind == kind for j in u.judgments)]
                    for kind in (("commend", "criticize") if internal else ("commend",))
                },
                history={code: list(points) for code, points in history.items()},
                campaigns=[
                    CampaignRecord(
                        "pioneer_teams" if i % 2 else "book_rooms",
                        f"示范班组{i}",
                        f"示例企业{i}有限公司",
                        units[16 + i].code,
                        units[16 + i].name,
                        units[16 + i].parent or "",
                        "市级" if i % 2 else "市级示范点",
                        "已命名" if i % 2 else "",
                        "2025-06-01",
                        i == p_index,
                        None if i % 2 else 1200,
                    )
                    for i in range(min(40, len(units) - 17))
                ],
                writeups=writeups,
                priority=[
                    PriorityEntry(
                        f"91370900MA{i:08d}",
                        f"待建会企业{i}",
                        units[2 + i % (len(units) - 2)].code,
                        units[2 + i % (len(units) - 2)].name,
                        units[2 + i % (len(units) - 2)].parent or "",
                        30 + i,
                        "",
                        "open",
                    )
                    for i in range(300)
                ]
                if internal
                else [],
                volunteers=[
                    VolunteerRecord(
                        f"V{i:03d}",
                        f"志愿者{i}",
                        "138****0000",
                        u.code,
                        u.name,
                        u.parent or "",
                        "2025-01-01",
                        "考试",
                    )
                    for i, u in enumerate(x for x in units if x.level == "township")
                ]
                if internal
                else [],
                data_quality=DataQuality(warnings=3) if internal else None,
                periods=list(PERIODS),
            )
        )
    return bulletins


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the chart workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


CPU: dict[str, float] = {}  # CPU seconds of the last _build / _bare_mkdocs, by name


def _build(bulletins: list[Bulletin], root: Path, name: str) -> tuple[float, SiteResult]:
    (root / "content").mkdir(parents=True, exist_ok=True)
    out = root / "out" / name
    shutil.rmtree(out, ignore_errors=True)
    cpu, start = _cpu(), time.perf_counter()
    result = render_site(bulletins, Config(root=root), out, work_dir=root / "work" / name)
    CPU[name] = _cpu() - cpu
    return time.perf_counter() - start, result


def _bare_mkdocs(root: Path, name: str) -> float:
    cpu, start = _cpu(), time.perf_counter()
    mkdocs_build(root / "work" / name / "mkdocs.yml")
    elapsed = time.perf_counter() - start
    CPU[f"bare-{name}"] = _cpu() - cpu
    shutil.rmtree(root / "work" / name / "site", ignore_errors=True)
    return elapsed


def _both(sites: dict[str, list[Bulletin]], root: Path) -> tuple[float, dict[str, SiteResult]]:
    """Both sites one after the other, as a build makes them (sharing the chart cache)."""
    results = {}
    total = cpu = 0.0
    for audience, bulletins in sites.items():
        elapsed, results[audience] = _build(bulletins, root, audience)
        total += elapsed
        cpu += CPU[audience]
    CPU["both"] = cpu
    return total, results


def run(project_dir: Path | None = None) -> list[dict]:
    """Measure the site stage at city scale; rows as benchmarks/run.py prints them."""
    work = Path(tempfile.mkdtemp(prefix="bench-site-", dir=project_dir))
    rows: list[dict] = []
    try:
        # Warm up the process (imports, jieba's dictionary) so both sides start equal.
        _build(synthetic_bulletins("public", counties=1, townships=2)[-2:], work, "warmup")
        shutil.rmtree(work / "work", ignore_errors=True)
        sites = {audience: synthetic_bulletins(audience) for audience in ("public", "internal")}
        first, results = _both(sites, work)
        shutil.rmtree(work / "work", ignore_errors=True)
        # A month's build: last month's sites exist (their charts are cached), one period more.
        _both({a: b[:-1] for a, b in sites.items()}, work)
        monthly, results = _both(sites, work)
        monthly_cpu = CPU["both"]
        rebuild, results = _both(sites, work)
        bare = {a: min(_bare_mkdocs(work, a) for _ in range(2)) for a in sites}
        bare_total = sum(bare.values())
        bare_cpu = CPU["bare-public"] + CPU["bare-internal"]
        pages = sum(r.pages for r in results.values())
        charts = results["public"].charts
        label = f"site (public + internal: {pages} pages, {charts} charts)"
        rows += [
            {
                "name": f"{label}: stage / bare mkdocs, first build (no chart cached)",
                "ratio": first / bare_total,
                "target": "≤ 1.3×",
            },
            {
                "name": f"{label}: stage / bare mkdocs, next month's build",
                "ratio": monthly / bare_total,
                "target": "≤ 1.3×",
            },
            {
                "name": f"{label}: stage / bare mkdocs, rebuild with nothing changed",
                "ratio": rebuild / bare_total,
                "target": "≤ 1.3×",
            },
            {
                "name": f"{label}: CPU seconds, stage / bare mkdocs, next month's build",
                "ratio": monthly_cpu / bare_cpu,
                "target": "(charts' share of the work)",
            },
        ]
        for audience, result in results.items():
            rows += [
                {
                    "name": f"site ({audience}, {result.pages} pages): bare mkdocs build",
                    "value": f"{bare[audience]:.1f} s",
                    "target": "~5 s for ~300 pages",
                },
                {
                    "name": f"site ({audience}): size per page (city scale)",
                    "value": f"{result.bytes / result.pages / 1024:.1f} KB",
                    "target": "linear in pages",
                },
            ]
        full = results["internal"]
        _, half = _build(synthetic_bulletins("internal", counties=5), work, "half")
        rows.append(
            {
                "name": "site: size per page, full / half city scale (internal)",
                "ratio": (full.bytes / full.pages) / (half.bytes / half.pages),
                "target": "≈ 1× (linear)",
            }
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
