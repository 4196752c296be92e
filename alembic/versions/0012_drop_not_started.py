"""Workflow statuses without NOT_STARTED: it was never entered (a workflow starts with its ticket, in one transaction)

PostgreSQL cannot drop an enum value, so the type is recreated. The archived trigger names w_status (UPDATE OF and
WHEN), which blocks a change of the column's type: it is dropped and created again, unchanged. Functions compare
w_status with text literals and are not bound to the type.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = """
CREATE TRIGGER tr_workflow_instances_archived AFTER UPDATE OF w_status ON workflow_instances
  FOR EACH ROW WHEN (OLD.w_status IS DISTINCT FROM NEW.w_status) EXECUTE FUNCTION tfai_ticket_archived_sync();
"""
RETYPE = """
DROP TRIGGER tr_workflow_instances_archived ON workflow_instances;
ALTER TYPE workflow_status RENAME TO workflow_status_old;
CREATE TYPE workflow_status AS ENUM ({values});
ALTER TABLE workflow_instances ALTER COLUMN w_status TYPE workflow_status USING w_status::text::workflow_status;
DROP TYPE workflow_status_old;
"""


def upgrade() -> None:
    op.execute(RETYPE.format(values="'IN_PROGRESS', 'COMPLETED', 'CANCELLED', 'ON_HOLD'") + TRIGGER)


def downgrade() -> None:
    op.execute(RETYPE.format(values="'NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED', 'ON_HOLD'") + TRIGGER)
