"""Bulk list data for the list benchmarks: companies through the services, tickets/workflows/tasks by COPY."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg

from benchmarks.tenant import Company, create_company, ticket_data

COMPANIES = 10
WORKERS = 20
BUSY_EVERY = 20  # every 20th open task goes to the busy worker
NULL = "\\N"
TABLES = ("workflow_instances", "ticket_instances", "task_instances")
_WF = ("id", "company_id", "workflow_definition_id", "w_status", "workflow_data", "created_at", "updated_at",
       "completed_at")
_TK = ("id", "company_id", "ticket_definition_id", "workflow_instance_id", "created_by", "title", "ticket_data",
       "created_at", "updated_at", "archived")
_TS = ("id", "company_id", "workflow_instance_id", "task_definition_id", "t_status", "assigned_to", "input_data",
       "output_data", "created_at", "assigned_at", "completed_at", "completed_by")
_DEFS = """
SELECT (SELECT id FROM ticket_definitions WHERE company_id = %(c)s), (SELECT id FROM workflow_definitions
        WHERE company_id = %(c)s), (SELECT id FROM task_definitions WHERE company_id = %(c)s AND key = 'triage'),
       (SELECT id FROM task_definitions WHERE company_id = %(c)s AND key = 'resolve')
"""


@dataclass
class Target:
    """Who the list queries run as: the big company's ticket admin and its busy worker."""

    company_id: int
    ticket_admin_id: int
    busy_worker_id: int
    tickets_in_company: int
    tickets_total: int


def _ts(t: datetime) -> str:
    return t.isoformat()


def _rows(company: Company, defs: tuple[int, int, int, int], first_id: int, n: int) -> tuple[str, str, str]:
    """COPY text for n tickets of one company: even ones active (resolve OPEN), odd ones completed."""
    tdef, wdef, triage, resolve = defs
    workers = [w.id for w in company.workers]
    requesters = [r.id for r in company.requesters]
    start = datetime.now(UTC) - timedelta(minutes=n + 10)
    wf, tk, ts = [], [], []
    c = company.id
    for i in range(n):
        g = first_id + i
        created = start + timedelta(minutes=i)
        done = _ts(created + timedelta(minutes=5))
        cr = _ts(created)
        data = ticket_data(i)
        active = i % 2 == 0
        inp = json.dumps({"summary": data["summary"], "priority": data["priority"]})
        wdata = json.dumps({"ticket": data, "tasks": {"triage": {"accepted": True}}, "workflow": {}})
        wf.append(f"{g}\t{c}\t{wdef}\t{'IN_PROGRESS' if active else 'COMPLETED'}\t{wdata}\t{cr}\t{done}\t"
                  f"{NULL if active else done}")
        title = f"Issue: {data['summary']}"
        who = requesters[i % len(requesters)]
        arch = 'f' if active else 't'
        tk.append(f"{g}\t{c}\t{tdef}\t{g}\t{who}\t{title}\t{json.dumps(data)}\t{cr}\t{done}\t{arch}")
        w1 = workers[i % len(workers)]
        ts.append(f"{2 * g - 1}\t{c}\t{g}\t{triage}\tCOMPLETED\t{w1}\t{inp}\t{{\"accepted\": true}}\t{cr}\t{cr}\t"
                  f"{done}\t{w1}")
        w2 = workers[0] if (i // 2) % BUSY_EVERY == 0 else workers[1 + i % (len(workers) - 1)]
        if active:
            ts.append(f"{2 * g}\t{c}\t{g}\t{resolve}\tOPEN\t{w2}\t{NULL}\t{NULL}\t{done}\t{done}\t{NULL}\t{NULL}")
        else:
            ts.append(f"{2 * g}\t{c}\t{g}\t{resolve}\tCOMPLETED\t{w2}\t{NULL}\t{{}}\t{done}\t{done}\t{done}\t{w2}")
    return "\n".join(wf) + "\n", "\n".join(tk) + "\n", "\n".join(ts) + "\n"


def _copy(conn: psycopg.Connection, table: str, cols: tuple[str, ...], payload: str) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        copy.write(payload)


async def generate(owner_url: str, total: int, big: int) -> None:
    """10 companies (the first holding `big` tickets, the rest sharing `total - big`), loaded with COPY."""
    began = time.perf_counter()
    companies = [await create_company(f"l{k}", workers=WORKERS, requesters=5) for k in range(COMPANIES)]
    sizes = [big] + [(total - big) // (COMPANIES - 1)] * (COMPANIES - 1)
    sizes[-1] += total - sum(sizes)
    with psycopg.connect(owner_url) as conn:
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)", (list(TABLES),)).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("SET session_replication_role = replica")  # skip FK triggers: rows are consistent by design
        next_id = 1
        for company, n in zip(companies, sizes, strict=True):
            defs = conn.execute(_DEFS, {"c": company.id}).fetchone()
            assert defs is not None
            wf, tk, ts = _rows(company, (defs[0], defs[1], defs[2], defs[3]), next_id, n)
            _copy(conn, "workflow_instances", _WF, wf)
            _copy(conn, "ticket_instances", _TK, tk)
            _copy(conn, "task_instances", _TS, ts)
            next_id += n
        conn.execute("SET session_replication_role = origin")
        conn.execute("SET maintenance_work_mem = '256MB'")
        for _, ddl in indexes:
            conn.execute(ddl)
        for table in TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        # The services keep users.open_tasks (migration 0007); COPY bypasses them, so count once here.
        conn.execute("UPDATE users u SET open_tasks = c.n FROM (SELECT assigned_to, count(*) AS n FROM task_instances "
                     "WHERE t_status IN ('OPEN', 'IN_PROGRESS') AND assigned_to IS NOT NULL GROUP BY assigned_to) c "
                     "WHERE c.assigned_to = u.id")
        conn.commit()
    with psycopg.connect(owner_url, autocommit=True) as conn:
        for table in TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")
    print(f"  generated {total:,} tickets in {time.perf_counter() - began:.0f} s", flush=True)


def find_target(owner_url: str) -> Target:
    """The company with the most tickets, its ticket admin and the worker with the most open tasks."""
    with psycopg.connect(owner_url, autocommit=True) as conn:
        cid, n = conn.execute("SELECT company_id, count(*) FROM ticket_instances GROUP BY 1 "
                              "ORDER BY 2 DESC LIMIT 1").fetchone()  # type: ignore[misc]
        total = conn.execute("SELECT count(*) FROM ticket_instances").fetchone()[0]  # type: ignore[index]
        ta = conn.execute("SELECT user_id FROM user_system_roles WHERE company_id = %s AND role = 'ticket_admin' "
                          "LIMIT 1", (cid,)).fetchone()[0]  # type: ignore[index]
        busy = conn.execute("SELECT assigned_to FROM task_instances WHERE company_id = %s AND t_status = 'OPEN' "
                            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1", (cid,)).fetchone()[0]  # type: ignore[index]
    return Target(int(cid), int(ta), int(busy), int(n), int(total))


def ticket_count(owner_url: str) -> int:
    """Rows in ticket_instances (0 when the schema is missing)."""
    try:
        with psycopg.connect(owner_url, autocommit=True) as conn:
            return int(conn.execute("SELECT count(*) FROM ticket_instances").fetchone()[0])  # type: ignore[index]
    except psycopg.Error:
        return 0
