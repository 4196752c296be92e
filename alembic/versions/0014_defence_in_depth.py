"""Database defence in depth: SECURITY DEFINER functions on a fixed search_path, no CREATE in public, tenant FKs

Every SECURITY DEFINER function runs with `search_path = pg_catalog, pg_temp` and names its tables
`public.`-qualified, so nobody who can create an object earlier on the path can make the owner run it (0013 already
did so for tfai_api_token_lookup, tfai_staff_company and tfai_staff_grant_create). Signatures, owners and grants
are kept (CREATE OR REPLACE).

Children point at their parents through (company_id, <ref>) -> parent (company_id, id), so even the owner cannot
store a row that references another company's row. Existing data validates when it is consistent (every child in
its parent's company, which the services and row-level security have always ensured); an inconsistent row makes
the upgrade fail instead of being kept. The app role's column-level UPDATE grants live in tfai/db/roles.py
(applied after every migrate).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The latest definition of each SECURITY DEFINER function not yet qualified by 0013, with {s} for the schema prefix
# and {path} for the search_path: the upgrade renders them qualified, the downgrade as 0002-0011 wrote them.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION tfai_create_company(p_name text, p_secret text) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = {path} AS $$
  INSERT INTO {s}companies (name, webhook_secret) VALUES (p_name, p_secret) RETURNING id
$$;

CREATE OR REPLACE FUNCTION tfai_login_lookup(p_email text)
RETURNS TABLE (user_id bigint, company_id bigint, password_hash text, is_active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
  SELECT id, company_id, password_hash, is_active FROM {s}users WHERE lower(email) = lower(p_email)
$$;

CREATE OR REPLACE FUNCTION tfai_session_lookup(p_token_hash text)
RETURNS TABLE (session_id bigint, user_id bigint, company_id bigint, expires_at timestamptz,
               last_seen_at timestamptz, revoked_at timestamptz, staff_grant_id bigint,
               grant_company_id bigint, grant_mode text, grant_expires_at timestamptz,
               grant_ended_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
  SELECT s.id, s.user_id, s.company_id, s.expires_at, s.last_seen_at, s.revoked_at, s.staff_grant_id,
         g.company_id, g.mode, g.expires_at, g.ended_at
  FROM {s}sessions s LEFT JOIN {s}staff_grants g ON g.id = s.staff_grant_id
  WHERE s.token_hash = p_token_hash
$$;

CREATE OR REPLACE FUNCTION tfai_password_token_lookup(p_token_hash text)
RETURNS TABLE (token_id bigint, user_id bigint, company_id bigint, expires_at timestamptz, used_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
  SELECT id, user_id, company_id, expires_at, used_at FROM {s}password_tokens WHERE token_hash = p_token_hash
$$;

CREATE OR REPLACE FUNCTION tfai_callback_lookup(p_token_hash text)
RETURNS TABLE (token_id bigint, company_id bigint, task_instance_id bigint, expires_at timestamptz,
               used_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
  SELECT id, company_id, task_instance_id, expires_at, used_at FROM {s}callback_tokens
  WHERE token_hash = p_token_hash
$$;

CREATE OR REPLACE FUNCTION tfai_outbox_pending(p_limit integer)
RETURNS TABLE (outbox_id bigint, company_id bigint, task_instance_id bigint, kind text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
  SELECT id, company_id, task_instance_id, kind FROM {s}outbox
  WHERE published_at IS NULL ORDER BY id LIMIT least(p_limit, 1000)
$$;

CREATE OR REPLACE FUNCTION tfai_outbox_backlog() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
  SELECT count(*) FROM {s}outbox WHERE published_at IS NULL
$$;

CREATE OR REPLACE FUNCTION tfai_overdue_callbacks(p_limit integer)
RETURNS TABLE (company_id bigint, task_instance_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
  SELECT c.company_id, c.task_instance_id FROM {s}callback_tokens c
  JOIN {s}task_instances t ON t.id = c.task_instance_id
  WHERE c.used_at IS NULL AND c.expires_at < now() AND t.t_status IN ('OPEN', 'IN_PROGRESS', 'PENDING')
  LIMIT least(p_limit, 1000)
$$;

CREATE OR REPLACE FUNCTION tfai_staff_companies(p_staff_user_id bigint, p_search text)
RETURNS TABLE (company_id bigint, name text, users bigint, tickets bigint, open_tasks bigint,
               last_activity timestamptz, staff_write_allowed boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
  SELECT c.id, c.name,
         (SELECT count(*) FROM {s}users u WHERE u.company_id = c.id),
         (SELECT count(*) FROM {s}ticket_instances t WHERE t.company_id = c.id),
         (SELECT count(*) FROM {s}task_instances k WHERE k.company_id = c.id
            AND k.t_status IN ('OPEN', 'IN_PROGRESS', 'PENDING')),
         (SELECT max(a.created_at) FROM {s}audit_log a WHERE a.company_id = c.id),
         c.staff_write_allowed
  FROM {s}companies c
  WHERE NOT c.is_platform
    AND EXISTS (SELECT 1 FROM {s}users s JOIN {s}companies sc ON sc.id = s.company_id
                WHERE s.id = p_staff_user_id AND s.is_active AND sc.is_platform)
    AND (p_search = '' OR c.name ILIKE '%' || p_search || '%')
  ORDER BY c.name LIMIT 200
$$;

CREATE OR REPLACE FUNCTION tfai_stale_actions(p_grace integer, p_lost_after integer, p_limit integer)
RETURNS TABLE (company_id bigint, task_instance_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
  SELECT t.company_id, t.id FROM {s}task_instances t
  JOIN {s}task_definitions d ON d.id = t.task_definition_id
  WHERE d.t_type IN ('SYNC_ACTION', 'ASYNC_ACTION')
    AND (
      (t.t_status = 'IN_PROGRESS'
       AND t.started_at < now() - make_interval(secs => least(coalesce(d.timeout_seconds, 30),
                                  CASE WHEN d.t_type = 'SYNC_ACTION' THEN 300 ELSE 30 END) + p_grace)
       AND (d.t_type = 'SYNC_ACTION' OR NOT EXISTS (
             SELECT 1 FROM {s}action_attempts a WHERE a.task_instance_id = t.id
             AND a.error IS NULL AND a.finished_at >= t.started_at)))
      OR
      (t.t_status = 'PENDING'
       AND NOT EXISTS (SELECT 1 FROM {s}outbox o WHERE o.task_instance_id = t.id AND o.published_at IS NULL)
       AND EXISTS (SELECT 1 FROM {s}outbox o WHERE o.task_instance_id = t.id
                   AND o.published_at < now() - make_interval(secs => p_lost_after)))
    )
  ORDER BY t.id LIMIT least(p_limit, 1000)
$$;

CREATE OR REPLACE FUNCTION tfai_staff_totals(p_staff_user_id bigint)
RETURNS TABLE (companies bigint, users bigint, tickets bigint, open_tasks bigint, active_grants bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
  SELECT (SELECT count(*) FROM {s}companies c WHERE NOT c.is_platform),
         (SELECT count(*) FROM {s}users u JOIN {s}companies c ON c.id = u.company_id WHERE NOT c.is_platform),
         (SELECT count(*) FROM {s}ticket_instances),
         (SELECT count(*) FROM {s}task_instances k WHERE k.t_status IN ('OPEN', 'IN_PROGRESS', 'PENDING')),
         (SELECT count(*) FROM {s}staff_grants g WHERE g.ended_at IS NULL AND g.expires_at > now())
  WHERE EXISTS (SELECT 1 FROM {s}users s JOIN {s}companies sc ON sc.id = s.company_id
                WHERE s.id = p_staff_user_id AND s.is_active AND sc.is_platform)
$$;

CREATE OR REPLACE FUNCTION tfai_assistant_tokens() RETURNS TABLE (prompt_tokens bigint, completion_tokens bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
  SELECT coalesce(sum(prompt_tokens), 0)::bigint, coalesce(sum(completion_tokens), 0)::bigint
  FROM {s}assistant_usage
$$;

CREATE OR REPLACE FUNCTION tfai_tickets_with_data(p_filter jsonb) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {path} ROWS 100 AS $$
BEGIN
  RETURN QUERY SELECT id FROM {s}ticket_instances
  WHERE company_id = NULLIF(current_setting('app.company_id', true), '')::bigint AND ticket_data @> p_filter;
END
$$;
"""
QUALIFIED = {"s": "public.", "path": "pg_catalog, pg_temp"}
BEFORE = {"s": "", "path": "public, pg_temp"}

# (child, reference column, parent, ON DELETE): each becomes (company_id, column) -> parent (company_id, id).
# Left as plain FKs on purpose: sessions.staff_grant_id (a staff session lives in the platform company, its grant in
# the customer's) and the references staff under a write grant fill with their own platform user id in the
# customer's company: ticket_instances.created_by, comments.author_id, file_uploads.uploaded_by,
# assistant_conversations.user_id, audit_log.actor_user_id (kept with the append-only log as it is).
TENANT_FKS: list[tuple[str, str, str, str | None]] = [
    ("user_system_roles", "user_id", "users", "CASCADE"),
    ("user_company_roles", "user_id", "users", "CASCADE"),
    ("user_company_roles", "company_role_id", "company_roles", "CASCADE"),
    ("sessions", "user_id", "users", "CASCADE"),
    ("api_tokens", "user_id", "users", "CASCADE"),
    ("password_tokens", "user_id", "users", "CASCADE"),
    ("workflow_definitions", "created_by", "users", "SET NULL"),
    ("task_definitions", "workflow_definition_id", "workflow_definitions", "CASCADE"),
    ("workflow_transitions", "workflow_definition_id", "workflow_definitions", "CASCADE"),
    ("workflow_transitions", "from_task_id", "task_definitions", "CASCADE"),
    ("workflow_transitions", "to_task_id", "task_definitions", "CASCADE"),
    ("ticket_definitions", "created_by", "users", "SET NULL"),
    ("workflow_instances", "workflow_definition_id", "workflow_definitions", None),
    ("ticket_instances", "ticket_definition_id", "ticket_definitions", None),
    ("ticket_instances", "workflow_instance_id", "workflow_instances", "CASCADE"),
    ("task_instances", "workflow_instance_id", "workflow_instances", "CASCADE"),
    ("task_instances", "task_definition_id", "task_definitions", None),
    ("task_instances", "assigned_to", "users", "SET NULL"),
    ("task_instances", "completed_by", "users", "SET NULL"),
    ("comments", "ticket_instance_id", "ticket_instances", "CASCADE"),
    ("file_uploads", "ticket_instance_id", "ticket_instances", "CASCADE"),
    ("file_uploads", "task_instance_id", "task_instances", "SET NULL"),
    ("outbox", "task_instance_id", "task_instances", "CASCADE"),
    ("action_attempts", "task_instance_id", "task_instances", "CASCADE"),
    ("callback_tokens", "task_instance_id", "task_instances", "CASCADE"),
    ("assistant_proposals", "conversation_id", "assistant_conversations", "CASCADE"),
    ("assistant_messages", "conversation_id", "assistant_conversations", "CASCADE"),
    ("assistant_messages", "proposal_id", "assistant_proposals", "SET NULL"),
]
# The parents' UNIQUE (company_id, id); on users and ticket_instances it replaces a plain index on the same columns.
PARENTS = sorted({parent for _, _, parent, _ in TENANT_FKS})
REPLACED_INDEXES = {"users": "ix_users_company_id", "ticket_instances": "ix_ticket_instances_company_id"}


def _on_delete(action: str | None, column: str | None = None) -> str:
    if action is None:
        return ""
    # A composite SET NULL would null company_id too (NOT NULL): PostgreSQL 15 clears only the listed column.
    return f" ON DELETE {action}" + (f" ({column})" if action == "SET NULL" and column else "")


def upgrade() -> None:
    op.execute(FUNCTIONS.format(**QUALIFIED))
    # PostgreSQL 15 no longer grants it by default; older clusters and upgraded ones still may.
    op.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    for parent in PARENTS:
        if parent in REPLACED_INDEXES:
            op.execute(f"DROP INDEX {REPLACED_INDEXES[parent]}")
        op.execute(f"ALTER TABLE {parent} ADD CONSTRAINT uq_{parent}_company_id UNIQUE (company_id, id)")
    for child, column, parent, action in TENANT_FKS:
        op.execute(f"ALTER TABLE {child} DROP CONSTRAINT {child}_{column}_fkey")
        op.execute(f"ALTER TABLE {child} ADD CONSTRAINT fk_{child}_{column}_tenant FOREIGN KEY (company_id, {column}) "
                   f"REFERENCES {parent} (company_id, id){_on_delete(action, column)}")


def downgrade() -> None:
    for child, column, parent, action in TENANT_FKS:
        op.execute(f"ALTER TABLE {child} DROP CONSTRAINT fk_{child}_{column}_tenant")
        op.execute(f"ALTER TABLE {child} ADD CONSTRAINT {child}_{column}_fkey FOREIGN KEY ({column}) "
                   f"REFERENCES {parent} (id){_on_delete(action)}")
    for parent in PARENTS:
        op.execute(f"ALTER TABLE {parent} DROP CONSTRAINT uq_{parent}_company_id")
        if parent in REPLACED_INDEXES:
            op.execute(f"CREATE INDEX {REPLACED_INDEXES[parent]} ON {parent} (company_id, id)")
    # CREATE on public stays revoked: granting it to every role would reopen the hole this revision closes.
    op.execute(FUNCTIONS.format(**BEFORE))
