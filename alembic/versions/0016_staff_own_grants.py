"""Staff read their own grants across companies (pending, live, denied, expired, ended) for the staff console

staff_grants is under row-level security (one company per transaction), so a staff member in the platform company
cannot see the grants they asked for elsewhere. These two SECURITY DEFINER functions return only the given staff
member's own grants (and only while that user is active platform staff), newest first and bounded, with the raw
columns the service turns into a status with the same expression as the company's list (services/staff/history.py).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
CREATE FUNCTION tfai_staff_own_grants(p_staff_user_id bigint, p_grant_id bigint, p_limit integer, p_offset integer)
RETURNS TABLE (id bigint, company_id bigint, company_name text, staff_user_id bigint, staff_email text, reason text,
               mode text, created_at timestamptz, expires_at timestamptz, ended_at timestamptz, approval text,
               decided_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT g.id, g.company_id, c.name, g.staff_user_id, g.staff_email, g.reason, g.mode, g.created_at, g.expires_at,
         g.ended_at, g.approval, g.decided_at
  FROM public.staff_grants g JOIN public.companies c ON c.id = g.company_id
  WHERE g.staff_user_id = p_staff_user_id AND (p_grant_id IS NULL OR g.id = p_grant_id)
    AND EXISTS (SELECT 1 FROM public.users s JOIN public.companies sc ON sc.id = s.company_id
                WHERE s.id = p_staff_user_id AND s.is_active AND sc.is_platform)
  ORDER BY g.id DESC LIMIT least(greatest(p_limit, 0), 100) OFFSET greatest(p_offset, 0)
$$;

CREATE FUNCTION tfai_staff_own_grant_count(p_staff_user_id bigint) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(*) FROM public.staff_grants g
  WHERE g.staff_user_id = p_staff_user_id
    AND EXISTS (SELECT 1 FROM public.users s JOIN public.companies sc ON sc.id = s.company_id
                WHERE s.id = p_staff_user_id AND s.is_active AND sc.is_platform)
$$;

REVOKE ALL ON FUNCTION tfai_staff_own_grants(bigint, bigint, integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION tfai_staff_own_grant_count(bigint) FROM PUBLIC;
"""


def upgrade() -> None:
    op.execute(UPGRADE)  # the app role gets EXECUTE from `tfai migrate` (ensure_app_role)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS tfai_staff_own_grant_count(bigint)")
    op.execute("DROP FUNCTION IF EXISTS tfai_staff_own_grants(bigint, bigint, integer, integer)")
