"""What a PDF worker process runs: Typst compiling finished documents, and nothing heavier.

The worker processes of generator/render/pool.py import this module to run their jobs: it
imports Typst and the fonts, not the documents, figures, pandas or matplotlib (the bulletins'
charts are drawn by the building process before their documents are handed out, see
generator/render/pdf.py's `_Charts`). A worker's start is paid once per worker and pool of every
build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typst

from generator.common.cache import write_atomic
from generator.common.errors import BuildError
from generator.common.interrupt import ignore_interrupt
from generator.common.sealed import seal
from generator.render.fonts import load_fonts


@dataclass(frozen=True)
class Job:
    """One PDF to compile: everything a worker process needs, picklable."""

    template: str  # file name inside the stage
    data: str  # the document JSON
    out: str
    key: str  # cache key ("" when not cached)
    timestamp: int  # the PDF's fixed creation time
    #: the key of the document's sources (see pdf.Sources): the PDF is kept under it too
    source: str = ""


@dataclass(frozen=True)
class Engine:
    """How to compile: stage folder, fonts, standard and timestamp (shared by all jobs)."""

    stage: str
    font_dirs: tuple[str, ...]
    standard: str | None


_COMPILER: typst.Compiler | None = None
_COMPILER_FONTS: tuple[str, ...] | None = None


def compiler(font_dirs: tuple[str, ...]) -> typst.Compiler:
    """The process's compiler: fonts are scanned once and reused for every document."""
    global _COMPILER, _COMPILER_FONTS
    if _COMPILER is None or font_dirs != _COMPILER_FONTS:
        _COMPILER = typst.Compiler(font_paths=load_fonts(font_dirs))
        _COMPILER_FONTS = font_dirs
    return _COMPILER


def init_worker(font_dirs: tuple[str, ...]) -> None:
    """Start a worker: Ctrl-C left to the building process, the compiler and its fonts ready."""
    ignore_interrupt()
    compiler(font_dirs)


def compile_pdf(engine: Engine, job: Job) -> bytes:
    """Compile one finished document (its charts drawn) with this process's compiler."""
    try:
        pdf = compiler(engine.font_dirs).compile(
            input=str(Path(engine.stage) / job.template),
            root=engine.stage,
            format="pdf",
            sys_inputs={"data": job.data},
            pdf_standards=[engine.standard] if engine.standard else [],  # type: ignore[list-item]
            timestamp=job.timestamp,
        )
    except typst.TypstError as exc:
        raise BuildError(
            f"排版 PDF（{Path(job.out).name}）失败：{exc.message}。"
            "如果修改过 site_templates/pdf/ 下的模板，请检查模板。"
        ) from exc
    if not isinstance(pdf, bytes):
        raise BuildError(f"排版 PDF（{Path(job.out).name}）没有产生输出。")
    return pdf


def run_job(engine: Engine, job: Job, cache_dir: str | None) -> str:
    """Compile a finished document, write it to its output and keep it in the cache (sealed)."""
    pdf = compile_pdf(engine, job)
    _write(Path(job.out), pdf)
    if cache_dir and job.key:
        kept = seal(pdf)  # every kept PDF is checked against its digest when reused
        _write(Path(cache_dir) / f"{job.key}.pdf", kept)
        if job.source:
            _write(source_file(Path(cache_dir), job.source), kept)
    return job.out


def _write(path: Path, data: bytes) -> None:
    write_atomic(path, data)  # readers never see half a file


def run_chunk(engine: Engine, cache_dir: str | None, jobs: list[Job]) -> None:
    """Compile a chunk of finished documents (a worker's share)."""
    for job in jobs:
        run_job(engine, job, cache_dir)


def source_file(cache_dir: Path, source: str) -> Path:
    """Where the PDF of the sources digested as `source` is kept (see pdf.Sources)."""
    return cache_dir / "sources" / f"{source}.pdf"
