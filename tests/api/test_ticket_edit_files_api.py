"""PATCH /tickets/{id} on a `file` field: another ticket's or another company's file is a 422 under the field."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg

from tests.fixtures.bundles import example, install
from tests.fixtures.db_rows import row, snapshot
from tests.fixtures.tenants import World

PDF = b"%PDF-1.4\nreceipt\n"


async def _claim(api: httpx.AsyncClient, headers: dict[str, str]) -> tuple[int, str]:
    """An expense ticket submitted with its receipt: its id and the receipt field's value (an attachment id)."""
    created = await api.post("/api/v1/tickets/with-files", headers=headers,
                             data={"ticket_type": "expense", "data": '{"amount": 12.5, "currency": "EUR", '
                                   '"category": "meals", "description": "Team lunch"}'},
                             files={"receipt": ("receipt.pdf", PDF, "application/pdf")})
    assert created.status_code == 201, created.text
    tid = int(created.json()["id"])
    detail = (await api.get(f"/api/v1/tickets/{tid}", headers=headers)).json()
    return tid, str(detail["fields"]["receipt"])


async def test_a_file_field_names_only_this_tickets_attachments(world: World, owner: psycopg.Connection,
                                                                api: httpx.AsyncClient, auth_headers: Any) -> None:
    await install(world.a, bundle=example("expense-reimbursement.json"))
    await install(world.b, bundle=example("expense-reimbursement.json"))
    mine = auth_headers(world.a.requester)
    tid, _ = await _claim(api, mine)
    _, other_ticket_file = await _claim(api, mine)
    _, other_company_file = await _claim(api, auth_headers(world.b.requester))
    def written() -> Any:  # row counts, the ticket's data and its audit rows
        return (snapshot(owner, world.a.company_id),
                row(owner, "SELECT ticket_data FROM ticket_instances WHERE id = %s", tid),
                row(owner, "SELECT count(*) AS n FROM audit_log WHERE entity = 'ticket' AND entity_id = %s", str(tid)))

    before = written()
    for value in (other_ticket_file, other_company_file):
        resp = await api.patch(f"/api/v1/tickets/{tid}", json={"fields": {"receipt": value}}, headers=mine)
        assert resp.status_code == 422, resp.text
        assert resp.json()["error"]["details"] == [{"field": "receipt",
                                                    "message": "choose one of this ticket's attachments"}]
    assert written() == before
    newer = await api.post(f"/api/v1/tickets/{tid}/attachments", headers=mine,
                           files={"file": ("receipt.pdf", PDF + b"v2\n", "application/pdf")})
    assert newer.status_code == 201 and newer.json()["version"] == 2
    ok = await api.patch(f"/api/v1/tickets/{tid}", json={"fields": {"receipt": str(newer.json()["id"])}},
                         headers=mine)
    assert ok.status_code == 200, ok.text
    assert ok.json()[-1]["field"] == "receipt" and ok.json()[-1]["after"] == str(newer.json()["id"])
