"""API tokens: expiry, scopes enforced by the policy, last use in the list, revocation on password change/reset."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.fixtures.tenants import PASSWORD, World
from tfai.domain.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from tfai.domain.tokens import hash_token, new_token
from tfai.services.accounts import profile, users
from tfai.services.auth import api_tokens, sessions
from tfai.services.common import throttle

NEW_PASSWORD = "a much better passphrase 42"


@pytest.fixture(autouse=True)
async def _clean_throttle(db_engine: None) -> AsyncIterator[None]:
    await throttle.clear_all()
    yield
    await throttle.clear_all()


async def _token(email: str, **kwargs: object) -> str:
    return await api_tokens.create_api_token(email, PASSWORD, name="ci", ip="10.5.0.1", **kwargs)  # type: ignore[arg-type]


async def test_default_expiry_list_and_last_use(world: World, owner: psycopg.Connection) -> None:
    token = await _token(world.a.worker1.email)
    listed = await api_tokens.list_api_tokens(world.a.worker1.actor)
    assert len(listed) == 1 and listed[0].scopes is None and listed[0].last_used_at is None
    assert abs(listed[0].expires_at - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=1)
    await sessions.authenticate_bearer(token)
    used = (await api_tokens.list_api_tokens(world.a.worker1.actor))[0]
    assert used.last_used_at is not None and used.id == listed[0].id
    week = await _token(world.a.worker1.email, expires_in_days=7)
    mine = {t.id: t for t in await api_tokens.list_api_tokens(world.a.worker1.actor)}
    assert len(mine) == 2
    stored = owner.execute("SELECT expires_at FROM api_tokens WHERE token_hash = %s", (hash_token(week),)).fetchone()
    assert stored is not None and abs(stored[0] - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=1)
    assert await api_tokens.list_api_tokens(world.b.worker1.actor) == []


async def test_lifetime_and_scopes_are_validated(world: World, owner: psycopg.Connection) -> None:
    before = owner.execute("SELECT count(*) FROM api_tokens").fetchone()
    for days in (0, 366, -1):
        with pytest.raises(InvalidInput) as bad:
            await _token(world.a.admin.email, expires_in_days=days)
        assert {d["field"] for d in bad.value.details} == {"expires_in_days"}
    with pytest.raises(InvalidInput) as bad:
        await _token(world.a.admin.email, scopes=["read", "superuser"])
    assert {d["field"] for d in bad.value.details} == {"scopes"}
    assert owner.execute("SELECT count(*) FROM api_tokens").fetchone() == before
    assert await _token(world.a.admin.email, expires_in_days=365)


async def test_expired_token_answers_like_an_unknown_one(world: World, owner: psycopg.Connection) -> None:
    token = await _token(world.a.requester.email)
    owner.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = %s",
                  (hash_token(token),))
    with pytest.raises(Unauthorized) as expired:
        await sessions.authenticate_bearer(token)
    with pytest.raises(Unauthorized) as unknown:
        await sessions.authenticate_bearer(new_token())
    assert (expired.value.message, expired.value.code) == (unknown.value.message, unknown.value.code)
    assert await api_tokens.list_api_tokens(world.a.requester.actor) == []


async def test_scopes_narrow_what_the_token_may_do(world: World) -> None:
    reader = await sessions.authenticate_bearer(await _token(world.a.admin.email, scopes=["read"]))
    assert reader.scopes == frozenset({"read"})
    assert (await users.list_users(reader)).total == len(world.a.members)
    with pytest.raises(Forbidden) as refused:
        await users.create_user(reader, email="scoped.out@example.com", first_name="S", last_name="O",
                                system_roles=["user"], company_roles=[])
    assert refused.value.code == "token_scope"
    tickets_only = await sessions.authenticate_bearer(await _token(world.a.admin.email, scopes=["tickets"]))
    with pytest.raises(Forbidden):
        await users.list_users(tickets_only)
    full = await sessions.authenticate_bearer(await _token(world.a.admin.email, scopes=[]))
    assert full.scopes is None and (await users.list_users(full)).total == len(world.a.members)


async def test_revoking_another_companys_token_is_not_found(world: World) -> None:
    await _token(world.a.worker1.email)
    token_id = (await api_tokens.list_api_tokens(world.a.worker1.actor))[0].id
    for outsider in (world.b.admin, world.b.worker1, world.a.worker2):
        with pytest.raises(NotFound):
            await api_tokens.revoke_api_token(outsider.actor, token_id)
    assert [t.id for t in await api_tokens.list_api_tokens(world.a.worker1.actor)] == [token_id]


async def test_password_change_revokes_tokens_unless_asked_not_to(world: World) -> None:
    member = world.a.ticket_admin
    first = await _token(member.email)
    await profile.change_password(member.actor, current_password=PASSWORD, new_password=NEW_PASSWORD)
    with pytest.raises(Unauthorized):
        await sessions.authenticate_bearer(first)
    kept = await api_tokens.create_api_token(member.email, NEW_PASSWORD, name="ci", ip="10.5.0.1")
    await profile.change_password(member.actor, current_password=NEW_PASSWORD, new_password=PASSWORD,
                                  revoke_tokens=False)
    assert (await sessions.authenticate_bearer(kept)).user_id == member.id
    other = await _token(world.b.ticket_admin.email)  # another company's tokens are untouched
    assert (await sessions.authenticate_bearer(other)).user_id == world.b.ticket_admin.id


async def test_password_reset_with_a_link_revokes_tokens(world: World, owner: psycopg.Connection) -> None:
    member = world.a.worker2
    token = await _token(member.email)
    link = new_token()
    owner.execute("INSERT INTO password_tokens (company_id, user_id, token_hash, expires_at) "
                  "VALUES (%s, %s, %s, now() + interval '1 hour')", (member.company_id, member.id, hash_token(link)))
    await users.set_password_with_token(link, NEW_PASSWORD)
    with pytest.raises(Unauthorized):
        await sessions.authenticate_bearer(token)
    audit = owner.execute("SELECT after->>'api_tokens_revoked' FROM audit_log WHERE entity = 'user' "
                          "AND entity_id = %s AND action = 'set_password_with_link'", (str(member.id),)).fetchall()
    assert audit == [("1",)]
