"""A built site finished: the search index and worker corrected, unused theme styles and
scripts left out, pages marked for an intranet, text files precompressed."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import zlib
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any

from markupsafe import escape

from generator.common.cache import keep_newest, write_atomic
from generator.render.page_cache import _versions
from generator.render.site_mkdocs import segment_for_search

#: Where the search index joins a number to the Chinese unit after it (2026年10月, 45号, 10月份)
#: and a 文号's parts (示工发〔2026〕45号), the way a query typed with them stays one word: the
#: search plugin splits every run of Chinese from the digits beside it (2026|年|10|月), which no
#: query as typed matches. Applied in turn (each looks at the text the one before left).
_NUMBER_UNIT = (
    re.compile(r"(?<=\d)\u200b(?=[年月日号期])"),
    re.compile(r"(?<=\d年)\u200b(?=\d)"),
    re.compile(r"\u200b(?=〔\d{4}〕)"),
)


#: Material's search worker splits a Chinese query into the index's words, but never tries a
#: word that reaches the query's last character: 明湖区 was searched as 明 alone (so it found
#: 明辉超市 first) and 泓源塑胶 as nothing. Each pair is (as shipped, corrected); a Material
#: without these exact texts is left alone, with a warning.
SEARCH_WORKER_FIXES = (
    (
        "for(let o=s+1;o<t.length;o++)t.slice(s,o)in e&&(n[s]=o-s)",
        "for(let o=s+1;o<=t.length;o++)t.slice(s,o)in e&&(n[s]=o-s)",
    ),
    ("n[a]&&a<t.length-1&&(i[s++]=a)", "n[a]&&a<t.length&&(i[s++]=a)"),
    # The words of a Chinese query were joined with "* ", and every word then given its own
    # "*": 工人先锋号 became 工人** 先锋号*, and the term 工人* (a literal star) was listed as
    # missing (缺少: 工人*) under every result that holds 工人先锋号.
    (
        '[...fe(s,this.index.invertedIndex)].join("* ")',
        '[...fe(s,this.index.invertedIndex)].join(" ")',
    ),
    # The query was cut into words at lunr's own separator (spaces and "-"), not at the
    # site's: 2026-10 was searched as 2026 and 10, each found all over the site.
    (
        "lunr.tokenizer.separator=new RegExp(e.separator)",
        "lunr.tokenizer.separator=lunr.QueryLexer.termSeparator=new RegExp(e.separator)",
    ),
)


def fix_search_worker(site_dir: Path) -> bool:
    """Correct the query segmentation of Material's search worker in a built site."""
    workers = sorted((site_dir / "assets" / "javascripts" / "workers").glob("search.*.min.js"))
    if len(workers) != 1:
        return False
    text = workers[0].read_text(encoding="utf-8")
    if not all(text.count(old) == 1 for old, _ in SEARCH_WORKER_FIXES):
        return False
    for old, new in SEARCH_WORKER_FIXES:
        text = text.replace(old, new)
    workers[0].write_text(text, encoding="utf-8")
    return True


#: Put among the used classes when no page is written right to left: rules for [dir=rtl] go.
_LTR_ONLY = " ltr only"
_CSS_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
_CSS_WORD = re.compile(r"[A-Za-z_][\w-]*")
_HTML_CLASS = re.compile(r'class="([^"]*)"')


def _css_block_end(text: str, start: int) -> int:
    """The index of the `}` closing the block whose `{` is at `start` (quoted text skipped)."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text) - 1


def _css_split(text: str, sep: str) -> list[str]:
    """`text` split at `sep` outside brackets, parentheses and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _outside_parentheses(selector: str) -> str:
    out, depth = [], 0
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _prune_css(text: str, used: set[str], variables: set[str] | None) -> str:
    """The rules of `text` whose selectors name only classes in `used` (a class inside :is(),
    :not() and the like never removes a rule); with `variables`, also without declarations of
    custom properties not among them."""
    out: list[str] = []
    i = 0
    while i < len(text):
        brace = text.find("{", i)
        if brace < 0:
            out.append(text[i:])
            break
        end = _css_block_end(text, brace)
        prelude, body = text[i:brace], text[brace + 1 : end]
        head = prelude.strip()
        if head.startswith(("@media", "@supports", "@container", "@layer")):
            inner = _prune_css(body, used, variables)
            if inner.strip():
                out.append(f"{prelude}{{{inner}}}")
        elif head.startswith("@"):
            out.append(f"{prelude}{{{body}}}")
        else:
            selectors = [
                sel
                for sel in _css_split(prelude, ",")
                if all(c in used for c in _CSS_CLASS.findall(_outside_parentheses(sel)))
                and not (_LTR_ONLY in used and "[dir=rtl]" in sel)
            ]
            if variables is not None:
                body = ";".join(
                    d
                    for d in _css_split(body, ";")
                    if not d.strip().startswith("--") or d.split(":", 1)[0].strip() in variables
                )
            if selectors and body.strip():
                out.append(",".join(selectors) + "{" + body + "}")
        i = end + 1
    return "".join(out)


def prune_theme_css(site_dir: Path, kept_file: Path | None = None) -> int:
    """Cut Material's stylesheet down to what the built site uses; the bytes saved.

    Material's main stylesheet (134 KB) styles every feature of the theme (tabs, code, icons of
    every note type, versions, blog, …); a page sends it in full. Kept: every rule whose classes
    appear in a page of the site or in a name of a script or stylesheet the site ships (Material
    adds its classes from its script), and every custom property some kept rule, script or
    stylesheet names. The file takes a name of its own (its digest) and the pages link it, so a
    browser never keeps a cut of another build under the same name. With `kept_file`, the cut
    of the last build is taken from there when the stylesheet and every name it was cut by are
    the same (a rebuild after a change of a few pages)."""
    sheets = sorted((site_dir / "assets" / "stylesheets").glob("main.*.min.css"))
    if len(sheets) != 1:
        return 0
    sheet = sheets[0]
    pages = sorted(site_dir.rglob("*.html"))
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    used: set[str] = set()
    page_variables: set[str] = set()
    for text in texts.values():
        used.update(" ".join(_HTML_CLASS.findall(text)).split())
        page_variables.update(_CSS_VARIABLE.findall(text))  # style attributes
    others = [
        *(site_dir / "assets").glob("*.js"),
        *(site_dir / "assets").glob("*.css"),
        *(site_dir / "assets" / "javascripts").glob("bundle.*.js"),
    ]
    other_texts = [path.read_text(encoding="utf-8") for path in others]
    # Material's script adds classes of its own (md-…) to what pages hold; other words of a
    # script (highlight, tabbed-labels) style only elements a page would carry itself.
    named: set[str] = {"js", "no-js", "focus-visible"}
    for text in other_texts:
        named.update(w for w in _CSS_WORD.findall(text) if w.startswith("md-"))
    if not any('dir="rtl"' in text for text in texts.values()):
        used.add(_LTR_ONLY)
    css = sheet.read_text(encoding="utf-8")
    # a custom property a script or our stylesheet sets or reads
    script_variables: set[str] = set()
    for text in other_texts:
        script_variables.update(re.findall(r"--[\w-]+", text))
    kept = _pruned(css, used | named, page_variables | script_variables, kept_file)
    digest = hashlib.sha256(kept.encode("utf-8")).hexdigest()[:8]
    target = sheet.with_name(f"main.{digest}.min.css")
    old_name, new_name = sheet.name, target.name
    sheet.unlink()
    sheet.with_name(old_name + ".map").unlink(missing_ok=True)
    target.write_text(kept, encoding="utf-8")
    for path, text in texts.items():
        slim = _defer_scripts(_unindent_html(text.replace(old_name, new_name)))
        if slim != text:
            path.write_text(slim, encoding="utf-8")
    return len(css.encode("utf-8")) - len(kept.encode("utf-8"))


_CSS_VARIABLE = re.compile(r"var\((--[\w-]+)")


def _pruned(css: str, classes: set[str], variables: set[str], kept_file: Path | None) -> str:
    """The stylesheet's rules whose classes are all among `classes`, then without the custom
    properties no kept rule reads and `variables` does not hold (see prune_theme_css); the
    last answer is kept in `kept_file` under the digest of what it was made from."""
    key = hashlib.blake2b(
        json.dumps([css, sorted(classes), sorted(variables)], ensure_ascii=False).encode(),
        digest_size=20,
    ).hexdigest()
    if kept_file is not None:
        try:
            last = json.loads(kept_file.read_text(encoding="utf-8"))
            text = last["css"]
            sealed = hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()
            if last["key"] == key and last["seal"] == sealed:
                return str(text)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            pass  # none, or damaged: cut again
    kept = _prune_css(css, classes, None)
    kept = _prune_css(kept, classes, variables | set(_CSS_VARIABLE.findall(kept)))
    if kept_file is not None:
        seal = hashlib.blake2b(kept.encode("utf-8"), digest_size=20).hexdigest()
        with suppress(OSError):  # without it the next build only cuts the stylesheet again
            data = json.dumps({"key": key, "seal": seal, "css": kept}, ensure_ascii=False)
            write_atomic(kept_file, data.encode("utf-8"))
    return kept


def keep_out_of_search_engines(site_dir: Path) -> None:
    """Mark every page of the intranet site noindex (a search engine that reaches it by mistake
    lists none of it) and write a robots.txt refusing every crawler."""
    tag = '<meta name="robots" content="noindex, nofollow">'
    for path in sorted(site_dir.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if tag not in text:
            text = re.sub(r"(<meta charset=[^>]*>)", lambda m: m.group(1) + tag, text, count=1)
            path.write_text(text, encoding="utf-8")
    (site_dir / "robots.txt").write_text("User-agent: *\nDisallow: /\n", encoding="utf-8")


_PREFORMATTED = re.compile(r"(<(pre|textarea|script)\b.*?</\2>)", re.S | re.I)


_EXTERNAL_SCRIPT = re.compile(r'<script src="([^"]+)"></script>')


def _defer_scripts(text: str) -> str:
    """The page's own script files run once it is parsed (`defer`, in their order): Material's
    bundle at the end of the body and the scripts in its head no longer hold back the first
    paint. The inline scripts (Material's settings) need none of them."""
    return _EXTERNAL_SCRIPT.sub(r'<script src="\1" defer></script>', text)


def _unindent_html(text: str) -> str:
    """The page without the indentation of its lines (Material's templates indent deeply: 5 %
    of a page), preformatted text and scripts left as they are."""
    parts = _PREFORMATTED.split(text)
    # split() yields text, the whole match, the tag name, text, …
    out = []
    for i in range(0, len(parts), 3):
        out.append(re.sub(r"\n[ \t]+", "\n", parts[i]))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return "".join(out)


def prune_search_languages(site_dir: Path) -> int:
    """Delete the search scripts of languages the site does not search in.

    Material copies lunr's scripts for some thirty languages into every site (1.2 MB, over half
    of its scripts, among them 0.7 MB of Thai word lists); its search worker loads only those
    of the languages in the index's `config.lang`, by the rule mirrored here. Returns the number
    of files deleted; a site without a search index keeps them all.
    """
    lunr = site_dir / "assets" / "javascripts" / "lunr"
    index = site_dir / "search" / "search_index.json"
    if not lunr.is_dir() or not index.is_file():
        return 0
    langs = json.loads(index.read_text(encoding="utf-8")).get("config", {}).get("lang", [])
    if not isinstance(langs, list) or not all(isinstance(x, str) for x in langs):
        return 0
    keep = {"min/lunr.stemmer.support.min.js"}
    for lang in langs:
        keep |= {"ja": {"tinyseg.js"}, "hi": {"wordcut.js"}, "th": {"wordcut.js"}}.get(lang, set())
        if lang != "en":
            keep.add(f"min/lunr.{lang}.min.js")
    if len(langs) > 1:
        keep.add("min/lunr.multi.min.js")
    deleted = 0
    for path in sorted(lunr.rglob("*")):
        if path.is_file() and path.relative_to(lunr).as_posix() not in keep:
            path.unlink()
            deleted += 1
    return deleted


def _move_into(source: Path, target: Path) -> None:
    """Move every entry of `source` into `target`, replacing entries of the same name."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir()):
        dest = target / entry.name
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        elif dest.exists():
            dest.unlink()
        shutil.move(str(entry), str(dest))


def _compact_search_index(
    path: Path,
    extra: Iterable[dict[str, Any]] = (),
    kept: Path | None = None,
    salt: str = "",
) -> None:
    """Rewrite the search index with Chinese as UTF-8 rather than \\u escapes (half the size).

    `extra` entries (records listed in tables, see _Site.search_entries) are added, their title
    and text segmented as the plugin segments pages (with `kept`, as the last build segmented
    them when the segmenter and its added words, named by `salt`, are the same). Also write the
    index as a script (search_index.js): opened from file://, Material loads the index that
    way, since browsers refuse to fetch files from file: pages.
    """
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        segment = _Segmented(kept, salt)
        for entry in extra:
            item = dict(entry)
            # Material shows title and text as HTML, as the page text it took them from.
            item["title"] = segment(str(escape(item["title"])))
            item["text"] = segment(str(escape(item["text"])))
            data["docs"].append(item)
        segment.save()
        for item in data["docs"]:
            for key in ("title", "text"):
                if isinstance(item.get(key), str):
                    for join in _NUMBER_UNIT:
                        item[key] = join.sub("", item[key])
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        path.write_text(text, encoding="utf-8")
        path.with_suffix(".js").write_text(f"var __index = {text};\n", encoding="utf-8")


class _Segmented:
    """segment_for_search, answered from the last build's answers (a data-only JSON file) when
    the segmenter's versions and the words added to its dictionary are the same."""

    def __init__(self, kept: Path | None, salt: str) -> None:
        self.kept, self.key = kept, f"{_versions()};{salt}"
        self.last: dict[str, Any] = {}
        self.used: dict[str, str] = {}
        if kept is not None:
            try:
                loaded = json.loads(kept.read_text(encoding="utf-8"))
                if loaded["key"] == self.key and isinstance(loaded["words"], dict):
                    self.last = loaded["words"]
            except (OSError, ValueError, TypeError, KeyError):
                pass  # none, or not ours: segmented again

    def __call__(self, text: str) -> str:
        found = self.last.get(text)
        if not isinstance(found, str):
            found = segment_for_search(text)
        self.used[text] = found
        return found

    def save(self) -> None:
        """Keep this build's answers (only those), unless they are the last build's."""
        if self.kept is None or self.used == self.last:
            return
        with suppress(OSError):  # without them the next build only segments again
            data = json.dumps({"key": self.key, "words": self.used}, ensure_ascii=False)
            write_atomic(self.kept, data.encode("utf-8"))


#: What the site stage writes that a server sends as text, and so may send compressed.
_COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".xml"}


def precompress(site_dir: Path, folders: Iterable[str], cache: Path | None = None) -> int:
    """Write NAME.gz beside every text file of the site (pages, styles, scripts, search index,
    charts): a server that sends precompressed files (nginx `gzip_static on`, Apache
    mod_deflate's precompressed files, Caddy `precompressed gzip`) sends a fifth of the bytes
    without compressing anything itself. Byte-identical from build to build (no time in the
    gzip header). `folders` are the site's own folders: files other stages write (PDF, data)
    are left alone. With `cache`, a file compressed by an earlier build (the same bytes) is
    copied from there: a rebuild compresses only the pages that changed. Returns the number of
    files written."""
    written = 0
    candidates = list(site_dir.glob("*.html"))
    for folder in folders:
        candidates += [p for p in (site_dir / folder).rglob("*") if p.is_file()]
    used: list[Path] = []
    for path in sorted(candidates):
        if path.suffix not in _COMPRESSIBLE or path.stat().st_size < 512:
            continue
        target = path.with_name(path.name + ".gz")
        if cache is None:
            target.write_bytes(_gzip(path.read_bytes()))
        else:
            used.append(_gzip_cached(path, target, cache))
        written += 1
    if cache is not None:
        # both sites of a project share the cache: room for both, and a generation more
        keep_newest(cache.glob("*.gz"), keep=4 * len(used))
    return written


def _gzip_cached(path: Path, target: Path, cache: Path) -> Path:
    """Compress `path` into `target` by way of the cache (by the digest of its bytes); the cache
    entry used."""
    data = path.read_bytes()
    entry = cache / f"{hashlib.blake2b(data, digest_size=20).hexdigest()}.gz"
    try:
        packed = entry.read_bytes()
        if gzip.decompress(packed) != data:  # a damaged entry: compressed again
            raise OSError(f"damaged {entry.name}")
        os.utime(entry)  # recently used: kept by keep_newest
    except (OSError, EOFError, zlib.error):
        packed = _gzip(data)
        with suppress(OSError):  # without the entry the next build only compresses it again
            write_atomic(entry, packed)
    target.write_bytes(packed)
    return entry


#: The compressed bytes of files seen before in this process, by content digest: both sites
#: of a build (and every rebuild of `serve`) carry the same theme scripts and styles.
_GZIPPED: dict[bytes, bytes] = {}
_GZIP_MEMO_MIN = 16 * 1024  # smaller files are cheaper to compress again than to remember
_GZIP_MEMO_BYTES = 8 * 1024 * 1024


def _gzip(data: bytes) -> bytes:
    if len(data) < _GZIP_MEMO_MIN:
        return gzip.compress(data, compresslevel=9, mtime=0)
    digest = hashlib.blake2b(data, digest_size=20).digest()
    packed = _GZIPPED.get(digest)
    if packed is None:
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        if sum(map(len, _GZIPPED.values())) + len(packed) > _GZIP_MEMO_BYTES:
            _GZIPPED.clear()
        _GZIPPED[digest] = packed
    return packed


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
