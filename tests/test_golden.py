"""The golden project's outputs (bulletin.json, the site's Markdown pages, the Typst data) are
what tests/golden/outputs holds; `./run update-golden` rewrites them after a wanted change."""

from __future__ import annotations

import difflib

import pytest
from golden_outputs import OUTPUTS, golden_outputs


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    return golden_outputs()


def test_the_golden_files_are_the_ones_the_project_gives(outputs: dict[str, str]) -> None:
    kept = {p.relative_to(OUTPUTS).as_posix() for p in OUTPUTS.rglob("*") if p.is_file()}
    assert sorted(set(outputs) - kept) == [], "new outputs: run ./run update-golden"
    assert sorted(kept - set(outputs)) == [], "outputs no longer made: run ./run update-golden"
    kinds = {rel.split("/")[0] for rel in outputs}
    assert kinds == {"json", "pages", "typst"}


def test_every_golden_file_is_byte_identical(outputs: dict[str, str]) -> None:
    changed = []
    for rel, text in sorted(outputs.items()):
        path = OUTPUTS / rel
        if not path.is_file():
            continue
        expected = path.read_text(encoding="utf-8")
        if text != expected:
            diff = difflib.unified_diff(
                expected.splitlines(), text.splitlines(), f"golden/{rel}", "now", lineterm="", n=1
            )
            changed.append("\n".join(list(diff)[:40]))
    assert not changed, (
        "outputs differ from tests/golden/outputs (if the change is wanted: ./run update-golden "
        "and review git diff):\n" + "\n\n".join(changed[:5])
    )
