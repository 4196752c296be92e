"""GET/PATCH /me, users and company roles through the REST API: roles, cross-company 404s, field errors."""

from __future__ import annotations

import httpx
import psycopg

from tests.fixtures.tenants import World
from tfai.domain.tokens import new_token

API = "/api/v1"
NEW_PASSWORD = "a brand new passphrase 42"


def _no_hash(*responses: httpx.Response) -> None:
    for r in responses:
        assert "argon2" not in r.text.lower()


async def test_me_get_and_patch(api: httpx.AsyncClient, world: World, auth_headers, owner: psycopg.Connection):  # type: ignore[no-untyped-def]
    headers = auth_headers(world.a.worker2)
    me = await api.get(f"{API}/me", headers=headers)
    assert me.status_code == 200
    body = me.json()
    assert (body["id"], body["company_id"], body["company_name"]) == (world.a.worker2.id, world.a.company_id,
                                                                      world.a.name)
    assert body["system_roles"] == ["task_worker", "user"] and "password_hash" not in body
    patched = await api.patch(f"{API}/me", json={"last_name": "Turing"}, headers=headers)
    assert patched.status_code == 200 and patched.json()["last_name"] == "Turing"
    assert patched.json()["first_name"] == body["first_name"]
    bad = await api.patch(f"{API}/me", json={"first_name": "  "}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "first_name"
    too_long = await api.patch(f"{API}/me", json={"first_name": "x" * 101}, headers=headers)
    assert too_long.status_code == 422
    assert owner.execute("SELECT last_name FROM users WHERE id = %s", (world.a.worker2.id,)).fetchone() == ("Turing",)
    _no_hash(me, patched, bad, too_long)


async def test_users_list_and_role_denials(api: httpx.AsyncClient, world: World, auth_headers):  # type: ignore[no-untyped-def]
    listed = await api.get(f"{API}/users", params={"page_size": 3}, headers=auth_headers(world.a.admin))
    assert listed.status_code == 200
    assert (listed.json()["total"], len(listed.json()["items"])) == (6, 3)
    assert {u["id"] for u in listed.json()["items"]} <= {m.id for m in world.a.members.values()}
    assert (await api.get(f"{API}/users", headers=auth_headers(world.a.ticket_admin))).status_code == 200
    denied = await api.get(f"{API}/users", headers=auth_headers(world.a.requester))
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    create = await api.post(f"{API}/users", headers=auth_headers(world.a.ticket_admin),
                            json={"email": "x@example.com", "first_name": "X", "last_name": "Y"})
    assert create.status_code == 403
    oversized = await api.get(f"{API}/users", params={"page_size": 1000}, headers=auth_headers(world.a.admin))
    assert oversized.status_code == 422
    _no_hash(listed, denied)


async def test_create_user_answers(api: httpx.AsyncClient, world: World, auth_headers,  # type: ignore[no-untyped-def]
                                   owner: psycopg.Connection):
    headers = auth_headers(world.b.admin)
    email = f"new.{new_token(6)}@example.com"
    with_link = await api.post(f"{API}/users", headers=headers, json={
        "email": email, "first_name": "N", "last_name": "U", "system_roles": ["task_worker", "user"],
        "company_roles": []})
    assert with_link.status_code == 201
    assert with_link.json()["set_password_url"].startswith("http://localhost:3000/set-password?token=")
    with_pw = await api.post(f"{API}/users", headers=headers, json={
        "email": f"pw.{new_token(6)}@example.com", "first_name": "P", "last_name": "W", "password": NEW_PASSWORD})
    assert with_pw.status_code == 201 and with_pw.json()["set_password_url"] is None
    dup = await api.post(f"{API}/users", headers=headers, json={"email": email.upper(), "first_name": "N",
                                                                "last_name": "U"})
    assert dup.status_code == 409
    bad = await api.post(f"{API}/users", headers=headers, json={
        "email": "bad", "first_name": "", "last_name": "U", "password": "short", "company_roles": ["ghost"]})
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["error"]["details"]} == {"email", "first_name", "password"}
    ghost = await api.post(f"{API}/users", headers=headers, json={
        "email": f"g.{new_token(6)}@example.com", "first_name": "G", "last_name": "H", "company_roles": ["ghost"]})
    assert ghost.status_code == 422 and ghost.json()["error"]["details"][0]["field"] == "company_roles"
    assert owner.execute("SELECT count(*) FROM users WHERE company_id = %s", (world.b.company_id,)).fetchone() == (8,)
    _no_hash(with_link, with_pw, dup, bad, ghost)


async def test_patch_user_cross_company_is_404_and_changes_nothing(  # type: ignore[no-untyped-def]
        api: httpx.AsyncClient, world: World, auth_headers, owner: psycopg.Connection):
    r = await api.patch(f"{API}/users/{world.b.worker1.id}", headers=auth_headers(world.a.admin),
                        json={"is_active": False, "system_roles": ["admin"]})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert owner.execute("SELECT is_active FROM users WHERE id = %s", (world.b.worker1.id,)).fetchone() == (True,)
    missing = await api.patch(f"{API}/users/999999999", headers=auth_headers(world.a.admin), json={"available": True})
    assert missing.status_code == 404


async def test_patch_user_roles_availability_and_deactivation(  # type: ignore[no-untyped-def]
        api: httpx.AsyncClient, world: World, auth_headers, owner: psycopg.Connection):
    a = world.a
    own = await api.patch(f"{API}/users/{a.worker1.id}", headers=auth_headers(a.worker1), json={"available": False})
    assert own.status_code == 200 and own.json()["available"] is False
    other = await api.patch(f"{API}/users/{a.worker2.id}", headers=auth_headers(a.worker1), json={"available": False})
    assert other.status_code == 403
    roles = await api.patch(f"{API}/users/{a.requester.id}", headers=auth_headers(a.admin),
                            json={"system_roles": ["user", "workflow_creator"]})
    assert roles.status_code == 200 and roles.json()["system_roles"] == ["user", "workflow_creator"]
    bad = await api.patch(f"{API}/users/{a.requester.id}", headers=auth_headers(a.admin),
                          json={"system_roles": ["root"]})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "system_roles"
    victim = auth_headers(a.designer)
    assert (await api.get(f"{API}/me", headers=victim)).status_code == 200
    off = await api.patch(f"{API}/users/{a.designer.id}", headers=auth_headers(a.admin), json={"is_active": False})
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert (await api.get(f"{API}/me", headers=victim)).status_code == 401
    self_off = await api.patch(f"{API}/users/{a.admin.id}", headers=auth_headers(a.admin), json={"is_active": False})
    assert self_off.status_code == 409
    assert owner.execute("SELECT is_active FROM users WHERE id = %s", (a.admin.id,)).fetchone() == (True,)


async def test_company_roles_endpoints(api: httpx.AsyncClient, world: World, auth_headers,  # type: ignore[no-untyped-def]
                                       owner: psycopg.Connection):
    admin, other_admin = auth_headers(world.a.admin), auth_headers(world.b.admin)
    created = await api.post(f"{API}/company-roles", headers=admin, json={"role_name": "sales", "description": "S"})
    assert created.status_code == 201 and created.json()["role_name"] == "sales"
    assert (await api.post(f"{API}/company-roles", headers=admin, json={"role_name": "sales"})).status_code == 409
    bad = await api.post(f"{API}/company-roles", headers=admin, json={"role_name": "Sales Team"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "role_name"
    listed = await api.get(f"{API}/company-roles", headers=admin)
    assert [r["role_name"] for r in listed.json()] == ["sales", "user"]
    assert "sales" not in [r["role_name"] for r in (await api.get(f"{API}/company-roles", headers=other_admin)).json()]
    foreign = await api.patch(f"{API}/company-roles/sales", headers=other_admin, json={"description": "mine"})
    assert foreign.status_code == 404
    assert (await api.delete(f"{API}/company-roles/sales", headers=other_admin)).status_code == 404
    assert owner.execute("SELECT description FROM company_roles WHERE company_id = %s AND role_name = 'sales'",
                         (world.a.company_id,)).fetchone() == ("S",)
    denied = await api.post(f"{API}/company-roles", headers=auth_headers(world.a.designer), json={"role_name": "x"})
    assert denied.status_code == 403
    renamed = await api.patch(f"{API}/company-roles/sales", headers=admin, json={"new_name": "revenue"})
    assert renamed.status_code == 200 and renamed.json()["role_name"] == "revenue"
    assert (await api.patch(f"{API}/company-roles/user", headers=admin, json={"new_name": "all"})).status_code == 422
    assert (await api.delete(f"{API}/company-roles/user", headers=admin)).status_code == 409
    assert (await api.delete(f"{API}/company-roles/revenue", headers=admin)).status_code == 204
    assert owner.execute("SELECT count(*) FROM company_roles WHERE company_id = %s", (world.a.company_id,)).fetchone() \
        == (1,)
