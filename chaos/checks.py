"""The invariants after the faults, read as the database owner and from what clients were told."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg

from chaos.load import Ledger
from chaos.target import Target

HANG_SECONDS = 10.0  # an answer slower than this counts as a hang
_ACTION = "d.t_type IN ('SYNC_ACTION', 'ASYNC_ACTION')"
_TASKS = "task_instances t JOIN task_definitions d ON d.id = t.task_definition_id"


def _rows(conn: psycopg.Connection[Any], sql: str, *args: Any) -> list[tuple[Any, ...]]:
    return conn.execute(sql, args).fetchall()


def _one(conn: psycopg.Connection[Any], sql: str, *args: Any) -> Any:
    return conn.execute(sql, args).fetchone()[0]  # type: ignore[index]


def unsettled(owner_url: str, company_id: int) -> dict[str, int]:
    """Work still moving: unpublished outbox rows and action tasks not yet finished or waiting on a callback."""
    with psycopg.connect(owner_url, autocommit=True) as conn:
        outbox = _one(conn, "SELECT count(*) FROM outbox WHERE company_id = %s AND published_at IS NULL", company_id)
        moving = _one(conn, f"SELECT count(*) FROM {_TASKS} WHERE t.company_id = %s AND {_ACTION} "
                            "AND t.t_status IN ('PENDING', 'IN_PROGRESS')", company_id)
    return {"outbox_unpublished": int(outbox), "actions_unfinished": int(moving)}


def settle(owner_url: str, company_id: int, target: Target, timeout: float,
           progress: Callable[[str], None]) -> tuple[float, dict[str, int]]:
    """Wait until nothing moves (or timeout): (seconds waited, what was still moving)."""
    start = time.monotonic()
    last: dict[str, int] = {}
    while time.monotonic() - start < timeout:
        last = {**unsettled(owner_url, company_id), "callbacks_pending": target.callbacks_pending}
        if not any(last.values()):
            break
        progress(f"  settling: {last}")
        time.sleep(2)
    return round(time.monotonic() - start, 1), last


def database_invariants(owner_url: str, company_id: int, ledger: Ledger) -> dict[str, Any]:
    """Every failed invariant as name → evidence (empty: all hold), plus counts for the report."""
    failed: dict[str, Any] = {}
    with psycopg.connect(owner_url, autocommit=True) as conn:
        db = {r[0] for r in _rows(conn, "SELECT id FROM ticket_instances WHERE company_id = %s", company_id)}
        lost = sorted(ledger.tickets - db)
        extra = sorted(db - ledger.tickets)
        if lost:
            failed["tickets_lost"] = lost[:20]
        if len(extra) > ledger.unsure_submits:
            failed["tickets_unexplained"] = {"extra": len(extra), "unsure_answers": ledger.unsure_submits}
        checks = {
            "tickets_sharing_a_workflow": "SELECT workflow_instance_id FROM ticket_instances WHERE company_id = %s "
                                          "GROUP BY 1 HAVING count(*) > 1",
            "tasks_duplicated": "SELECT workflow_instance_id, task_definition_id FROM task_instances "
                                "WHERE company_id = %s GROUP BY 1, 2 HAVING count(*) > 1",
            "outbox_duplicated": "SELECT task_instance_id FROM outbox WHERE company_id = %s "
                                 "GROUP BY 1 HAVING count(*) > 1",
            "action_without_outbox": f"SELECT t.id FROM {_TASKS} WHERE t.company_id = %s AND {_ACTION} "
                                     "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.task_instance_id = t.id)",
            "outbox_unpublished": "SELECT id FROM outbox WHERE company_id = %s AND published_at IS NULL",
            "workflow_stuck": (
                "SELECT w.id, w.w_status FROM workflow_instances w WHERE w.company_id = %s AND NOT ("
                " w.w_status = 'COMPLETED'"
                " OR (w.w_status = 'ON_HOLD' AND coalesce(w.hold_reason, '') <> '')"
                f" OR (w.w_status = 'IN_PROGRESS' AND EXISTS (SELECT 1 FROM {_TASKS}"
                "  WHERE t.workflow_instance_id = w.id AND d.t_type = 'FORM' AND t.t_status = 'OPEN'"
                "  AND t.assigned_to IS NOT NULL)))"),
        }
        for name, sql in checks.items():
            found = _rows(conn, sql, company_id)
            if found:
                failed[name] = [list(r) for r in found[:20]]
        approved = sorted(ledger.approved)
        not_done = _rows(conn, "SELECT id, t_status FROM task_instances WHERE id = ANY(%s) "
                               "AND t_status <> 'COMPLETED'", approved)
        if not_done:
            failed["approval_lost"] = [list(r) for r in not_done[:20]]
        outcome = dict(_rows(conn, "SELECT w.w_status::text, count(*) FROM workflow_instances w "
                                   "JOIN task_instances t ON t.workflow_instance_id = w.id "
                                   "WHERE t.id = ANY(%s) GROUP BY 1", approved))
        holds = _rows(conn, "SELECT hold_reason, count(*) FROM workflow_instances WHERE company_id = %s "
                            "AND w_status = 'ON_HOLD' GROUP BY 1 ORDER BY 2 DESC LIMIT 5", company_id)
        retried = _one(conn, f"SELECT count(*) FROM {_TASKS} WHERE t.company_id = %s AND {_ACTION} "
                             "AND t.attempts > 1", company_id)
        counts = {"tickets_in_db": len(db), "tickets_told_201": len(ledger.tickets), "tickets_extra": len(extra),
                  "unsure_submit_answers": ledger.unsure_submits, "approvals_confirmed": len(approved),
                  "approved_workflows_by_status": outcome, "actions_with_more_than_one_attempt": int(retried),
                  "hold_reasons": [[str(r[0])[:160], r[1]] for r in holds]}
    return {"failed": failed, "counts": counts}


def client_invariants(ledger: Ledger) -> dict[str, Any]:
    """Users saw clear errors: no 500s, JSON error bodies, Retry-After on every 503, no hangs."""
    failed: dict[str, Any] = {}
    errors = [c for c in ledger.calls if c.status is not None and c.status >= 400]
    server_errors = [c for c in errors if c.status is not None and c.status >= 500 and c.status != 503]
    if server_errors:
        failed["server_errors"] = sorted({f"{c.kind} {c.status} {c.code}" for c in server_errors})
    shapeless = [c for c in errors if not c.json_error]
    if shapeless:
        failed["error_without_json_shape"] = sorted({f"{c.kind} {c.status}" for c in shapeless})
    no_hint = [c for c in errors if c.status == 503 and (c.code != "unavailable" or not c.retry_after)]
    if no_hint:
        failed["503_without_retry_after"] = len(no_hint)
    hangs = [c for c in ledger.calls if c.seconds > HANG_SECONDS]
    if hangs:
        failed["hangs"] = {"count": len(hangs), "longest_s": round(max(c.seconds for c in hangs), 1)}
    return failed
