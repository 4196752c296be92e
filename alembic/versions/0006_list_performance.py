"""List performance: tickets carry `archived` (kept in sync by a trigger), state indexes, custom-field lookup

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# `archived` mirrors workflow_instances.w_status IN ('COMPLETED', 'CANCELLED') so the ticket lists filter, order
# and count on ticket_instances alone (an index-only count instead of one workflow probe per ticket).
# tfai_tickets_with_data: the GIN index on ticket_data cannot serve `@>` under row-level security (jsonb_contains
# is not leakproof, so it must run after the tenant predicate); this lookup runs as the owner and restricts
# itself to the transaction's company. When the owner is subject to RLS it is still correct, only unindexed.
UPGRADE = """
ALTER TABLE ticket_instances ADD COLUMN archived boolean NOT NULL DEFAULT false;
UPDATE ticket_instances t SET archived = true FROM workflow_instances w
 WHERE w.id = t.workflow_instance_id AND w.w_status IN ('COMPLETED', 'CANCELLED');
DROP INDEX ix_ticket_instances_creator;
CREATE INDEX ix_ticket_instances_creator ON ticket_instances (company_id, created_by, archived, id);
CREATE INDEX ix_ticket_instances_state ON ticket_instances (company_id, archived, id);

CREATE FUNCTION tfai_ticket_archived_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE ticket_instances SET archived = NEW.w_status IN ('COMPLETED', 'CANCELLED')
   WHERE workflow_instance_id = NEW.id AND archived <> (NEW.w_status IN ('COMPLETED', 'CANCELLED'));
  RETURN NULL;
END
$$;
CREATE TRIGGER tr_workflow_instances_archived AFTER UPDATE OF w_status ON workflow_instances
  FOR EACH ROW WHEN (OLD.w_status IS DISTINCT FROM NEW.w_status) EXECUTE FUNCTION tfai_ticket_archived_sync();

CREATE FUNCTION tfai_ticket_archived_init() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  NEW.archived := EXISTS (SELECT 1 FROM workflow_instances w WHERE w.id = NEW.workflow_instance_id
                          AND w.w_status IN ('COMPLETED', 'CANCELLED'));
  RETURN NEW;
END
$$;
CREATE TRIGGER tr_ticket_instances_archived BEFORE INSERT OR UPDATE OF workflow_instance_id ON ticket_instances
  FOR EACH ROW EXECUTE FUNCTION tfai_ticket_archived_init();

CREATE FUNCTION tfai_tickets_with_data(p_filter jsonb) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 100 AS $$
  SELECT id FROM ticket_instances
  WHERE company_id = NULLIF(current_setting('app.company_id', true), '')::bigint AND ticket_data @> p_filter
$$;
"""

DOWNGRADE = """
DROP FUNCTION IF EXISTS tfai_tickets_with_data(jsonb);
DROP TRIGGER IF EXISTS tr_ticket_instances_archived ON ticket_instances;
DROP FUNCTION IF EXISTS tfai_ticket_archived_init();
DROP TRIGGER IF EXISTS tr_workflow_instances_archived ON workflow_instances;
DROP FUNCTION IF EXISTS tfai_ticket_archived_sync();
DROP INDEX IF EXISTS ix_ticket_instances_state;
DROP INDEX IF EXISTS ix_ticket_instances_creator;
CREATE INDEX ix_ticket_instances_creator ON ticket_instances (company_id, created_by, id);
ALTER TABLE ticket_instances DROP COLUMN IF EXISTS archived;
"""


def upgrade() -> None:
    op.execute(UPGRADE)  # the app role gets EXECUTE from `tfai migrate` (ensure_app_role)


def downgrade() -> None:
    op.execute(DOWNGRADE)
