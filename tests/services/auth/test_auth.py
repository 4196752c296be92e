"""Authentication: bearer tokens, sessions (expiry, revocation, rotation), login codes and throttling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psycopg
import pytest

from tests.fixtures.tenants import PASSWORD, Member, World
from tfai.domain.errors import Forbidden, NotFound, RateLimited, Unauthorized
from tfai.domain.tokens import hash_token, new_token
from tfai.redis_client import get_async_redis
from tfai.services.auth import api_tokens, sessions
from tfai.services.common import throttle


@pytest.fixture(autouse=True)
async def _clean_throttle(db_engine: None) -> AsyncIterator[None]:
    await throttle.clear_all()
    yield
    await throttle.clear_all()


def _insert_token(owner: psycopg.Connection, member: Member, *, revoked: bool = False) -> str:
    token = new_token()
    owner.execute("INSERT INTO api_tokens (company_id, user_id, name, token_hash, revoked_at) "
                  "VALUES (%s, %s, 't', %s, CASE WHEN %s THEN now() END)",
                  (member.company_id, member.id, hash_token(token), revoked))
    return token


async def _login(member: Member, ip: str = "10.0.0.1") -> str:
    code = await sessions.start_login(member.email, PASSWORD, ip=ip)
    return await sessions.finish_login(code, ip=ip, user_agent="pytest")


# --- bearer tokens ---------------------------------------------------------------------------------

async def test_bearer_token_gives_the_members_actor(world: World, owner: psycopg.Connection) -> None:
    token = _insert_token(owner, world.a.ticket_admin)
    actor = await sessions.authenticate_bearer(token)
    assert (actor.user_id, actor.company_id) == (world.a.ticket_admin.id, world.a.company_id)
    assert actor.system_roles == frozenset({"ticket_admin", "user"})
    assert actor.company_roles == frozenset({"user"})
    assert actor.email == world.a.ticket_admin.email and not actor.is_platform_staff and actor.staff is None
    used = owner.execute("SELECT last_used_at FROM api_tokens WHERE token_hash = %s", (hash_token(token),)).fetchone()
    assert used is not None and used[0] is not None


async def test_bearer_unknown_revoked_or_inactive_fails(world: World, owner: psycopg.Connection) -> None:
    with pytest.raises(Unauthorized):
        await sessions.authenticate_bearer(new_token())
    with pytest.raises(Unauthorized):
        await sessions.authenticate_bearer("")
    revoked = _insert_token(owner, world.a.worker1, revoked=True)
    with pytest.raises(Unauthorized):
        await sessions.authenticate_bearer(revoked)
    token = _insert_token(owner, world.b.worker2)
    assert (await sessions.authenticate_bearer(token)).company_id == world.b.company_id
    owner.execute("UPDATE users SET is_active = false WHERE id = %s", (world.b.worker2.id,))
    with pytest.raises(Unauthorized):
        await sessions.authenticate_bearer(token)


async def test_revoke_bearer(world: World, owner: psycopg.Connection) -> None:
    token = _insert_token(owner, world.a.requester)
    await api_tokens.revoke_bearer(token)
    with pytest.raises(Unauthorized):
        await sessions.authenticate_bearer(token)
    await api_tokens.revoke_bearer(new_token())  # unknown: no error


# --- login and sessions ----------------------------------------------------------------------------

async def test_login_creates_a_hashed_session_row_and_actor(world: World, owner: psycopg.Connection) -> None:
    token = await _login(world.a.designer)
    assert len(token) >= 22  # >= 128 bits of URL-safe base64
    row = owner.execute("SELECT user_id, company_id, token_hash, user_agent FROM sessions WHERE token_hash = %s",
                        (hash_token(token),)).fetchone()
    assert row == (world.a.designer.id, world.a.company_id, hash_token(token), "pytest")
    assert owner.execute("SELECT count(*) FROM sessions WHERE token_hash = %s", (token,)).fetchone() == (0,)
    actor = await sessions.authenticate_session(token)
    assert (actor.user_id, actor.company_id) == (world.a.designer.id, world.a.company_id)
    assert actor.system_roles == frozenset({"workflow_creator", "user"})


async def test_each_login_rotates_the_session(world: World, owner: psycopg.Connection) -> None:
    first, second = await _login(world.a.worker1), await _login(world.a.worker1)
    assert first != second
    ids = owner.execute("SELECT id FROM sessions WHERE token_hash IN (%s, %s)",
                        (hash_token(first), hash_token(second))).fetchall()
    assert len(ids) == 2


async def test_login_codes_are_single_use(world: World) -> None:
    code = await sessions.start_login(world.a.requester.email, PASSWORD, ip="10.0.0.2")
    await sessions.finish_login(code, ip="10.0.0.2", user_agent="x")
    with pytest.raises(Unauthorized):
        await sessions.finish_login(code, ip="10.0.0.2", user_agent="x")
    with pytest.raises(Unauthorized):
        await sessions.finish_login(new_token(), ip="10.0.0.2", user_agent="x")


async def test_same_answer_for_unknown_email_and_wrong_password(world: World) -> None:
    with pytest.raises(Unauthorized) as unknown:
        await sessions.start_login("nobody-here@example.com", PASSWORD, ip="10.0.0.3")
    with pytest.raises(Unauthorized) as wrong:
        await sessions.start_login(world.a.admin.email, "not the password at all", ip="10.0.0.3")
    assert unknown.value.message == wrong.value.message == "Email or password is wrong"
    assert unknown.value.code == wrong.value.code


async def test_inactive_user_cannot_log_in_and_loses_sessions(world: World, owner: psycopg.Connection) -> None:
    token = await _login(world.b.worker1)
    owner.execute("UPDATE users SET is_active = false WHERE id = %s", (world.b.worker1.id,))
    with pytest.raises(Unauthorized):
        await sessions.authenticate_session(token)
    with pytest.raises(Unauthorized) as exc:
        await sessions.start_login(world.b.worker1.email, PASSWORD, ip="10.0.0.4")
    assert exc.value.message == "Email or password is wrong"


async def test_logout_revokes_and_replay_fails(world: World) -> None:
    token = await _login(world.a.admin)
    await sessions.logout(token)
    with pytest.raises(Unauthorized):
        await sessions.authenticate_session(token)
    await sessions.logout(token)  # twice: no error
    with pytest.raises(Unauthorized):
        await sessions.authenticate_session(new_token())
    with pytest.raises(Unauthorized):
        await sessions.authenticate_session(hash_token(token))  # the stored form is not a credential


async def test_absolute_and_idle_expiry(world: World, owner: psycopg.Connection) -> None:
    absolute, idle = await _login(world.a.worker2), await _login(world.a.worker2)
    owner.execute("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = %s",
                  (hash_token(absolute),))
    owner.execute("UPDATE sessions SET last_seen_at = now() - interval '9 hours' WHERE token_hash = %s",
                  (hash_token(idle),))
    for token in (absolute, idle):
        with pytest.raises(Unauthorized):
            await sessions.authenticate_session(token)


async def test_last_seen_is_bumped_at_most_once_a_minute(world: World, owner: psycopg.Connection) -> None:
    token = await _login(world.a.ticket_admin)
    owner.execute("UPDATE sessions SET last_seen_at = now() - interval '5 minutes' WHERE token_hash = %s",
                  (hash_token(token),))
    await sessions.authenticate_session(token)
    fresh = owner.execute("SELECT last_seen_at > now() - interval '1 minute' FROM sessions WHERE token_hash = %s",
                          (hash_token(token),)).fetchone()
    assert fresh == (True,)


async def test_actor_from_cookie_header(world: World) -> None:
    token = await _login(world.b.admin)
    actor = await sessions.actor_from_cookie_header(f"theme=dark; tfai_session={token}; other=1")
    assert actor is not None and actor.user_id == world.b.admin.id
    assert await sessions.actor_from_cookie_header(None) is None
    assert await sessions.actor_from_cookie_header("theme=dark") is None
    assert await sessions.actor_from_cookie_header("tfai_session=forged") is None
    assert await sessions.actor_from_cookie_header('tfai_session="; ;;=') is None


async def test_rehash_on_login_when_parameters_changed(world: World, owner: psycopg.Connection) -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    owner.execute("UPDATE users SET password_hash = %s WHERE id = %s", (weak, world.b.designer.id))
    await _login(world.b.designer)
    stored = owner.execute("SELECT password_hash FROM users WHERE id = %s", (world.b.designer.id,)).fetchone()
    assert stored is not None and stored[0] != weak and stored[0].startswith("$argon2id$")
    assert PasswordHasher().verify(stored[0], PASSWORD)


# --- throttling ------------------------------------------------------------------------------------

async def test_guesses_from_one_address_back_off_there_without_locking_the_account(world: World) -> None:
    email = world.a.requester.email
    for _ in range(throttle.LOGIN_ACCOUNT_IP.free):
        with pytest.raises(Unauthorized):
            await sessions.start_login(email, "wrong password here", ip="10.1.0.1")
    with pytest.raises(Unauthorized):
        await sessions.start_login(email, "wrong password here", ip="10.1.0.1")  # this one starts a back-off
    with pytest.raises(RateLimited) as limited:
        await sessions.start_login(email, PASSWORD, ip="10.1.0.1")  # even the right password waits, there
    assert limited.value.retry_after >= 1
    assert await sessions.start_login(email, PASSWORD, ip="10.1.0.2")  # the owner elsewhere is not locked out
    await get_async_redis().delete(throttle.lock_key(throttle.LOGIN_ACCOUNT_IP, f"{email}|10.1.0.1"))  # ran out
    assert await sessions.start_login(email, PASSWORD, ip="10.1.0.1")
    assert await get_async_redis().exists(throttle.count_key(throttle.LOGIN_ACCOUNT_IP, f"{email}|10.1.0.1")) == 0


async def test_guesses_spread_over_addresses_meet_the_account_ceiling(world: World) -> None:
    email = world.a.requester.email
    for i in range(throttle.LOGIN_ACCOUNT.free + 1):
        with pytest.raises(Unauthorized):
            await sessions.start_login(email, "wrong password here", ip=f"10.3.{i // 200}.{i % 200}")
    with pytest.raises(RateLimited):
        await sessions.start_login(email, PASSWORD, ip="10.3.9.9")


async def test_successful_logins_do_not_count_against_an_address(world: World) -> None:
    """An office behind one address logs in all day: only failures count."""
    for _ in range(throttle.LOGIN_IP.free + 2):
        assert await sessions.start_login(world.a.worker1.email, PASSWORD, ip="10.4.0.1")
    assert await get_async_redis().exists(throttle.count_key(throttle.LOGIN_IP, "10.4.0.1")) == 0


async def test_concurrent_attempts_cannot_slip_past_the_back_off(db_engine: None) -> None:
    """Claimed before they run: of 20 simultaneous attempts only the free ones and the one that starts the
    back-off go on."""
    limit = throttle.Limit("race", free=3, base_seconds=30, max_seconds=30, window_seconds=60)
    await throttle.reset(limit, "k")
    results = await asyncio.gather(*(throttle.hit(limit, "k") for _ in range(20)), return_exceptions=True)
    passed = [r for r in results if r is None]
    assert len(passed) == limit.free + 1
    assert all(isinstance(r, RateLimited) for r in results if r is not None)
    assert int(await get_async_redis().get(throttle.count_key(limit, "k"))) == limit.free + 1  # refused: not counted
    await throttle.reset(limit, "k")


async def test_address_throttle_spans_accounts(world: World) -> None:
    for i in range(throttle.LOGIN_IP.free + 1):
        with pytest.raises(Unauthorized):
            await sessions.start_login(f"ghost{i}@example.com", "wrong password here", ip="10.2.0.1")
    with pytest.raises(RateLimited):
        await sessions.start_login(world.a.admin.email, PASSWORD, ip="10.2.0.1")
    assert await sessions.start_login(world.a.admin.email, PASSWORD, ip="10.2.0.2")


async def test_backoff_grows_exponentially_and_is_capped() -> None:
    limit = throttle.Limit("t", free=2, base_seconds=2, max_seconds=60, window_seconds=600)
    assert [throttle.delay_for(limit, n) for n in range(1, 9)] == [0, 0, 2, 4, 8, 16, 32, 60]


async def test_backoff_expires_by_itself(db_engine: None) -> None:
    limit = throttle.Limit("tiny", free=1, base_seconds=1, max_seconds=1, window_seconds=60)
    await throttle.hit(limit, "k")
    await throttle.hit(limit, "k")  # past the free one: goes on and starts the back-off
    with pytest.raises(RateLimited):
        await throttle.hit(limit, "k")
    await asyncio.sleep(1.2)
    await throttle.check(limit, "k")  # no permanent lock-out
    assert await get_async_redis().exists(throttle.lock_key(limit, "k")) == 0


# --- staff grants ----------------------------------------------------------------------------------

def _platform_staff(owner: psycopg.Connection, email: str) -> tuple[int, int]:
    from tests.fixtures.tenants import password_hash

    # There is one platform company (a unique index says so): reuse it when another test made it.
    found = owner.execute("SELECT id FROM companies WHERE is_platform").fetchone()
    cid = found[0] if found else owner.execute(
        "INSERT INTO companies (name, webhook_secret, is_platform) VALUES ('Ticketflower', 's', true) "
        "RETURNING id").fetchone()[0]  # type: ignore[index]
    uid = owner.execute("INSERT INTO users (company_id, email, password_hash, first_name, last_name) "
                        "VALUES (%s, %s, %s, 'Sam', 'Staff') RETURNING id",
                        (cid, email, password_hash())).fetchone()[0]  # type: ignore[index]
    return int(cid), int(uid)


def _grant(owner: psycopg.Connection, company_id: int, staff_id: int, mode: str = "read") -> int:
    return int(owner.execute(
        "INSERT INTO staff_grants (company_id, staff_user_id, staff_email, reason, mode, expires_at) "
        "VALUES (%s, %s, 'staff@example.com', 'support', %s, now() + interval '1 hour') RETURNING id",
        (company_id, staff_id, mode)).fetchone()[0])  # type: ignore[index]


async def test_staff_session_under_a_grant_and_after_it_ends(world: World, owner: psycopg.Connection) -> None:
    pcid, staff_id = _platform_staff(owner, f"staff.{new_token(4)}@example.com")
    own = await sessions.authenticate_session(await sessions.finish_login(
        await sessions.issue_login_code(staff_id, pcid), ip="", user_agent=""))
    assert own.is_platform_staff and own.staff is None and own.company_id == pcid
    gid = _grant(owner, world.a.company_id, staff_id)
    token = await sessions.finish_login(await sessions.issue_login_code(staff_id, pcid), ip="", user_agent="",
                                    staff_grant_id=gid)
    actor = await sessions.authenticate_session(token)
    assert (actor.user_id, actor.company_id, actor.is_platform_staff) == (staff_id, world.a.company_id, True)
    assert actor.system_roles == frozenset({"admin", "user"})
    assert actor.staff is not None and actor.staff.grant_id == gid and actor.read_only
    owner.execute("UPDATE staff_grants SET ended_at = now() WHERE id = %s", (gid,))
    fallback = await sessions.authenticate_session(token)
    assert (fallback.company_id, fallback.staff, fallback.is_platform_staff) == (pcid, None, True)


async def test_staff_grant_must_belong_to_a_staff_member(world: World, owner: psycopg.Connection) -> None:
    pcid, staff_id = _platform_staff(owner, f"staff.{new_token(4)}@example.com")
    _, other_staff = _platform_staff(owner, f"staff.{new_token(4)}@example.com")
    gid = _grant(owner, world.b.company_id, other_staff)
    with pytest.raises(Forbidden):
        await sessions.finish_login(await sessions.issue_login_code(staff_id, pcid), ip="", user_agent="",
                                staff_grant_id=gid)
    with pytest.raises(Forbidden):
        await sessions.finish_login(await sessions.issue_login_code(world.b.admin.id, world.b.company_id), ip="",
                                user_agent="", staff_grant_id=gid)
    assert owner.execute("SELECT count(*) FROM sessions WHERE staff_grant_id = %s", (gid,)).fetchone() == (0,)


# --- API tokens ------------------------------------------------------------------------------------

async def test_api_token_lifecycle(world: World, owner: psycopg.Connection) -> None:
    token = await api_tokens.create_api_token(world.a.worker1.email, PASSWORD, name="laptop", ip="10.3.0.1")
    actor = await sessions.authenticate_bearer(token)
    listed = await api_tokens.list_api_tokens(actor)
    assert [t.name for t in listed] == ["laptop"]
    with pytest.raises(NotFound):
        await api_tokens.revoke_api_token(world.a.worker2.actor, listed[0].id)  # someone else's
    with pytest.raises(NotFound):
        await api_tokens.revoke_api_token(world.b.worker1.actor, listed[0].id)  # another company
    assert owner.execute("SELECT revoked_at FROM api_tokens WHERE id = %s", (listed[0].id,)).fetchone() == (None,)
    await api_tokens.revoke_api_token(actor, listed[0].id)
    with pytest.raises(Unauthorized):
        await sessions.authenticate_bearer(token)
    assert await api_tokens.list_api_tokens(actor) == []
    with pytest.raises(Unauthorized):
        await api_tokens.create_api_token(world.a.worker1.email, "wrong password here", name="x", ip="10.3.0.1")


async def test_bearer_use_is_recorded_at_most_once_a_minute_per_process(world: World,
                                                                        owner: psycopg.Connection) -> None:
    token = _insert_token(owner, world.a.worker2)
    await sessions.authenticate_bearer(token)
    owner.execute("UPDATE api_tokens SET last_used_at = NULL WHERE token_hash = %s", (hash_token(token),))
    await sessions.authenticate_bearer(token)  # within the minute: no second write
    used = owner.execute("SELECT last_used_at FROM api_tokens WHERE token_hash = %s", (hash_token(token),)).fetchone()
    assert used is not None and used[0] is None
