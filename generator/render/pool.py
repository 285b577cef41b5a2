"""Work in chunks on worker processes, with the calling process helping: PDFs and charts.

Small chunks are handed out from the front to the workers; the calling process, whose tools are
already warm, takes chunks from the back that no worker has started, so nobody waits for the
workers to start. On an error or Ctrl-C the chunks not started are dropped instead of waited for;
the workers leave Ctrl-C to this process and die with it (see generator/interrupt.py).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Generic, TypeVar

from generator.interrupt import init_worker, workers_starting

T = TypeVar("T")


class ChunkPool(Generic[T]):
    """Run `run(chunk)` over `items` on `workers` processes plus this one.

    `run` must be picklable (a module-level function, or a `functools.partial` of one) when the
    start method is "spawn". With no workers every item runs here, one at a time.
    `finished(n)` is called as chunks of n items are done (from a helper thread too).
    """

    def __init__(
        self,
        run: Callable[[list[T]], Any],
        items: Sequence[T],
        workers: int,
        chunk_size: int,
        *,
        start_method: str,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        finished: Callable[[int], None] | None = None,
    ) -> None:
        self.run, self.items, self.workers = run, list(items), workers
        self.chunk_size = max(1, chunk_size)
        self.start_method = start_method
        self.initializer, self.initargs = initializer, initargs
        self.finished = finished or (lambda n: None)
        self.executor: ProcessPoolExecutor | None = None
        self.chunks: list[list[T]] = []
        self.futures: list[Future[Any]] = []

    def start(self) -> None:
        """Hand the chunks to the workers (nothing happens here without workers)."""
        if self.workers < 1 or not self.items:
            return
        size = self.chunk_size
        self.chunks = [self.items[i : i + size] for i in range(0, len(self.items), size)]
        self.executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context(self.start_method),
            initializer=_start_worker,
            initargs=(self.initializer, self.initargs),
        )
        with workers_starting():  # the workers start without Ctrl-C
            self.futures = [self.executor.submit(self.run, chunk) for chunk in self.chunks]
        for future, chunk in zip(self.futures, self.chunks, strict=True):
            future.add_done_callback(_when_done(self.finished, len(chunk)))

    def finish(self) -> None:
        """Run here what no worker has started, wait for the rest; re-raise a worker's error."""
        try:
            if self.executor is None:
                for item in self.items:
                    self.run([item])
                    self.finished(1)
                return
            for future, chunk in zip(reversed(self.futures), reversed(self.chunks), strict=True):
                if future.cancel():
                    self.run(chunk)
                    self.finished(len(chunk))
            for future in self.futures:
                if not future.cancelled():
                    future.result()
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Drop the chunks not started and wait for the workers to stop."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)

    def __call__(self) -> None:
        """Start and finish: run everything now."""
        self.start()
        self.finish()


def _start_worker(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    """Every worker first leaves Ctrl-C to this process and ties its life to it."""
    init_worker()
    if initializer is not None:
        initializer(*initargs)


def _when_done(finished: Callable[[int], None], n: int) -> Callable[[Future[Any]], None]:
    def callback(future: Future[Any]) -> None:
        if not future.cancelled() and future.exception() is None:
            finished(n)

    return callback
