"""Work in chunks on worker processes, with the calling process helping: PDFs and charts.

Small chunks are handed out from the front to the workers; the calling process, whose tools are
already warm, takes chunks from the back that no worker has started, so nobody waits for the
workers to start. A chunk may first be prepared by the calling process (the bulletins' charts,
drawn where matplotlib is already imported): chunks are handed out as they are prepared, so the
workers compile the first ones meanwhile. On an error or Ctrl-C the chunks not started are dropped instead of waited for;
the workers leave Ctrl-C to this process and die with it (see generator/common/interrupt.py).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, InvalidStateError, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

from generator.common.errors import BuildError
from generator.common.interrupt import init_worker, workers_starting

T = TypeVar("T")

#: What a user reads when a worker process dies (killed for lack of memory, most often).
WORKER_DIED = (
    "生成过程中，程序的一个子进程意外终止（常见原因：内存不足，被系统结束）。"
    "本次生成已停止，原有的输出没有改动。请关闭其他占用内存的程序后重新生成，"
    "或加 --jobs 1 只用一个进程（占用内存较少）。"
)
#: How often (seconds) the wait for the workers looks whether one of them has died.
_POLL = 0.2


class ChunkPool(Generic[T]):
    """Run `run(chunk)` over `items` on `workers` processes plus this one.

    `run` must be picklable (a module-level function, or a `functools.partial` of one) when the
    start method is "spawn". With no workers every item runs here, one at a time.
    `finished(n)` is called as chunks of n items are done (from a helper thread too).
    `prepare(chunk)`, run in this process on every chunk before it is run anywhere, returns the
    chunk to run (the workers then import only what `run` needs).
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
        prepare: Callable[[list[T]], list[T]] | None = None,
        kept: KeptWorkers | None = None,
    ) -> None:
        self.run, self.items, self.workers = run, list(items), workers
        self.kept = kept
        self.chunk_size = max(1, chunk_size)
        self.start_method = start_method
        self.initializer, self.initargs = initializer, initargs
        self.finished = finished or (lambda n: None)
        self.prepare = prepare or (lambda chunk: chunk)
        self.executor: ProcessPoolExecutor | None = None
        self.chunks: list[list[T]] = []
        self.futures: list[Future[Any]] = []

    def start(self) -> None:
        """Hand the chunks to the workers, each as soon as it is prepared (nothing happens here
        without workers)."""
        if self.workers < 1 or not self.items:
            return
        size = self.chunk_size
        if self.kept is not None:
            self.executor = self.kept.executor(
                self.workers, self.start_method, self.initializer, self.initargs
            )
        else:
            self.executor = _executor(
                self.workers, self.start_method, self.initializer, self.initargs
            )
        try:
            for i in range(0, len(self.items), size):
                self._submit(self.prepare(self.items[i : i + size]))
        except BrokenProcessPool as exc:  # a worker died while the chunks were prepared
            self.cancel()
            raise BuildError(WORKER_DIED) from exc
        except BaseException:
            self.cancel()
            raise

    def _submit(self, chunk: list[T]) -> None:
        assert self.executor is not None
        with workers_starting():  # the workers (started by a submit) start without Ctrl-C
            future = self.executor.submit(self.run, chunk)
        future.add_done_callback(_when_done(self.finished, len(chunk)))
        self.chunks.append(chunk)
        self.futures.append(future)

    def finish(self) -> None:
        """Run here what no worker has started, wait for the rest; re-raise a worker's error."""
        try:
            if self.executor is None:
                for item in self.items:
                    self.run(self.prepare([item]))
                    self.finished(1)
                return
            for future, chunk in zip(reversed(self.futures), reversed(self.chunks), strict=True):
                if future.cancel():
                    self.run(chunk)
                    self.finished(len(chunk))
            self._wait_for_workers()
        finally:
            self.cancel()

    def _wait_for_workers(self) -> None:
        """Wait for the chunks the workers took; a worker's error is raised here, and a worker
        that died is a BuildError (see `_broken`)."""
        waiting = {f for f in self.futures if not f.cancelled()}
        while waiting:
            done, waiting = wait(waiting, timeout=_POLL, return_when=FIRST_EXCEPTION)
            try:
                for future in done:
                    future.result()
            except BrokenProcessPool as exc:
                raise BuildError(WORKER_DIED) from exc
            if waiting and self._broken():
                raise BuildError(WORKER_DIED)

    def _broken(self) -> bool:
        """Whether a worker died. Python 3.11's pool, told of the death, fails the chunks still
        pending; when one of them was taken back by this process (cancelled), it stops half-way
        with the others never failed, and waiting for them would never end. Its `_broken` flag
        is set before that, so it is what this looks at."""
        return bool(getattr(self.executor, "_broken", False))

    def cancel(self) -> None:
        """Drop the chunks not started and wait for the workers to stop (not for a pool whose
        worker died: its other workers are stopped instead)."""
        if self.executor is None:
            return
        if not self._broken():
            if self.kept is None:
                self.executor.shutdown(wait=True, cancel_futures=True)
                return
            # Kept for the next pool: only this pool's chunks are dropped and waited for.
            for future in self.futures:
                future.cancel()
            wait(self.futures)
            return
        if self.kept is not None:
            self.kept.forget(self.executor)
        _stop_broken(self.executor)

    def __call__(self) -> None:
        """Start and finish: run everything now."""
        self.start()
        self.finish()


class KeptWorkers:
    """Worker processes kept from one ChunkPool to the next (the bulletins' PDFs, then the
    units' reports): a PDF worker's start (Python, Typst, the system's fonts scanned: about
    2 CPU-s) is paid once a build instead of once a pool. A pool asking for more workers than
    the kept ones gets a new set; `close()` stops them (a `with` block does it)."""

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None
        self._how: tuple[Any, ...] = ()

    def executor(
        self,
        workers: int,
        start_method: str,
        initializer: Callable[..., None] | None,
        initargs: tuple[Any, ...],
    ) -> ProcessPoolExecutor:
        how = (start_method, initializer, initargs)
        current = self._executor
        if current is not None and (how != self._how or workers > self._workers(current)):
            self.close()
            current = None
        if current is None:
            current = _executor(workers, start_method, initializer, initargs)
            self._executor, self._how = current, how
        return current

    @staticmethod
    def _workers(executor: ProcessPoolExecutor) -> int:
        return int(getattr(executor, "_max_workers", 0))

    def forget(self, executor: ProcessPoolExecutor) -> None:
        """Drop a broken executor (its pool stops its workers)."""
        if self._executor is executor:
            self._executor = None

    def close(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            if getattr(executor, "_broken", False):
                _stop_broken(executor)
            else:
                executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> KeptWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _executor(
    workers: int,
    start_method: str,
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(start_method),
        initializer=_start_worker,
        initargs=(initializer, initargs),
    )


def _stop_broken(executor: ProcessPoolExecutor) -> None:
    """Stop the workers of a pool one of whose workers died, without waiting for them."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    # Nobody reads the chunks still queued for the workers now: exit without waiting to hand
    # them over.
    call_queue = getattr(executor, "_call_queue", None)
    if call_queue is not None:
        call_queue.cancel_join_thread()
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
        process.join()


def _quiet_broken_pool(args: Any) -> None:
    """Python 3.11's pool thread, failing the chunks of a dead worker, trips over a chunk this
    process took back (InvalidStateError) and prints a traceback; ChunkPool reports the dead
    worker itself (WORKER_DIED), so that one is not printed. Anything else goes on as before."""
    if isinstance(args.exc_value, InvalidStateError) and type(args.thread).__module__ == (
        "concurrent.futures.process"
    ):
        return
    _previous_hook(args)


_previous_hook = threading.excepthook
threading.excepthook = _quiet_broken_pool


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
