"""Staff console lookups: one company (before a grant) and platform totals, for platform staff only

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
CREATE FUNCTION tfai_staff_company(p_staff_user_id bigint, p_company_id bigint)
RETURNS TABLE (company_id bigint, name text, staff_write_allowed boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT c.id, c.name, c.staff_write_allowed FROM companies c
  WHERE c.id = p_company_id AND NOT c.is_platform
    AND EXISTS (SELECT 1 FROM users s JOIN companies sc ON sc.id = s.company_id
                WHERE s.id = p_staff_user_id AND s.is_active AND sc.is_platform)
$$;

CREATE FUNCTION tfai_staff_totals(p_staff_user_id bigint)
RETURNS TABLE (companies bigint, users bigint, tickets bigint, open_tasks bigint, active_grants bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT (SELECT count(*) FROM companies c WHERE NOT c.is_platform),
         (SELECT count(*) FROM users u JOIN companies c ON c.id = u.company_id WHERE NOT c.is_platform),
         (SELECT count(*) FROM ticket_instances),
         (SELECT count(*) FROM task_instances k WHERE k.t_status IN ('OPEN', 'IN_PROGRESS', 'PENDING')),
         (SELECT count(*) FROM staff_grants g WHERE g.ended_at IS NULL AND g.expires_at > now())
  WHERE EXISTS (SELECT 1 FROM users s JOIN companies sc ON sc.id = s.company_id
                WHERE s.id = p_staff_user_id AND s.is_active AND sc.is_platform)
$$;

REVOKE ALL ON FUNCTION tfai_staff_company(bigint, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION tfai_staff_totals(bigint) FROM PUBLIC;
"""


def upgrade() -> None:
    op.execute(UPGRADE)  # the app role gets EXECUTE from `tfai migrate` (ensure_app_role)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS tfai_staff_totals(bigint)")
    op.execute("DROP FUNCTION IF EXISTS tfai_staff_company(bigint, bigint)")
