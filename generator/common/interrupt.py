"""Ctrl-C belongs to the main process: worker processes ignore it and are stopped by it.

A terminal sends Ctrl-C (SIGINT) to every process of the command, the PDF and chart workers
included. A worker that raised KeyboardInterrupt would print a traceback of its own and break
the pool; instead the main process stops, cancels the work not yet started and cleans up.

Workers also die with the main process: a build killed outright (`kill -9`, the machine's
out-of-memory killer) would otherwise leave its PDF and chart workers running.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


def ignore_interrupt() -> None:
    """Ignore Ctrl-C in this (worker) process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_PR_SET_PDEATHSIG = 1
_WATCHING = False


def die_with_parent() -> None:
    """Make this worker process end as soon as the process that started it is gone.

    On Linux the kernel sends SIGKILL when the parent dies (PR_SET_PDEATHSIG); everywhere a
    daemon thread also polls the parent's process id, and covers a parent that died before
    the request was made.
    """
    global _WATCHING
    parent = multiprocessing.parent_process()
    expected = parent.pid if parent is not None else os.getppid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError, TypeError):
            libc = ctypes.CDLL(None, use_errno=True)  # this process's own libc
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != expected:
        os._exit(1)
    if _WATCHING:
        return
    _WATCHING = True

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != expected:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def init_worker() -> None:
    """What every worker process does first: leave Ctrl-C to the parent, die with it."""
    ignore_interrupt()
    die_with_parent()


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
