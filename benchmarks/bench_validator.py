"""Benchmark: validate() on a 200-task bundle; prints median and p95 and returns them via run()."""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from tfai.domain.validate import validate

TARGET_MS = 50.0


def build_bundle(n_tasks: int = 200) -> dict[str, Any]:
    """A realistic chain of FORM and SYNC_ACTION tasks with conditions, transforms and layouts."""
    tasks: list[dict[str, Any]] = []
    transitions: list[dict[str, Any]] = []
    for i in range(n_tasks):
        key = f"t{i}"
        if i % 2 == 0:
            tasks.append({
                "key": key, "title": f"Review {i}", "type": "FORM",
                "input_transform": f"{{'amount': ticket.amount, 'step': {i}, 'who': ticket.requester}}",
                "input_schema": {"type": "object", "properties": {
                    "amount": {"type": "number"}, "step": {"type": "integer"}}},
                "output_schema": {"type": "object", "required": ["approved"], "properties": {
                    "approved": {"type": "boolean"}, "comment": {"type": "string", "maxLength": 2000},
                    "level": {"type": "string", "enum": ["low", "mid", "high"]}}},
                "edit_layout": {"sections": [{"title": "Decision", "fields": ["approved", "level", "comment"]}],
                                "widgets": {"comment": "textarea"}},
            })  # fmt: skip
        else:
            tasks.append({
                "key": key, "title": f"Call system {i}", "type": "SYNC_ACTION",
                "action_url": f"https://system{i}.example.com/api/step",
                "input_transform": f"{{'prev': tasks.t{i - 1}.approved, 'amount': ticket.amount}}",
                "output_transform": "{'ref': response.body.ref, 'ok': response.status == 200}",
                "output_schema": {"type": "object", "properties": {
                    "ref": {"type": "string"}, "ok": {"type": "boolean"}}},
                "timeout_seconds": 30,
            })  # fmt: skip
        if i + 1 < n_tasks:
            cond = "output.approved && ticket.amount > 100.0" if i % 2 == 0 else "output.ok"
            transitions.append({"from": key, "to": f"t{i + 1}", "condition": cond, "priority": 10})
            transitions.append({"from": key, "to": None, "priority": 0})
    return {
        "format": "tfai.bundle/v1",
        "workflow": {"key": "big", "title": "Big workflow", "start": "t0", "tasks": tasks, "transitions": transitions},
        "ticket_types": [{
            "key": "big", "title": "Big", "workflow": "big",
            "fields": {"type": "object", "required": ["amount"], "properties": {
                "amount": {"type": "number"}, "requester": {"type": "string"}}},
        }],
    }  # fmt: skip


def run(quick: bool = False) -> dict[str, Any]:
    """Validate the 200-task bundle N times; return cold, median and p95 milliseconds."""
    bundle = build_bundle()
    start = time.perf_counter()
    report = validate(bundle)
    cold_ms = (time.perf_counter() - start) * 1000
    if not report.valid:
        raise SystemExit(f"benchmark bundle is invalid: {report.errors[:3]}")
    timings: list[float] = []
    for _ in range(10 if quick else 50):
        start = time.perf_counter()
        validate(bundle)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    median = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return {
        "name": "validate_200_tasks",
        "runs": len(timings),
        "cold_ms": round(cold_ms, 2),
        "median_ms": round(median, 2),
        "p95_ms": round(p95, 2),
        "target_ms": TARGET_MS,
        "ok": median <= TARGET_MS,
    }


if __name__ == "__main__":
    result = run(quick="--quick" in sys.argv)
    print(
        f"validate(200 tasks): median {result['median_ms']} ms, p95 {result['p95_ms']} ms, "
        f"cold {result['cold_ms']} ms over {result['runs']} runs (target <= {TARGET_MS} ms)"
    )
    sys.exit(0 if result["ok"] else 1)
