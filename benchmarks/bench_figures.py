"""Figures benchmark: seconds per period of the figures stage, and peak memory at province scale.

For each synthetic scale (benchmarks/synth.py: demo, city, province) a subprocess runs the build's
read -> reduce loop, one snapshot alive at a time, then `compute_figures`, and reports:

- the figures stage (every `reduce_snapshot` plus `compute_figures`) in seconds per period;
  target at province scale (issue 28): ≤ 0.5 s a period;
- the roster stage (reading and checking a period's ledger) in seconds per period; target at
  province scale (issue 28): ≤ 3 s a period;
- the whole year: every period read, checked and reduced, and the figures computed, as one
  figure in seconds;
- the size of what the reductions keep for every period (per-unit sums and priority ledgers);
- the peak resident memory of the whole loop (getrusage maxrss of the subprocess); target at
  province scale (issue 28): ≤ 2 GB.

    python benchmarks/bench_figures.py                 # all scales
    BENCH_FIGURES_SCALES=demo,city python benchmarks/bench_figures.py
    ./run bench province                               # the province scale alone
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

SCALES = ("demo", "city", "province")
MEMORY_LIMIT_MB = 2048
FIGURES_TARGET_S = 0.5
ROSTERS_TARGET_S = 3.0


def measure(root: Path) -> dict[str, Any]:
    """Run rosters -> figures over every period of a project as the build does; time each part."""
    from generator.common.config import load_config
    from generator.figures.reduce import PeriodReduction, project_figures, reduce_snapshot
    from generator.rosters.load import load_project, read_snapshot

    config = load_config(root)
    data = load_project(root, config)
    reductions: list[PeriodReduction] = []
    state = None
    read_s = reduce_s = read_cpu = reduce_cpu = 0.0
    reduce_max = 0.0
    rows = 0
    for period in data.periods:
        start, cpu = time.perf_counter(), time.process_time()
        snapshot = read_snapshot(data, period, state)
        read_s += time.perf_counter() - start
        read_cpu += time.process_time() - cpu
        state = snapshot.state
        rows = max(rows, len(snapshot.enterprises))
        start, cpu = time.perf_counter(), time.process_time()
        reductions.append(
            reduce_snapshot(
                data.units,
                snapshot.enterprises,
                period,
                config,
                reductions[-1] if reductions else None,
                snapshot.units_numbered,
            )
        )
        took = time.perf_counter() - start
        reduce_cpu += time.process_time() - cpu
        reduce_s += took
        reduce_max = max(reduce_max, took)
        del snapshot  # one snapshot alive at a time, as in the build
    start, cpu = time.perf_counter(), time.process_time()
    figures = project_figures(data, reductions, config)
    compute_s = time.perf_counter() - start
    compute_cpu = time.process_time() - cpu
    kept = sum(
        int(r.own.memory_usage(deep=True).sum()) + int(r.ledger.memory_usage(deep=True).sum())
        for r in reductions
    )
    return {
        "periods": len(reductions),
        "units": len(data.units),
        "rows": rows,
        "read_s": read_s,
        "reduce_s": reduce_s,
        "read_cpu_s": read_cpu,
        "reduce_cpu_s": reduce_cpu,
        "reduce_max_s": reduce_max,
        "compute_s": compute_s,
        "compute_cpu_s": compute_cpu,
        "reductions_mb": kept / 2**20,
        "indicator_rows": len(figures.indicators),
        "maxrss_mb": own_peak_mb(),
    }


def _measure_in_subprocess(root: Path) -> dict[str, Any]:
    """measure() in a fresh interpreter, so maxrss is this project's alone."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure", str(root)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _project(scale: str, work: Path) -> Path:
    """The synthetic project of a scale under `work`, generated once."""
    import synth

    root = work / f"figures-{scale}"
    if not (root / "bulletin.yml").is_file():
        print(f"[figures] generating the {scale} project…", file=sys.stderr, flush=True)
        synth.generate(scale, root)
    return root


def _rows(label: str, m: dict[str, Any], targets: bool) -> list[dict[str, Any]]:
    periods = max(m["periods"], 1)
    per_period = (m["reduce_s"] + m["compute_s"]) / periods
    year = m["read_s"] + m["reduce_s"] + m["compute_s"]
    figures_cpu = m["reduce_cpu_s"] + m.get("compute_cpu_s", 0.0)
    year_cpu = m["read_cpu_s"] + figures_cpu
    where = f"{label}: {m['units']} units, {m['rows']:,} enterprises, {m['periods']} periods"
    rows: list[dict[str, Any]] = [
        {
            "name": f"figures s/period ({where})",
            "value": f"{per_period:.3f} s",
            "target": f"≤ {FIGURES_TARGET_S} s" if targets else "",
        },
        {
            "name": f"rosters (read + check) s/period ({label})",
            "value": f"{m['read_s'] / periods:.3f} s",
            "target": f"≤ {ROSTERS_TARGET_S:.0f} s" if targets else "",
        },
        {
            # CPU time of all threads: on a loaded machine it varies less than the wall time
            "name": f"rosters / figures s/period, CPU time ({label})",
            "value": f"{m['read_cpu_s'] / periods:.2f} / {figures_cpu / periods:.2f} s",
            "target": "",
        },
        {
            "name": f"figures CPU s/period: reductions / compute_figures ({label})",
            "value": f"{m['reduce_cpu_s'] / periods:.2f} / {m.get('compute_cpu_s', 0.0) / periods:.2f} s",
            "target": "",
        },
        {
            "name": f"the year: {m['periods']} periods read, checked and reduced ({label})",
            "value": f"{year:.1f} s ({year_cpu:.1f} s CPU)",
            "target": "",
        },
        {
            "name": f"figures: slowest snapshot reduction ({label})",
            "value": f"{m['reduce_max_s']:.3f} s",
            "target": "",
        },
        {
            "name": f"figures: compute_figures, all periods ({label})",
            "value": f"{m['compute_s']:.3f} s",
            "target": "",
        },
        {
            "name": f"figures: reductions kept for all periods ({label})",
            "value": f"{m['reductions_mb']:.1f} MB",
            "target": "",
        },
        {
            "name": f"rosters + figures: peak memory ({label})",
            "value": f"{m['maxrss_mb']:.0f} MB",
            "target": f"≤ {MEMORY_LIMIT_MB} MB" if targets else "",
        },
    ]
    return rows


def run(project_dir: Path | None = None, scales: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Measure the figures stage on the synthetic scales (those named, else BENCH_FIGURES_SCALES,
    else all), or on `project_dir` if it is a project."""
    work = Path(project_dir) if project_dir else Path(tempfile.mkdtemp(prefix="bench-figures-"))
    rows: list[dict[str, Any]] = []
    if (work / "bulletin.yml").is_file():
        rows += _rows(work.name, _measure_in_subprocess(work), False)
        return rows
    wanted = os.environ.get("BENCH_FIGURES_SCALES")
    if not scales:
        scales = [s for s in (wanted.split(",") if wanted else SCALES) if s]
    for scale in scales:
        root = _project(scale, work)
        print(f"[figures] measuring {scale}…", file=sys.stderr, flush=True)
        rows += _rows(scale, _measure_in_subprocess(root), scale == "province")
    return rows


def own_peak_mb() -> float:
    """This process's resident peak since it started its program. Linux's getrusage maxrss also
    counts the parent's pages this process was forked with (a bench run's earlier sections)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(Path(sys.argv[2]))))
    else:
        for row in run(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
            print(f"  {row['name']:<80} {row['value']:>12}   target {row['target']}")
