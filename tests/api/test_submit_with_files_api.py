"""POST /api/v1/tickets/with-files: the ticket and its form's files in one multipart request, or nothing."""

from __future__ import annotations

import json

import httpx
import psycopg

from tests.fixtures.bundles import example, install
from tests.fixtures.db_rows import snapshot
from tests.fixtures.tenants import World
from tfai.settings import get_settings

PDF = b"%PDF-1.4\nreceipt\n"
CLAIM = {"amount": 12.5, "currency": "EUR", "category": "meals", "description": "Team lunch"}


def _form(data: dict[str, object], ticket_type: str = "expense") -> dict[str, str]:
    return {"ticket_type": ticket_type, "data": json.dumps(data)}


async def test_submit_with_a_file(world: World, api: httpx.AsyncClient, auth_headers) -> None:  # type: ignore[no-untyped-def]
    await install(world.a, bundle=example("expense-reimbursement.json"))
    req = auth_headers(world.a.requester)
    created = await api.post("/api/v1/tickets/with-files", data=_form(CLAIM), headers=req,
                             files={"receipt": ("scan.pdf", PDF, "application/pdf")})
    assert created.status_code == 201, created.text
    detail = (await api.get(f"/api/v1/tickets/{created.json()['id']}", headers=req)).json()
    [stored] = detail["attachments"]
    assert stored["filename"] == "scan.pdf" and detail["fields"]["receipt"] == str(stored["id"])
    download = await api.get(f"/api/v1/files/{stored['id']}", headers=req)
    assert download.status_code == 200 and download.content == PDF
    assert (await api.get(f"/api/v1/files/{stored['id']}", headers=auth_headers(world.b.admin))).status_code == 404


async def test_refusals_write_nothing(world: World, owner: psycopg.Connection, api: httpx.AsyncClient,
                                      auth_headers) -> None:  # type: ignore[no-untyped-def]
    await install(world.a, bundle=example("expense-reimbursement.json"))
    req = auth_headers(world.a.requester)
    before = snapshot(owner, world.a.company_id)
    typed_in = await api.post("/api/v1/tickets/with-files", data=_form({**CLAIM, "receipt": "7"}), headers=req,
                              files={"other": ("x.pdf", PDF, "application/pdf")})
    assert typed_in.status_code == 422
    assert {d["field"] for d in typed_in.json()["error"]["details"]} == {"receipt", "other"}
    html = await api.post("/api/v1/tickets/with-files", data=_form(CLAIM), headers=req,
                          files={"receipt": ("x.html", b"<html></html>", "text/html")})
    assert html.status_code == 422 and html.json()["error"]["details"][0]["field"] == "receipt"
    not_json = await api.post("/api/v1/tickets/with-files", data={"ticket_type": "expense", "data": "[1"}, headers=req,
                              files={"receipt": ("scan.pdf", PDF, "application/pdf")})
    assert not_json.status_code == 422
    elsewhere = await api.post("/api/v1/tickets/with-files", data=_form(CLAIM), headers=auth_headers(world.b.requester),
                               files={"receipt": ("scan.pdf", PDF, "application/pdf")})
    assert elsewhere.status_code == 404
    assert snapshot(owner, world.a.company_id) == before


async def test_an_oversize_file_is_refused(world: World, owner: psycopg.Connection, api: httpx.AsyncClient,
                                           auth_headers, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    await install(world.a, bundle=example("expense-reimbursement.json"))
    monkeypatch.setattr(get_settings(), "max_upload_bytes", 1024)  # small, so the body limit is not what refuses
    before = snapshot(owner, world.a.company_id)
    big = await api.post("/api/v1/tickets/with-files", data=_form(CLAIM), headers=auth_headers(world.a.requester),
                         files={"receipt": ("big.pdf", PDF + b"a" * 1024, "application/pdf")})
    assert big.status_code == 413 and big.json()["error"]["details"] == {"limit": 1024, "field": "receipt"}
    assert snapshot(owner, world.a.company_id) == before
