"""Shared fixtures: one real store (Chroma + bm25s + m3e-small + jieba) built from seeds/ per test session,
and the real server (`assistant serve`) and Chromium for the tests that drive the UI."""
from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import docx
import pytest

from assistant import Assistant, Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_S = 240  # first start builds the store from seeds/ (~15-20 s here, slower on a busy CI box)
# Deployment settings a developer's shell may carry; each server gets only what its test sets.
_SERVER_ENV = ("ASSISTANT_AUTH", "ASSISTANT_UPLOAD_USERS", "ASSISTANT_HOST", "ASSISTANT_PORT")


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The bundled seeds ingested into a temporary store with the real embedding model."""
    tmp = tmp_path_factory.mktemp("store")
    return Assistant(Settings.from_env(store_dir=tmp / "vectorstore", data_dir=tmp / "data"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(tmp: Path, env: Mapping[str, str] | None = None, host: str | None = "127.0.0.1"
           ) -> Iterator[SimpleNamespace]:
    """`assistant serve` in a subprocess on a free port, store in tmp/store (built from seeds/ if empty),
    data in tmp/data, output in tmp/server.log. host=None leaves the bind address to the app's default."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if k not in _SERVER_ENV}
    full_env.update({"ASSISTANT_STORE_DIR": str(tmp / "store"), "ASSISTANT_DATA_DIR": str(tmp / "data"),
                     "GRADIO_ANALYTICS_ENABLED": "False", "NO_PROXY": "127.0.0.1,localhost", **(env or {})})
    log_path = tmp / "server.log"
    command = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)]
    command += ["--host", host] if host else []
    with log_path.open("w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + SERVER_START_S
        try:
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"server exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(url, timeout=5) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"server not up after {SERVER_START_S} s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
            yield SimpleNamespace(url=url, port=port, data=tmp / "data", tmp=tmp, log=log_path)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright; missing pieces fail loudly, since CI must have them."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Python package `playwright` is missing: pip install playwright (never `playwright install`)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium fonts-noto-cjk")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def docx_bytes(text: str) -> bytes:
    """A real .docx with one paragraph per line, for format and bad-file tests."""
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class SlowModel:
    """An OpenAI-compatible endpoint on 127.0.0.1 that streams `first` (a supported sentence), then a
    piece every `every` seconds for a minute, and records when the client closed the connection
    (`closed_at`, time.monotonic()): what a stopped answer must cause."""

    def __init__(self, first: str, every: float = 0.3) -> None:
        import http.server
        import json
        import threading

        self.closed_at: float | None = None
        self.sent = 0
        model = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for piece in [first] + ["较2023年"] * int(60 / every):
                    delta = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    try:
                        self.wfile.write(f"data: {json.dumps(delta, ensure_ascii=False)}\n\n".encode())
                        self.wfile.flush()
                    except OSError:  # the client hung up: a real server stops generating here
                        model.closed_at = time.monotonic()
                        return
                    model.sent += 1
                    time.sleep(every)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self) -> SlowModel:
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
