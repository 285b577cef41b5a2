"""PDFs through Typst: compiling the documents of generator/render/document, with a cache.

The Typst templates (site_templates/pdf/*.typ, overridable per project) receive their document
as JSON in `sys.inputs.data` and set every string as text; nothing from a roster or a write-up
is ever pasted into Typst source.

Speed: one `typst.Compiler` (with its scanned fonts) per process, documents compiled in parallel
worker processes (generator/render/pool.py) that import only what they run
(generator/render/pdf_worker.py), and a cache of finished PDFs keyed by everything that goes
into them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

from generator import __version__
from generator.common.cache import (
    Digests,
    keep_newest,
    scratch_folder,
    tool_digest,
    write_atomic,
)
from generator.common.config import Config
from generator.common.sealed import read_sealed, seal
from generator.federation.words import speak_as
from generator.model.bulletin import Bulletin
from generator.office.templates import template_dirs
from generator.render.document import (
    Assets,
    Doc,
    bulletin_document,
    fill_charts,
    report_document,
    report_units,
)
from generator.render.document.reads import bulletin_view, report_views
from generator.render.document.wording import Wording
from generator.render.files import file_name, issued_on
from generator.render.fonts import (
    FALLBACK,
    PROJECT_FONT_DIR,
    font_paths,
    load_fonts,
    resolve_fonts,
    typst_fonts,
)
from generator.render.pdf_worker import Engine, Job, init_worker, run_chunk, source_file
from generator.render.pool import ChunkPool, KeptWorkers

__all__ = [
    "Assets",
    "bulletin_document",
    "fill_charts",
    "render_bulletin_pdf",
    "render_bulletin_pdfs",
    "render_unit_reports",
    "report_document",
    "report_units",
]

#: progress(done, total): documents finished so far
Progress = Callable[[int, int], None]

TYPST_VERSION = metadata.version("typst")
BULLETIN_TEMPLATE = "bulletin.typ"
REPORT_TEMPLATE = "report.typ"


# ---- compiling ------------------------------------------------------------------------------


class _Charts:
    """Draws the charts of the bulletins to compile, in this process, before they are handed to
    the PDF workers: this process has matplotlib imported already, and the workers then import
    only Typst (generator/render/pdf_worker.py)."""

    def __init__(self, bulletins: dict[str, Bulletin], cache_dir: Path | None) -> None:
        self.bulletins = bulletins  # by the job's output path
        self.cache_dir = cache_dir
        #: charts drawn or read by this build, by key: the public and internal bulletins of a
        #: period show the same charts (and without a cache each would be drawn twice)
        self.drawn: dict[str, str] = {}

    def __call__(self, jobs: list[Job]) -> list[Job]:
        """The jobs with their documents' charts drawn (or read from the cache)."""
        return [self._filled(job) for job in jobs]

    def _filled(self, job: Job) -> Job:
        bulletin = self.bulletins.get(job.out)
        if bulletin is None:
            return job
        doc = fill_charts(json.loads(job.data), bulletin, self.cache_dir, self.drawn)
        return replace(job, data=_dumps(doc))


def template_files(config: Config) -> dict[str, bytes]:
    """Every PDF template, the project's own overriding the built-in ones by file name."""
    files: dict[str, bytes] = {}
    for folder in reversed(template_dirs(config.root, "pdf")):
        for path in sorted(folder.glob("*.typ")):
            files[path.name] = path.read_bytes()
    return files


@contextmanager
def staged(config: Config, assets: Assets | None = None) -> Iterator[tuple[Path, dict[str, bytes]]]:
    """A temporary Typst root holding the templates and (later) the staged images."""
    templates = template_files(config)
    with scratch_folder(config.root, "pdf") as tmp:
        stage = Path(tmp)
        for name, content in templates.items():
            (stage / name).write_bytes(content)
        (stage / "assets").mkdir()
        yield stage, templates


def _stage_assets(stage: Path, assets: Assets) -> None:
    for name, source in assets.files.items():
        target = stage / "assets" / name
        if not target.exists():
            shutil.copyfile(source, target)


def _timestamp(bulletin: Bulletin) -> int:
    """A fixed creation time (the signing date, else the period end) for reproducible PDFs."""
    when = issued_on(bulletin)
    return int(datetime(when.year, when.month, when.day, tzinfo=UTC).timestamp())


def cache_key(
    data: str, templates: dict[str, bytes], fonts: dict[str, Any], engine: Engine, job: Job
) -> str:
    """sha256 of everything that shapes the PDF: data, templates, fonts, versions, standard."""
    h = hashlib.sha256()
    for part in (
        __version__,
        TYPST_VERSION,
        job.template,
        engine.standard or "",
        str(job.timestamp),
        json.dumps(fonts, sort_keys=True),
        *(
            f"{name}\0{hashlib.sha256(content).hexdigest()}"
            for name, content in sorted(templates.items())
        ),
        data,
    ):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


class Sources:
    """What a document is made from besides its model, digested once per set of documents.

    A document is a function of its bulletin (every field of it, as bulletin.json writes it),
    the configuration, the tool (its code and built-in templates), the project's PDF templates
    and wording, the images of content/ and the fonts: a PDF kept under the digest of all of
    them (Sources.key) is the PDF those sources give, found without making the document.
    Files are digested by their bytes, read again only when their stat changed (Digests, kept
    in `cache_dir`).
    """

    def __init__(
        self, config: Config, fonts: dict[str, Any], engine: Engine, cache_dir: Path
    ) -> None:
        digests = Digests(cache_dir)
        h = hashlib.blake2b(digest_size=20)
        parts: list[str] = [
            __version__,
            TYPST_VERSION,
            tool_digest(),
            repr(config),
            engine.standard or "",
            json.dumps(fonts, sort_keys=True),
        ]
        for folder in template_dirs(config.root, "pdf"):  # templates and wording.yml
            parts += _folder_digests(digests, folder)
        # images (the write-ups and frames themselves are in the model)
        parts += _folder_digests(digests, config.content_dir, skip=".md")
        # the project's own fonts (`fonts` names families only): a font replaced under its name
        parts += _folder_digests(digests, config.root / PROJECT_FONT_DIR)
        digests.save()
        for part in parts:
            h.update(part.encode())
            h.update(b"\0")
        self.digest = h.hexdigest()

    def key(self, template: str, timestamp: int, model: str, *more: object) -> str:
        """The key of one document: its template, time, model (see model_digest) and anything
        else it reads."""
        h = hashlib.blake2b(digest_size=20)
        for part in ("source", self.digest, template, str(timestamp), model, *map(repr, more)):
            h.update(part.encode())
            h.update(b"\0")
        return h.hexdigest()


def model_digest(bulletin: Bulletin) -> str:
    """The digest of every field of a bulletin (once for all its reports: it is large).

    One pass of orjson (fields in declaration order, keys sorted): not the file bulletin.json,
    only its digest is wanted.
    """
    data = orjson.dumps(bulletin, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def _folder_digests(digests: Digests, folder: Path, skip: str = "") -> list[str]:
    """`name digest` of every file under `folder` (sorted), leaving out names ending in `skip`."""
    if not folder.is_dir():
        return [f"{folder}: none"]
    return [
        f"{path.relative_to(folder).as_posix()}\0{digests.file(path)}"
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not (skip and path.name.endswith(skip))
    ]


def _dumps(doc: Doc) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


#: Free 楷体 that draw 。，、 in the middle of the em box (Taiwan's usage); the PDFs take those
#: marks from the role's fallback font instead (see font-of in site_templates/pdf/common.typ).
CENTRED_PUNCTUATION = ("AR PL UKai",)


def _fonts(config: Config) -> tuple[tuple[str, ...], dict[str, Any]]:
    dirs = tuple(str(p) for p in font_paths(config.root))
    resolved = resolve_fonts(config.root)
    fonts = typst_fonts(resolved)
    infos = load_fonts(dirs).fonts()
    for f in resolved:
        if f.family.startswith(CENTRED_PUNCTUATION) and FALLBACK[f.role] != f.family:
            fonts[f.role]["punct"] = FALLBACK[f.role]
        if f.role == "body":
            # GB/T 9704's third-level heading (1.) is 仿宋 bold; office 仿宋 fonts have no bold
            # face, and the template then emboldens the regular one.
            fonts[f.role]["bold"] = any(i.family == f.family and i.weight >= 600 for i in infos)
    return dirs, fonts


def _from_cache(cache_dir: Path | None, key: str, out: Path, source: str = "") -> bool:
    """Copy the kept PDF of `key` to `out` (and keep it under `source` too); whether it was
    there intact."""
    if cache_dir is None:
        return False
    cached = cache_dir / f"{key}.pdf"
    pdf = read_sealed(cached)
    if pdf is None:  # missing, or not the bytes a build kept (damaged, planted): made again
        return False
    write_atomic(out, pdf)
    os.utime(cached)  # recently used: kept by prune_cache
    if source:
        with suppress(OSError):  # without it the next build makes the document again
            write_atomic(source_file(cache_dir, source), seal(pdf))
    return True


def _from_sources(cache_dir: Path | None, source: str, out: Path) -> bool:
    """Copy the PDF kept under the key of its sources to `out`; whether it was there intact."""
    if cache_dir is None:
        return False
    cached = source_file(cache_dir, source)
    pdf = read_sealed(cached)
    if pdf is None:  # missing, or not the bytes a build kept (damaged, planted): made again
        return False
    write_atomic(out, pdf)
    os.utime(cached)  # recently used: kept by prune_cache
    return True


#: Cached PDFs unused for this long are deleted (old periods, superseded versions).
CACHE_KEEP_DAYS = 60


def prune_cache(cache_dir: Path, keep_days: float = CACHE_KEEP_DAYS) -> int:
    """Delete cached PDFs (and the packets' XLSX and zips, and the PDFs' charts) not written or
    used for `keep_days`; return how many."""
    files = [*cache_dir.glob("*.pdf"), *cache_dir.glob("*.xlsx"), *cache_dir.glob("*.svg")]
    files += cache_dir.glob("*.zip")
    files += cache_dir.glob("sources/*.pdf")
    return keep_newest(files, keep=0, used_within=keep_days * 86400)


def render_bulletin_pdf(
    bulletin: Bulletin,
    config: Config,
    out: Path,
    *,
    cache_dir: Path | None = None,
    charts: bool = True,
) -> Path:
    """Write the bulletin of one period and audience as an official-document PDF."""
    return render_bulletin_pdfs([(bulletin, out)], config, 1, cache_dir, charts=charts)[0]


def render_bulletin_pdfs(
    items: Sequence[tuple[Bulletin, Path]],
    config: Config,
    jobs: int | None = 1,
    cache_dir: Path | None = None,
    *,
    charts: bool = True,
    progress: Progress | None = None,
    kept: KeptWorkers | None = None,
) -> list[Path]:
    """Write many bulletins (periods × audiences) in parallel; unchanged ones from the cache.

    `progress(done, total)` is called as documents are finished (from a helper thread too);
    `kept` keeps the worker processes for the next call (the units' reports).
    """
    font_dirs, fonts = _fonts(config)
    assets = Assets(config.content_dir)
    todo: list[Job] = []
    to_draw: dict[str, Bulletin] = {}
    with staged(config) as (stage, templates):
        engine = Engine(str(stage), font_dirs, config.pdf_standard)
        sources = Sources(config, fonts, engine, cache_dir) if cache_dir is not None else None
        for bulletin, out in items:
            source = ""
            if sources is not None:
                model = model_digest(bulletin_view(bulletin, config))
                source = sources.key(BULLETIN_TEMPLATE, _timestamp(bulletin), model, charts)
                if _from_sources(cache_dir, source, out):
                    continue
            doc = bulletin_document(bulletin, config, assets, fonts, charts=charts)
            # The key is taken before the charts are drawn (on a miss, see _Charts): every
            # input of a chart is in the document already.
            job = Job(BULLETIN_TEMPLATE, _dumps(doc), str(out), "", _timestamp(bulletin), source)
            if cache_dir is not None:
                job = replace(job, key=cache_key(job.data, templates, fonts, engine, job))
                if _from_cache(cache_dir, job.key, out, source):
                    continue
            todo.append(job)
            if charts:
                to_draw[job.out] = bulletin
        _stage_assets(stage, assets)
        speak_as(config.level)  # the words the charts speak
        _compile_all(
            engine,
            todo,
            jobs,
            cache_dir,
            _counter(progress, len(items), len(todo)),
            _Charts(to_draw, cache_dir),
            kept,
        )
    return [out for _, out in items]


def render_unit_reports(
    bulletin: Bulletin,
    config: Config,
    out_dir: Path,
    jobs: int | None = 1,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    kept: KeptWorkers | None = None,
) -> list[Path]:
    """Write `<code>.pdf` for every county and township; unchanged reports come from the cache."""
    font_dirs, fonts = _fonts(config)
    assets = Assets(config.content_dir)
    organization = bulletin.organization
    say = Wording(config.root)
    speak_as(config.level)
    outputs: list[Path] = []
    with staged(config) as (stage, templates):
        engine = Engine(str(stage), font_dirs, config.pdf_standard)
        timestamp = _timestamp(bulletin)
        todo: list[Job] = []
        sources = Sources(config, fonts, engine, cache_dir) if cache_dir is not None else None
        # A unit's report is keyed by what it reads of the bulletin (reads.report_views).
        views = report_views(bulletin) if sources else {}
        for u in report_units(bulletin):
            out = out_dir / f"{file_name(u.code)}.pdf"
            outputs.append(out)
            source = ""
            if sources is not None:
                model = model_digest(views[u.code])
                source = sources.key(REPORT_TEMPLATE, timestamp, model, u.code)
                if _from_sources(cache_dir, source, out):
                    continue
            data = _dumps(report_document(bulletin, u.code, assets, fonts, organization, say))
            job = Job(REPORT_TEMPLATE, data, str(out), "", timestamp, source=source)
            if cache_dir is not None:
                job = replace(job, key=cache_key(data, templates, fonts, engine, job))
                if _from_cache(cache_dir, job.key, out, source):
                    continue
            todo.append(job)
        _stage_assets(stage, assets)
        finished = _counter(progress, len(outputs), len(todo))
        _compile_all(engine, todo, jobs, cache_dir, finished, kept=kept)
    if cache_dir is not None and cache_dir.is_dir():
        prune_cache(cache_dir)
    return outputs


#: A PDF worker process takes about as long to start (Python, the tool, Typst and the fonts:
#: ~0.7 s) as this process takes to compile this many documents; with the worker count left to
#: the tool, a worker is started per this many documents, so that a small or incremental build
#: is not slowed down by starting workers it does not need.
DOCUMENTS_PER_WORKER = 16


def pdf_workers(documents: int, jobs: int | None, cores: int) -> int:
    """How many worker processes compile `documents` beside this process: `jobs` - 1 (never
    more than the cores or the documents), or with `jobs` None one per DOCUMENTS_PER_WORKER."""
    if jobs is None:
        return max(0, min(cores - 1, documents // DOCUMENTS_PER_WORKER))
    return max(0, min(jobs, documents, cores) - 1)


def _counter(progress: Progress | None, total: int, todo: int) -> Callable[[int], None]:
    """A callback adding finished documents to `progress` (cached ones count as done at once)."""
    lock = threading.Lock()
    done = [total - todo]

    def add(n: int) -> None:
        with lock:
            done[0] += n
            if progress is not None:
                progress(done[0], total)

    add(0)
    return add


def _compile_all(
    engine: Engine,
    todo: list[Job],
    jobs: int | None,
    cache_dir: Path | None,
    finished: Callable[[int], None] = lambda n: None,
    prepare: Callable[[list[Job]], list[Job]] | None = None,
    kept: KeptWorkers | None = None,
) -> None:
    """Compile every job on `jobs` processes: this one and jobs - 1 workers (`None`: as many
    as the work pays for, see DOCUMENTS_PER_WORKER), the workers `kept` when given.

    `prepare` (the bulletins' charts) is run here on each chunk before it is compiled: a worker
    imports pdf_worker alone (Typst), whatever its documents show."""
    workers = pdf_workers(len(todo), jobs, os.cpu_count() or 1)
    # Each worker builds its compiler once (the initializer). "spawn": Typst runs threads of
    # its own, which do not survive a fork.
    ChunkPool(
        partial(run_chunk, engine, str(cache_dir) if cache_dir else None),
        todo,
        workers,
        max(1, len(todo) // ((max(workers, 0) + 1) * 6)),
        start_method="spawn",
        initializer=init_worker,
        initargs=(engine.font_dirs,),
        finished=finished,
        prepare=prepare,
        kept=kept,
    )()
