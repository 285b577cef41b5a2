"""Run the `bulletin` command in a child forked from the test process, as a user's shell would.

The child runs the real entry point (`generator.cli.main`, what the installed `bulletin` and
`python -m generator` call) with the same arguments, its own environment and resource limits,
and its output streams captured; the parent reads its exit code from waitpid. Forking the
test process, whose libraries are already imported, saves the second or so a new interpreter
spends importing them. The child never uses Typst: what has used it in the parent left threads
the child does not have (the commands run here are `check` and builds refused before PDFs).

A memory ceiling is given as the address space a new interpreter had for the command: a forked
child starts with the parent's address space (imports done, thread arenas, earlier tests), so
it is allowed the same room above what a new interpreter holds once its libraries are loaded.
"""

from __future__ import annotations

import locale
import os
import resource
import select
import signal
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Mapping, Sequence

#: Address space of a new interpreter running `bulletin check` on a small project once Python,
#: pandas, pyarrow and the reader's thread pool are loaded (measured: about 1.85 GB); a ceiling
#: given for a new interpreter leaves the command the room above this.
STARTED = 2 << 30


def _address_space() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize")


def _child(
    args: Sequence[str], env: Mapping[str, str], memory: int | None, out: int, err: int
) -> int:
    """In the forked child: limits, environment and streams as a new process has, then the CLI."""
    if memory is not None:
        limit = _address_space() + max(memory - STARTED, 0)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.environ.clear()
    os.environ.update(env)
    os.dup2(out, 1)
    os.dup2(err, 2)
    # New streams over the new descriptors, made as a new interpreter makes them for a pipe.
    encoding = locale.getpreferredencoding(False)
    sys.stdout = sys.__stdout__ = open(1, "w", encoding=encoding, closefd=False)  # noqa: SIM115
    sys.stderr = sys.__stderr__ = open(  # noqa: SIM115
        2, "w", encoding=encoding, errors="backslashreplace", closefd=False, buffering=1
    )
    sys.stdin = sys.__stdin__ = open(os.devnull, encoding="utf-8")  # noqa: SIM115
    sys.argv = ["bulletin", *args]
    if "generator.common.console" in sys.modules:  # its console reads the environment when made
        from rich.console import Console

        sys.modules["generator.common.console"].console = Console(stderr=True, highlight=False)
    from generator.cli import main

    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            code = code or 120  # as Python does when it cannot flush at exit
    return code


def run_cli(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    memory: int | None = None,
    timeout: float,
) -> subprocess.CompletedProcess[str]:
    """`bulletin *args` in a forked child: exit code, stdout and stderr (text).

    `memory`: the address-space ceiling a new interpreter would be given (RLIMIT_AS);
    `timeout`: seconds before the child is killed and TimeoutExpired raised.
    """
    environment = dict(os.environ if env is None else env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the test process
            code = 1
            try:
                code = _child(args, environment, memory, out.fileno(), err.fileno())
            finally:
                os._exit(code)
        pidfd = os.pidfd_open(pid)
        try:
            ready, _, _ = select.select([pidfd], [], [], timeout)
            if not ready:
                os.kill(pid, signal.SIGKILL)
        finally:
            _, status = os.waitpid(pid, 0)
            os.close(pidfd)
        out.seek(0)
        err.seek(0)
        encoding = locale.getpreferredencoding(False)  # as subprocess reads text
        stdout, stderr = out.read().decode(encoding), err.read().decode(encoding)
    if not ready:
        raise subprocess.TimeoutExpired(["bulletin", *args], timeout, stdout, stderr)
    return subprocess.CompletedProcess(
        ["bulletin", *args], os.waitstatus_to_exitcode(status), stdout, stderr
    )
