"""Benchmark: CPU µs per CEL transform and per condition on the example bundles' expressions, cel-python vs compiled.

Each sample is one evaluation on a fresh Scope (the scope is converted as a single evaluation would), over data
like a ticket's: the fields the expression reads plus ten others, and two completed tasks' outputs. The batch
figure evaluates every condition of a bundle on one Scope (engine.next_step's case); the fallback figure is an
expression the compiled engine refuses (int * double) and cel-python answers. `python -m benchmarks.bench_cel`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from benchmarks.stats import median, percentile
from tfai.domain import expressions
from tfai.domain.cel_native import NativeScope, Unsupported
from tfai.domain.expressions import ExpressionError, Scope, summary_of

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
_TRANSFORMS = ("input_transform", "output_transform")


def _collect(node: Any, found: dict[str, list[str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "condition" and isinstance(value, str):
                found["condition"].append(value)
            elif key in _TRANSFORMS and isinstance(value, str):
                found["transform"].append(value)
            else:
                _collect(value, found)
    elif isinstance(node, list):
        for item in node:
            _collect(item, found)


def example_expressions() -> dict[str, list[list[str]]]:
    """Per kind, each example bundle's expressions (a list per bundle)."""
    out: dict[str, list[list[str]]] = {"condition": [], "transform": []}
    for path in sorted(EXAMPLES.iterdir()):
        if path.suffix in (".json", ".yaml", ".yml"):
            found: dict[str, list[str]] = {"condition": [], "transform": []}
            _collect(yaml.safe_load(path.read_text()), found)
            for kind, exprs in found.items():
                out[kind].append(exprs)
    return out


def _base() -> dict[str, Any]:
    ticket = {f"field_{i}": f"value {i}" for i in range(10)}
    tasks = {"earlier": {"approved": True, "comment": "fine by me", "level": "mid"},
             "lookup": {"id": "A-1234", "status": 200, "items": [1, 2, 3]}}
    # item and index: a for_each instance's names (its input_transform reads them whole)
    return {"ticket": ticket, "tasks": tasks, "workflow": {}, "item": {"name": "laptop", "kind": "hardware"},
            "index": 0}


def _put(scope: dict[str, Any], root: str, path: tuple[Any, ...], leaf: Any) -> None:
    node = scope.setdefault(root, {})
    for segment in path[:-1]:
        node = node.setdefault(str(segment), {})
    if path:
        node.setdefault(str(path[-1]), leaf)


_LEAVES: dict[str, tuple[Any, ...]] = {"condition": (True, 150, "succeeded"), "transform": ("succeeded", True, 150)}


def _yields(expr: str, scope: dict[str, Any], kind: str, *, compiled: bool) -> bool:
    try:
        result = Scope(scope, compiled=compiled).evaluate(expr)
    except ExpressionError:
        return False
    return isinstance(result, bool) == (kind == "condition")


def scope_for(expr: str, kind: str) -> dict[str, Any] | None:
    """Data on which `expr` yields its kind (a bool, a map) and, where it can, on the compiled engine's own path:
    each read path gets true, 150 or a string (a string first in transforms), chosen one path at a time."""
    summary = summary_of(expr)
    if summary is None:
        return None
    reads = [(root, path) for root, path in summary.reads if path]
    leaves = _LEAVES[kind]
    choice: list[Any] = [leaves[0]] * len(reads)

    def build() -> dict[str, Any]:
        scope = _base()
        for (root, path), leaf in zip(reads, choice, strict=True):
            _put(scope, root, path, leaf)
        return scope

    native = expressions._native_program(expr)
    if native is not None:
        for i in list(range(len(reads))) * 2:  # twice: a path's choice may need the next one's
            for leaf in leaves:
                choice[i] = leaf
                try:
                    NativeScope(build()).run(native)
                except (Unsupported, ExpressionError):
                    continue
                break
            else:
                choice[i] = leaves[0]  # none works while the others are as they are: try again on the next pass
        if _yields(expr, build(), kind, compiled=False):
            return build()
    for leaf in leaves:  # the expression stays on cel-python: any data it succeeds on
        choice = [leaf] * len(reads)
        if _yields(expr, build(), kind, compiled=False):
            return build()
    return None


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    """Add `other`'s values to `into` (maps merged, the first value of a leaf kept)."""
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into.setdefault(key, value)


def _time(fn: Callable[[], Any], repeat: int) -> list[float]:
    """CPU µs of this thread per call: on a shared machine, time spent preempted is not the evaluation's."""
    samples = []
    for _ in range(repeat):
        began = time.thread_time_ns()
        fn()
        samples.append((time.thread_time_ns() - began) / 1e3)
    return samples


def _figures(samples: list[float]) -> dict[str, float]:
    return {"median_us": round(median(samples), 1), "p95_us": round(percentile(samples, 95), 1)}


def run(quick: bool = False) -> dict[str, Any]:
    """Median and p95 µs per evaluation for each kind and engine, and the per-bundle condition batch."""
    repeat = 30 if quick else 200
    exprs = example_expressions()
    out: dict[str, Any] = {}
    for kind in ("transform", "condition"):
        cases = [(e, s) for bundle in exprs[kind] for e in bundle if (s := scope_for(e, kind)) is not None]
        out[f"{kind}_count"] = len(cases)
        for engine, compiled in (("cel_python", False), ("compiled", True)):
            samples: list[float] = []
            for expr, scope in cases:
                Scope(scope, compiled=compiled).evaluate(expr)  # compile and cache outside the timing
                def once(e: str = expr, s: dict[str, Any] = scope, c: bool = compiled) -> Any:
                    return Scope(s, compiled=c).evaluate(e)

                samples += _time(once, repeat)
            out[f"{kind}_{engine}"] = _figures(samples)
    batches = []
    for bundle in exprs["condition"]:
        scope = _base()
        for expr in bundle:
            _merge(scope, scope_for(expr, "condition") or {})
        batches.append((bundle, scope))
    for engine, compiled in (("cel_python", False), ("compiled", True)):
        samples = []
        for bundle, scope in batches:
            def batch(b: list[str] = bundle, s: dict[str, Any] = scope, c: bool = compiled) -> None:
                shared = Scope(s, compiled=c)
                for expr in b:
                    try:
                        shared.evaluate(expr)
                    except ExpressionError:
                        pass
            batch()
            samples += _time(batch, repeat)
        out[f"condition_batch_{engine}"] = _figures(samples)
    mixed, mixed_scope = "{'total': ticket.amount * 1.5}", {**_base(), "ticket": {"amount": 150}}
    for engine, compiled in (("cel_python", False), ("compiled", True)):
        Scope(mixed_scope, compiled=compiled).evaluate(mixed)

        def fallback(c: bool = compiled) -> Any:
            return Scope(mixed_scope, compiled=c).evaluate(mixed)

        out[f"fallback_{engine}"] = _figures(_time(fallback, repeat))
    for kind in ("transform", "condition", "condition_batch"):
        slow, fast = out[f"{kind}_cel_python"]["median_us"], out[f"{kind}_compiled"]["median_us"]
        out[f"{kind}_speedup"] = round(slow / fast, 1) if fast else None
    return out


def main() -> int:
    result = run(quick="--quick" in sys.argv)
    for key, value in result.items():
        print(f"{key:32} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
