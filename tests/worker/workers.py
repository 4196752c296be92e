"""Real Celery worker processes for tests: started with `tfai worker`'s command line, killed at will."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.fixtures.stack import ROOT
from tfai.clitools.run import worker_command
from tfai.redis_client import WORKER_HEARTBEAT_PREFIX, get_sync_redis


class WorkerPool:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []
        self.started = 0

    def env(self, allow_private: bool) -> dict[str, str]:
        env = dict(os.environ)
        env.update(TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS=str(allow_private).lower(), PYTHONUNBUFFERED="1")
        return env

    def alive(self) -> list[subprocess.Popen[bytes]]:
        self.procs = [p for p in self.procs if p.poll() is None]
        return self.procs

    def start(self, timeout: float = 60, *, allow_private: bool = True,
              concurrency: int = 4) -> subprocess.Popen[bytes]:
        """Start one worker and wait for its heartbeat (set when it is ready, relay included)."""
        self.started += 1
        log = (self.log_dir / f"worker{self.started}.log").open("ab")
        cmd = [*worker_command(concurrency=concurrency), "-n", f"test{self.started}-{os.getpid()}@%h"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env(allow_private), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        key = f"{WORKER_HEARTBEAT_PREFIX}{socket.gethostname()}:{proc.pid}"
        client = get_sync_redis()
        deadline = time.monotonic() + timeout
        while not client.exists(key):
            if proc.poll() is not None or time.monotonic() > deadline:
                self.kill(proc)
                raise RuntimeError(f"worker did not start; see {log.name}")
            time.sleep(0.1)
        self.procs.append(proc)
        return proc

    def ensure(self, n: int = 1) -> None:
        while len(self.alive()) < n:
            self.start()

    def kill(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(15)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def kill_all(self, sig: int = signal.SIGKILL) -> None:
        for proc in list(self.alive()):
            self.kill(proc, sig)
        self.procs = []

    def close(self) -> None:
        self.kill_all(signal.SIGTERM)
