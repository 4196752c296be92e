"""At most one platform (Ticketflower) company

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("uq_companies_one_platform", "companies", ["is_platform"], unique=True,
                    postgresql_where=sa.text("is_platform"))


def downgrade() -> None:
    op.drop_index("uq_companies_one_platform", table_name="companies", postgresql_where=sa.text("is_platform"))
