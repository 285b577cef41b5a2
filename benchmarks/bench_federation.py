"""The national roll-up (issue 27): 31 provinces x 10 cities of issued bulletins, read and reduced.

Generates, for one period, 310 city packages shaped as `bulletin issue` writes them (the internal
model/internal.json of a city of 10 counties and 110 townships, with its history and priority
list, and the register line vouching for it) in 31 province projects. Measured in a fresh
process: every package verified (sha256) and reduced to its province's figures, then the 31
provinces' figures reduced to the national ones. Targets: under 2 s and 500 MB peak.
"""

from __future__ import annotations

import csv
import hashlib
import multiprocessing
import random
import sys
import time
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_figures import own_peak_mb  # noqa: E402

PERIOD = "2026-10"
PROVINCES, CITIES, COUNTIES, TOWNSHIPS = 31, 10, 10, 11
YML = "organization:\n  name: {name}\n  doc_prefix: 测工发\ncadence: month\nlevel: {level}\n"


def _unit(
    code: str, name: str, level: str, parent: str | None, rng: random.Random
) -> dict[str, Any]:
    from generator.figures.indicators import INDICATORS

    unit: dict[str, Any] = {"code": code, "name": name, "level": level, "parent": parent}
    for i in INDICATORS:
        unit[i.name] = rng.random() if i.dtype == "Float64" else rng.randrange(0, 5000)
    unit["judgments"] = []
    return unit


def _city_model(code: str, rng: random.Random) -> dict[str, Any]:
    units = [_unit(code, f"市{code}", "city", None, rng)]
    priority = []
    for c in range(COUNTIES):
        county = f"{code[:4]}{c + 1:02d}"
        units.append(_unit(county, f"县{county}", "county", code, rng))
        for t in range(TOWNSHIPS):
            town = f"{county}{t + 1:03d}"
            units.append(_unit(town, f"镇{town}", "township", county, rng))
            for e in range(3):
                priority.append(
                    {
                        "uscc": f"91{town}{e:06d}",
                        "name": f"企业{town}{e}",
                        "unit": town,
                        "employees": rng.randrange(25, 900),
                        "state": "open",
                        "reason": "筹建中",
                    }
                )
    history = {
        u["code"]: [
            {
                "period": f"2026-{m:02d}",
                "enterprises": 1,
                "unionized": 1,
                "coverage_rate": 0.5,
                "membership_rate": 0.5,
                "score": 50.0,
                "rank": 1,
            }
            for m in range(1, 11)
        ]
        for u in units
    }
    return {
        "period": PERIOD,
        "audience": "internal",
        "organization": f"市{code}总工会",
        "units": units,
        "priority": priority,
        "history": history,
        "corrections": [],
    }


def generate(work: Path) -> Path:
    """31 province projects with 10 city packages each; return the folder holding them."""
    base = work / "federation"
    if (base / "done").is_file():
        return base
    rng = random.Random(27)
    for p in range(PROVINCES):
        province = f"{p + 11:02d}0000"
        root = base / province
        (root / "data" / PERIOD).mkdir(parents=True, exist_ok=True)
        (root / "bulletin.yml").write_text(
            YML.format(name=f"省{province}总工会", level="province"), encoding="utf-8"
        )
        rows = [
            ["单位代码", "单位名称", "层级", "上级单位代码"],
            [province, f"省{province}", "省", ""],
        ]
        for c in range(CITIES):
            code = f"{p + 11:02d}{c + 1:02d}00"
            rows.append([code, f"市{code}", "市", province])
            folder = root / "data" / PERIOD / code
            (folder / "model").mkdir(parents=True, exist_ok=True)
            blob = orjson.dumps(
                _city_model(code, rng), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2
            )
            (folder / "model" / "internal.json").write_bytes(blob)
            with (folder / "register-rows.csv").open("w", encoding="utf-8-sig", newline="") as h:
                w = csv.writer(h)
                w.writerow(["period", "发文字号", "signed_on", "issued_at", "file", "sha256"])
                w.writerow(
                    [
                        PERIOD,
                        "测工发〔2026〕10号",
                        "2026-11-05",
                        "2026-11-06T09:30:00",
                        "model/internal.json",
                        hashlib.sha256(blob).hexdigest(),
                    ]
                )
        with (root / "data" / "units.csv").open("w", encoding="utf-8-sig", newline="") as h:
            csv.writer(h).writerows(rows)
    (base / "done").write_text("", encoding="utf-8")
    return base


def _measure(base: Path, out: Any) -> None:
    """Read and verify every city package, then reduce the nation in one pass of the pipeline.

    The national federation, its provinces and their cities are the three levels the city
    pipeline knows (city, counties, townships): the provinces' figures are the sums of their
    cities' counts, the nation's the sums of the provinces', each ranked within its parent.
    """
    import pandas as pd

    from generator.common.config import Config
    from generator.common.periods import Period
    from generator.federation.package import MemberPackage, period_packages
    from generator.federation.reduce import Level, level_figures
    from generator.federation.roster import Members, read_members

    start, cpu = time.perf_counter(), time.process_time()
    period = Period.parse(PERIOD)
    packages: dict[str, MemberPackage] = {}
    rows = [("100000", "全国", "city", pd.NA)]
    problems = 0
    for root in sorted(p for p in base.iterdir() if p.is_dir()):
        members = read_members(root, "province")
        got, found = period_packages(root, period, members.names)
        problems += len(found) + len(members.problems)
        packages.update(got)
        rows.append((members.root, members.root_name, "county", "100000"))
        rows += [(code, name, "township", members.root) for code, name in members.names.items()]
    read = time.perf_counter() - start
    units = pd.DataFrame(rows, columns=["code", "name", "level", "parent"]).astype("string")
    units["order"] = pd.array(range(1, len(units) + 1), dtype="Int64")
    names = {code: name for code, name, level, _ in rows if level == "county"}
    national = Level(Members("100000", "全国", names, units), [period], {PERIOD: packages})
    frame = level_figures(national, Config(root=base, level="national")).indicators.loc[PERIOD]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = own_peak_mb()
    direct = sum(int(p.figures["enterprises"]) for p in packages.values())
    assert int(frame.loc["100000", "enterprises"]) == direct
    out.put((seconds, cpu, read, peak, problems, len(packages)))


def run(work: Path) -> list[dict[str, object]]:
    base = generate(work)
    size = sum(p.stat().st_size for p in base.rglob("internal.json")) / 2**20
    queue: Any = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(target=_measure, args=(base, queue))
    child.start()
    seconds, cpu, read, peak, problems, packages = queue.get()
    child.join()
    assert problems == 0, f"{problems} problems in the generated packages"
    assert packages == PROVINCES * CITIES
    return [
        {
            "name": "national roll-up: CPU time of the process (what a busy machine's wall hides), s",
            "value": f"{cpu:.2f}",
            "target": "< 2 s",
        },
        {
            "name": "national roll-up: of which reading and verifying the packages, s",
            "value": f"{read:.2f}",
            "target": "",
        },
        {
            "name": f"national roll-up: {packages} city packages ({size:.0f} MB), 31 provinces, s",
            "value": f"{seconds:.2f}",
            "target": "< 2 s",
        },
        {
            "name": "national roll-up: peak memory (whole process, imports included), MB",
            "value": f"{peak:.0f}",
            "target": "< 500 MB",
        },
    ]


if __name__ == "__main__":
    import tempfile

    for row in run(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())):
        print(row)
