"""Workflow engine (issue 21): JOIN/TIMER/CALL task types, for_each groups, child workflows of CALL tasks

`task_type` gains JOIN, TIMER and CALL. A task instance may belong to a for_each group (`group_id`, the first
instance's id, and its `item_index`) and to a child workflow started by a CALL (`call_workflow_id`; its
`workflow_instance_id` stays the ticket's own workflow, so every ticket, policy and list query keeps working).
A child workflow instance links to the CALL task instance that started it (`parent_task_instance_id`) and knows
its nesting (`call_depth`). `due_at` holds a FORM task's due time (`due`). Every reference is a composite
(company_id, id) foreign key: a child is always of the same company.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RETYPE = """
ALTER TYPE task_type RENAME TO task_type_old;
CREATE TYPE task_type AS ENUM ('FORM', 'SYNC_ACTION', 'ASYNC_ACTION');
ALTER TABLE task_definitions ALTER COLUMN t_type TYPE task_type USING t_type::text::task_type;
DROP TYPE task_type_old;
"""


def upgrade() -> None:
    for value in ("JOIN", "TIMER", "CALL"):
        op.execute(f"ALTER TYPE task_type ADD VALUE IF NOT EXISTS '{value}'")
    op.add_column("task_instances", sa.Column("call_workflow_id", sa.BigInteger(), nullable=True))
    op.add_column("task_instances", sa.Column("group_id", sa.BigInteger(), nullable=True))
    op.add_column("task_instances", sa.Column("item_index", sa.Integer(), nullable=True))
    op.add_column("task_instances", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("workflow_instances", sa.Column("parent_task_instance_id", sa.BigInteger(), nullable=True))
    op.add_column("workflow_instances", sa.Column("call_depth", sa.Integer(), server_default="0", nullable=False))
    op.create_foreign_key("fk_task_instances_call_workflow_id_tenant", "task_instances", "workflow_instances",
                          ["company_id", "call_workflow_id"], ["company_id", "id"], ondelete="CASCADE")
    op.create_foreign_key("fk_workflow_instances_parent_task_instance_id_tenant", "workflow_instances",
                          "task_instances", ["company_id", "parent_task_instance_id"], ["company_id", "id"],
                          ondelete="CASCADE")
    op.create_index("ix_task_instances_group", "task_instances", ["company_id", "group_id"],
                    postgresql_where=sa.text("group_id IS NOT NULL"))
    op.create_index("ix_task_instances_call_workflow", "task_instances", ["company_id", "call_workflow_id"],
                    postgresql_where=sa.text("call_workflow_id IS NOT NULL"))
    op.create_index("ix_workflow_instances_parent", "workflow_instances", ["company_id", "parent_task_instance_id"],
                    postgresql_where=sa.text("parent_task_instance_id IS NOT NULL"))


def downgrade() -> None:
    # Child workflows have no ticket: they go with the columns that tied them to their parents.
    op.execute("DELETE FROM workflow_instances WHERE parent_task_instance_id IS NOT NULL")
    op.drop_index("ix_workflow_instances_parent", table_name="workflow_instances")
    op.drop_index("ix_task_instances_call_workflow", table_name="task_instances")
    op.drop_index("ix_task_instances_group", table_name="task_instances")
    op.drop_constraint("fk_workflow_instances_parent_task_instance_id_tenant", "workflow_instances",
                       type_="foreignkey")
    op.drop_constraint("fk_task_instances_call_workflow_id_tenant", "task_instances", type_="foreignkey")
    op.drop_column("workflow_instances", "call_depth")
    op.drop_column("workflow_instances", "parent_task_instance_id")
    op.drop_column("task_instances", "due_at")
    op.drop_column("task_instances", "item_index")
    op.drop_column("task_instances", "group_id")
    op.drop_column("task_instances", "call_workflow_id")
    # PostgreSQL cannot drop enum values: the type is made again (refused while definitions use the new types).
    op.execute(RETYPE)
