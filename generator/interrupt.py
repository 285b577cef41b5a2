"""Ctrl-C belongs to the main process: worker processes ignore it and are stopped by it.

A terminal sends Ctrl-C (SIGINT) to every process of the command, the PDF and chart workers
included. A worker that raised KeyboardInterrupt would print a traceback of its own and break
the pool; instead the main process stops, cancels the work not yet started and cleans up.
"""

from __future__ import annotations

import multiprocessing.util
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def ignore_interrupt() -> None:
    """Ignore Ctrl-C in this (worker) process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def workers_starting() -> Iterator[None]:
    """Hold Ctrl-C back while worker processes start, so that they start without it.

    Started processes inherit the blocked signal (a spawned Python then never sees it); a
    Ctrl-C pressed meanwhile is delivered to this process as soon as the block ends.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "pthread_sigmask"
    ):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _Hook:
    """The object multiprocessing keeps the after-fork hook under (it must be weak-referable)."""


_HOOK = _Hook()


def install() -> None:
    """Make every process forked by multiprocessing from now on ignore Ctrl-C."""
    multiprocessing.util.register_after_fork(_HOOK, lambda _hook: ignore_interrupt())
