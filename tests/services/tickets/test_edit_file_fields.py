"""Editing a ticket's `file` field: the value must name one of that ticket's attachments, else nothing is written."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.fixtures.bundles import example, install
from tests.fixtures.db_rows import row, workflow_of_ticket
from tests.fixtures.tenants import Tenant, World
from tfai.domain.errors import InvalidInput
from tfai.services.tickets import attachments, editing, submission, tracking
from tfai.services.tickets.attachments import NewFile

PDF = b"%PDF-1.4\nreceipt\n"
CLAIM: dict[str, Any] = {"amount": 12.5, "currency": "EUR", "category": "meals", "description": "Team lunch"}


async def _expense_ticket(tenant: Tenant, name: str = "receipt.pdf") -> tuple[int, int]:
    """A ticket of the expense example submitted with its receipt: (ticket id, the receipt's attachment id)."""
    created = await submission.submit_ticket_with_files(
        tenant.requester.actor, ticket_type="expense", data=dict(CLAIM),
        files={"receipt": NewFile(filename=name, content_type="application/pdf", data=PDF)})
    detail = await tracking.get_ticket(tenant.requester.actor, created.id)
    return created.id, int(detail.fields["receipt"])


def _written(owner: psycopg.Connection, ticket_id: int) -> tuple[Any, ...]:
    """The ticket's data, its workflow data and its audit rows: the same before and after a refused edit."""
    data = row(owner, "SELECT ticket_data FROM ticket_instances WHERE id = %s", ticket_id)
    audits = row(owner, "SELECT count(*) AS n FROM audit_log WHERE entity = 'ticket' AND entity_id = %s",
                 str(ticket_id))
    assert data is not None and audits is not None
    return data["ticket_data"], workflow_of_ticket(owner, ticket_id)["workflow_data"], audits["n"]


async def test_a_file_field_takes_another_attachment_of_the_same_ticket(world: World,
                                                                        owner: psycopg.Connection) -> None:
    await install(world.a, bundle=example("expense-reimbursement.json"))
    ticket, first = await _expense_ticket(world.a)
    newer = await attachments.add_attachment(world.a.requester.actor, ticket, filename="receipt.pdf",
                                             content_type="application/pdf", data=PDF + b"v2\n")
    assert newer.version == 2
    changes = await editing.edit_ticket(world.a.requester.actor, ticket, fields={"receipt": str(newer.id)})
    assert [(c.field, c.before, c.after) for c in changes] == [("receipt", str(first), str(newer.id))]
    assert workflow_of_ticket(owner, ticket)["workflow_data"]["ticket"]["receipt"] == str(newer.id)
    # Sending the value it already has changes nothing and is not refused.
    assert len(await editing.edit_ticket(world.a.requester.actor, ticket, fields={"receipt": str(newer.id)})) == 1


@pytest.mark.parametrize("whose", ["another ticket", "another company", "no file", "not an id"])
async def test_a_file_that_is_not_this_tickets_attachment_is_refused(world: World, owner: psycopg.Connection,
                                                                     whose: str) -> None:
    bundle = example("expense-reimbursement.json")
    await install(world.a, bundle=bundle)
    await install(world.b, bundle=example("expense-reimbursement.json"))
    ticket, _ = await _expense_ticket(world.a)
    _, other_ticket_file = await _expense_ticket(world.a, "other.pdf")
    _, other_company_file = await _expense_ticket(world.b, "theirs.pdf")
    value = {"another ticket": str(other_ticket_file), "another company": str(other_company_file),
             "no file": str(other_company_file + 1000), "not an id": "receipt.pdf"}[whose]
    before = _written(owner, ticket)
    for actor in (world.a.requester.actor, world.a.admin.actor):
        with pytest.raises(InvalidInput) as err:
            await editing.edit_ticket(actor, ticket, fields={"receipt": value, "description": "Client lunch"})
        assert err.value.details == [{"field": "receipt", "message": "choose one of this ticket's attachments"}]
    assert _written(owner, ticket) == before
