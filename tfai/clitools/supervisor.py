"""Keeps `tfai run`'s children alive: a child that exits is started again, with back-off when it keeps failing."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

MIN_UPTIME = 60.0  # a child that ran this long before exiting starts again at once, its failure count reset
FIRST_DELAY = 0.5
MAX_DELAY = 30.0


@dataclass
class Child:
    """One supervised command, started in its own process group (so stopping it stops its children too)."""

    name: str
    command: Sequence[str]
    cwd: Path
    env: Mapping[str, str]
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    restarts: int = 0
    restart_at: float | None = None

    def start(self, now: float) -> None:
        self.proc = subprocess.Popen(list(self.command), cwd=self.cwd, env=dict(self.env), start_new_session=True)
        self.started_at, self.restart_at = now, None


@dataclass
class Supervisor:
    """Starts children, notices exits, restarts them after 0.5 s, 1 s, 2 s … (at most 30 s) while they keep failing."""

    children: list[Child]
    say: Callable[[str], None] = print
    clock: Callable[[], float] = time.monotonic
    log: list[str] = field(default_factory=list)

    def start_all(self) -> None:
        for child in self.children:
            child.start(self.clock())

    def exited(self) -> list[Child]:
        return [c for c in self.children if c.proc is not None and c.proc.poll() is not None]

    def check(self) -> None:
        """Schedule a restart for every child that exited; start those whose delay is over."""
        now = self.clock()
        for child in self.children:
            if child.restart_at is None and child.proc is not None and child.proc.poll() is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):  # leftovers of its group
                    os.killpg(child.proc.pid, signal.SIGKILL)
                ran = now - child.started_at
                child.failures = 1 if ran >= MIN_UPTIME else child.failures + 1
                delay = 0.0 if ran >= MIN_UPTIME else min(MAX_DELAY, FIRST_DELAY * 2 ** (child.failures - 1))
                child.restart_at = now + delay
                self._say(f"{child.name} exited with code {child.proc.returncode} after {ran:.0f} s; "
                          f"starting it again in {delay:.1f} s")
            if child.restart_at is not None and now >= child.restart_at:
                child.start(now)
                child.restarts += 1

    def _say(self, message: str) -> None:
        self.log.append(message)
        self.say(message)

    def stop_all(self, grace: float = 15.0) -> None:
        """SIGTERM to every child's process group, SIGKILL to those still there after `grace` seconds."""
        procs = [c.proc for c in self.children if c.proc is not None]
        for proc in procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.1, deadline - time.monotonic()))
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
