"""`python -m benchmarks [--quick]`: run every benchmark, print one table, write results/latest.json."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = ("submit", "transition", "ui", "lists", "validator", "cel", "actions", "timers")
LOAD_KEYS = ("throughput_per_s", "p50_ms", "p95_ms", "p99_ms")
LAT_KEYS = ("p50_ms", "p95_ms")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=(
        "Start the stack (embedded, or TFAI_DATABASE_URL / TFAI_REDIS_URL's servers), run the benchmarks, "
        "print one table and write benchmarks/results/latest.json."))
    parser.add_argument("--quick", action="store_true", help="the reduced run (5 s loads, 100k list rows)")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated subset of {','.join(PARTS)} (default: all)")
    parser.add_argument("--profile", action="store_true",
                        help="record the web process with py-spy during submit_10 and transition_10 (top frames in "
                             "latest-detail.json, raw stacks in .tfai/bench/profile-*.txt; costs CPU)")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json", help="where to write the JSON")
    return parser


class Run:
    """Collects figures and the reason for every figure that could not be measured."""

    def __init__(self) -> None:
        self.raw: dict[str, Any] = {}
        self.notes: dict[str, str] = {}

    def step(self, name: str, fn: Callable[[], dict[str, Any] | None]) -> None:
        print(f"· {name}…", flush=True)
        began = time.perf_counter()
        try:
            out = fn()
        except Exception as exc:  # noqa: BLE001 - one failing benchmark must not lose the others
            traceback.print_exc()
            self.notes[name] = f"failed: {type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
            return
        if out:
            self.raw.update(out)
        print(f"  done in {time.perf_counter() - began:.0f} s", flush=True)


def _pick(value: Any, keys: tuple[str, ...]) -> dict[str, Any] | None:
    return {k: value.get(k) for k in keys} if isinstance(value, dict) else None


def figures(raw: dict[str, Any]) -> dict[str, Any]:
    """The figures in exactly the issue's shape (None where a figure was not measured)."""
    actions = raw.get("actions") or {}
    sync = {c: ({"p50_ms": actions[f"c{c}"]["end_to_end_p50_ms"], "p95_ms": actions[f"c{c}"]["end_to_end_p95_ms"]}
                if f"c{c}" in actions else None) for c in (1, 10)}
    validator = raw.get("validator") or {}
    return {
        "submit_1": _pick(raw.get("submit_1"), LOAD_KEYS), "submit_10": _pick(raw.get("submit_10"), LOAD_KEYS),
        "submit_50": _pick(raw.get("submit_50"), LOAD_KEYS),
        "transition_10": _pick(raw.get("transition_10"), LOAD_KEYS),
        "update_ceiling_per_s": raw.get("update_ceiling_per_s"),
        "sync_action_1": sync[1], "sync_action_10": sync[10],
        "list_first_page": _pick(raw.get("list_first_page"), LAT_KEYS),
        "list_page_100": _pick(raw.get("list_page_100"), LAT_KEYS),
        "list_custom_field": _pick(raw.get("list_custom_field"), LAT_KEYS),
        "my_tasks": _pick(raw.get("my_tasks"), LAT_KEYS),
        "rls_overhead_ratio": raw.get("rls_overhead_ratio"),
        "validator_200_tasks_ms": validator.get("median_ms"),
        "ui_next_page": _pick(raw.get("ui_next_page"), LAT_KEYS),
        "web_cpu_ms_per_submit": _cpu_per_op(raw.get("submit_10"), "web"),
        "web_cpu_ms_per_transition": _cpu_per_op(raw.get("transition_10"), "web"),
        "worker_cpu_ms_per_action": _worker_cpu_per_action(actions),
        "db_round_trips_per_submit": raw.get("db_round_trips_per_submit"),
        "action_bursts_10x10": _pick(actions.get("bursts"), ("busiest_worker_share_mean", "busiest_worker_share_max",
                                                            "makespan_p50_ms", "makespan_p95_ms")),
    }


def _cpu_per_op(load: Any, kind: str) -> float | None:
    """CPU ms per completed operation of one process kind during a load (benchmarks/cpu.py), None when unmeasured."""
    split = load.get("cpu") if isinstance(load, dict) else None
    entry = split.get(kind) if isinstance(split, dict) else None
    return entry.get("cpu_ms_per_op") if isinstance(entry, dict) else None


def _worker_cpu_per_action(actions: dict[str, Any]) -> float | None:
    """Worker CPU per action: bench_actions' own figure (it knows how many actions ran) when it gives one."""
    value = actions.get("worker_cpu_ms_per_action")
    return float(value) if isinstance(value, int | float) else None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    only = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = only - set(PARTS)
    if unknown:
        build_parser().error(f"unknown part(s): {', '.join(sorted(unknown))}")
    from benchmarks import runner

    began = time.perf_counter()
    saved_env = dict(os.environ)
    run = Run()
    machine = runner.run_all(run, only=only, quick=args.quick, profiling=args.profile)
    os.environ.clear()
    os.environ.update(saved_env)
    result = {"machine": machine, "figures": figures(run.raw)}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    detail = args.output.with_name(args.output.stem + "-detail.json")
    detail.write_text(json.dumps({"quick": args.quick, "raw": run.raw, "notes": run.notes}, indent=2, default=str)
                      + "\n")
    print()
    print(runner.table(result, run.raw, run.notes, quick=args.quick))
    print(f"\nwrote {args.output} (details: {detail.name}) in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
