"""Files chosen in the submit form: stored as the new ticket's attachments in the submission's one transaction."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.fixtures.bundles import example, install
from tests.fixtures.db_rows import count
from tests.fixtures.tenants import World, with_company_roles
from tfai.domain.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge
from tfai.domain.limits import MAX_FILES
from tfai.services.tickets import attachments, submission, tracking
from tfai.services.tickets.attachments import NewFile
from tfai.settings import get_settings

PDF = b"%PDF-1.4\nreceipt\n"
CLAIM: dict[str, Any] = {"amount": 12.5, "currency": "EUR", "category": "meals", "description": "Team lunch"}


def _expense(*, receipt_required: bool = False) -> dict[str, Any]:
    bundle = example("expense-reimbursement.json")
    if receipt_required:
        bundle["ticket_types"][0]["fields"]["required"].append("receipt")
    return bundle


def _pdf(name: str = "receipt.pdf", data: bytes = PDF) -> NewFile:
    return NewFile(filename=name, content_type="application/pdf", data=data)


def _nothing_written(owner: psycopg.Connection, company_id: int) -> bool:
    return (count(owner, "SELECT count(*) FROM file_uploads WHERE company_id = %s", company_id) == 0
            and count(owner, "SELECT count(*) FROM ticket_instances WHERE company_id = %s", company_id) == 0)


async def test_a_required_file_field_is_filled_with_the_attachment_it_stored(world: World,
                                                                             owner: psycopg.Connection) -> None:
    await install(world.a, bundle=_expense(receipt_required=True))
    requester = world.a.requester.actor
    created = await submission.submit_ticket_with_files(requester, ticket_type="expense", data=dict(CLAIM),
                                                        files={"receipt": _pdf("../scan.pdf")})
    detail = await tracking.get_ticket(requester, created.id)
    [stored] = detail.attachments
    assert stored.filename == "scan.pdf" and stored.version == 1 and stored.ticket_id == created.id
    assert detail.fields["receipt"] == str(stored.id)
    _, path = await attachments.open_file(requester, stored.id)
    assert path.read_bytes() == PDF
    actions = owner.execute("SELECT action FROM audit_log WHERE company_id = %s AND entity = 'file'",
                            (world.a.company_id,)).fetchall()
    assert actions == [("uploaded",)]


async def test_without_the_required_file_nothing_is_written(world: World, owner: psycopg.Connection) -> None:
    await install(world.a, bundle=_expense(receipt_required=True))
    with pytest.raises(InvalidInput) as err:
        await submission.submit_ticket_with_files(world.a.requester.actor, ticket_type="expense", data=dict(CLAIM),
                                                  files={})
    assert "receipt" in str(err.value.details)
    assert _nothing_written(owner, world.a.company_id)


async def test_an_invalid_field_refuses_the_files_too(world: World, owner: psycopg.Connection) -> None:
    await install(world.a, bundle=_expense())
    with pytest.raises(InvalidInput):
        await submission.submit_ticket_with_files(world.a.requester.actor, ticket_type="expense",
                                                  data={**CLAIM, "amount": -1}, files={"receipt": _pdf()})
    assert _nothing_written(owner, world.a.company_id)


async def test_an_oversize_file_is_refused_with_nothing_written(world: World, owner: psycopg.Connection) -> None:
    await install(world.a, bundle=_expense())
    big = PDF + b"a" * get_settings().max_upload_bytes
    with pytest.raises(PayloadTooLarge) as err:
        await submission.submit_ticket_with_files(world.a.requester.actor, ticket_type="expense", data=dict(CLAIM),
                                                  files={"receipt": _pdf(data=big)})
    assert err.value.details == {"limit": get_settings().max_upload_bytes, "field": "receipt"}
    assert _nothing_written(owner, world.a.company_id)


async def test_a_refused_type_names_its_field(world: World, owner: psycopg.Connection) -> None:
    await install(world.a, bundle=_expense())
    with pytest.raises(InvalidInput) as err:
        await submission.submit_ticket_with_files(
            world.a.requester.actor, ticket_type="expense", data=dict(CLAIM),
            files={"receipt": NewFile(filename="x.html", content_type="text/html", data=b"<html></html>")})
    assert [d["field"] for d in err.value.details] == ["receipt"]
    assert _nothing_written(owner, world.a.company_id)


@pytest.mark.parametrize(("data", "files", "field"), [
    ({**CLAIM, "receipt": "1"}, {}, "receipt"),  # an id typed in, not a file chosen with the submission
    (dict(CLAIM), {"description": _pdf()}, "description"),  # a file for a field that is not a `file` field
])
async def test_a_file_field_value_must_be_a_chosen_file(world: World, owner: psycopg.Connection,
                                                        data: dict[str, Any], files: dict[str, NewFile],
                                                        field: str) -> None:
    await install(world.a, bundle=_expense())
    with pytest.raises(InvalidInput) as err:
        await submission.submit_ticket_with_files(world.a.requester.actor, ticket_type="expense", data=data,
                                                  files=files)
    assert [d["field"] for d in err.value.details] == [field]
    assert _nothing_written(owner, world.a.company_id)


async def test_the_plain_submission_refuses_a_file_field_value_too(world: World, owner: psycopg.Connection) -> None:
    await install(world.a, bundle=_expense())
    with pytest.raises(InvalidInput):
        await submission.submit_ticket(world.a.requester.actor, ticket_type="expense",
                                       data={**CLAIM, "receipt": "42"})
    assert _nothing_written(owner, world.a.company_id)


async def test_too_many_files_are_refused(world: World, owner: psycopg.Connection) -> None:
    await install(world.a, bundle=_expense())
    files = {f"f{i}": _pdf() for i in range(MAX_FILES + 1)}
    with pytest.raises(InvalidInput):
        await submission.submit_ticket_with_files(world.a.requester.actor, ticket_type="expense", data=dict(CLAIM),
                                                  files=files)
    assert _nothing_written(owner, world.a.company_id)


async def test_another_company_and_other_roles(world: World, owner: psycopg.Connection) -> None:
    await install(world.a, bundle=_expense())
    with pytest.raises(NotFound):  # company b has no such type: a's is not revealed
        await submission.submit_ticket_with_files(world.b.requester.actor, ticket_type="expense", data=dict(CLAIM),
                                                  files={"receipt": _pdf()})
    with pytest.raises(Forbidden):  # the type is for the `user` company role only
        await submission.submit_ticket_with_files(with_company_roles(world.a.requester.actor), ticket_type="expense",
                                                  data=dict(CLAIM), files={"receipt": _pdf()})
    assert _nothing_written(owner, world.a.company_id) and _nothing_written(owner, world.b.company_id)
    created = await submission.submit_ticket_with_files(world.a.requester.actor, ticket_type="expense",
                                                        data=dict(CLAIM), files={"receipt": _pdf()})
    file_id = int((await tracking.get_ticket(world.a.requester.actor, created.id)).fields["receipt"])
    with pytest.raises(NotFound):
        await attachments.open_file(world.b.admin.actor, file_id)
