"""CPU time by process kind (web, worker, PostgreSQL, Redis, load generator) from /proc, to show what limits a load."""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROC = Path("/proc")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def kind(pid: int, comm: str, cmdline: str) -> str:
    """The benchmark's name for a process: web, worker, postgres, redis, load generator or other."""
    if pid == os.getpid():
        return "load generator"
    if "celery" in cmdline:
        return "worker"
    if "reflex" in cmdline or "granian" in cmdline:
        return "web"
    if comm.startswith(("postgres", "postmaster")) or cmdline.startswith("postgres"):
        return "postgres"
    if comm.startswith("redis"):
        return "redis"
    return "other"


def _stat(pid_dir: Path) -> tuple[str, float] | None:
    """(comm, user+system seconds) of one process, None when it is gone or unreadable."""
    try:
        raw = (pid_dir / "stat").read_text()
    except OSError:
        return None
    comm = raw[raw.find("(") + 1:raw.rfind(")")]
    fields = raw[raw.rfind(")") + 2:].split()
    return comm, (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15 of stat)


def snapshot() -> dict[str, float]:
    """CPU seconds used so far by every live process, summed by kind (empty where /proc is missing)."""
    out: defaultdict[str, float] = defaultdict(float)
    if not PROC.is_dir():
        return {}
    for pid_dir in PROC.iterdir():
        if not pid_dir.name.isdigit():
            continue
        stat = _stat(pid_dir)
        if stat is None:
            continue
        try:
            cmdline = (pid_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            cmdline = ""
        out[kind(int(pid_dir.name), stat[0], cmdline)] += stat[1]
    return dict(out)


def split(before: dict[str, float], after: dict[str, float], seconds: float, operations: int) -> dict[str, Any]:
    """Per kind: cores used on average and CPU ms per operation, between two snapshots (processes alive in both)."""
    out: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        used = max(0.0, after.get(name, 0.0) - before.get(name, 0.0))
        if used > 0:
            out[name] = {"cores": round(used / seconds, 2) if seconds > 0 else None,
                         "cpu_ms_per_op": round(1000 * used / operations, 2) if operations else None}
    out["total_cores"] = round(sum(v["cores"] or 0 for v in out.values() if isinstance(v, dict)), 2)
    out["cpus"] = os.cpu_count()
    return out


def measured(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a load (its result has samples and throughput_per_s) and add its "cpu" split."""
    before, t0 = snapshot(), time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    result["cpu"] = split(before, snapshot(), seconds, int(result.get("samples") or 0))
    return result
