"""API tokens expire and may be scoped; companies choose staff read access (allowed, approval, disabled); staff TOTP

Existing tokens get expires_at = now() + 90 days (the default lifetime, also the column default). A grant into a company that requires
approval is created pending and starts when a company admin approves it; `disabled` refuses every grant (a write
grant reads too). Platform staff keep a TOTP secret and hashed single-use recovery codes on their user row.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE_FUNCTIONS = """
DROP FUNCTION tfai_api_token_lookup(text);
CREATE FUNCTION tfai_api_token_lookup(p_token_hash text)
RETURNS TABLE (token_id bigint, user_id bigint, company_id bigint, revoked_at timestamptz, expires_at timestamptz,
               scopes text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT t.id, t.user_id, t.company_id, t.revoked_at, t.expires_at, t.scopes FROM public.api_tokens t
  WHERE t.token_hash = p_token_hash
$$;
REVOKE ALL ON FUNCTION tfai_api_token_lookup(text) FROM PUBLIC;

DROP FUNCTION tfai_staff_company(bigint, bigint);
CREATE FUNCTION tfai_staff_company(p_staff_user_id bigint, p_company_id bigint)
RETURNS TABLE (company_id bigint, name text, staff_write_allowed boolean, staff_read_access text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT c.id, c.name, c.staff_write_allowed, c.staff_read_access FROM public.companies c
  WHERE c.id = p_company_id AND NOT c.is_platform
    AND EXISTS (SELECT 1 FROM public.users s JOIN public.companies sc ON sc.id = s.company_id
                WHERE s.id = p_staff_user_id AND s.is_active AND sc.is_platform)
$$;
REVOKE ALL ON FUNCTION tfai_staff_company(bigint, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION tfai_staff_grant_create(p_staff_user_id bigint, p_company_id bigint, p_reason text,
                                                   p_mode text, p_minutes integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_email text;
  v_access text;
  v_id bigint;
BEGIN
  SELECT s.email INTO v_email FROM public.users s JOIN public.companies sc ON sc.id = s.company_id
   WHERE s.id = p_staff_user_id AND s.is_active AND sc.is_platform;
  IF v_email IS NULL THEN RAISE EXCEPTION 'not staff' USING ERRCODE = '42501'; END IF;
  IF p_mode NOT IN ('read', 'write') OR p_minutes < 1 OR p_minutes > 480 OR length(p_reason) < 3 THEN
    RAISE EXCEPTION 'invalid grant' USING ERRCODE = '22023';
  END IF;
  SELECT c.staff_read_access INTO v_access FROM public.companies c
   WHERE c.id = p_company_id AND NOT c.is_platform AND (p_mode = 'read' OR c.staff_write_allowed);
  IF v_access IS NULL OR v_access = 'disabled' THEN
    RAISE EXCEPTION 'company not available' USING ERRCODE = '42501';
  END IF;
  INSERT INTO public.staff_grants (company_id, staff_user_id, staff_email, reason, mode, expires_at, approval)
  VALUES (p_company_id, p_staff_user_id, v_email, p_reason, p_mode, now() + make_interval(mins => p_minutes),
          CASE WHEN v_access = 'approval' THEN 'pending' END)
  RETURNING id INTO v_id;
  RETURN v_id;
END
$$;
"""

DOWNGRADE_FUNCTIONS = """
DROP FUNCTION tfai_api_token_lookup(text);
CREATE FUNCTION tfai_api_token_lookup(p_token_hash text)
RETURNS TABLE (token_id bigint, user_id bigint, company_id bigint, revoked_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id, user_id, company_id, revoked_at FROM api_tokens WHERE token_hash = p_token_hash
$$;
REVOKE ALL ON FUNCTION tfai_api_token_lookup(text) FROM PUBLIC;

DROP FUNCTION tfai_staff_company(bigint, bigint);
CREATE FUNCTION tfai_staff_company(p_staff_user_id bigint, p_company_id bigint)
RETURNS TABLE (company_id bigint, name text, staff_write_allowed boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT c.id, c.name, c.staff_write_allowed FROM companies c
  WHERE c.id = p_company_id AND NOT c.is_platform
    AND EXISTS (SELECT 1 FROM users s JOIN companies sc ON sc.id = s.company_id
                WHERE s.id = p_staff_user_id AND s.is_active AND sc.is_platform)
$$;
REVOKE ALL ON FUNCTION tfai_staff_company(bigint, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION tfai_staff_grant_create(p_staff_user_id bigint, p_company_id bigint, p_reason text,
                                                   p_mode text, p_minutes integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_email text;
  v_id bigint;
BEGIN
  SELECT s.email INTO v_email FROM users s JOIN companies sc ON sc.id = s.company_id
   WHERE s.id = p_staff_user_id AND s.is_active AND sc.is_platform;
  IF v_email IS NULL THEN RAISE EXCEPTION 'not staff' USING ERRCODE = '42501'; END IF;
  IF p_mode NOT IN ('read', 'write') OR p_minutes < 1 OR p_minutes > 480 OR length(p_reason) < 3 THEN
    RAISE EXCEPTION 'invalid grant' USING ERRCODE = '22023';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM companies c WHERE c.id = p_company_id AND NOT c.is_platform
                 AND (p_mode = 'read' OR c.staff_write_allowed)) THEN
    RAISE EXCEPTION 'company not available' USING ERRCODE = '42501';
  END IF;
  INSERT INTO staff_grants (company_id, staff_user_id, staff_email, reason, mode, expires_at)
  VALUES (p_company_id, p_staff_user_id, v_email, p_reason, p_mode, now() + make_interval(mins => p_minutes))
  RETURNING id INTO v_id;
  RETURN v_id;
END
$$;
"""


def upgrade() -> None:
    # Existing tokens (and rows inserted without one) get the default lifetime of 90 days from now.
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False,
                                          server_default=sa.text("now() + interval '90 days'")))
    op.add_column("api_tokens", sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=True))
    op.add_column("companies", sa.Column("staff_read_access", sa.String(length=16), nullable=False,
                                         server_default="allowed"))
    op.create_check_constraint("ck_companies_staff_read_access", "companies",
                               "staff_read_access IN ('allowed', 'approval', 'disabled')")
    op.add_column("staff_grants", sa.Column("approval", sa.String(length=8), nullable=True))
    op.add_column("staff_grants", sa.Column("decided_by", sa.BigInteger(), nullable=True))
    op.add_column("staff_grants", sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("totp_secret", sa.String(length=64), nullable=True))
    op.add_column("users", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.add_column("users", sa.Column("recovery_code_hashes", postgresql.ARRAY(sa.Text()), nullable=True))
    op.execute(UPGRADE_FUNCTIONS)


def downgrade() -> None:
    op.execute(DOWNGRADE_FUNCTIONS)
    op.drop_column("users", "recovery_code_hashes")
    op.drop_column("users", "totp_last_step")
    op.drop_column("users", "totp_secret")
    op.drop_column("staff_grants", "decided_at")
    op.drop_column("staff_grants", "decided_by")
    op.drop_column("staff_grants", "approval")
    op.drop_constraint("ck_companies_staff_read_access", "companies", type_="check")
    op.drop_column("companies", "staff_read_access")
    op.drop_column("api_tokens", "scopes")
    op.drop_column("api_tokens", "expires_at")
