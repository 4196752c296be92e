"""Attachments: stored by content key outside the public upload folder, size and type checks, access."""

from __future__ import annotations

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import count
from tests.fixtures.tenants import World
from tfai.domain.errors import InvalidInput, NotFound, PayloadTooLarge
from tfai.services.tickets import attachments, submission, tracking
from tfai.settings import get_settings

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


async def _ticket(world: World) -> int:
    await install(world.a)
    return (await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop",
                                        data={"model": "air-13", "price": 1})).id


async def test_upload_and_open(world: World, owner: psycopg.Connection) -> None:
    ticket_id = await _ticket(world)
    meta = await attachments.add_attachment(world.a.requester.actor, ticket_id, filename="../../quote\x00.pdf",
                                      content_type="application/pdf; charset=binary", data=PDF)
    assert meta.filename == "quote.pdf" and meta.content_type == "application/pdf" and meta.size == len(PDF)
    got, path = await attachments.open_file(world.a.ticket_admin.actor, meta.id)
    assert got.id == meta.id and path.read_bytes() == PDF
    assert path.is_relative_to(get_settings().files_dir)
    detail = await tracking.get_ticket(world.a.requester.actor, ticket_id)
    assert [f.id for f in detail.attachments] == [meta.id]
    for outsider in (world.b.admin, world.a.designer):
        with pytest.raises(NotFound):
            await attachments.open_file(outsider.actor, meta.id)
    with pytest.raises(NotFound):
        await attachments.add_attachment(world.b.admin.actor, ticket_id, filename="x.txt", content_type="text/plain",
                                   data=b"hi")


@pytest.mark.parametrize(("ctype", "data"), [
    ("text/html", b"<html></html>"),
    ("image/svg+xml", b"<svg/>"),
    ("application/pdf", b"MZ\x90\x00 not a pdf"),
    ("image/png", PDF),
    ("text/plain", b"<script>alert(1)</script>"),
    ("text/plain", b"\x00\x01binary"),
    ("text/plain", b""),
])
async def test_rejected_content(world: World, owner: psycopg.Connection, ctype: str, data: bytes) -> None:
    ticket_id = await _ticket(world)
    with pytest.raises(InvalidInput):
        await attachments.add_attachment(world.a.requester.actor, ticket_id, filename="f", content_type=ctype,
                                         data=data)
    assert count(owner, "SELECT count(*) FROM file_uploads WHERE company_id = %s", world.a.company_id) == 0


async def test_size_limit(world: World, owner: psycopg.Connection) -> None:
    ticket_id = await _ticket(world)
    big = b"a" * (get_settings().max_upload_bytes + 1)
    with pytest.raises(PayloadTooLarge):
        await attachments.add_attachment(world.a.requester.actor, ticket_id, filename="big.txt",
                                         content_type="text/plain", data=big)
    assert count(owner, "SELECT count(*) FROM file_uploads WHERE company_id = %s", world.a.company_id) == 0
