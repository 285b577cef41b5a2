"""Province benchmark: the figures section at province scale alone (1 800 units, 1.5 M enterprises
a period, 12 periods), for `./run bench province`.

Prints, measured in one run (benchmarks/bench_figures.py says how): reading and checking a
period (target ≤ 3 s), its figures (≤ 0.5 s), the year read, checked and reduced as one figure,
and the peak memory of the whole loop (≤ 2 GB).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bench_figures


def run(work: Path | None = None) -> list[dict[str, Any]]:
    """Measure the province scale and return the benchmark rows."""
    return bench_figures.run(work, scales=("province",))
