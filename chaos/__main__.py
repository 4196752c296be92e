"""`python -m chaos [--quick]`: faults under load on a private stack; exits 1 when an invariant fails."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from chaos import checks
from chaos.load import Ledger, drain_approvals
from chaos.scenario import FULL, QUICK, Timing, faults, run_phase
from chaos.setup import ROOT, Rig, bring_up

RESULTS = ROOT / ".tfai" / "chaos"
SETTLE_SECONDS = 180.0


def say(line: str) -> None:
    print(line, flush=True)


async def _run_faults(rig: Rig, ledger: Ledger, timing: Timing, only: set[str] | None) -> list[dict[str, Any]]:
    phases = []
    for name, inject in faults(rig, timing):
        if only and name not in only:
            continue
        say(f"· {name}: load with {timing.clients} clients, fault after {timing.lead:.0f} s")
        result = await run_phase(rig, ledger, name, inject, timing)
        say(f"  {json.dumps({k: v for k, v in result.items() if k not in ('in_flight_ids', 'around_fault')})}")
        phases.append(result)
    return phases


def _worker_recovery(rig: Rig, phases: list[dict[str, Any]]) -> None:
    """For the worker kill: how long after the kill the actions it was running were finished."""
    import psycopg

    for phase in phases:
        ids = phase.pop("in_flight_ids", None)
        if not ids:
            continue
        with psycopg.connect(rig.owner_url, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FILTER (WHERE t_status IN ('COMPLETED', 'ERROR')), "
                               "max(extract(epoch FROM coalesce(completed_at, now()) - %s::timestamptz)), "
                               "count(*) FILTER (WHERE attempts > 1) "
                               "FROM task_instances WHERE id = ANY(%s)", (phase["killed_at"], ids)).fetchone()
        assert row is not None
        phase["in_flight_finished"] = int(row[0])
        phase["in_flight_done_within_s_of_kill"] = round(float(row[1] or 0), 1)
        phase["in_flight_retried_after_lease"] = int(row[2])


def run(timing: Timing, only: set[str] | None, keep: bool) -> int:
    root = Path(tempfile.mkdtemp(prefix="tfai-chaos-", dir="/tmp"))
    started = time.monotonic()
    rig = bring_up(root, say)
    ok = False
    try:
        assert rig.company is not None
        ledger = Ledger()
        phases = asyncio.run(_run_faults(rig, ledger, timing, only))
        say("· finishing queued approvals, then waiting for the work to settle")
        asyncio.run(drain_approvals(rig.base_url, rig.company, ledger))
        settle_s, left = checks.settle(rig.owner_url, rig.company.id, rig.target, SETTLE_SECONDS, say)
        _worker_recovery(rig, phases)
        status, health = rig.health()
        failed: dict[str, Any] = {}
        db = checks.database_invariants(rig.owner_url, rig.company.id, ledger)
        failed.update(db["failed"])
        failed.update(checks.client_invariants(ledger))
        if left and any(left.values()):
            failed["not_settled"] = left
        if status != 200:
            failed["healthz_at_end"] = {"status": status, **health}
        for phase in phases:
            if not phase["recovered"]:
                failed[f"{phase['fault']}_not_recovered"] = phase.get("first_201_after_restart_s")
        target = {"orders_received": sum(rig.target.orders.values()),
                  "orders_delivered_more_than_once": sum(1 for n in rig.target.orders.values() if n > 1),
                  "deliveries_received": sum(rig.target.deliveries.values()),
                  "callback_outcomes": dict(rig.target.callback_outcomes)}
        report = {"machine": {"cpus": os.cpu_count()}, "timing": timing.__dict__, "phases": phases,
                  "settle_s": settle_s, "counts": db["counts"], "target": target,
                  "requests_total": len(ledger.calls), "failed": failed,
                  "restarts": {p.name: p.restarts for p in rig.workers + ([rig.web] if rig.web else [])},
                  "wall_s": round(time.monotonic() - started, 1)}
        RESULTS.mkdir(parents=True, exist_ok=True)
        name = "latest-quick.json" if timing is QUICK else "latest.json"
        (RESULTS / name).write_text(json.dumps(report, indent=2, default=str))
        say(json.dumps({k: report[k] for k in ("settle_s", "counts", "target", "requests_total")}, default=str))
        ok = not failed
        say(f"\nchaos: {'all invariants hold' if ok else 'FAILED: ' + json.dumps(failed, default=str)}"
            f"  (report: {RESULTS / name})")
    finally:
        rig.stop()
        if ok and not keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            say(f"logs kept under {root}/logs")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter phases (about 2 minutes in all)")
    parser.add_argument("--only", action="append", help="run only this fault (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data) afterwards")
    args = parser.parse_args(argv)
    return run(QUICK if args.quick else FULL, set(args.only) if args.only else None, args.keep)


if __name__ == "__main__":
    sys.exit(main())
