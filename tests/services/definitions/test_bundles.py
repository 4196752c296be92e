"""The definitions service: validate, save with versioning, reads, export round-trip, diff and dry runs."""

from __future__ import annotations

import asyncio
import copy
import json

import pytest

from tests.fixtures.bundles import EXAMPLE_FILES, laptop
from tfai.db.session import tenant_tx
from tfai.domain.bundle import load_bundle_text
from tfai.domain.errors import Forbidden, InvalidDefinition, InvalidInput, NotFound
from tfai.services.definitions import _store, bundles, catalog


def _count(owner, table: str, company_id: int) -> int:  # type: ignore[no-untyped-def]
    return owner.execute(f"SELECT count(*) FROM {table} WHERE company_id = %s", (company_id,)).fetchone()[0]


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
async def test_every_example_uploads_as_version_one(world, owner, path) -> None:  # type: ignore[no-untyped-def]
    bundle = load_bundle_text(path.read_text(encoding="utf-8"))
    saved = await bundles.save_bundle(world.a.designer.actor, bundle)
    wf = bundle["workflow"]
    assert (saved.workflow_key, saved.workflow_version, saved.created, saved.changed) == (wf["key"], 1, True, True)
    assert [(t.key, t.version) for t in saved.ticket_types] == [(t["key"], 1) for t in bundle["ticket_types"]]
    cid = world.a.company_id
    assert _count(owner, "workflow_definitions", cid) == 1
    assert _count(owner, "task_definitions", cid) == len(wf["tasks"])
    assert _count(owner, "workflow_transitions", cid) == len(wf.get("transitions", []))
    assert _count(owner, "ticket_definitions", cid) == len(bundle["ticket_types"])
    stored = owner.execute("SELECT bundle, start_task_key FROM workflow_definitions WHERE company_id = %s",
                           (cid,)).fetchone()
    assert stored == (wf, wf["start"])
    detail = await catalog.get_workflow(world.a.designer.actor, wf["key"])
    assert [t.key for t in detail.tasks] == [t["key"] for t in wf["tasks"]]
    assert [(t.from_task, t.to_task, t.condition) for t in detail.transitions] == [
        (t["from"], t["to"], t.get("condition")) for t in wf.get("transitions", [])]
    assert detail.bundle == wf


async def test_stored_rows_carry_positions_ids_and_audit(world, owner) -> None:  # type: ignore[no-untyped-def]
    await bundles.save_bundle(world.a.admin.actor, laptop())
    cid = world.a.company_id
    tasks = owner.execute("SELECT key, position, version, t_type::text FROM task_definitions WHERE company_id = %s "
                          "ORDER BY position", (cid,)).fetchall()
    assert tasks == [("approve", 0, 1, "FORM"), ("order", 1, 1, "SYNC_ACTION"), ("delivery", 2, 1, "ASYNC_ACTION"),
                     ("rejected", 3, 1, "FORM")]
    edges = owner.execute(
        "SELECT f.key, t.key, tr.condition, tr.priority, tr.position FROM workflow_transitions tr "
        "JOIN task_definitions f ON f.id = tr.from_task_id LEFT JOIN task_definitions t ON t.id = tr.to_task_id "
        "WHERE tr.company_id = %s ORDER BY tr.position", (cid,)).fetchall()
    assert edges == [("approve", "order", "output.approved", 10, 0), ("approve", "rejected", None, 0, 1),
                     ("order", "delivery", None, 0, 2)]
    audit = owner.execute("SELECT entity, action, actor_user_id FROM audit_log WHERE company_id = %s ORDER BY id",
                          (cid,)).fetchall()
    assert audit == [("workflow_definition", "version_created", world.a.admin.id),
                     ("ticket_definition", "version_created", world.a.admin.id)]


async def test_invalid_upload_stores_nothing(world, owner) -> None:  # type: ignore[no-untyped-def]
    bad = laptop()
    bad["workflow"]["start"] = "nowhere"
    with pytest.raises(InvalidDefinition) as caught:
        await bundles.save_bundle(world.a.designer.actor, bad)
    assert caught.value.problems and all({"path", "code", "message"} <= set(p) for p in caught.value.problems)
    for table in ("workflow_definitions", "task_definitions", "ticket_definitions", "audit_log"):
        assert _count(owner, table, world.a.company_id) == 0
    report = await bundles.validate_bundle(world.a.designer.actor, bad)
    assert not report.valid and report.errors
    with pytest.raises(InvalidDefinition):
        await bundles.save_bundle(world.a.designer.actor, {"format": "tfai.bundle/v1"})
    assert _count(owner, "workflow_definitions", world.a.company_id) == 0


async def test_validate_knows_the_company_definitions(world) -> None:  # type: ignore[no-untyped-def]
    actor = world.a.designer.actor
    only_tt = {"format": "tfai.bundle/v1", "ticket_types": laptop()["ticket_types"]}
    before = await bundles.validate_bundle(actor, only_tt)
    assert not before.valid and before.errors[0].code == "ticket_type.unknown_workflow"
    assert (await bundles.validate_bundle(actor, laptop())).valid
    await bundles.save_bundle(actor, laptop())
    assert (await bundles.validate_bundle(actor, only_tt)).valid
    other = await bundles.validate_bundle(world.b.designer.actor, only_tt)
    assert not other.valid
    changed = copy.deepcopy(only_tt)
    changed["ticket_types"][0]["title"] = "Laptop, v2"
    saved = await bundles.save_bundle(actor, changed)
    assert saved.workflow_key is None and [(t.key, t.version) for t in saved.ticket_types] == [("laptop", 2)]
    unknown_role = laptop()
    unknown_role["ticket_types"][0]["company_role_access"] = ["nobody"]
    report = await bundles.validate_bundle(actor, unknown_role)
    assert report.valid and [w.code for w in report.warnings] == ["ticket_type.unknown_role"]


async def test_private_action_urls_follow_the_setting(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    private = laptop()
    private["workflow"]["tasks"][1]["action_url"] = "http://10.1.2.3/orders"
    assert not (await bundles.validate_bundle(world.a.designer.actor, private)).valid
    allowed = bundles.get_settings().model_copy(update={"actions_allow_private_networks": True})
    monkeypatch.setattr(bundles, "get_settings", lambda: allowed)
    assert (await bundles.validate_bundle(world.a.designer.actor, private)).valid


async def test_versioning(world, owner) -> None:  # type: ignore[no-untyped-def]
    actor = world.a.designer.actor
    first = await bundles.save_bundle(actor, laptop())
    again = await bundles.save_bundle(actor, laptop())
    assert (again.workflow_version, again.created, again.changed) == (1, False, False)
    assert [(t.key, t.version) for t in again.ticket_types] == [("laptop", 1)]
    as_yaml = load_bundle_text(bundles.render_bundle(laptop(), "yaml"))
    assert (await bundles.save_bundle(actor, as_yaml)).changed is False
    changed = laptop()
    changed["workflow"]["title"] = "Laptop request (new)"
    changed["workflow"]["tasks"][0]["title"] = "Boss approval"
    second = await bundles.save_bundle(actor, changed)
    assert (second.workflow_version, second.created, second.changed) == (2, False, True)
    assert [(t.key, t.version) for t in second.ticket_types] == [("laptop", 1)]
    assert first.workflow_version == 1
    cid = world.a.company_id
    assert _count(owner, "workflow_definitions", cid) == 2 and _count(owner, "task_definitions", cid) == 8
    v1 = await catalog.get_workflow(actor, "laptop-request", 1)
    v2 = await catalog.get_workflow(actor, "laptop-request")
    assert (v1.title, v1.tasks[0].title, v1.newest_version) == ("Laptop request", "Manager approval", 2)
    assert (v2.version, v2.title, v2.tasks[0].title) == (2, "Laptop request (new)", "Boss approval")
    assert [v.version for v in v2.versions] == [2, 1] and v2.versions[0].created_by_email == world.a.designer.email
    async with tenant_tx(cid) as session:
        wf = await _store.current_workflow(session, "laptop-request")
        assert wf is not None and wf.version == 2
        tasks = await _store.workflow_tasks(session, wf.id)  # type: ignore[arg-type]
        assert list(tasks) == ["approve", "order", "delivery", "rejected"] and tasks["approve"].title == "Boss approval"
        old = await _store.workflow_tasks(session, v1_id := owner.execute(
            "SELECT id FROM workflow_definitions WHERE company_id = %s AND version = 1", (cid,)).fetchone()[0])
        assert old["approve"].title == "Manager approval" and old["approve"].workflow_definition_id == v1_id
        tt = await _store.current_ticket_type(session, "laptop")
        assert tt is not None and tt.version == 1 and tt.workflow_key == "laptop-request"
        assert await _store.current_ticket_type(session, "nope") is None
    tt_changed = laptop()
    tt_changed["ticket_types"][0]["company_role_access"] = ["user", "extra"]
    third = await bundles.save_bundle(actor, tt_changed)
    assert third.workflow_version == 3 and [(t.key, t.version) for t in third.ticket_types] == [("laptop", 2)]
    assert (await catalog.get_ticket_type(actor, "laptop", 1)).company_role_access == ["user"]
    assert [v.version for v in (await catalog.get_ticket_type(actor, "laptop")).versions] == [2, 1]


async def test_concurrent_saves_of_one_key_make_one_version(world, owner) -> None:  # type: ignore[no-untyped-def]
    results = await asyncio.gather(*(bundles.save_bundle(world.a.designer.actor, laptop()) for _ in range(3)))
    assert sorted(r.changed for r in results) == [False, False, True]
    assert {r.workflow_version for r in results} == {1}
    assert _count(owner, "workflow_definitions", world.a.company_id) == 1


async def test_lists_search_and_paginate(world) -> None:  # type: ignore[no-untyped-def]
    actor = world.a.designer.actor
    for path in EXAMPLE_FILES:
        await bundles.save_bundle(actor, load_bundle_text(path.read_text(encoding="utf-8")))
    page = await catalog.list_workflows(actor, page_size=2)
    assert page.total == len(EXAMPLE_FILES) and len(page.items) == 2 and page.page == 1
    keys = [w.key for w in page.items]
    assert keys == sorted(keys)
    lap = await catalog.list_workflows(actor, search="LAPTOP")
    assert [(w.key, w.version, w.task_count, w.ticket_type_keys, w.updated_by_email) for w in lap.items] == [
        ("laptop-request", 1, 4, ["laptop"], world.a.designer.email)]
    assert (await catalog.list_workflows(actor, search="%")).total == 0
    last = await catalog.list_workflows(actor, page=99, page_size=1000)
    assert last.items == [] and last.page_size == 100 and last.total == len(EXAMPLE_FILES)
    tts = await catalog.list_ticket_types(actor, search="laptop")
    assert [(t.key, t.workflow_key, t.version) for t in tts.items] == [("laptop", "laptop-request", 1)]
    tasks = await catalog.list_task_definitions(actor, search="laptop-request")
    assert [t.key for t in tasks.items] == ["approve", "order", "delivery", "rejected"]
    assert tasks.items[1].type == "SYNC_ACTION"
    order = await catalog.get_task_definition(actor, "laptop-request", "order")
    assert order.action_url == "https://vendor.example.com/api/orders" and order.timeout_seconds == 15
    assert [t.from_task for t in order.incoming] == ["approve"] and [t.to_task for t in order.outgoing] == ["delivery"]
    with pytest.raises(NotFound):
        await catalog.get_task_definition(actor, "laptop-request", "nope")
    tt = await catalog.get_ticket_type(actor, "laptop")
    assert tt.workflow_title == "Laptop request" and tt.section == laptop()["ticket_types"][0]


@pytest.mark.parametrize("fmt", ["json", "yaml"])
async def test_export_import_round_trips(world, fmt) -> None:  # type: ignore[no-untyped-def]
    for path in EXAMPLE_FILES:
        original = load_bundle_text(path.read_text(encoding="utf-8"))
        await bundles.save_bundle(world.a.designer.actor, original)
        key = original["workflow"]["key"]
        exported = await bundles.export_bundle(world.a.designer.actor, key, fmt=fmt)
        document = load_bundle_text(exported)
        assert document["workflow"] == original["workflow"]
        assert document["ticket_types"] == original["ticket_types"]
        saved = await bundles.save_bundle(world.b.designer.actor, document)
        assert saved.created and saved.workflow_version == 1
        assert await bundles.export_bundle(world.b.designer.actor, key, fmt=fmt) == exported
    exported = await bundles.export_bundle(world.a.designer.actor, "laptop-request", fmt=fmt)
    assert exported.lstrip().startswith("{" if fmt == "json" else "format: tfai.bundle/v1")
    with pytest.raises(InvalidInput):
        await bundles.export_bundle(world.a.designer.actor, "laptop-request", fmt="xml")


async def test_diff_between_versions(world) -> None:  # type: ignore[no-untyped-def]
    actor = world.a.designer.actor
    await bundles.save_bundle(actor, laptop())
    changed = laptop()
    changed["workflow"]["tasks"][0]["title"] = "Boss approval"
    await bundles.save_bundle(actor, changed)
    lines = await catalog.diff_versions(actor, "laptop-request", 1, 2)
    assert [ln.kind for ln in lines[:3]] == ["header", "header", "hunk"]
    assert [ln.text for ln in lines if ln.kind == "remove"] == ['-      "title": "Manager approval",']
    assert [ln.text for ln in lines if ln.kind == "add"] == ['+      "title": "Boss approval",']
    assert await catalog.diff_versions(actor, "laptop-request", 2, 2) == []
    with pytest.raises(NotFound):
        await catalog.diff_versions(actor, "laptop-request", 1, 3)


async def test_dry_run_each_branch_of_the_laptop_example(world) -> None:  # type: ignore[no-untyped-def]
    actor = world.a.designer.actor
    await bundles.save_bundle(actor, laptop())
    ticket = {"model": "pro-14", "price": 1800}
    waiting = await bundles.dry_run(actor, workflow_key="laptop-request", ticket=ticket)
    assert (waiting.outcome, waiting.path, waiting.stopped_at) == ("waiting", ["approve"], "approve")
    assert waiting.steps[0].input == {"model": "pro-14", "price": 1800}
    approved = await bundles.dry_run(
        actor, workflow_key="laptop-request", ticket=ticket, outputs={"approve": {"approved": True}},
        responses={"order": {"status": 201, "headers": {}, "body": {"id": "PO-7"}},
                   "delivery": {"delivered_at": "2030-01-02"}})
    assert (approved.outcome, approved.path) == ("completed", ["approve", "order", "delivery"])
    first = approved.steps[0]
    assert (first.decision, first.next_task) == ("task", "order")
    assert [(c.to, c.value) for c in first.conditions] == [("order", True)]
    assert approved.steps[1].input == {"sku": "pro-14", "quantity": 1}
    assert approved.steps[1].output == {"order_id": "PO-7"}
    assert approved.steps[2].input == {"order_id": "PO-7"}
    rejected = await bundles.dry_run(actor, workflow_key="laptop-request", ticket=ticket,
                                  outputs={"approve": {"approved": False}, "rejected": {"note": "no budget"}})
    assert (rejected.outcome, rejected.path) == ("completed", ["approve", "rejected"])
    assert [(c.to, c.value) for c in rejected.steps[0].conditions] == [("order", False), ("rejected", True)]
    bad_output = await bundles.dry_run(actor, workflow_key="laptop-request", ticket=ticket,
                                    outputs={"approve": {"comment": "missing approved"}})
    assert bad_output.outcome == "error" and bad_output.stopped_at == "approve"
    stuck = await bundles.dry_run(actor, workflow_key="laptop-request", ticket=ticket,
                               outputs={"approve": {"approved": True}})
    assert (stuck.outcome, stuck.stopped_at) == ("waiting", "order")


async def test_dry_run_of_a_raw_bundle_writes_nothing(world, owner) -> None:  # type: ignore[no-untyped-def]
    actor = world.a.designer.actor
    result = await bundles.dry_run(actor, bundle=laptop(), ticket={"model": "air-13", "price": 900},
                                outputs={"approve": {"approved": False}, "rejected": {}})
    assert (result.workflow_key, result.path) == ("laptop-request", ["approve", "rejected"])
    assert _count(owner, "workflow_definitions", world.a.company_id) == 0
    bad = laptop()
    bad["workflow"]["start"] = "nowhere"
    with pytest.raises(InvalidDefinition):
        await bundles.dry_run(actor, bundle=bad)
    with pytest.raises(InvalidInput):
        await bundles.dry_run(actor)
    with pytest.raises(NotFound):
        await bundles.dry_run(actor, workflow_key="laptop-request")


async def test_one_company_never_sees_another(world, owner) -> None:  # type: ignore[no-untyped-def]
    await bundles.save_bundle(world.a.designer.actor, laptop())
    other = world.b.designer.actor
    assert (await catalog.list_workflows(other)).total == 0
    assert (await catalog.list_ticket_types(other)).total == 0
    assert (await catalog.list_task_definitions(other)).total == 0
    for call in (catalog.get_workflow(other, "laptop-request"), catalog.get_ticket_type(other, "laptop"),
                 catalog.get_task_definition(other, "laptop-request", "approve"),
                 catalog.diff_versions(other, "laptop-request", 1, 1), bundles.export_bundle(other, "laptop-request"),
                 bundles.dry_run(other, workflow_key="laptop-request")):
        with pytest.raises(NotFound):
            await call
    async with tenant_tx(world.b.company_id) as session:
        assert await _store.current_workflow(session, "laptop-request") is None
        assert await _store.current_ticket_type(session, "laptop") is None
    saved = await bundles.save_bundle(other, laptop())
    assert saved.created and saved.workflow_version == 1
    assert _count(owner, "workflow_definitions", world.a.company_id) == 1


@pytest.mark.parametrize("who", ["requester", "worker1", "ticket_admin"])
async def test_other_roles_are_forbidden(world, owner, who) -> None:  # type: ignore[no-untyped-def]
    await bundles.save_bundle(world.a.admin.actor, laptop())
    actor = getattr(world.a, who).actor
    calls = [
        bundles.validate_bundle(actor, laptop()), bundles.save_bundle(actor, laptop()), catalog.list_workflows(actor),
        catalog.get_workflow(actor, "laptop-request"), catalog.list_ticket_types(actor),
        catalog.get_ticket_type(actor, "laptop"),
        catalog.list_task_definitions(actor), catalog.get_task_definition(actor, "laptop-request", "approve"),
        catalog.diff_versions(actor, "laptop-request", 1, 1), bundles.export_bundle(actor, "laptop-request"),
        bundles.dry_run(actor, workflow_key="laptop-request"), bundles.dry_run(actor, bundle=laptop()),
        bundles.export_bundle(actor, "laptop-request", fmt="xml"), bundles.validate_bundle_text(actor, b"{bad"),
        bundles.save_bundle_text(actor, b"\xff"),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            await call
    assert _count(owner, "workflow_definitions", world.a.company_id) == 1


async def test_text_uploads_accept_json_and_yaml(world, owner) -> None:  # type: ignore[no-untyped-def]
    actor = world.a.designer.actor
    text = bundles.render_bundle(laptop(), "yaml")
    assert (await bundles.validate_bundle_text(actor, text)).valid
    saved = await bundles.save_bundle_text(actor, text.encode())
    assert (saved.workflow_key, saved.workflow_version, saved.created) == ("laptop-request", 1, True)
    unchanged = await bundles.save_bundle_text(actor, json.dumps(laptop()))
    assert unchanged.changed is False
    syntax = await bundles.validate_bundle_text(actor, "{nope")
    assert not syntax.valid and [e.code for e in syntax.errors] == ["document.syntax"]
    for bad in ("{nope", b"\xff\xfe", "- a list"):
        with pytest.raises(InvalidDefinition) as caught:
            await bundles.save_bundle_text(actor, bad)
        assert caught.value.problems[0]["code"] == "document.syntax"
    assert _count(owner, "workflow_definitions", world.a.company_id) == 1
