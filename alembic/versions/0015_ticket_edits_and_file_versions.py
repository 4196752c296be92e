"""File versions, ext_ref on task definitions and ticket types, ticket types' editable_by

`file_uploads.version` numbers the uploads of one file name to one ticket (existing files are version 1; a file
name uploaded twice before this keeps its rows, renumbered in upload order). `ext_ref` links move from workflows
only to tasks and ticket types too; `editable_by` says who may change a submitted ticket's fields.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("file_uploads", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.execute("""
UPDATE file_uploads f SET version = n.v FROM (
  SELECT id, row_number() OVER (PARTITION BY ticket_instance_id, filename ORDER BY id) AS v FROM file_uploads
) n WHERE n.id = f.id AND n.v <> 1
""")
    op.create_index("ux_file_uploads_version", "file_uploads", ["ticket_instance_id", "filename", "version"],
                    unique=True)
    op.add_column("task_definitions", sa.Column("ext_ref", postgresql.JSONB(astext_type=sa.Text()),
                                                server_default="[]", nullable=False))
    op.add_column("ticket_definitions", sa.Column("ext_ref", postgresql.JSONB(astext_type=sa.Text()),
                                                  server_default="[]", nullable=False))
    op.add_column("ticket_definitions", sa.Column("editable_by", sa.String(length=16), server_default="requester",
                                                  nullable=False))


def downgrade() -> None:
    op.drop_column("ticket_definitions", "editable_by")
    op.drop_column("ticket_definitions", "ext_ref")
    op.drop_column("task_definitions", "ext_ref")
    op.drop_index("ux_file_uploads_version", table_name="file_uploads")
    op.drop_column("file_uploads", "version")
