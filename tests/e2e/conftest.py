"""Browser journeys: Debian's Chromium driven by Playwright against the app started exactly as `make run` does."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.e2e_journeys import ARTIFACTS
from tests.fixtures.fake_llm import FakeLLM
from tests.fixtures.stack import ROOT, Stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
START_TIMEOUT = 900.0


def _install_chromium() -> str | None:
    """None when /usr/bin/chromium is there (installing it with apt-get if needed), else why not."""
    if CHROMIUM.exists():
        return None
    if shutil.which("apt-get") is None:
        return "e2e journeys skipped: /usr/bin/chromium is missing and apt-get is not available to install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log = ARTIFACTS / "apt-get.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        cmd = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
        if subprocess.call(cmd, env=env, stdout=out, stderr=subprocess.STDOUT) != 0:
            subprocess.call(["apt-get", "update"], env=env, stdout=out, stderr=subprocess.STDOUT)
            subprocess.call(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    if CHROMIUM.exists():
        return None
    return f"e2e journeys skipped: `apt-get install -y chromium` did not provide /usr/bin/chromium (see {log})"


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium binary; skips every journey, with one reason, when it cannot be had."""
    reason = _install_chromium()
    if reason is not None:
        pytest.skip(reason)
    return str(CHROMIUM)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    with contextlib.suppress(Exception), urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310
        return bool(resp.status == 200)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group (tfai run stops its worker and web app), SIGKILL if it lingers."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def e2e_llm() -> Iterator[FakeLLM]:
    """The scripted OpenAI-compatible server the app uses as its assistant endpoint (journeys enqueue replies)."""
    server = FakeLLM().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def app_url(chromium: str, stack: Stack, e2e_llm: FakeLLM) -> Iterator[str]:
    """The whole app (`tfai run`: migrations, Celery worker, production build on one port) on the test stack."""
    port = _free_port()
    base = f"http://localhost:{port}"
    env = {**os.environ, "TFAI_PUBLIC_URL": base, "PATH": f"{ROOT / '.tools/node_modules/.bin'}:{os.environ['PATH']}",
           "TFAI_LLM_BASE_URL": e2e_llm.base_url, "TFAI_LLM_API_KEY": "e2e-key", "TFAI_LLM_MODEL": "fake-model",
           # The action journey's vendor is a local server on 127.0.0.1 (inherited by the Celery worker too).
           "TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS": "true"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / "app.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "tfai"), "run", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _healthy(f"http://127.0.0.1:{port}/api/v1/healthz"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    pytest.fail(f"the app did not start (exit {proc.poll()}); last output:\n{tail}")
                time.sleep(1)
            _wait_frontend(base, deadline)
            yield base
        finally:
            _stop(proc)


def _wait_frontend(base: str, deadline: float) -> None:
    """The API answers before the compiled pages are mounted; wait for the login page too."""
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception), urllib.request.urlopen(f"{base}/login", timeout=5) as resp:  # noqa: S310
            if resp.status == 200:
                return
        time.sleep(1)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Frames:
    """Every websocket frame the browser received: the serialized Reflex state it was sent."""

    def __init__(self) -> None:
        self.received: list[str] = []

    def attach(self, page: Any) -> None:
        def on_ws(ws: Any) -> None:
            ws.on("framereceived", lambda payload: self.received.append(
                payload if isinstance(payload, str) else payload.decode("utf-8", "replace")))

        page.on("websocket", on_ws)

    def text(self) -> str:
        return "\n".join(self.received)


@pytest.fixture
def new_page(browser: Any, app_url: str) -> Iterator[Any]:
    """A factory of pages, each in a fresh browser context (its own cookies), recording socket frames."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 860) -> tuple[Any, Any, Frames]:
        context = browser.new_context(base_url=app_url, viewport={"width": width, "height": height})
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        frames = Frames()
        frames.attach(page)
        return context, page, frames

    yield make
    for context in contexts:
        context.close()
