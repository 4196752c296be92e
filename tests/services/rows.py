"""Minimal runtime rows inserted as the owner (tickets and tasks) for counting and reassignment tests."""

from __future__ import annotations

import itertools

import psycopg

_n = itertools.count(1)


def _one(owner: psycopg.Connection, sql: str, *args: object) -> int:
    return int(owner.execute(sql, args).fetchone()[0])  # type: ignore[index]


def ticket_with_task(owner: psycopg.Connection, company_id: int, *, created_by: int, w_status: str = "IN_PROGRESS",
                     t_status: str = "OPEN", assigned_to: int | None = None) -> tuple[int, int]:
    """One workflow definition, ticket and FORM task; returns (ticket id, task id)."""
    key = f"wf{next(_n)}"
    wd = _one(owner, "INSERT INTO workflow_definitions (company_id, key, version, title, start_task_key, ext_ref, "
              "fields, bundle) VALUES (%s, %s, 1, 'W', 'start', '[]', '[]', '{}') RETURNING id", company_id, key)
    td = _one(owner, "INSERT INTO task_definitions (company_id, workflow_definition_id, key, version, title, t_type) "
              "VALUES (%s, %s, 'start', 1, 'Start', 'FORM') RETURNING id", company_id, wd)
    tkd = _one(owner, "INSERT INTO ticket_definitions (company_id, key, version, title, workflow_key, fields, "
               "company_role_access) VALUES (%s, %s, 1, 'T', %s, '{}', '[\"user\"]') RETURNING id",
               company_id, key, key)
    wi = _one(owner, "INSERT INTO workflow_instances (company_id, workflow_definition_id, w_status, workflow_data) "
              "VALUES (%s, %s, %s, '{}') RETURNING id", company_id, wd, w_status)
    ticket = _one(owner, "INSERT INTO ticket_instances (company_id, ticket_definition_id, workflow_instance_id, "
                  "created_by, ticket_data) VALUES (%s, %s, %s, %s, '{}') RETURNING id", company_id, tkd, wi,
                  created_by)
    task = _one(owner, "INSERT INTO task_instances (company_id, workflow_instance_id, task_definition_id, t_status, "
                "assigned_to) VALUES (%s, %s, %s, %s, %s) RETURNING id", company_id, wi, td, t_status, assigned_to)
    return ticket, task
