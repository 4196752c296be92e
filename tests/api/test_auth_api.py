"""Sign-up, API tokens, the session cookie, logout and throttling through the REST API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import psycopg
import pytest

from tests.fixtures.stack import Stack
from tests.fixtures.tenants import PASSWORD, World
from tfai.domain.tokens import hash_token, new_token
from tfai.services.auth import sessions
from tfai.services.common import throttle

API = "/api/v1"
NO_ORIGIN = {"Origin": "http://localhost:3000"}


@pytest.fixture
async def client(stack: Stack, db_engine: None) -> AsyncIterator[httpx.AsyncClient]:
    """A client of its own, so cookies set here never leak into other tests' shared client."""
    from tfai.api.app import create_api

    await throttle.clear_all()
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as c:
        yield c
    await throttle.clear_all()


def _no_hash(*responses: httpx.Response) -> None:
    for r in responses:
        assert "argon2" not in r.text.lower()


async def _bind(client: httpx.AsyncClient, code: str) -> str:
    """What the UI's hand-off does first: bind the code to this browser; the nonce cookie's value."""
    bound = await client.post(f"{API}/auth/nonce", json={"code": code}, headers=NO_ORIGIN)
    client.cookies.clear()
    assert bound.status_code == 204, bound.text
    cookie = bound.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=60" in cookie
    return bound.headers["set-cookie"].split("tfai_login_nonce=", 1)[1].split(";", 1)[0]


async def _hop(client: httpx.AsyncClient, code: str, next_path: str = "/dashboard",
               cookie: str = "") -> httpx.Response:
    """The browser's GET of the session route with the nonce cookie (and any other cookie)."""
    nonce = await _bind(client, code)
    r = await client.get(f"{API}/auth/session", params={"code": code, "next": next_path},
                         headers={"Cookie": f"tfai_login_nonce={nonce}" + (f"; {cookie}" if cookie else "")})
    client.cookies.clear()
    return r


async def _cookie_login(client: httpx.AsyncClient, email: str, next_path: str = "/dashboard") -> httpx.Response:
    return await _hop(client, await sessions.start_login(email, PASSWORD, ip="10.7.0.1"), next_path)


def _session_token(r: httpx.Response) -> str:
    cookie = r.headers["set-cookie"]
    return cookie.split("tfai_session=", 1)[1].split(";", 1)[0]


async def test_signup_then_duplicate_then_field_errors(client: httpx.AsyncClient, owner: psycopg.Connection) -> None:
    email = f"founder.{new_token(6)}@example.com"
    body = {"company_name": "Acme", "email": email, "password": PASSWORD, "first_name": "Ada", "last_name": "L"}
    created = await client.post(f"{API}/signup", json=body)
    assert created.status_code == 201
    assert set(created.json()) == {"company_id", "user_id"}
    dup = await client.post(f"{API}/signup", json={**body, "email": email.upper()})
    assert dup.status_code == 409
    assert dup.json()["error"]["message"] == "An account with this email already exists"
    bad = await client.post(f"{API}/signup", json={**body, "email": "nope", "password": "password123"})
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["error"]["details"]} == {"email", "password"}
    missing = await client.post(f"{API}/signup", json={"email": email})
    assert missing.status_code == 422 and "company_name" in {d["field"] for d in missing.json()["error"]["details"]}
    _no_hash(created, dup, bad, missing)
    assert owner.execute("SELECT count(*) FROM users WHERE lower(email) = lower(%s)", (email,)).fetchone() == (1,)


async def test_api_token_create_use_list_revoke(client: httpx.AsyncClient, world: World) -> None:
    member = world.a.worker1
    created = await client.post(f"{API}/auth/tokens", json={"email": member.email, "password": PASSWORD,
                                                           "name": "ci"})
    assert created.status_code == 201
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    me = await client.get(f"{API}/me", headers=headers)
    assert me.status_code == 200 and me.json()["id"] == member.id
    listed = await client.get(f"{API}/auth/tokens", headers=headers)
    assert [t["name"] for t in listed.json()] == ["ci"]
    other = await client.post(f"{API}/auth/tokens", json={"email": world.b.worker1.email, "password": PASSWORD})
    other_headers = {"Authorization": f"Bearer {other.json()['token']}"}
    foreign = await client.delete(f"{API}/auth/tokens/{listed.json()[0]['id']}", headers=other_headers)
    assert foreign.status_code == 404
    assert (await client.get(f"{API}/me", headers=headers)).status_code == 200
    gone = await client.delete(f"{API}/auth/tokens/current", headers=headers)
    assert gone.status_code == 204
    after = await client.get(f"{API}/me", headers=headers)
    assert after.status_code == 401 and after.json()["error"]["code"] == "unauthorized"
    by_id = await client.delete(f"{API}/auth/tokens/{listed.json()[0]['id']}", headers=other_headers)
    assert by_id.status_code == 404
    _no_hash(created, me, listed, foreign, after)


async def test_same_answer_for_unknown_email_and_wrong_password(client: httpx.AsyncClient, world: World) -> None:
    unknown = await client.post(f"{API}/auth/tokens", json={"email": "ghost@example.com", "password": PASSWORD})
    wrong = await client.post(f"{API}/auth/tokens", json={"email": world.a.admin.email, "password": "wrong one!!"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert unknown.json()["error"]["message"] == "Email or password is wrong"


async def test_token_creation_throttling_kicks_in_and_recovers(client: httpx.AsyncClient, world: World) -> None:
    email = world.b.designer.email
    statuses = []
    for _ in range(throttle.LOGIN_ACCOUNT_IP.free + 1):
        r = await client.post(f"{API}/auth/tokens", json={"email": email, "password": "wrong password!"})
        statuses.append(r.status_code)
    assert statuses == [401] * (throttle.LOGIN_ACCOUNT_IP.free + 1)
    limited = await client.post(f"{API}/auth/tokens", json={"email": email, "password": PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"]["details"]["retry_after"] >= 1
    await throttle.clear_all()  # the back-off window passes
    ok = await client.post(f"{API}/auth/tokens", json={"email": email, "password": PASSWORD})
    assert ok.status_code == 201


async def test_signup_is_throttled_per_address(client: httpx.AsyncClient, world: World) -> None:
    for _ in range(throttle.SIGNUP_IP.free):
        await throttle.hit(throttle.SIGNUP_IP, "127.0.0.1")
    body = {"company_name": "X", "email": f"s.{new_token(6)}@example.com", "password": PASSWORD,
            "first_name": "A", "last_name": "B"}
    assert (await client.post(f"{API}/signup", json=body)).status_code == 201  # the last free one
    limited = await client.post(f"{API}/signup", json={**body, "email": f"t.{new_token(6)}@example.com"})
    assert limited.status_code == 429


async def test_session_cookie_is_httponly_lax_and_redirects(client: httpx.AsyncClient, world: World,
                                                            owner: psycopg.Connection) -> None:
    r = await _cookie_login(client, world.a.designer.email, "/tickets/7?tab=1")
    assert r.status_code == 303 and r.headers["location"] == "/tickets/7?tab=1"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie and "max-age=604800" in cookie
    assert "secure" not in cookie  # PUBLIC_URL is http in tests
    token = _session_token(r)
    assert owner.execute("SELECT user_id FROM sessions WHERE token_hash = %s", (hash_token(token),)).fetchone() \
        == (world.a.designer.id,)
    me = await client.get(f"{API}/me", headers={"Cookie": f"tfai_session={token}"})
    assert me.status_code == 200 and me.json()["email"] == world.a.designer.email
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "dashboard"):
        r = await _cookie_login(client, world.a.designer.email, evil)
        assert r.headers["location"] == "/dashboard", evil


async def test_secure_cookie_under_https(client: httpx.AsyncClient, world: World,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from tfai.settings import get_settings

    """Over https both cookies are `__Host-` (no sibling subdomain can plant them) and Secure."""
    monkeypatch.setenv("TFAI_PUBLIC_URL", "https://tickets.example.com")
    get_settings.cache_clear()
    own = {"Origin": "https://tickets.example.com"}
    try:
        code = await sessions.start_login(world.a.admin.email, PASSWORD, ip="10.7.0.1")
        bound = await client.post(f"{API}/auth/nonce", json={"code": code}, headers=own)
        client.cookies.clear()
        nonce_cookie = bound.headers["set-cookie"]
        nonce = nonce_cookie.split("__Host-tfai_login_nonce=", 1)[1].split(";", 1)[0]
        plain = await client.get(f"{API}/auth/session", params={"code": code},
                                 headers={"Cookie": f"tfai_login_nonce={nonce}"})
        code = await sessions.start_login(world.a.admin.email, PASSWORD, ip="10.7.0.1")
        bound = await client.post(f"{API}/auth/nonce", json={"code": code}, headers=own)
        client.cookies.clear()
        nonce = bound.headers["set-cookie"].split("__Host-tfai_login_nonce=", 1)[1].split(";", 1)[0]
        r = await client.get(f"{API}/auth/session", params={"code": code},
                             headers={"Cookie": f"__Host-tfai_login_nonce={nonce}"})
        client.cookies.clear()
        token = r.headers["set-cookie"].split("__Host-tfai_session=", 1)[1].split(";", 1)[0]
        me = await client.get(f"{API}/me", headers={**own, "Cookie": f"__Host-tfai_session={token}"})
        planted = await client.get(f"{API}/me", headers={**own, "Cookie": f"tfai_session={token}"})
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert "secure" in nonce_cookie.lower() and "path=/" in nonce_cookie.lower()
    assert plain.headers["location"] == "/login?error=expired", "over https only the __Host- nonce counts"
    assert r.headers["location"] == "/dashboard" and "secure" in r.headers["set-cookie"].lower()
    assert me.status_code == 200 and planted.status_code == 401


async def test_login_code_single_use_and_forged(client: httpx.AsyncClient, world: World) -> None:
    code = await sessions.start_login(world.b.admin.email, PASSWORD, ip="10.7.0.2")
    nonce = {"Cookie": f"tfai_login_nonce={await _bind(client, code)}"}
    first = await client.get(f"{API}/auth/session", params={"code": code}, headers=nonce)
    client.cookies.clear()
    replay = await client.get(f"{API}/auth/session", params={"code": code}, headers=nonce)
    forged = await client.get(f"{API}/auth/session", params={"code": new_token()}, headers=nonce)
    client.cookies.clear()
    assert first.status_code == 303 and "tfai_session=" in first.headers["set-cookie"]
    for r in (replay, forged):
        assert r.status_code == 303 and r.headers["location"].startswith("/login?error=")
        assert "tfai_session=" not in r.headers.get("set-cookie", "")
    bad_cookie = await client.get(f"{API}/me", headers={"Cookie": f"tfai_session={new_token()}"})
    assert bad_cookie.status_code == 401


async def test_login_again_rotates_and_revokes_the_old_session(client: httpx.AsyncClient, world: World) -> None:
    old = _session_token(await _cookie_login(client, world.a.worker2.email))
    code = await sessions.start_login(world.a.worker2.email, PASSWORD, ip="10.7.0.3")
    new = _session_token(await _hop(client, code, cookie=f"tfai_session={old}"))
    assert new != old
    assert (await client.get(f"{API}/me", headers={"Cookie": f"tfai_session={old}"})).status_code == 401
    assert (await client.get(f"{API}/me", headers={"Cookie": f"tfai_session={new}"})).status_code == 200


async def test_logout_is_a_same_origin_post(client: httpx.AsyncClient, world: World) -> None:
    token = _session_token(await _cookie_login(client, world.b.requester.email))
    cookie = {"Cookie": f"tfai_session={token}"}
    foreign = await client.post(f"{API}/auth/logout", headers={**cookie, "Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert (await client.get(f"{API}/me", headers=cookie)).status_code == 200
    out = await client.post(f"{API}/auth/logout", headers={**cookie, **NO_ORIGIN})
    client.cookies.clear()
    assert out.status_code == 204
    assert "tfai_session=" in out.headers["set-cookie"] and "max-age=0" in out.headers["set-cookie"].lower()
    assert (await client.get(f"{API}/me", headers=cookie)).status_code == 401
    token2 = _session_token(await _cookie_login(client, world.b.requester.email))
    link = await client.get(f"{API}/auth/logout", headers={"Cookie": f"tfai_session={token2}"})
    client.cookies.clear()
    assert link.status_code == 405, "a link or an <img> on any page must not log the user out"
    assert (await client.get(f"{API}/me", headers={"Cookie": f"tfai_session={token2}"})).status_code == 200


async def test_login_code_is_bound_to_the_browser_that_asked(client: httpx.AsyncClient, world: World) -> None:
    """Login CSRF: an attacker's own code, opened in the victim's browser, starts no session there."""
    attacker = await sessions.start_login(world.b.worker1.email, PASSWORD, ip="10.7.0.4")
    unbound = await client.get(f"{API}/auth/session", params={"code": attacker})
    assert unbound.headers["location"] == "/login?error=expired" and "tfai_session=" not in str(unbound.headers)
    attacker = await sessions.start_login(world.b.worker1.email, PASSWORD, ip="10.7.0.4")
    await _bind(client, attacker)  # bound in the attacker's browser
    victim = await client.get(f"{API}/auth/session", params={"code": attacker},
                              headers={"Cookie": f"tfai_login_nonce={new_token()}"})
    client.cookies.clear()
    assert victim.headers["location"] == "/login?error=expired" and "tfai_session=" not in str(victim.headers)
    code = await sessions.start_login(world.b.worker1.email, PASSWORD, ip="10.7.0.4")
    foreign = await client.post(f"{API}/auth/nonce", json={"code": code}, headers={"Origin": "https://evil.example"})
    cross_site = await client.post(f"{API}/auth/nonce", json={"code": code}, headers={"Sec-Fetch-Site": "cross-site"})
    assert foreign.status_code == cross_site.status_code == 403 and "set-cookie" not in foreign.headers
    await _bind(client, code)
    again = await client.post(f"{API}/auth/nonce", json={"code": code}, headers=NO_ORIGIN)
    unknown = await client.post(f"{API}/auth/nonce", json={"code": new_token()}, headers=NO_ORIGIN)
    client.cookies.clear()
    assert again.status_code == unknown.status_code == 401, "a code is bound once, to the first browser"


async def test_a_bearer_callers_switch_link_needs_no_binding(client: httpx.AsyncClient, world: World) -> None:
    link = await sessions.issue_login_code(world.a.admin.id, world.a.company_id, browser_bound=False)
    r = await client.get(f"{API}/auth/session", params={"code": link})
    client.cookies.clear()
    assert r.status_code == 303 and r.headers["location"] == "/dashboard" and "tfai_session=" in r.headers["set-cookie"]


async def test_cookie_writes_check_origin(client: httpx.AsyncClient, world: World) -> None:
    token = _session_token(await _cookie_login(client, world.a.requester.email))
    cookie = {"Cookie": f"tfai_session={token}"}
    evil = await client.patch(f"{API}/me", json={"first_name": "Evil"}, headers={**cookie,
                                                                                "Origin": "https://evil.example"})
    assert evil.status_code == 403
    ok = await client.patch(f"{API}/me", json={"first_name": "Fine"}, headers={**cookie, **NO_ORIGIN})
    assert ok.status_code == 200 and ok.json()["first_name"] == "Fine"


async def test_unauthenticated_requests_get_401(client: httpx.AsyncClient, db_engine: None) -> None:
    for method, path in (("GET", "/me"), ("GET", "/users"), ("GET", "/company-roles"), ("GET", "/auth/tokens"),
                         ("DELETE", "/auth/tokens/current"), ("PATCH", "/users/1")):
        r = await client.request(method, f"{API}{path}", json={} if method == "PATCH" else None)
        assert r.status_code == 401, (method, path)
        assert r.json()["error"]["code"] == "unauthorized"
