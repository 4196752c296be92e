"""Action dispatch: NOTIFY on outbox inserts (relay wake-up) and a stale action lookup (crash recovery)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
CREATE FUNCTION tfai_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tfai_outbox', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
FOR EACH STATEMENT EXECUTE FUNCTION tfai_outbox_notify();

-- Action tasks a dead worker left behind: IN_PROGRESS past their lease (the request timeout plus
-- p_grace seconds; ASYNC only until its request was delivered), or PENDING with a published outbox row
-- older than p_lost_after seconds (the broker lost the message).
CREATE FUNCTION tfai_stale_actions(p_grace integer, p_lost_after integer, p_limit integer)
RETURNS TABLE (company_id bigint, task_instance_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.company_id, t.id FROM task_instances t
  JOIN task_definitions d ON d.id = t.task_definition_id
  WHERE d.t_type IN ('SYNC_ACTION', 'ASYNC_ACTION')
    AND (
      (t.t_status = 'IN_PROGRESS'
       AND t.started_at < now() - make_interval(secs => least(coalesce(d.timeout_seconds, 30),
                                  CASE WHEN d.t_type = 'SYNC_ACTION' THEN 300 ELSE 30 END) + p_grace)
       AND (d.t_type = 'SYNC_ACTION' OR NOT EXISTS (
             SELECT 1 FROM action_attempts a WHERE a.task_instance_id = t.id
             AND a.error IS NULL AND a.finished_at >= t.started_at)))
      OR
      (t.t_status = 'PENDING'
       AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.task_instance_id = t.id AND o.published_at IS NULL)
       AND EXISTS (SELECT 1 FROM outbox o WHERE o.task_instance_id = t.id
                   AND o.published_at < now() - make_interval(secs => p_lost_after)))
    )
  ORDER BY t.id LIMIT least(p_limit, 1000)
$$;

REVOKE ALL ON FUNCTION tfai_stale_actions(integer, integer, integer) FROM PUBLIC;
"""


def upgrade() -> None:
    op.execute(UPGRADE)  # the app role gets EXECUTE from `tfai migrate` (ensure_app_role)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS tfai_stale_actions(integer, integer, integer)")
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute("DROP FUNCTION IF EXISTS tfai_outbox_notify()")
