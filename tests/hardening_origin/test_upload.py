"""Reflex's /_upload: its own session cookie must be the tab's, and the body limit refuses early (item 3)."""

from __future__ import annotations

import types
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fixtures.tenants import World
from tfai.api.limits import BodyLimit
from tfai.api.upload_guard import UploadSession, reflex_tab_cookie
from tfai.domain.limits import MULTIPART_OVERHEAD_BYTES
from tfai.services.auth import sessions
from tfai.settings import get_settings

BASE = "http://localhost:3000"  # TFAI_PUBLIC_URL of the test stack
FILES = {"files": ("a.txt", b"hello", "text/plain")}


async def _session(member: Any, company_id: int) -> str:
    code = await sessions.issue_login_code(member.id, company_id)
    return await sessions.finish_login(code, ip="", user_agent="")


def _guarded(tabs: dict[str, str]) -> tuple[httpx.AsyncClient, list[str]]:
    """UploadSession around a stand-in for Reflex's handler; `tabs` maps client tokens to their socket's Cookie."""
    ran: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        ran.append(dict(scope["headers"]).get(b"reflex-client-token", b"").decode())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b'{"delta": {"secret": "of the tab"}}'})

    async def tab_cookie(token: str) -> str | None:
        return tabs.get(token)

    app = UploadSession(inner, tab_cookie=tab_cookie)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE), ran


async def test_an_upload_acts_only_for_the_tabs_own_session(world: World) -> None:
    victim = await _session(world.a.admin, world.a.company_id)
    other = await _session(world.b.requester, world.b.company_id)
    client, ran = _guarded({"victim-tab": f"tfai_session={victim}", "other-tab": f"tfai_session={other}"})
    async with client:
        tab = {"reflex-client-token": "victim-tab", "reflex-event-handler": "state.ticket_detail_state.upload"}
        nobody = await client.post("/_upload", headers=tab, files=FILES)
        own_cookie = await client.post("/_upload", headers={**tab, "Cookie": f"tfai_session={other}"}, files=FILES)
        no_tab = await client.post("/_upload", headers={"reflex-client-token": "unknown",
                                                        "Cookie": f"tfai_session={other}"}, files=FILES)
        assert ran == []
        assert nobody.status_code == 401 and own_cookie.status_code == no_tab.status_code == 403
        for r in (nobody, own_cookie, no_tab):
            assert "delta" not in r.text and "secret" not in r.text  # nothing of the victim's state
        ok = await client.post("/_upload", headers={**tab, "Cookie": f"tfai_session={victim}"}, files=FILES)
        assert ok.status_code == 200 and ran == ["victim-tab"]
        await sessions.logout(victim)
        ended = await client.post("/_upload", headers={**tab, "Cookie": f"tfai_session={victim}"}, files=FILES)
        assert ended.status_code == 401 and ran == ["victim-tab"]
        # Other paths and methods are Reflex's business (uploaded files are never kept under /_upload).
        assert (await client.get("/_upload/x.txt")).status_code == 200


async def test_the_tab_cookie_comes_from_the_state_manager() -> None:
    from reflex.istate.data import RouterData
    from reflex.istate.manager.memory import StateManagerMemory
    from reflex.istate.manager.token import BaseStateToken
    from reflex.state import State

    manager: Any = StateManagerMemory()  # type: ignore[abstract]  # mypy misreads its overloads as abstract
    async with manager.modify_state(BaseStateToken(ident="tab-1", cls=State)) as root:
        root.router = RouterData.from_router_data({"headers": {"cookie": "tfai_session=abc; other=1"}})
    lookup = reflex_tab_cookie(types.SimpleNamespace(state_manager=manager))
    assert await lookup("tab-1") == "tfai_session=abc; other=1"
    assert await lookup("tab-2") is None


async def _chunks(total: int, pulled: list[int]) -> AsyncIterator[bytes]:
    chunk = b"x" * (1024 * 1024)
    for _ in range(total // len(chunk)):
        pulled.append(len(chunk))
        yield chunk


async def test_a_30_mib_upload_is_refused_early(web: httpx.AsyncClient, world: World,
                                                upload_runs: list[dict[str, Any]]) -> None:
    cookie = {"Cookie": f"tfai_session={await _session(world.a.admin, world.a.company_id)}"}
    headers = {**cookie, "reflex-client-token": "t", "content-type": "multipart/form-data; boundary=b"}
    declared = await web.post("/_upload", headers={**headers, "content-length": str(30 * 1024 * 1024)},
                              content=b"")  # refused on the header alone, before any body is read
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "payload_too_large"
    pulled: list[int] = []
    undeclared = await web.post("/_upload", headers=headers, content=_chunks(30 * 1024 * 1024, pulled))
    assert undeclared.status_code == 403 and sum(pulled) <= 1024 * 1024  # not the tab's session: nothing read
    assert upload_runs == []


async def test_an_undeclared_body_is_counted_while_it_streams() -> None:
    """Reflex reads the form itself; its error middleware answers 500 when the read fails: that becomes the 413."""
    limit = get_settings().max_upload_bytes

    async def reflex_like(scope: Any, receive: Any, send: Any) -> None:
        try:
            while (await receive()).get("more_body"):
                pass
        except Exception:
            await send({"type": "http.response.start", "status": 500, "headers": []})
            await send({"type": "http.response.body", "body": b"Internal Server Error"})
            raise

    app = BodyLimit(reflex_like, max_bytes=limit, max_upload_bytes=limit, prefix="/_upload")
    pulled: list[int] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        r = await client.post("/_upload", content=_chunks(30 * 1024 * 1024, pulled),
                              headers={"content-type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413 and r.json()["error"]["details"] == {"limit": limit + MULTIPART_OVERHEAD_BYTES}
    assert limit < sum(pulled) <= limit + MULTIPART_OVERHEAD_BYTES + 1024 * 1024, "stops soon after the limit"


@pytest.mark.parametrize("origin", ["https://evil.example", "null"])
async def test_foreign_origin_upload_is_refused_in_the_assembled_app(web: httpx.AsyncClient, origin: str,
                                                                     upload_runs: list[dict[str, Any]]) -> None:
    r = await web.post("/_upload", headers={"Origin": origin}, files=FILES)
    assert r.status_code == 403 and r.json()["error"]["code"] == "bad_origin" and upload_runs == []
