"""ext_ref on tasks and ticket types and a ticket type's editable_by: stored, shown, exported; only web/mail links."""

from __future__ import annotations

import pytest

from tests.fixtures.bundles import example, install
from tests.fixtures.tenants import World
from tfai.domain.errors import InvalidDefinition, NotFound
from tfai.services.definitions import bundles, catalog

TASK_REF = {"label": "Approval guide", "desc": "How managers decide", "uri": "https://intranet.example.com/approve"}
TYPE_REF = {"label": "Hardware desk", "uri": "mailto:hardware@example.com"}


def _bundle() -> dict:  # type: ignore[type-arg]
    bundle = example("laptop-request.json")
    bundle["workflow"]["tasks"][0]["ext_ref"] = [TASK_REF]
    bundle["ticket_types"][0]["ext_ref"] = [TYPE_REF]
    bundle["ticket_types"][0]["editable_by"] = "admins"
    return bundle


async def test_ext_ref_and_editable_by_are_stored_shown_and_exported(world: World) -> None:
    await install(world.a, bundle=_bundle())
    task = await catalog.get_task_definition(world.a.designer.actor, "laptop-request", "approve")
    assert task.ext_ref == [TASK_REF]
    ttype = await catalog.get_ticket_type(world.a.designer.actor, "laptop")
    assert ttype.ext_ref == [TYPE_REF] and ttype.editable_by == "admins"
    assert ttype.section["ext_ref"] == [TYPE_REF] and ttype.section["editable_by"] == "admins"
    doc = await bundles.export_document(world.a.designer.actor, "laptop-request")
    assert doc["workflow"]["tasks"][0]["ext_ref"] == [TASK_REF]
    assert doc["ticket_types"][0]["ext_ref"] == [TYPE_REF] and doc["ticket_types"][0]["editable_by"] == "admins"
    again = await bundles.save_bundle(world.a.designer.actor, doc)  # the export saves back unchanged
    assert not again.changed
    with pytest.raises(NotFound):
        await catalog.get_task_definition(world.b.designer.actor, "laptop-request", "approve")


async def test_defaults_stay_implicit_in_the_export(world: World) -> None:
    await install(world.a)
    doc = await bundles.export_document(world.a.designer.actor, "laptop-request")
    assert "editable_by" not in doc["ticket_types"][0] and "ext_ref" not in doc["ticket_types"][0]
    assert (await catalog.get_ticket_type(world.a.designer.actor, "laptop")).editable_by == "requester"


@pytest.mark.parametrize("uri", ["javascript:alert(1)", "data:text/html,x", "ftp://host/x", "https://", "mailto:",
                                 "https://host/a b"])
async def test_only_web_and_mail_links(world: World, uri: str) -> None:
    bundle = _bundle()
    bundle["ticket_types"][0]["ext_ref"] = [{"label": "x", "uri": uri}]
    bundle["workflow"]["tasks"][0]["ext_ref"] = [{"label": "x", "uri": uri}]
    with pytest.raises(InvalidDefinition) as err:
        await bundles.save_bundle(world.a.designer.actor, bundle)
    pointers = {p["path"] for p in err.value.problems}
    assert {"/ticket_types/0/ext_ref/0/uri", "/workflow/tasks/0/ext_ref/0/uri"} <= pointers


async def test_unknown_editable_by_is_refused(world: World) -> None:
    bundle = _bundle()
    bundle["ticket_types"][0]["editable_by"] = "everyone"
    with pytest.raises(InvalidDefinition) as err:
        await bundles.save_bundle(world.a.designer.actor, bundle)
    assert "/ticket_types/0/editable_by" in {p["path"] for p in err.value.problems}
