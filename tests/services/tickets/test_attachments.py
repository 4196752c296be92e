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


async def test_files_are_stored_per_company_without_sharing(world: World) -> None:
    ticket_a = await _ticket(world)
    await install(world.b)
    ticket_b = (await submission.submit_ticket(world.b.requester.actor, ticket_type="laptop",
                                               data={"model": "air-13", "price": 1})).id
    same = b"%PDF-1.4\nthe very same contract\n"
    in_a = await attachments.add_attachment(world.a.requester.actor, ticket_a, filename="c.pdf",
                                            content_type="application/pdf", data=same)
    in_b = await attachments.add_attachment(world.b.requester.actor, ticket_b, filename="c.pdf",
                                            content_type="application/pdf", data=same)
    _, path_a = await attachments.open_file(world.a.requester.actor, in_a.id)
    _, path_b = await attachments.open_file(world.b.requester.actor, in_b.id)
    assert path_a != path_b and path_a.read_bytes() == path_b.read_bytes() == same
    assert f"company-{world.a.company_id}" in path_a.parts and f"company-{world.b.company_id}" in path_b.parts


async def test_files_stored_before_per_company_folders_stay_readable(world: World, owner: psycopg.Connection) -> None:
    import hashlib

    ticket_id = await _ticket(world)
    old = b"%PDF-1.4\nstored by an earlier version\n"
    key = hashlib.sha256(old).hexdigest()
    legacy = get_settings().files_dir / key[:2] / key
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_bytes(old)
    file_id = owner.execute(
        "INSERT INTO file_uploads (company_id, ticket_instance_id, uploaded_by, filename, content_type, size, "
        "content_key) VALUES (%s, %s, %s, 'old.pdf', 'application/pdf', %s, %s) RETURNING id",
        (world.a.company_id, ticket_id, world.a.requester.id, len(old), key)).fetchone()
    assert file_id is not None
    _, path = await attachments.open_file(world.a.requester.actor, file_id[0])
    assert path == legacy and path.read_bytes() == old
    with pytest.raises(NotFound):
        await attachments.open_file(world.b.admin.actor, file_id[0])
