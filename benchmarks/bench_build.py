"""Build benchmark at city scale: the whole `bulletin build` as users run it, and its cache.

Generates the synthetic city (1 + 10 + 150 units, 100 000 enterprises a snapshot, 12 periods)
with benchmarks/synth.py and measures, in one run on this machine:
- a full build from an empty cache (every stage; the reference for the ratios below);
- a rebuild with nothing changed (target: under 2 s) and one after `touch`-ing every input
  (contents are compared, not times: the same);
- a rebuild after changing one write-up (target: only what shows it is rebuilt: no ledger is
  read again, PDFs of other periods come from the cache);
- a rebuild after changing one period's ledger (one enterprise's employees: target: that
  ledger alone is read again, since what the later periods read of it is unchanged);
- the peak memory of the full build (resident set of this process and its workers).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generator.build import BuildOptions, BuildResult, build
from generator.render.page_cache import STATS

#: CPU seconds of each build (this process and its finished workers), by _build's call: on a
#: loaded machine the ratios of CPU time say more than those of wall time.
CPU: list[float] = []


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def _build(root: Path, **options: Any) -> tuple[float, BuildResult]:
    start, cpu = time.perf_counter(), _cpu()
    result = build(root, BuildOptions(**options))
    CPU.append(_cpu() - cpu)
    return time.perf_counter() - start, result


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024


def city_project(work: Path) -> Path:
    """The synthetic city project under `work` (generated once, reused by later sections)."""
    from synth import generate

    root = work / "city-project"
    if not (root / "bulletin.yml").is_file():
        generate("city", root)
    return root


def run(work: Path) -> list[dict[str, Any]]:
    source = city_project(work)
    root = work / "build-city"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(source, root)

    # The resident-set peaks the kernel reports are the largest since this process began (its
    # children's too): where an earlier section already went higher, this build's is unknown.
    earlier = _peak_mb()
    full, first = _build(root)
    full_cpu = CPU[-1]
    peak = _peak_mb()
    said_peak = (
        f"{peak:.0f}"
        if peak > earlier
        else f"not known (an earlier section reached {earlier:.0f}; run `./run bench build` alone)"
    )
    print(
        f"[build] full build {full:.1f} s: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in first.timings.items()),
        file=sys.stderr,
    )
    same, second = _build(root)
    assert second.unchanged, "a rebuild with nothing changed did work"
    start, cpu = time.perf_counter(), _cpu()
    subprocess.run(
        [sys.executable, "-m", "generator", "build", str(root)], check=True, capture_output=True
    )
    command = time.perf_counter() - start  # as users run it: with the start-up of Python
    command_cpu = _cpu() - cpu
    for path in root.rglob("*"):
        if path.is_file() and ".bulletin-cache" not in path.parts and "site" not in path.parts:
            os.utime(path)
    touched, third = _build(root)
    assert third.unchanged, "touching the inputs rebuilt something"

    writeups = sorted((root / "content" / "writeups").glob("*.md"))
    with writeups[-1].open("a", encoding="utf-8") as handle:
        handle.write("\n本段为基准测试追加的一句话。\n")
    one_writeup, after_writeup = _build(root)
    writeup_cpu = CPU[-1]
    rendered = f"{STATS.get('page_misses', 0)} of {STATS.get('page_misses', 0) + STATS.get('page_hits', 0)}"
    print(
        "[build] one write-up changed: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in after_writeup.timings.items()),
        file=sys.stderr,
    )

    ledger = root / "data" / first.periods[-4] / "enterprises.csv"
    _edit_one_cell(ledger)
    one_ledger, after_ledger = _build(root)
    ledger_cpu = CPU[-1]

    return [
        {"name": "build: full city build from an empty cache (s)", "value": f"{full:.1f}"},
        {"name": "build: no-change rebuild (s)", "value": f"{same:.2f}", "target": "< 2 s"},
        {
            "name": "build: no-change rebuild, the whole `bulletin build` command (s)",
            "value": f"{command:.2f}",
            "target": "<= 0.5 s",
        },
        {
            "name": "build: no-change rebuild, the whole command, CPU (s)",
            "value": f"{command_cpu:.2f}",
            "target": "<= 0.5 s",
        },
        {"name": "build: rebuild after touching every input (s)", "value": f"{touched:.2f}"},
        {
            "name": "build: one write-up changed / full build",
            "ratio": one_writeup / full,
            "target": "<= 0.1 (only what shows it)",
        },
        {
            "name": "build: one write-up changed / full build, CPU",
            "ratio": writeup_cpu / full_cpu,
            "target": "<= 0.1",
        },
        {
            "name": "build: ledgers read again after one write-up changed",
            "value": f"{after_writeup.snapshots_read} of {len(first.periods)}",
            "target": "0",
        },
        {
            "name": "build: intranet pages rendered again after one write-up changed",
            "value": rendered,
            "target": "the pages that show it",
        },
        {"name": "build: one ledger changed / full build", "ratio": one_ledger / full},
        {
            "name": "build: one ledger changed / full build, CPU",
            "ratio": ledger_cpu / full_cpu,
            "target": "<= 0.2",
        },
        {
            "name": "build: ledgers read again after one ledger changed",
            "value": f"{after_ledger.snapshots_read} of {len(first.periods)}",
            "target": "1 (the changed ledger)",
        },
        {"name": "build: peak memory of the full city build (MB)", "value": said_peak},
        {
            "name": "build: pages, PDFs, files",
            "value": f"{first.pages}, {first.pdfs}, {first.files}",
        },
    ]


def _edit_one_cell(path: Path) -> None:
    """Add one employee to the last enterprise of a CSV ledger (as a county's correction would)."""
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "gb18030", raw.decode("gb18030")
    lines = text.splitlines(keepends=True)
    column = lines[0].rstrip("\r\n").split(",").index("职工人数")
    for i in range(len(lines) - 1, 0, -1):
        fields = lines[i].rstrip("\r\n").split(",")
        if len(fields) > column and fields[column].isdigit():
            ending = lines[i][len(lines[i].rstrip("\r\n")) :]
            fields[column] = str(int(fields[column]) + 1)
            lines[i] = ",".join(fields) + ending
            path.write_bytes("".join(lines).encode(encoding))
            return
    raise RuntimeError(f"no employee count to change in {path}")


if __name__ == "__main__":
    import tempfile

    for row in run(Path(tempfile.mkdtemp(prefix="bulletin-bench-"))):
        print(row)
