"""The benchmark: builds synthetic projects and prints every ratio DESIGN.md sets a target for.

Run with `./run bench` (all sections) or `./run bench rosters figures` (some; `./run bench province`
runs the figures section at province scale alone). Each section is a
module `benchmarks/bench_<name>.py` with `run(project_dir)` returning rows
{"name", "ratio" or "value", "target"}; all are measured in this one run, on this machine.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

SECTIONS = ("rosters", "figures", "pdf", "site", "build", "engines", "federation")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sections", nargs="*", default=list(SECTIONS), help="sections to run")
    parser.add_argument("--work", type=Path, help="where to generate the synthetic projects")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bulletin-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    for section in args.sections:
        try:
            module = importlib.import_module(f"bench_{section}")
        except ModuleNotFoundError as exc:
            print(f"[{section}] skipped: {exc}", file=sys.stderr)
            continue
        start = time.perf_counter()
        print(f"[{section}] running…", file=sys.stderr, flush=True)
        section_rows = module.run(work)
        print(f"[{section}] done in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        for row in section_rows:
            print(_line(row), flush=True)
        rows.extend(section_rows)
    print("\nSummary")
    for row in rows:
        print(_line(row))
    return 0


def _line(row: dict[str, object]) -> str:
    ratio = row.get("ratio")
    shown = f"{float(str(ratio)):.2f}×" if ratio is not None else str(row.get("value"))
    return f"  {row['name']:<72} {shown:>12}   target {row.get('target', '')}"


if __name__ == "__main__":
    raise SystemExit(main())
