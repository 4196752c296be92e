"""Durable timers: a timers table under row-level security, the firing loop's cross-company peek, a wake-up NOTIFY

Workflow timers (a TIMER task's wait, a task's timeout, reminders, due dates) are rows with a due time. The worker
processes fire them (tfai/worker/timers.py → services/workflow/timers.py): a SECURITY DEFINER peek names the
companies with due timers and the next due time (row-level security shows one company per transaction), then each
company's due rows are claimed with FOR UPDATE SKIP LOCKED inside that company's transaction, which also runs the
timer's effect and marks it fired. A statement-level trigger sends NOTIFY tfai_timers when timers are scheduled,
so a sleeping loop wakes up for a timer due sooner than it planned.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT = "nullif(current_setting('app.company_id', true), '')::bigint"
# A timer is ready when its due time has come and, after a failed firing, its retry time too.
READY = "t.fired_at IS NULL AND t.due_at <= now() AND (t.retry_at IS NULL OR t.retry_at <= now())"

FUNCTIONS = f"""
CREATE FUNCTION tfai_timers_due(p_limit integer)
RETURNS TABLE (company_id bigint, due bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT d.company_id, count(*) FROM (
    SELECT t.company_id FROM public.timers t WHERE {READY}
    ORDER BY t.due_at LIMIT least(greatest(p_limit, 0), 10000)
  ) d GROUP BY d.company_id ORDER BY count(*) DESC
$$;

-- Seconds from now until the next timer is ready (negative: one is overdue), NULL when none is pending.
CREATE FUNCTION tfai_timers_next_due() RETURNS double precision
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT extract(epoch FROM least(
    (SELECT min(t.due_at) FROM public.timers t WHERE t.fired_at IS NULL AND t.retry_at IS NULL),
    (SELECT min(greatest(t.retry_at, t.due_at)) FROM public.timers t
      WHERE t.fired_at IS NULL AND t.retry_at IS NOT NULL)) - now())::double precision
$$;

-- How many timers wait to fire and how late the oldest ready one is (seconds), for health and metrics.
CREATE FUNCTION tfai_timers_backlog(OUT pending bigint, OUT overdue_seconds double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT (SELECT count(*) FROM public.timers t WHERE t.fired_at IS NULL),
         coalesce((SELECT extract(epoch FROM now() - min(t.due_at)) FROM public.timers t
                   WHERE {READY}), 0)::double precision
$$;

REVOKE ALL ON FUNCTION tfai_timers_due(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION tfai_timers_next_due() FROM PUBLIC;
REVOKE ALL ON FUNCTION tfai_timers_backlog() FROM PUBLIC;

CREATE FUNCTION tfai_timers_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tfai_timers', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER timers_notify AFTER INSERT ON timers
FOR EACH STATEMENT EXECUTE FUNCTION tfai_timers_notify();
"""


def upgrade() -> None:
    op.create_table(
        "timers",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("workflow_instance_id", sa.BigInteger(), nullable=False),
        sa.Column("task_instance_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["company_id", "workflow_instance_id"],
                                ["workflow_instances.company_id", "workflow_instances.id"],
                                name="fk_timers_workflow_instance_id_tenant", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["company_id", "task_instance_id"], ["task_instances.company_id", "task_instances.id"],
                                name="fk_timers_task_instance_id_tenant", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_timers_due", "timers", ["due_at"], postgresql_where=sa.text("fired_at IS NULL"))
    op.create_index("ix_timers_company_due", "timers", ["company_id", "due_at"],
                    postgresql_where=sa.text("fired_at IS NULL"))
    op.create_index("ix_timers_retry", "timers", ["retry_at"],
                    postgresql_where=sa.text("fired_at IS NULL AND retry_at IS NOT NULL"))
    op.create_index("ix_timers_task", "timers", ["company_id", "task_instance_id"])
    op.create_index("ix_timers_workflow", "timers", ["company_id", "workflow_instance_id"])
    op.execute("ALTER TABLE timers ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE timers FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON timers USING (company_id = {TENANT}) "
               f"WITH CHECK (company_id = {TENANT})")
    op.execute(FUNCTIONS)  # the app role gets table access and EXECUTE from `tfai migrate` (ensure_app_role)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS tfai_timers_backlog()")
    op.execute("DROP FUNCTION IF EXISTS tfai_timers_next_due()")
    op.execute("DROP FUNCTION IF EXISTS tfai_timers_due(integer)")
    op.drop_table("timers")  # its trigger, policy and indexes go with it
    op.execute("DROP FUNCTION IF EXISTS tfai_timers_notify()")
