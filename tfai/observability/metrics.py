"""Prometheus metrics kept in one Redis hash, so every web and worker process adds to the same counters."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import redis

from tfai.redis_client import get_async_redis, get_sync_redis

log = logging.getLogger(__name__)
KEY = "tfai:metrics"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
HTTP_REQUESTS = "http_requests_total"
HTTP_DURATION = "http_request_duration_seconds"
# name -> (type, help); names are written with the tfai_ prefix.
METRICS: dict[str, tuple[str, str]] = {
    HTTP_REQUESTS: ("counter", "HTTP requests by method, route template and status"),
    HTTP_DURATION: ("histogram", "HTTP request latency in seconds by method and route template"),
    "tickets_submitted_total": ("counter", "Tickets submitted"),
    "tasks_completed_total": ("counter", "Tasks completed (forms and actions)"),
    "actions_total": ("counter", "Action runs by outcome"),
}
_LABEL_VALUE = re.compile(r"[^A-Za-z0-9_./{}:+-]")
_pending: set[asyncio.Task[None]] = set()
# In an event loop, increments gather here and go to Redis in one pipeline every FLUSH_SECONDS (not one per request).
FLUSH_SECONDS = 0.5
_buffer: dict[tuple[str, str], float] = {}
_timer: list[asyncio.TimerHandle] = []
_sync_lock = threading.Lock()
_sync: dict[str, redis.Redis] = {}
Op = tuple[str, str, float]


def _label_str(labels: dict[str, Any]) -> str:
    return ",".join(f'{k}="{_LABEL_VALUE.sub("_", str(v))[:120]}"' for k, v in sorted(labels.items()))


def _field(name: str, labels: dict[str, Any]) -> str:
    return f"{name}|{_label_str(labels)}"


def _sync_client() -> redis.Redis:
    with _sync_lock:
        if "client" not in _sync:
            _sync["client"] = get_sync_redis()
        return _sync["client"]


def _write(ops: list[Op]) -> None:
    """Apply the increments now (no event loop) or in a background task (never blocks a request)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        try:
            pipe = _sync_client().pipeline(transaction=False)
            for kind, field, amount in ops:
                if kind == "float":
                    pipe.hincrbyfloat(KEY, field, amount)
                else:
                    pipe.hincrby(KEY, field, int(amount))
            pipe.execute()
        except Exception as exc:  # noqa: BLE001 - metrics never break the work they count
            log.debug("metrics write failed: %s", exc)
        return
    for kind, field, amount in ops:
        _buffer[(kind, field)] = _buffer.get((kind, field), 0) + amount
    if not _timer or _timer[0].cancelled() or _timer[0].when() < loop.time() - FLUSH_SECONDS:
        _timer[:] = [loop.call_later(FLUSH_SECONDS, _start_flush)]


def _start_flush() -> None:
    """Send the buffered increments in a background task (the timer's callback)."""
    _timer.clear()
    ops = [(kind, field, amount) for (kind, field), amount in _buffer.items()]
    _buffer.clear()
    if ops:
        task = asyncio.get_running_loop().create_task(_write_async(ops))
        _pending.add(task)
        task.add_done_callback(_pending.discard)


async def _write_async(ops: list[Op]) -> None:
    try:
        async with get_async_redis().pipeline(transaction=False) as pipe:
            for kind, field, amount in ops:
                if kind == "float":
                    pipe.hincrbyfloat(KEY, field, amount)
                else:
                    pipe.hincrby(KEY, field, int(amount))
            await pipe.execute()
    except Exception as exc:  # noqa: BLE001
        log.debug("metrics write failed: %s", exc)


async def flush() -> None:
    """Send what is buffered now and wait for every background write (before reading, tests, shutdown)."""
    for handle in _timer:
        handle.cancel()
    _start_flush()
    if _pending:
        await asyncio.gather(*list(_pending), return_exceptions=True)


def inc(name: str, amount: int = 1, **labels: Any) -> None:
    """Add to a counter, e.g. inc("actions_total", outcome="completed")."""
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}")
    _write([("int", _field(name, labels), amount)])


def count_outcome(outcome: str) -> str:
    """Count an action run's outcome and hand it back (for `return count_outcome(...)`)."""
    inc("actions_total", outcome=outcome if re.fullmatch(r"[a-z_]{1,32}", str(outcome)) else "other")
    return outcome


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one HTTP request and put its latency in the histogram."""
    base = {"method": method, "route": route}
    bucket = next((b for b in BUCKETS if seconds <= b), None)
    ops: list[Op] = [
        ("int", _field(HTTP_REQUESTS, {**base, "status": status}), 1),
        ("float", _field(HTTP_DURATION + "_sum", base), seconds),
        ("int", _field(HTTP_DURATION + "_bucket", {**base, "le": "+Inf" if bucket is None else str(bucket)}), 1),
    ]
    _write(ops)


def _parse(raw: dict[bytes, bytes]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for key, value in raw.items():
        name, _, labels = key.decode().partition("|")
        out.setdefault(name, {})[labels] = float(value)
    return out


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _series(name: str, labels: str, value: float) -> str:
    return f"tfai_{name}{{{labels}}} {_num(value)}" if labels else f"tfai_{name} {_num(value)}"


def _histogram(values: dict[str, dict[str, float]]) -> list[str]:
    """Cumulative buckets, _sum and _count from the per-bucket counts kept in Redis."""
    lines: list[str] = []
    per_series: dict[str, dict[str, float]] = {}
    for labels, count in values.get(HTTP_DURATION + "_bucket", {}).items():
        base = ",".join(p for p in labels.split(",") if not p.startswith("le="))
        le = next(p for p in labels.split(",") if p.startswith("le="))[4:-1]
        per_series.setdefault(base, {})[le] = count
    sums = values.get(HTTP_DURATION + "_sum", {})
    for base, counts in sorted(per_series.items()):
        running = 0.0
        for bound in [*(str(b) for b in BUCKETS), "+Inf"]:
            running += counts.get(bound, 0.0)
            lines.append(_series(HTTP_DURATION + "_bucket", f'{base},le="{bound}"', running))
        lines.append(_series(HTTP_DURATION + "_sum", base, sums.get(base, 0.0)))
        lines.append(_series(HTTP_DURATION + "_count", base, running))
    return lines


Gauge = Callable[[], Awaitable[Iterable[tuple[str, str, str, dict[str, Any], float]]]]


async def _db_gauges() -> list[tuple[str, str, str, dict[str, Any], float]]:
    """Values read at scrape time: outbox backlog, live workers, assistant tokens."""
    from sqlalchemy import text

    from tfai.db.session import system_tx
    from tfai.observability import health

    out: list[tuple[str, str, str, dict[str, Any], float]] = []
    backlog = await health.outbox_backlog()
    if backlog is not None:
        out.append(("outbox_backlog", "gauge", "Outbox rows waiting to be published", {}, backlog))
    out.append(("workers_alive", "gauge", "Action workers with a live heartbeat", {}, await health.live_workers()))
    with contextlib.suppress(Exception):
        async with asyncio.timeout(5), system_tx() as session:
            row = (await session.execute(text("SELECT * FROM tfai_assistant_tokens()"))).one()
        for kind, value in (("prompt", row[0]), ("completion", row[1])):
            out.append(("assistant_tokens_total", "counter", "Assistant model tokens used, all companies",
                        {"kind": kind}, float(value or 0)))
    return out


async def render(extra: Gauge | None = _db_gauges) -> str:
    """Every metric in the Prometheus text exposition format (version 0.0.4)."""
    await flush()
    try:
        values = _parse(await get_async_redis().hgetall(KEY))  # type: ignore[misc]
    except Exception as exc:  # noqa: BLE001 - still answer with what can be read
        log.warning("metrics: redis unreadable: %s", exc)
        values = {}
    lines: list[str] = []
    for name, (kind, help_) in METRICS.items():
        lines += [f"# HELP tfai_{name} {help_}", f"# TYPE tfai_{name} {kind}"]
        if kind == "histogram":
            lines += _histogram(values)
            continue
        series = values.get(name, {})
        if not series and not name.startswith("http_") and name != "actions_total":
            lines.append(_series(name, "", 0))
        lines += [_series(name, labels, v) for labels, v in sorted(series.items())]
    if extra is not None:
        seen: set[str] = set()
        for name, kind, help_, labels, value in await extra():
            if name not in seen:
                lines += [f"# HELP tfai_{name} {help_}", f"# TYPE tfai_{name} {kind}"]
                seen.add(name)
            lines.append(_series(name, _label_str(labels), value))
    return "\n".join(lines) + "\n"


async def reset() -> None:
    """Forget every counter (tests and operators)."""
    await flush()
    await get_async_redis().delete(KEY)


async def summary() -> list[str]:
    """The metrics in words, for `tfai doctor`."""
    await flush()
    values = _parse(await get_async_redis().hgetall(KEY))  # type: ignore[misc]
    requests = values.get(HTTP_REQUESTS, {})
    errors = sum(v for labels, v in requests.items() if 'status="5' in labels)
    total = sum(requests.values())
    count = sum(values.get(HTTP_DURATION + "_bucket", {}).values())
    mean_ms = 1000 * sum(values.get(HTTP_DURATION + "_sum", {}).values()) / count if count else 0.0
    outcomes = ", ".join(f"{labels.split('=')[1].strip(chr(34))} {int(v)}"
                         for labels, v in sorted(values.get("actions_total", {}).items())) or "none yet"
    lines = [f"HTTP requests served: {int(total)} ({int(errors)} server errors), mean latency {mean_ms:.0f} ms",
             f"tickets submitted: {int(sum(values.get('tickets_submitted_total', {}).values()))}",
             f"tasks completed: {int(sum(values.get('tasks_completed_total', {}).values()))}",
             f"action runs by outcome: {outcomes}"]
    for name, _kind, _help, labels, value in await _db_gauges():
        label = f" ({labels['kind']})" if "kind" in labels else ""
        lines.append(f"{name.replace('_', ' ')}{label}: {int(value)}")
    return lines
