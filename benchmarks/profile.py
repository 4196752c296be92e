"""py-spy on the web process during a load: raw stacks on disk and the top frames (self and inclusive) as text."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RATE_HZ = 250


def py_spy() -> str | None:
    """The py-spy executable next to this Python (the dev extras install it), else on PATH; None when missing."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def parse(raw: str) -> dict[str, Counter[tuple[str, ...]]]:
    """py-spy's raw (collapsed) output, `[process …;]frame;…;leaf count` per distinct stack, by process (the
    innermost `process PID:"cmdline"` frame that --subprocesses puts first; "" without it)."""
    by_process: dict[str, Counter[tuple[str, ...]]] = {}
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        process = ""
        while frames and frames[0].startswith("process "):
            process = frames.pop(0)
        by_process.setdefault(process, Counter())[tuple(frames)] += int(count)
    return by_process


def busiest(by_process: dict[str, Counter[tuple[str, ...]]]) -> tuple[str, Counter[tuple[str, ...]]]:
    """The process with the most samples (under a web load: the web process serving it) and its stacks."""
    if not by_process:
        return "", Counter()
    return max(by_process.items(), key=lambda item: sum(item[1].values()))


def _short(frame: str) -> str:
    """`func (path/to/site-packages/pkg/mod.py:12)` -> `func (pkg/mod.py:12)`: shorter, still findable."""
    for marker in ("site-packages/", "/tfai/", "/lib/python3.11/"):
        at = frame.find(marker)
        if at >= 0:
            start = at + len(marker) if marker != "/tfai/" else at + 1
            return frame[:frame.find("(") + 1] + frame[start:] if "(" in frame else frame[start:]
    return frame


def top_frames(stacks: Counter[tuple[str, ...]], n: int = 25) -> dict[str, Any]:
    """Share of samples: `self` per frame on top of the stack, `self_packages` the same by package (where the CPU
    is spent), `tfai` per frame of our own code anywhere in the stack (once per stack: what it costs in all)."""
    total = sum(stacks.values())
    own: Counter[str] = Counter()
    own_packages: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    for stack, count in stacks.items():
        frames = [_short(f) for f in stack]
        if frames:
            own[frames[-1]] += count
            own_packages[_package(frames[-1])] += count
        for frame in {f for f in frames if "(tfai/" in f}:
            ours[frame] += count

    def pct(counter: Counter[str]) -> list[list[Any]]:
        return [[name, round(100 * c / total, 1)] for name, c in counter.most_common(n)] if total else []

    return {"samples": total, "self": pct(own), "self_packages": pct(own_packages), "tfai": pct(ours)}


def _package(frame: str) -> str:
    """The package of a shortened frame: `f (tfai/services/auth/sessions.py:1)` -> tfai.services.auth,
    `f (sqlalchemy/orm/session.py:2)` -> sqlalchemy, `f (selectors.py:468)` -> selectors."""
    inside = frame[frame.find("(") + 1:].rstrip(")") if "(" in frame else frame
    parts = inside.split(":")[0].removesuffix(".py").split("/")
    if parts[0] == "tfai":
        return ".".join(parts[:3])
    return parts[0] or "?"


@dataclass
class Recording:
    """A py-spy recording of one load: where its raw output went and, once stopped, its summary."""

    name: str
    path: Path
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@contextlib.contextmanager
def record(name: str, pid: int | None, out_dir: Path) -> Iterator[Recording]:
    """Record `pid` and its subprocesses with py-spy while the block runs (SIGINT ends it and writes the raw
    stacks); the summary of the busiest process is filled in when the block ends, or `error` says why not."""
    rec = Recording(name=name, path=out_dir / f"profile-{name}.txt")
    exe = py_spy()
    if exe is None or pid is None:
        rec.error = "py-spy is not installed" if exe is None else "no web process found"
        yield rec
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / f"profile-{name}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([exe, "record", "--pid", str(pid), "--format", "raw", "--rate", str(RATE_HZ),
                                 "--nonblocking", "--subprocesses", "--output", str(rec.path)], stdout=err, stderr=err)
    try:
        yield rec
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if rec.path.exists() and rec.path.stat().st_size:
            process, stacks = busiest(parse(rec.path.read_text(errors="replace")))
            rec.summary = {"process": process[:200], **top_frames(stacks)}
        else:
            rec.error = f"py-spy wrote nothing (exit {proc.returncode}): {log.read_text(errors='replace')[-300:]}"


def text_report(summary: dict[str, Any], title: str, n: int = 15) -> str:
    """The summary as the plain text that docs/performance.md quotes."""
    lines = [f"{title}: {summary.get('samples', 0)} samples at {RATE_HZ} Hz of {summary.get('process', '?')}"]
    for key, heading in (("self_packages", "self time by package"), ("self", "self time by frame"),
                         ("tfai", "our frames, inclusive")):
        lines.append(f"  {heading}:")
        lines += [f"    {share:5.1f}%  {name}" for name, share in summary.get(key, [])[:n]]
    return "\n".join(lines)
