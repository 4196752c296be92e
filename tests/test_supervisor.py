"""`tfai run`'s supervisor: an exited child is started again, with back-off while it keeps failing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tfai.clitools.supervisor import FIRST_DELAY, MAX_DELAY, MIN_UPTIME, Child, Supervisor

FAILS = [sys.executable, "-c", "import sys; sys.exit(3)"]
SLEEPS = [sys.executable, "-c", "import time; time.sleep(60)"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _supervisor(*children: Child) -> tuple[Supervisor, Clock, list[str]]:
    clock, said = Clock(), list[str]()
    return Supervisor(list(children), say=said.append, clock=clock), clock, said


def _child(name: str, command: list[str]) -> Child:
    return Child(name, command, Path.cwd(), dict(os.environ))


def test_an_exited_child_is_started_again_with_growing_delays() -> None:
    failing, steady = _child("web app", FAILS), _child("worker 1", SLEEPS)
    sup, clock, said = _supervisor(failing, steady)
    sup.start_all()
    try:
        delays = []
        for _ in range(8):
            assert failing.proc is not None
            failing.proc.wait(30)
            sup.check()  # notices the exit and schedules the restart
            assert failing.restart_at is not None
            delays.append(failing.restart_at - clock.now)
            first_pid = failing.proc.pid
            clock.now = failing.restart_at
            sup.check()  # starts it again
            assert failing.proc.pid != first_pid and failing.restart_at is None
        assert delays[:3] == [FIRST_DELAY, 2 * FIRST_DELAY, 4 * FIRST_DELAY]
        assert max(delays) == MAX_DELAY
        assert failing.restarts == 8 and steady.restarts == 0
        assert steady.proc is not None and steady.proc.poll() is None
        assert said[0].startswith("web app exited with code 3") and len(said) == 8
    finally:
        sup.stop_all(grace=5)
    assert all(c.proc is not None and c.proc.poll() is not None for c in (failing, steady))


def test_a_child_that_ran_long_enough_starts_again_at_once_with_its_failures_forgotten() -> None:
    child = _child("worker 1", FAILS)
    sup, clock, _ = _supervisor(child)
    sup.start_all()
    try:
        child.failures = 5
        assert child.proc is not None
        child.proc.wait(30)
        clock.now += MIN_UPTIME + 1
        sup.check()
        assert child.failures == 1 and child.restarts == 1  # restarted within the same check, no delay
    finally:
        sup.stop_all(grace=5)


def test_stop_all_ends_every_child_and_its_group() -> None:
    group = _child("web app", [sys.executable, "-c",
                               "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
                               "'import time; time.sleep(60)']); time.sleep(60)"])
    sup, _, _ = _supervisor(group)
    sup.start_all()
    assert group.proc is not None
    pgid = group.proc.pid
    sup.stop_all(grace=5)
    assert group.proc.poll() is not None
    try:
        os.killpg(pgid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive
