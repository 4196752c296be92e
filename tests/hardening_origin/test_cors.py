"""CORS/Origin section: only PUBLIC_URL gets CORS, and a foreign browser page never rides the session cookie."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.tenants import World
from tfai.api.origin import allowed_origins
from tfai.services.auth import sessions

BASE = "http://localhost:3000"  # TFAI_PUBLIC_URL of the test stack
ME = "/api/v1/me"
FOREIGN = ("https://evil.example", "http://localhost:3001", "http://evil.localhost:3000", "null")


async def _cookie(world: World) -> dict[str, str]:
    code = await sessions.issue_login_code(world.a.worker1.id, world.a.company_id)
    return {"Cookie": f"tfai_session={await sessions.finish_login(code, ip='', user_agent='')}"}


def test_cors_allows_only_the_public_url() -> None:
    from reflex_base.config import get_config

    assert tuple(get_config().cors_allowed_origins) == allowed_origins(BASE)
    assert allowed_origins("https://tickets.example.com/app") == ("https://tickets.example.com",)
    assert "http://127.0.0.1:3000" in allowed_origins("http://localhost:3000")  # one machine, two names


@pytest.mark.parametrize("origin", FOREIGN)
async def test_foreign_preflight_and_simple_requests_get_no_cors(web: httpx.AsyncClient, world: World,
                                                                 origin: str) -> None:
    preflight = await web.options(ME, headers={"Origin": origin, "Access-Control-Request-Method": "GET",
                                               "Access-Control-Request-Headers": "content-type"})
    simple = await web.get(ME, headers={**await _cookie(world), "Origin": origin})
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers
    assert simple.status_code == 403 and simple.json()["error"]["code"] == "bad_origin"
    assert world.a.worker1.email not in simple.text


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
async def test_cookie_get_from_another_site_is_refused(web: httpx.AsyncClient, world: World, site: str) -> None:
    """A top-level navigation or a no-cors fetch has no Origin; fetch metadata still names its initiator."""
    r = await web.get(ME, headers={**await _cookie(world), "Sec-Fetch-Site": site})
    assert r.status_code == 403 and r.json()["error"]["code"] == "bad_origin"


async def test_same_origin_and_non_browser_cookie_requests_work(web: httpx.AsyncClient, world: World) -> None:
    cookie = await _cookie(world)
    own = await web.get(ME, headers={**cookie, "Origin": BASE, "Sec-Fetch-Site": "same-origin"})
    loopback = await web.get(ME, headers={**cookie, "Origin": "http://127.0.0.1:3000"})
    typed = await web.get(ME, headers={**cookie, "Sec-Fetch-Site": "none"})  # an address typed or bookmarked
    plain = await web.get(ME, headers=cookie)  # curl: no Origin, no fetch metadata
    for r in (own, loopback, typed, plain):
        assert r.status_code == 200 and r.json()["email"] == world.a.worker1.email
    assert own.headers["access-control-allow-origin"] == BASE
    assert loopback.headers["access-control-allow-origin"] == "http://127.0.0.1:3000"
    preflight = await web.options(ME, headers={"Origin": BASE, "Access-Control-Request-Method": "PATCH"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == BASE


async def test_bearer_requests_are_not_origin_checked(web: httpx.AsyncClient, world: World,
                                                      auth_headers) -> None:  # type: ignore[no-untyped-def]
    bearer = auth_headers(world.b.admin)
    r = await web.get(ME, headers={**bearer, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 200 and r.json()["email"] == world.b.admin.email
    assert "access-control-allow-origin" not in r.headers  # and a foreign page still cannot read it


@pytest.mark.parametrize(("method", "path"), [("PATCH", ME), ("POST", "/api/v1/auth/logout"),
                                              ("GET", "/api/v1/tickets")])
async def test_every_method_is_checked(web: httpx.AsyncClient, world: World, method: str, path: str) -> None:
    r = await web.request(method, path, json={} if method != "GET" else None,
                          headers={**await _cookie(world), "Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "bad_origin"
