"""The unprivileged application role: created or updated by `tfai migrate`, owning nothing."""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
APPEND_ONLY_TABLES = ("audit_log",)
# The only columns the app updates (tfai/services, tfai/worker and the tfai_user_is_worker_sync trigger, which runs
# as the app role): a stolen app connection cannot move a row to another company, turn a read grant into a write
# grant, re-point a session at another user or plant a staff member's TOTP secret (enrolment runs as the owner).
UPDATABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "companies": ("name", "staff_write_allowed", "staff_read_access", "webhook_secret"),
    "users": ("email", "password_hash", "first_name", "last_name", "is_active", "available", "last_assigned_at",
              "open_tasks", "is_worker", "totp_last_step", "recovery_code_hashes"),
    "sessions": ("last_seen_at", "revoked_at"),
    # expires_at: an approved grant's time starts at approval (services/staff/approval.py).
    "staff_grants": ("expires_at", "ended_at", "approval", "decided_by", "decided_at"),
}


def ensure_app_role(conn: Connection, role: str, password: str) -> None:
    """Create or update the app role (LOGIN, NOSUPERUSER, NOBYPASSRLS) and grant it table access."""
    if not _ROLE_NAME.match(role):
        raise ValueError(f"invalid role name {role!r}")
    quoted_pw = password.replace("'", "''")
    conn.execute(text(f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
    BEGIN
      CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '{quoted_pw}';
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END
$$"""))
    conn.execute(text(f"ALTER ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE "
                      f"PASSWORD '{quoted_pw}'"))
    db = conn.execute(text("SELECT current_database()")).scalar_one()
    conn.execute(text(f'GRANT CONNECT ON DATABASE "{db}" TO {role}'))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    conn.execute(text(f"REVOKE CREATE ON SCHEMA public FROM {role}"))  # PUBLIC lost it in migration 0014
    conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
    for table in APPEND_ONLY_TABLES:
        conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role}"))
    conn.execute(text(f"REVOKE ALL ON alembic_version FROM {role}"))
    # Companies are created only through tfai_create_company; a tenant may rename itself or change its
    # own settings, never flip is_platform. Staff grants are created only through tfai_staff_grant_create.
    conn.execute(text(f"REVOKE INSERT, DELETE, TRUNCATE ON companies FROM {role}"))
    conn.execute(text(f"REVOKE INSERT, DELETE, TRUNCATE ON staff_grants FROM {role}"))
    for table, columns in UPDATABLE_COLUMNS.items():
        # Revoking the table privilege also drops earlier column grants, so a column taken off the list loses it.
        conn.execute(text(f"REVOKE UPDATE ON {table} FROM {role}"))
        conn.execute(text(f"GRANT UPDATE ({', '.join(columns)}) ON {table} TO {role}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    conn.execute(text(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}"))
