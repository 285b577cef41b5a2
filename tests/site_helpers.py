"""Building small sites from sample bulletins, and checking every link of a built site."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sample_model import sample_bulletin

from generator.common.config import Config
from generator.model.assemble import pages
from generator.model.bulletin import Bulletin, WriteUp
from generator.model.content import load_content
from generator.render.site import SiteResult, render_site

MARKER = "MARKER7Q3Z"  # planted in every internal-only record
PERIODS = [("2026-09", "2026年9月"), ("2026-10", "2026年10月")]
HOSTILE_SLUG = "2026-10-hostile"
HOSTILE_BODY = """\
青川区开展工人先锋号劳动竞赛。<script>alert("xss")</script>

<img src="x.png" onerror="alert('img')">

[点这里](javascript:alert('link')) 和 [也点这里](JAVASCRIPT:alert(1))

<a href="javascript:alert(2)" onclick="alert(3)">链接</a> <div onmouseover="alert(4)">悬停</div>

![合影](img/photo.png) ![外链](https://example.com/tracker.png) ![越界](../../secret.png)

[官网](https://example.org/news)
"""
# A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def sample_bulletins(audience: str) -> list[Bulletin]:
    """Two periods of the sample bulletin; internal ones carry MARKER in internal records."""
    bulletins = []
    for period, label in PERIODS:
        b = sample_bulletin(audience, marker=MARKER if audience == "internal" else "")
        b.period, b.period_label = period, label
        b.periods = [p for p, _ in PERIODS]
        if period == "2026-09":
            b.writeups = []
        else:
            b.writeups.append(
                WriteUp(
                    HOSTILE_SLUG,
                    "青川区工人先锋号劳动竞赛",
                    "2026-10-15",
                    "990101001",
                    "青川区东城街道",
                    "990100",
                    "pioneer-team",
                    "工人先锋号",
                    "public",
                    ["writeups/img/photo.png"],
                    HOSTILE_BODY,
                )
            )
        if audience == "internal" and b.data_quality is not None:
            b.data_quality.by_county[0]["name"] = f"云溪县{MARKER}"
        bulletins.append(b)
    return bulletins


def make_project(root: Path) -> Config:
    """A project folder with content images (one outside content/) and an extra page."""
    (root / "content" / "writeups" / "img").mkdir(parents=True)
    (root / "content" / "writeups" / "img" / "photo.png").write_bytes(PNG)
    (root / "secret.png").write_bytes(PNG)
    (root / "content" / "pages").mkdir(parents=True)
    (root / "content" / "pages" / "about.md").write_text(
        "---\ntitle: 关于本站\n---\n本站发布示例市总工会的企业建会通报。<script>x()</script>\n",
        encoding="utf-8",
    )
    return Config(root=root)


def place_downloads(out: Path, bulletins: list[Bulletin]) -> None:
    """Stand in for the files the build drops beside the site (PDFs, data)."""
    internal = bulletins[-1].audience == "internal"
    for b in bulletins:
        names = [f"pdf/{b.period}/bulletin.pdf", f"data/{b.period}/bulletin.json"]
        if internal:
            names += [
                f"data/{b.period}/{stem}.{ext}"
                for stem in ("indicators", "problems")
                for ext in ("csv", "xlsx")
            ]
        for name in names:
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"placeholder")
    if internal:
        latest = bulletins[-1]
        for u in latest.units:
            path = out / "pdf" / latest.period / "units" / f"{u.code}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"placeholder")


def build_sample_site(
    root: Path, audience: str, downloads: bool = True, jobs: int | None = 1
) -> SiteResult:
    """Build the sample site of one audience into root/site/<audience> (charts drawn in this
    process unless `jobs` says otherwise: the chart workers have tests of their own)."""
    config = make_project(root) if not (root / "content").exists() else Config(root=root)
    bulletins = sample_bulletins(audience)
    extra = pages(load_content(root))  # as the build does: read once, carried by the model
    for b in bulletins:
        b.pages = extra
    out = root / "site" / audience
    if downloads:
        place_downloads(out, bulletins)
    return render_site(
        [dataclasses.replace(b) for b in bulletins],
        config,
        out,
        work_dir=root / ".bulletin-cache" / "mkdocs" / audience,
        jobs=jobs,
    )


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append((tag, name, value))


def page_links(html: str) -> list[tuple[str, str, str]]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def broken_links(site: Path) -> list[str]:
    """Every relative link or resource of every HTML page that does not resolve to a file."""
    broken = []
    for page in sorted(site.rglob("*.html")):
        if page.name == "404.html":  # served for any missing URL; its links assume the root
            continue
        for tag, _attr, value in page_links(page.read_text(encoding="utf-8")):
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # outside links are checked by outside_resources; "#x" stays on page
            target = (page.parent / unquote(parts.path)).resolve()
            if parts.path.endswith("/"):
                target = target / "index.html"
            if not target.is_file() or not target.is_relative_to(site.resolve()):
                broken.append(f"{page.relative_to(site)}: <{tag}> {value}")
    return broken


def outside_resources(site: Path) -> list[str]:
    """Resources (not plain links) of any page that would be fetched from another host."""
    found = []
    for page in sorted(site.rglob("*.html")):
        for tag, attr, value in page_links(page.read_text(encoding="utf-8")):
            outside = re.match(r"^(https?:)?//", value)
            if outside and not (tag == "a" and attr == "href"):
                found.append(f"{page.relative_to(site)}: <{tag} {attr}> {value}")
    for css in sorted(site.rglob("*.css")):
        for url in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", css.read_text()):
            found.append(f"{css.relative_to(site)}: url({url})")
    return found
