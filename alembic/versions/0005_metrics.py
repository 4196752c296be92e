"""Metrics: platform-wide assistant token totals for /metrics (no company data, just two sums)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
CREATE FUNCTION tfai_assistant_tokens() RETURNS TABLE (prompt_tokens bigint, completion_tokens bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(sum(prompt_tokens), 0)::bigint, coalesce(sum(completion_tokens), 0)::bigint FROM assistant_usage
$$;
"""


def upgrade() -> None:
    op.execute(UPGRADE)  # the app role gets EXECUTE from `tfai migrate` (ensure_app_role)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS tfai_assistant_tokens()")
