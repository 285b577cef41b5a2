"""The chart caches (the PDFs' charts in cache/pdf, the sites' in cache/charts): a kept chart
that is damaged or planted is drawn again, never published."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from site_helpers import build_sample_site, sample_bulletins

from generator.common.config import Config
from generator.common.sealed import read_sealed, unseal
from generator.render import site_charts
from generator.render.document import bulletin as document
from generator.render.pdf import render_bulletin_pdfs


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _one_byte_changed(kept: bytes) -> bytes:
    """`kept` with one digit of the drawing changed: still a well-formed SVG, another chart."""
    digit = re.compile(rb"\d").search(kept, kept.index(b"<path"))
    assert digit is not None
    at = digit.start()
    return kept[:at] + str((int(kept[at : at + 1]) + 1) % 10).encode() + kept[at + 1 :]


def _spoil(kept: list[Path]) -> None:
    """Damage or replace the first three kept charts, each in its own way."""
    assert len(kept) >= 4  # three spoiled, at least one intact
    bodies = [unseal(p.read_bytes()) for p in kept]
    assert all(bodies), "every chart a build keeps carries the digest of its bytes"
    kept[0].write_bytes(kept[0].read_bytes()[:-100])  # damaged: cut short
    kept[1].write_bytes(_one_byte_changed(kept[1].read_bytes()))  # damaged: one byte
    # planted: a well-formed chart (another one's drawing) without the digest line
    planted = bodies[3]
    assert planted is not None and planted != bodies[2]
    kept[2].write_bytes(planted)


def _counting(monkeypatch: pytest.MonkeyPatch, module: object, names: list[str]) -> list[str]:
    """Count the charts drawn through `module`'s functions `names`."""
    drawn: list[str] = []
    for name in names:
        draw: Callable[..., str] = getattr(module, name)

        def counted(*args: object, _draw: Callable[..., str] = draw, _name: str = name) -> str:
            drawn.append(_name)
            return _draw(*args)

        monkeypatch.setattr(module, name, counted)
    return drawn


def test_a_damaged_or_planted_chart_kept_for_the_pdfs_is_drawn_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "content" / "writeups").mkdir(parents=True)
    config = Config(root=tmp_path)
    bulletins = sample_bulletins("internal")  # two periods, four different charts:
    first = bulletins[0]
    next(u for u in first.units if u.level == "county").coverage_rate = 0.5  # by county
    first.history[first.city.code] = first.history[first.city.code][:-1]  # the trend

    def build(name: str, cache: Path | None) -> dict[str, bytes]:
        out = tmp_path / name
        out.mkdir()
        items = [(b, out / f"{b.period}.pdf") for b in bulletins]
        render_bulletin_pdfs(items, config, 1, cache)
        return _files(out)

    fresh = build("fresh", None)
    cache = tmp_path / "cache"
    assert build("one", cache) == fresh
    kept = sorted(cache.glob("*.svg"))
    assert len(kept) == 4  # each period's county and trend charts
    # the PDFs go, so that they are compiled again from the charts the cache gives
    for pdf in cache.glob("*.pdf"):
        pdf.unlink()
    shutil.rmtree(cache / "sources")
    _spoil(kept)
    drawn = _counting(monkeypatch, document, ["coverage_by_county_svg", "coverage_trend_svg"])
    assert build("two", cache) == fresh
    assert len(drawn) == 3  # the three spoiled ones drawn again, the intact one reused
    assert all(read_sealed(p) is not None for p in kept)  # and kept again, sealed


def test_a_damaged_or_planted_chart_kept_for_the_sites_is_drawn_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_sample_site(tmp_path, "public", downloads=False)  # an empty chart cache: all drawn
    site = tmp_path / "site" / "public"
    fresh = _files(site)
    assert any(name.startswith("charts/") for name in fresh)
    kept = sorted((tmp_path / ".bulletin-cache" / "mkdocs" / "charts").glob("*.svg"))
    _spoil(kept)
    drawn = _counting(monkeypatch, site_charts, ["_draw"])
    build_sample_site(tmp_path, "public", downloads=False)
    assert _files(site) == fresh  # the charts, and their .gz, as a build without a cache made
    assert len(drawn) == 3  # the others reused
    assert all(read_sealed(p) is not None for p in kept)


def test_a_site_chart_step_with_every_chart_kept_starts_no_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulletins = sample_bulletins("public")
    jobs = [
        site_charts.ChartJob(f"{b.period}-{kind}{'-n' * narrow}.svg", kind, i, None, narrow)
        for i, b in enumerate(bulletins)
        for kind in ("counties", "trend")
        for narrow in (False, True)
    ]
    cache = tmp_path / "cache"
    pools: list[object] = []
    real = site_charts.ChunkPool

    def counted(*args: object, **kw: object) -> object:
        pools.append(args)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(site_charts, "ChunkPool", counted)

    def step(name: str) -> dict[str, bytes]:
        runner = site_charts._ChartRunner(jobs, bulletins, tmp_path / name, cache, processes=2)
        runner.start()
        runner.finish()
        return _files(tmp_path / name)

    drawn = step("drawn")  # an empty cache: a worker draws beside this process
    assert len(pools) == 1 and len(drawn) == 8
    assert step("kept") == drawn  # every chart kept: copied here, no process started
    assert len(pools) == 1
    next(iter(cache.glob("*.svg"))).unlink()  # one chart to draw: a worker again
    assert step("one") == drawn
    assert len(pools) == 2
