"""`bulletin serve` as users run it: local only, rebuilt on every kind of input, Ctrl-C stops it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Project, copy_built, rows_of, uscc

from generator.cli import cli

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="POSIX signals")]

#: Long enough for a slow machine to build the small project; the tests poll, never sleep-assert.
TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def outside_address() -> str | None:
    """This machine's address on its network (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent: this only picks a route
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def wait_for(what: str, check: Callable[[], bool], server: Server) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        assert server.process.poll() is None, f"serve stopped: {server.output()}"
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}: {server.output()}")


@dataclass
class Server:
    project: Project
    root: Path
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str = "/") -> str:
        try:
            with urllib.request.urlopen(self.url(path), timeout=30) as response:
                return bytes(response.read()).decode("utf-8")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return ""

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def shows(self, text: str, path: str = "/") -> Callable[[], bool]:
        return lambda: text in self.get(path)


@pytest.fixture(scope="module")
def server(small_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`bulletin serve` on the small project, in its own process group like a terminal's.

    The project was built before (a copy of the session's build, caches along): serve's own
    first build takes what did not change from the caches, as it does for its users.
    """
    base = tmp_path_factory.mktemp("serve")
    project = copy_built(small_build, base / "project", rebuild=False)
    assert not (project.root / "content").exists()
    port = free_port()
    log = base / "serve.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", str(project.root), "--port", str(port)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "COLUMNS": "120"},
        )
    served = Server(project, project.root, port, process, log)
    try:
        wait_for("the first page", served.shows("测试市总工会"), served)
        yield served
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def listening_addresses(port: int) -> set[str]:
    """The local addresses listening on `port` (Linux: from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, _, hex_port = fields[1].partition(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


def test_serves_the_internal_site_on_loopback_only(server: Server) -> None:
    home = server.get("/")
    assert "测试市" in home
    assert "livereload" in home  # pages reload by themselves after a rebuild
    if Path("/proc/net/tcp").exists():
        assert listening_addresses(server.port) == {"0100007F"}  # 127.0.0.1, nothing else
    address = outside_address()
    if address is not None:
        with pytest.raises(OSError), socket.create_connection((address, server.port), timeout=5):
            pass


def test_a_new_writeup_is_served_after_saving(server: Server) -> None:
    writeups = server.root / "content" / "writeups"  # the folder did not exist at the start
    writeups.mkdir(parents=True, exist_ok=True)
    (writeups / "serve-1.md").write_text(
        '---\ntitle: 甲县开展送温暖活动SERVEONE\ndate: 2026-10-16\nunit: "990100"\n'
        "category: other\n---\n正文。\n",
        encoding="utf-8",
    )
    wait_for("the write-up on the home page", server.shows("SERVEONE"), server)


def test_settings_change_is_served(server: Server) -> None:
    config = server.root / "bulletin.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("测试市总工会", "测试市总工会SERVETWO"), encoding="utf-8")
    wait_for("the new organisation name", server.shows("SERVETWO"), server)


def test_roster_change_is_served(server: Server) -> None:
    rows = rows_of("enterprises", "2026-10")
    rows.append(
        {
            **rows[1],
            "uscc": uscc("91990101MA0000009"),
            "name": "新增重点企业SERVETHREE有限公司",
            "unit": "990101",
            "employees": "60",
        }
    )
    server.project.write("enterprises", rows, period="2026-10")
    wait_for(
        "the enterprise on its township's page",
        server.shows("SERVETHREE", "/units/990101.html"),
        server,
    )


def test_template_override_is_served(server: Server) -> None:
    # A first override: the project had no site_templates/ when serve started.
    folder = server.root / "site_templates" / "site"
    builtin = Path(__file__).resolve().parent.parent / "site_templates" / "site" / "home.md.j2"
    text = builtin.read_text(encoding="utf-8")
    staging = server.root / "new-templates"
    (staging / "site").mkdir(parents=True)
    (staging / "site" / "home.md.j2").write_text(
        text.replace("## 走势", "本站由 SERVEFOUR 模板生成。\n\n## 走势"), encoding="utf-8"
    )
    staging.rename(folder.parent)  # like a folder copied or renamed into place
    wait_for("the page of the overriding template", server.shows("SERVEFOUR"), server)


def test_a_data_error_keeps_the_last_good_site(server: Server) -> None:
    page = server.root / "site" / "internal" / "units" / "990101.html"
    before = page.read_bytes()
    rows = rows_of("enterprises", "2026-10")
    rows[0]["uscc"] = "91990101MA00000XX"
    server.project.write("enterprises", rows, period="2026-10")
    wait_for("the failed rebuild", lambda: "生成失败" in server.output(), server)
    assert "bulletin check" in server.output()
    assert page.read_bytes() == before
    assert "SERVETHREE" in server.get("/units/990101.html")
    assert not (server.root / ".site.new").exists()


def test_ctrl_c_stops_with_a_chinese_message(server: Server) -> None:
    os.killpg(server.process.pid, signal.SIGINT)
    assert server.process.wait(timeout=60) == 0
    output = server.output()
    assert "已停止" in output
    assert "Traceback" not in output
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=5):
        pass


def test_serve_refuses_a_port_in_use_before_building(project: Project) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", str(project.root), "--port", str(port)])
    assert result.exit_code == 2
    assert "端口" in result.output and "--port" in result.output
    assert "Traceback" not in result.output
    assert not (project.root / "site").exists()
