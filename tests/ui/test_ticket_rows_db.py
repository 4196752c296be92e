"""The page helpers map real service answers (after a workflow advanced to an action task) without failing."""

from __future__ import annotations

from tests.fixtures.bundles import install
from tests.fixtures.tenants import World
from tfai.services.tasks import work
from tfai.services.tickets import submission, tracking
from tfai.ui.state.ticket_detail import current_view, ticket_view
from tfai.ui.state.work_rows import label_values, task_row, ticket_row, timeline_row


async def test_rows_of_an_approved_laptop_ticket(world: World) -> None:
    a = world.a
    await install(a)
    created = await submission.submit_ticket(a.requester.actor, ticket_type="laptop",
                                             data={"model": "pro-14", "price": 9})
    assert created.current_task is not None
    worker = next(w for w in a.workers if w.id == created.current_task.assignee_id)
    mine = await work.list_tasks(worker.actor, scope="mine")
    assert [task_row(t)["ticket_href"] for t in mine.items] == [f"/tickets/{created.id}"]
    await work.complete_form_task(worker.actor, created.current_task.id, output={"approved": True, "comment": "ok"})

    page = await tracking.list_tickets(a.requester.actor, scope="mine")
    rows = [ticket_row(t) for t in page.items]
    assert rows[0]["number"] == f"#{created.id}" and rows[0]["title"] == "New laptop: pro-14"
    detail = await tracking.get_ticket(a.requester.actor, created.id)
    assert ticket_view(detail)["status"] == "active"
    assert current_view(detail.current_task).get("assignee", "automatic") == "automatic"
    timeline = [timeline_row(x) for x in detail.timeline]
    assert {"label": "Approved", "value": "Yes", "section": ""} in timeline[0]["outputs"]
    assert {"label": "Comment", "value": "ok", "section": ""} in timeline[0]["outputs"]
    assert label_values(detail.fields_schema, detail.display_layout, detail.fields)[0]["value"] == "pro-14"
