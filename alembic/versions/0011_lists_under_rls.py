"""Lists under row-level security: a partial index for "my tasks", a plan-caching custom-field lookup

Enum equality (enum_eq) is not leakproof, so PostgreSQL evaluates `t_status IN (...)` only after the tenant
predicate, as a filter over every task of the worker; a partial index whose predicate is that list serves "my
tasks" and its count with an index-only scan for the app role too.

tfai_tickets_with_data (0006) was a SQL function: SECURITY DEFINER and SET keep it from being inlined, so every
call parsed and planned its query again (~1.5 ms of a 2 ms call). In PL/pgSQL the plan is cached per session.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOOKUP = """
CREATE OR REPLACE FUNCTION tfai_tickets_with_data(p_filter jsonb) RETURNS SETOF bigint
LANGUAGE {language} STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 100 AS $$
{body}
$$
"""
QUERY = ("SELECT id FROM ticket_instances\n"
         "  WHERE company_id = NULLIF(current_setting('app.company_id', true), '')::bigint AND ticket_data @> p_filter")


def upgrade() -> None:
    op.create_index("ix_task_instances_assignee_active", "task_instances", ["company_id", "assigned_to", "id"],
                    postgresql_where=sa.text("t_status IN ('PENDING', 'OPEN', 'IN_PROGRESS', 'ERROR')"))
    op.execute(LOOKUP.format(language="plpgsql", body=f"BEGIN\n  RETURN QUERY {QUERY};\nEND"))


def downgrade() -> None:
    op.execute(LOOKUP.format(language="sql", body=f"  {QUERY}"))
    op.drop_index("ix_task_instances_assignee_active", table_name="task_instances")
