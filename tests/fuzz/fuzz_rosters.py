"""Coverage-guided fuzzing of the roster readers and value parsers with atheris (not run in CI).

    pip install -e '.[fuzz]'
    python tests/fuzz/fuzz_rosters.py --target csv  -max_total_time=300 corpus-csv/
    python tests/fuzz/fuzz_rosters.py --target xlsx -max_total_time=300 corpus-xlsx/
    python tests/fuzz/fuzz_rosters.py --target values -runs=200000

Each input either reads (a table, then validation makes a frame and problems) or is refused
the way users are told (ReadError for a file, ValueError for a cell); any other exception is a
finding, and atheris stops with the input that caused it. The property tests of the same
readers, run in CI, are in tests/test_fuzz.py.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import pyarrow as pa

    from generator.common.periods import Period
    from generator.rosters import values
    from generator.rosters.read import ReadError, read_table
    from generator.rosters.specs import ENTERPRISES, LEVEL_SYNONYMS
    from generator.rosters.uscc import analyse_uscc
    from generator.rosters.validate import Context, validate_table

FOLDER = Path(tempfile.mkdtemp(prefix="bulletin-fuzz-"))
CONTEXT = Context(period=Period.parse("2026-10"))
SCALARS = (values.parse_int, values.parse_number, values.parse_rate, values.parse_bool)


def _read_file(data: bytes, suffix: str) -> None:
    path = FOLDER / f"enterprises{suffix}"
    path.write_bytes(data)
    try:
        raw = read_table(path, f"data/2026-10/enterprises{suffix}", ENTERPRISES)
    except ReadError as exc:
        assert exc.problem.code.startswith("E-")
        return
    result = validate_table(raw, ENTERPRISES, CONTEXT)
    assert len(result.frame) == len(raw)


def fuzz_csv(data: bytes) -> None:
    """Any bytes as a CSV ledger."""
    _read_file(data, ".csv")


def fuzz_xlsx(data: bytes) -> None:
    """Any bytes as an XLSX ledger (seed the corpus with real .xlsx files)."""
    _read_file(data, ".xlsx")


def fuzz_values(data: bytes) -> None:
    """Any cells through every scalar parser and column normaliser."""
    provider = atheris.FuzzedDataProvider(data)
    cells = [
        provider.ConsumeUnicodeNoSurrogates(provider.ConsumeIntInRange(0, 24))
        for _ in range(provider.ConsumeIntInRange(0, 8))
    ]
    for cell in cells:
        for parse in (*SCALARS, values.parse_date):
            with contextlib.suppress(ValueError):
                parse(cell)
        values.normalise_code(cell)
        values.is_scientific(cell)
        with contextlib.suppress(ValueError):
            values.parse_enum(cell, ("city", "county", "township"), LEVEL_SYNONYMS)
    arr = values.trim_array(pa.array(cells, pa.string()))
    for normalise in (
        values.normalise_int,
        values.normalise_number,
        values.normalise_rate,
        values.normalise_bool,
        values.normalise_date,
    ):
        typed, bad = normalise(arr)
        assert len(typed) == len(cells) == len(bad)
    analyse_uscc(values.normalise_code_column(arr))


TARGETS = {"csv": fuzz_csv, "xlsx": fuzz_xlsx, "values": fuzz_values}


def main() -> None:
    """Pick the target from --target NAME (default: csv) and hand the rest to libFuzzer."""
    argv = list(sys.argv)
    target = os.environ.get("BULLETIN_FUZZ_TARGET", "csv")
    if "--target" in argv:
        at = argv.index("--target")
        target = argv[at + 1]
        del argv[at : at + 2]
    atheris.Setup(argv, TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
