"""Authentication is one statement on an autocommit connection: no BEGIN/COMMIT, no tenant switch, same answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from tests.fixtures.tenants import PASSWORD, Member, World
from tfai.db.session import engine
from tfai.domain.errors import Unauthorized
from tfai.domain.tokens import hash_token, new_token
from tfai.services.auth import sessions
from tfai.services.common import throttle


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every statement and transaction boundary sent while the block runs."""
    seen: list[str] = []
    sync = engine().sync_engine

    def on_statement(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    def on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            seen.append("BEGIN")

    event.listen(sync, "before_cursor_execute", on_statement)
    event.listen(sync, "begin", on_begin)
    try:
        yield seen
    finally:
        event.remove(sync, "before_cursor_execute", on_statement)
        event.remove(sync, "begin", on_begin)


def _token(owner: psycopg.Connection, member: Member) -> str:
    token = new_token()
    owner.execute("INSERT INTO api_tokens (company_id, user_id, name, token_hash, scopes) "
                  "VALUES (%s, %s, 't', %s, ARRAY['tickets'])", (member.company_id, member.id, hash_token(token)))
    return token


async def test_a_bearer_token_is_checked_in_one_statement(world: World, owner: psycopg.Connection) -> None:
    token = _token(owner, world.a.ticket_admin)
    with statements() as seen:
        actor = await sessions.authenticate_bearer(token)
    assert len(seen) == 1 and "tfai_token_actor" in seen[0]
    assert (actor.user_id, actor.company_id, actor.scopes) == (world.a.ticket_admin.id, world.a.company_id,
                                                                frozenset({"tickets"}))
    assert actor.system_roles == frozenset({"ticket_admin", "user"}) and actor.company_roles == frozenset({"user"})
    used = owner.execute("SELECT last_used_at IS NOT NULL FROM api_tokens WHERE token_hash = %s",
                         (hash_token(token),)).fetchone()
    assert used == (True,)


async def test_every_request_reads_the_database_so_a_change_counts_at_once(world: World,
                                                                         owner: psycopg.Connection) -> None:
    token = _token(owner, world.b.requester)
    assert (await sessions.authenticate_bearer(token)).company_id == world.b.company_id
    owner.execute("UPDATE api_tokens SET revoked_at = now() WHERE token_hash = %s", (hash_token(token),))
    with pytest.raises(Unauthorized):
        await sessions.authenticate_bearer(token)
    other = _token(owner, world.b.requester)
    owner.execute("UPDATE users SET is_active = false WHERE id = %s", (world.b.requester.id,))
    try:
        with pytest.raises(Unauthorized):
            await sessions.authenticate_bearer(other)
        assert owner.execute("SELECT last_used_at FROM api_tokens WHERE token_hash = %s",
                             (hash_token(other),)).fetchone() == (None,)  # a refused use is not recorded
    finally:
        owner.execute("UPDATE users SET is_active = true WHERE id = %s", (world.b.requester.id,))


async def test_a_session_is_checked_in_one_statement_and_roles_follow_at_once(world: World,
                                                                            owner: psycopg.Connection) -> None:
    await throttle.clear_all()
    code = await sessions.start_login(world.a.worker1.email, PASSWORD, ip="10.9.0.1")
    token = await sessions.finish_login(code, ip="10.9.0.1", user_agent="pytest")
    with statements() as seen:
        actor = await sessions.authenticate_session(token)
    assert len(seen) == 1 and "tfai_session_actor" in seen[0]
    assert actor.user_id == world.a.worker1.id and "task_worker" in actor.system_roles
    owner.execute("DELETE FROM user_system_roles WHERE user_id = %s AND role = 'task_worker'",
                  (world.a.worker1.id,))
    try:
        assert "task_worker" not in (await sessions.authenticate_session(token)).system_roles
    finally:
        owner.execute("INSERT INTO user_system_roles (company_id, user_id, role) VALUES (%s, %s, 'task_worker')",
                      (world.a.company_id, world.a.worker1.id))
