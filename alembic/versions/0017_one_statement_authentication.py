"""Authentication in one statement: the credential, its user, roles and company kind, and the "last used" touch

Each API request used to authenticate in a transaction of its own: BEGIN, a lookup function, set the tenant, read
the user with their roles under row-level security, maybe touch last_used_at / last_seen_at, COMMIT (about 7 round
trips). These two SECURITY DEFINER functions return everything authentication decides on in one row and record the
use in the same statement, so the service runs one statement on an autocommit connection (one round trip) and still
reads the database on every request: a revoked token, an ended session or a deactivated user is refused at once.

- tfai_token_actor(hash, touch): the token's row (as tfai_api_token_lookup), its user's email, active flag, system
  and company roles and whether the company is the platform; with touch, last_used_at is set when it is older than
  a minute and the token is live and its user active.
- tfai_session_actor(hash, idle_hours): the session's row with its staff grant (as tfai_session_lookup) and the same
  user columns; last_seen_at is set when older than a minute and the session is live (not revoked, not expired,
  not idle for idle_hours) and its user active. The row returned carries the values read before the touch.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
CREATE FUNCTION tfai_token_actor(p_token_hash text, p_touch boolean)
RETURNS TABLE (token_id bigint, user_id bigint, company_id bigint, revoked_at timestamptz, expires_at timestamptz,
               scopes text[], email text, is_active boolean, is_platform boolean, system_roles text[],
               company_roles text[])
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  WITH tok AS (
    SELECT t.id, t.user_id, t.company_id, t.revoked_at, t.expires_at, t.scopes
    FROM public.api_tokens t WHERE t.token_hash = p_token_hash
  ), touch AS (
    UPDATE public.api_tokens a SET last_used_at = now() FROM tok
    WHERE p_touch AND a.id = tok.id AND tok.revoked_at IS NULL AND tok.expires_at > now()
      AND (a.last_used_at IS NULL OR a.last_used_at < now() - interval '1 minute')
      AND EXISTS (SELECT 1 FROM public.users u WHERE u.id = tok.user_id AND u.is_active)
    RETURNING a.id
  )
  SELECT tok.id, tok.user_id, tok.company_id, tok.revoked_at, tok.expires_at, tok.scopes, u.email::text,
         coalesce(u.is_active, false), coalesce(c.is_platform, false),
         ARRAY(SELECT r.role::text FROM public.user_system_roles r WHERE r.user_id = u.id ORDER BY 1),
         ARRAY(SELECT cr.role_name::text FROM public.user_company_roles ucr
               JOIN public.company_roles cr ON cr.id = ucr.company_role_id WHERE ucr.user_id = u.id ORDER BY 1)
  FROM tok LEFT JOIN public.users u ON u.id = tok.user_id AND u.company_id = tok.company_id
  LEFT JOIN public.companies c ON c.id = u.company_id
$$;

CREATE FUNCTION tfai_session_actor(p_token_hash text, p_idle_hours integer)
RETURNS TABLE (session_id bigint, user_id bigint, company_id bigint, expires_at timestamptz,
               last_seen_at timestamptz, revoked_at timestamptz, staff_grant_id bigint,
               grant_company_id bigint, grant_mode text, grant_expires_at timestamptz,
               grant_ended_at timestamptz, email text, is_active boolean, is_platform boolean, system_roles text[],
               company_roles text[])
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  WITH ses AS (
    SELECT s.id, s.user_id, s.company_id, s.expires_at, s.last_seen_at, s.revoked_at, s.staff_grant_id,
           g.company_id AS grant_company_id, g.mode, g.expires_at AS grant_expires_at, g.ended_at
    FROM public.sessions s LEFT JOIN public.staff_grants g ON g.id = s.staff_grant_id
    WHERE s.token_hash = p_token_hash
  ), touch AS (
    UPDATE public.sessions x SET last_seen_at = now() FROM ses
    WHERE x.id = ses.id AND ses.revoked_at IS NULL AND ses.expires_at > now()
      AND ses.last_seen_at + make_interval(hours => p_idle_hours) > now()
      AND ses.last_seen_at + interval '1 minute' <= now()
      AND EXISTS (SELECT 1 FROM public.users u WHERE u.id = ses.user_id AND u.is_active)
    RETURNING x.id
  )
  SELECT ses.id, ses.user_id, ses.company_id, ses.expires_at, ses.last_seen_at, ses.revoked_at, ses.staff_grant_id,
         ses.grant_company_id, ses.mode::text, ses.grant_expires_at, ses.ended_at, u.email::text,
         coalesce(u.is_active, false), coalesce(c.is_platform, false),
         ARRAY(SELECT r.role::text FROM public.user_system_roles r WHERE r.user_id = u.id ORDER BY 1),
         ARRAY(SELECT cr.role_name::text FROM public.user_company_roles ucr
               JOIN public.company_roles cr ON cr.id = ucr.company_role_id WHERE ucr.user_id = u.id ORDER BY 1)
  FROM ses LEFT JOIN public.users u ON u.id = ses.user_id AND u.company_id = ses.company_id
  LEFT JOIN public.companies c ON c.id = u.company_id
$$;

REVOKE ALL ON FUNCTION tfai_token_actor(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION tfai_session_actor(text, integer) FROM PUBLIC;
"""


def upgrade() -> None:
    op.execute(UPGRADE)  # the app role gets EXECUTE from `tfai migrate` (ensure_app_role)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS tfai_session_actor(text, integer)")
    op.execute("DROP FUNCTION IF EXISTS tfai_token_actor(text, boolean)")
