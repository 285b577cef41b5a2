"""Built sites served on 127.0.0.1 and opened in headless Chromium, for the browser tests: the
session's one demo build (test_browser_layout, test_search) and sample site (test_browser)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
PERIOD = "2026-10"


def playwright() -> Any:
    if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
        pytest.skip("Debian chromium is not installed")
    return pytest.importorskip("playwright.sync_api")


class _Handler(SimpleHTTPRequestHandler):
    """Answers unknown addresses with the site's 404.html, as web servers are usually set up."""

    def log_message(self, format: str, *args: object) -> None:
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        parts = urlsplit(self.path).path.strip("/").split("/")
        page = Path(self.directory) / parts[0] / "404.html" if parts and parts[0] else None
        if code != 404 or page is None or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextmanager
def serve(demo: Path) -> Iterator[str]:
    """The built demo served under a sub-path (/public/, /internal/); its base URL."""
    handler = functools.partial(_Handler, directory=str(demo))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless, through Playwright."""
    sync_api = playwright()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
