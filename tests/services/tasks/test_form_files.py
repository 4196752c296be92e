"""A FORM output field with the `file` widget takes the id of one of the ticket's attachments, nothing else."""

from __future__ import annotations

import psycopg
import pytest

from tests.fixtures.bundles import install, laptop_with_quote
from tests.fixtures.db_rows import snapshot, task_row
from tests.fixtures.tenants import World, worker_actor
from tfai.domain.errors import InvalidInput
from tfai.domain.policy import Actor
from tfai.services.tasks import work
from tfai.services.tickets import attachments, submission

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


async def _submitted(world: World, tenant: str = "a") -> tuple[int, int, Actor]:
    """(ticket id, approve task id, the assignee's actor) of a fresh laptop request."""
    t = getattr(world, tenant)
    await install(t, bundle=laptop_with_quote())
    created = await submission.submit_ticket(t.requester.actor, ticket_type="laptop",
                                             data={"model": "air-13", "price": 1})
    assert created.current_task is not None and created.current_task.assignee_id is not None
    return created.id, created.current_task.id, worker_actor(t, created.current_task.assignee_id)


async def test_the_task_lists_the_ticket_files_and_takes_one_of_their_ids(world: World,
                                                                         owner: psycopg.Connection) -> None:
    ticket_id, task_id, worker = await _submitted(world)
    quote = await attachments.add_attachment(world.a.requester.actor, ticket_id, filename="quote.pdf",
                                       content_type="application/pdf", data=PDF)
    detail = await work.get_task(worker, task_id)
    assert [(f.id, f.filename) for f in detail.ticket_files] == [(quote.id, "quote.pdf")]
    await work.complete_form_task(worker, task_id, output={"approved": True, "quote": str(quote.id)})
    assert task_row(owner, task_id)["output_data"]["quote"] == str(quote.id)


async def test_anything_but_an_attachment_of_this_ticket_is_refused_field_by_field(world: World,
                                                                                  owner: psycopg.Connection) -> None:
    ticket_id, task_id, worker = await _submitted(world)
    other_ticket, _, _ = await _submitted(world)
    elsewhere = await attachments.add_attachment(world.a.requester.actor, other_ticket, filename="other.pdf",
                                           content_type="application/pdf", data=PDF)
    b_ticket, _, _ = await _submitted(world, "b")
    foreign = await attachments.add_attachment(world.b.requester.actor, b_ticket, filename="b.pdf",
                                         content_type="application/pdf", data=PDF)
    before = snapshot(owner, world.a.company_id)
    for value in (str(elsewhere.id), str(foreign.id), "quote.pdf", "99999999", "-1"):
        with pytest.raises(InvalidInput) as err:
            await work.complete_form_task(worker, task_id, output={"approved": True, "quote": value})
        assert err.value.details == [{"field": "quote", "message": "choose one of this ticket's attachments"}]
    assert snapshot(owner, world.a.company_id) == before
    assert task_row(owner, task_id)["t_status"] == "OPEN"
    # The field is optional: leaving it out completes the task.
    await work.complete_form_task(worker, task_id, output={"approved": False})
    assert task_row(owner, task_id)["t_status"] == "COMPLETED"
