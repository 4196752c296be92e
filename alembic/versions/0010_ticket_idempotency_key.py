"""Idempotency-Key on ticket submission: a retried POST /tickets finds the ticket its first attempt created

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ticket_instances", sa.Column("idempotency_key", sa.String(length=255), nullable=True))
    op.create_index("ux_ticket_instances_idempotency", "ticket_instances",
                    ["company_id", "created_by", "idempotency_key"], unique=True,
                    postgresql_where=sa.text("idempotency_key IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ux_ticket_instances_idempotency", table_name="ticket_instances")
    op.drop_column("ticket_instances", "idempotency_key")
