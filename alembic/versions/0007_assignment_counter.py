"""Assignment without counting: users carry open_tasks (kept by the services) and is_worker (kept by a role trigger)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# users.open_tasks = the user's OPEN + IN_PROGRESS tasks. It is changed only by tfai/services (assignment.py,
# runtime.py, tasks.py) in the same transaction as the task, always under the company's assignment lock, so no
# trigger touches it (a trigger-maintained counter can deadlock against that lock).
# users.is_worker mirrors "has the task_worker system role". Roles change rarely (user admin, sign-up, fixtures that
# insert role rows directly), so a row trigger keeps it: it locks only the role owner's users row, which role
# writers take after the company lock (users.update_user) or on a user nobody else sees yet (create, sign-up).
UPGRADE = """
ALTER TABLE users ADD COLUMN open_tasks integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN is_worker boolean NOT NULL DEFAULT false;
UPDATE users u SET open_tasks = c.n
  FROM (SELECT assigned_to, count(*) AS n FROM task_instances
         WHERE assigned_to IS NOT NULL AND t_status IN ('OPEN', 'IN_PROGRESS') GROUP BY assigned_to) c
 WHERE c.assigned_to = u.id;
UPDATE users u SET is_worker = true
 WHERE EXISTS (SELECT 1 FROM user_system_roles r WHERE r.user_id = u.id AND r.role = 'task_worker');
CREATE INDEX ix_users_assignable ON users (company_id, open_tasks, last_assigned_at NULLS FIRST, id)
  WHERE is_active AND available AND is_worker;

CREATE FUNCTION tfai_user_is_worker_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP <> 'DELETE' AND NEW.role = 'task_worker' THEN
    UPDATE users SET is_worker = true WHERE id = NEW.user_id AND NOT is_worker;
  END IF;
  IF TG_OP <> 'INSERT' AND OLD.role = 'task_worker' THEN
    UPDATE users SET is_worker = EXISTS (SELECT 1 FROM user_system_roles r
                                          WHERE r.user_id = OLD.user_id AND r.role = 'task_worker')
     WHERE id = OLD.user_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER tr_user_system_roles_worker AFTER INSERT OR UPDATE OR DELETE ON user_system_roles
  FOR EACH ROW EXECUTE FUNCTION tfai_user_is_worker_sync();
"""

DOWNGRADE = """
DROP TRIGGER IF EXISTS tr_user_system_roles_worker ON user_system_roles;
DROP FUNCTION IF EXISTS tfai_user_is_worker_sync();
DROP INDEX IF EXISTS ix_users_assignable;
ALTER TABLE users DROP COLUMN IF EXISTS is_worker;
ALTER TABLE users DROP COLUMN IF EXISTS open_tasks;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
