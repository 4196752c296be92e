"""Row-level security on every company table, narrow cross-tenant functions, append-only audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT = "nullif(current_setting('app.company_id', true), '')::bigint"

COMPANY_TABLES = [
    "users", "user_system_roles", "company_roles", "user_company_roles", "sessions", "api_tokens",
    "password_tokens", "workflow_definitions", "task_definitions", "workflow_transitions",
    "ticket_definitions", "workflow_instances", "ticket_instances", "task_instances", "comments",
    "file_uploads", "audit_log", "staff_grants", "outbox", "action_attempts", "callback_tokens",
    "assistant_conversations", "assistant_proposals", "assistant_messages", "assistant_usage",
]

FUNCTIONS = """
CREATE FUNCTION tfai_create_company(p_name text, p_secret text) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO companies (name, webhook_secret) VALUES (p_name, p_secret) RETURNING id
$$;

CREATE FUNCTION tfai_login_lookup(p_email text)
RETURNS TABLE (user_id bigint, company_id bigint, password_hash text, is_active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id, company_id, password_hash, is_active FROM users WHERE lower(email) = lower(p_email)
$$;

CREATE FUNCTION tfai_session_lookup(p_token_hash text)
RETURNS TABLE (session_id bigint, user_id bigint, company_id bigint, expires_at timestamptz,
               last_seen_at timestamptz, revoked_at timestamptz, staff_grant_id bigint,
               grant_company_id bigint, grant_mode text, grant_expires_at timestamptz,
               grant_ended_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT s.id, s.user_id, s.company_id, s.expires_at, s.last_seen_at, s.revoked_at, s.staff_grant_id,
         g.company_id, g.mode, g.expires_at, g.ended_at
  FROM sessions s LEFT JOIN staff_grants g ON g.id = s.staff_grant_id
  WHERE s.token_hash = p_token_hash
$$;

CREATE FUNCTION tfai_api_token_lookup(p_token_hash text)
RETURNS TABLE (token_id bigint, user_id bigint, company_id bigint, revoked_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id, user_id, company_id, revoked_at FROM api_tokens WHERE token_hash = p_token_hash
$$;

CREATE FUNCTION tfai_password_token_lookup(p_token_hash text)
RETURNS TABLE (token_id bigint, user_id bigint, company_id bigint, expires_at timestamptz, used_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id, user_id, company_id, expires_at, used_at FROM password_tokens WHERE token_hash = p_token_hash
$$;

CREATE FUNCTION tfai_callback_lookup(p_token_hash text)
RETURNS TABLE (token_id bigint, company_id bigint, task_instance_id bigint, expires_at timestamptz,
               used_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id, company_id, task_instance_id, expires_at, used_at FROM callback_tokens
  WHERE token_hash = p_token_hash
$$;

CREATE FUNCTION tfai_outbox_pending(p_limit integer)
RETURNS TABLE (outbox_id bigint, company_id bigint, task_instance_id bigint, kind text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id, company_id, task_instance_id, kind FROM outbox
  WHERE published_at IS NULL ORDER BY id LIMIT least(p_limit, 1000)
$$;

CREATE FUNCTION tfai_outbox_backlog() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT count(*) FROM outbox WHERE published_at IS NULL
$$;

CREATE FUNCTION tfai_overdue_callbacks(p_limit integer)
RETURNS TABLE (company_id bigint, task_instance_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT c.company_id, c.task_instance_id FROM callback_tokens c
  JOIN task_instances t ON t.id = c.task_instance_id
  WHERE c.used_at IS NULL AND c.expires_at < now() AND t.t_status IN ('OPEN', 'IN_PROGRESS', 'PENDING')
  LIMIT least(p_limit, 1000)
$$;

CREATE FUNCTION tfai_staff_companies(p_staff_user_id bigint, p_search text)
RETURNS TABLE (company_id bigint, name text, users bigint, tickets bigint, open_tasks bigint,
               last_activity timestamptz, staff_write_allowed boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT c.id, c.name,
         (SELECT count(*) FROM users u WHERE u.company_id = c.id),
         (SELECT count(*) FROM ticket_instances t WHERE t.company_id = c.id),
         (SELECT count(*) FROM task_instances k WHERE k.company_id = c.id
            AND k.t_status IN ('OPEN', 'IN_PROGRESS', 'PENDING')),
         (SELECT max(a.created_at) FROM audit_log a WHERE a.company_id = c.id),
         c.staff_write_allowed
  FROM companies c
  WHERE NOT c.is_platform
    AND EXISTS (SELECT 1 FROM users s JOIN companies sc ON sc.id = s.company_id
                WHERE s.id = p_staff_user_id AND s.is_active AND sc.is_platform)
    AND (p_search = '' OR c.name ILIKE '%' || p_search || '%')
  ORDER BY c.name LIMIT 200
$$;

CREATE FUNCTION tfai_staff_grant_create(p_staff_user_id bigint, p_company_id bigint, p_reason text,
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

CREATE FUNCTION tfai_audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '42501';
END
$$;
"""

FUNCTION_NAMES = [
    "tfai_create_company(text, text)", "tfai_login_lookup(text)", "tfai_session_lookup(text)",
    "tfai_api_token_lookup(text)", "tfai_password_token_lookup(text)", "tfai_callback_lookup(text)",
    "tfai_outbox_pending(integer)", "tfai_outbox_backlog()", "tfai_overdue_callbacks(integer)",
    "tfai_staff_companies(bigint, text)", "tfai_staff_grant_create(bigint, bigint, text, text, integer)",
]


def upgrade() -> None:
    for table in COMPANY_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING (company_id = {TENANT}) "
            f"WITH CHECK (company_id = {TENANT})"
        )
    op.execute("ALTER TABLE companies ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE companies FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON companies USING (id = {TENANT}) WITH CHECK (id = {TENANT})")
    op.execute(FUNCTIONS)
    for fn in FUNCTION_NAMES:
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION tfai_audit_immutable()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS tfai_audit_immutable()")
    for fn in FUNCTION_NAMES:
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    for table in [*COMPANY_TABLES, "companies"]:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
