"""Golden outputs of the golden project (tests/golden/project), Pelican-style.

The golden project's `bulletin.json` of each period and audience, the Markdown pages the site
generates from them (before MkDocs turns them into HTML) and the data each Typst document is
given (the bulletin of each period and audience, and every unit's report) are kept under
tests/golden/outputs/. `test_golden.py` builds them again and compares; after a change to what
the outputs should say, regenerate them with

    ./run update-golden

and review the difference (`git diff tests/golden/outputs`) before committing it. The figures
in them are the hand-worked ones of tests/golden/expected.json (test_figures checks those).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "golden" / "project"
OUTPUTS = HERE / "golden" / "outputs"


def golden_outputs(root: Path = PROJECT) -> dict[str, str]:
    """Every golden file of the project at `root`: relative path -> text."""
    from generator.build import BuildOptions, gather
    from generator.render.document.bulletin import bulletin_document
    from generator.render.document.nodes import Assets
    from generator.render.document.report import report_document
    from generator.render.site_pages import _Site

    g = gather(root, BuildOptions(site=False, pdf=False))
    out: dict[str, str] = {}
    for audience, bulletins in g.bulletins.items():
        for b in bulletins:
            out[f"json/{audience}/{b.period}.json"] = b.to_json() + "\n"
            doc = bulletin_document(b, g.config, Assets(g.config.content_dir), {}, charts=False)
            out[f"typst/{audience}/{b.period}.json"] = _pretty(doc)
        latest = bulletins[-1]
        if latest.shows.unit_reports:
            for u in latest.units:
                doc = report_document(
                    latest, u.code, Assets(g.config.content_dir), {}, latest.organization
                )
                out[f"typst/{audience}/units/{u.code}.json"] = _pretty(doc)
        with tempfile.TemporaryDirectory() as tmp:
            site = _Site(bulletins, g.config, Path(tmp) / "out", Path(tmp) / "work")
            site.plan_charts()
            site.generate()
            for page in sorted(site.docs.rglob("*.md")):
                rel = page.relative_to(site.docs).as_posix()
                if rel.startswith("guide/"):  # the user guide is docs/, compared by test_guide
                    continue
                out[f"pages/{audience}/{rel}"] = page.read_text(encoding="utf-8")
    return out


def _pretty(doc: object) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def update(folder: Path = OUTPUTS) -> int:
    """Write the golden outputs afresh; return how many files."""
    files = golden_outputs()
    if folder.exists():
        shutil.rmtree(folder)
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return len(files)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    print(f"{update()} golden files written to {OUTPUTS.relative_to(HERE.parent)}")
