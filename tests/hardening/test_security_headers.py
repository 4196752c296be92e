"""Security headers on API answers, Reflex pages and assets; the CSP hashes exactly the pages' inline scripts."""

from __future__ import annotations

import base64
import gzip
import hashlib

import httpx
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tfai.api.security_headers import SecurityHeaders, content_security_policy, harden, script_hashes

PAGE = (b"<!DOCTYPE html><html><head><script>window.a = 1;</script>"
        b"<script type=\"module\" async=\"\">import \"/assets/x.js\";</script>"
        b"<script src=\"/assets/app.js\"></script></head><body>hi</body></html>")


def _sha(text: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text).digest()).decode() + "'"


def _tiny_app() -> Starlette:
    async def page(_request: object) -> Response:
        return HTMLResponse(PAGE)

    async def zipped(_request: object) -> Response:
        return Response(gzip.compress(PAGE), media_type="text/html", headers={"content-encoding": "gzip"})

    async def api(_request: object) -> Response:
        return JSONResponse({"ok": True}, headers={"x-frame-options": "SAMEORIGIN"})

    async def asset(_request: object) -> Response:
        return Response(b"console.log(1)", media_type="text/javascript")

    return Starlette(routes=[Route("/login", page), Route("/zipped", zipped), Route("/api/v1/x", api),
                             Route("/assets/app.js", asset)])


def _client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost:3000")  # type: ignore[arg-type]


def _csp(resp: httpx.Response) -> dict[str, list[str]]:
    out = {}
    for part in resp.headers["content-security-policy"].split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def _assert_common(resp: httpx.Response) -> None:
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert resp.headers["x-frame-options"] == "DENY"
    assert "camera=()" in resp.headers["permissions-policy"]
    csp = _csp(resp)
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["default-src"] == ["'self'"] and "'unsafe-inline'" not in csp["script-src"]
    assert "ws://localhost:3000" in csp["connect-src"]


async def test_page_csp_allows_exactly_its_inline_scripts() -> None:
    async with _client(SecurityHeaders(_tiny_app(), public_url="http://localhost:3000")) as c:
        resp = await c.get("/login")
    _assert_common(resp)
    script_src = _csp(resp)["script-src"]
    hashes = [s for s in script_src if s.startswith("'sha256-")]
    assert sorted(hashes) == sorted([_sha(b"window.a = 1;"), _sha(b'import "/assets/x.js";')])
    assert resp.content == PAGE
    assert "strict-transport-security" not in resp.headers


async def test_gzipped_page_is_hashed_and_passed_through_unchanged() -> None:
    async with _client(SecurityHeaders(_tiny_app(), public_url="http://localhost:3000")) as c:
        resp = await c.get("/zipped", headers={"accept-encoding": "gzip"})
    assert resp.content == PAGE  # httpx decoded the untouched gzip body
    assert _sha(b"window.a = 1;") in _csp(resp)["script-src"]


async def test_api_and_assets_get_the_headers_and_ours_win() -> None:
    async with _client(SecurityHeaders(_tiny_app(), public_url="http://localhost:3000")) as c:
        api = await c.get("/api/v1/x")
        asset = await c.get("/assets/app.js")
    for resp in (api, asset):
        _assert_common(resp)
        assert not any(s.startswith("'sha256-") for s in _csp(resp)["script-src"])
    assert api.headers.get_list("x-frame-options") == ["DENY"]


async def test_hsts_only_under_https() -> None:
    async with _client(SecurityHeaders(_tiny_app(), public_url="https://tfai.example.com")) as c:
        resp = await c.get("/api/v1/x")
    assert resp.headers["strict-transport-security"].startswith("max-age=31536000")
    assert _csp(resp)["connect-src"] == ["'self'", "wss://tfai.example.com"]


def test_script_hashes_ignore_external_scripts() -> None:
    assert script_hashes(b'<script src="/a.js"></script><script defer src=x></script>') == []
    assert "'sha256-" not in content_security_policy("http://localhost:3000")


async def test_real_api_answers_carry_the_headers(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/v1/healthz")
    _assert_common(resp)
    missing = await client.get("/api/v1/nope")
    assert missing.status_code == 404
    _assert_common(missing)
    docs = await client.get("/api/v1/docs")
    assert docs.status_code == 200 and "SwaggerUIBundle" in docs.text


async def test_the_api_docs_page_loads_only_its_own_assets(client: httpx.AsyncClient) -> None:
    """No script from a CDN runs on the app's origin: the CSP names no other origin, the page none either."""
    docs = await client.get("/api/v1/docs")
    csp = _csp(docs)
    assert all(source.startswith(("'", "data:", "blob:", "ws:", "wss:")) for directive in csp.values()
               for source in directive), csp
    assert "https://" not in docs.text  # FastAPI's default page loads the CDN and a favicon from its own site
    for asset, kind in (("swagger-ui-bundle.js", "javascript"), ("swagger-ui.css", "css")):
        assert f'"/api/v1/docs/{asset}"' in docs.text
        served = await client.get(f"/api/v1/docs/{asset}")
        assert served.status_code == 200 and kind in served.headers["content-type"] and len(served.content) > 1000
    script_src = [s for s in csp["script-src"] if s.startswith("'sha256-")]
    assert script_src, "the page's inline initialiser runs by its hash"


def test_tfai_app_wraps_the_whole_reflex_app_with_harden() -> None:
    from tfai.tfai import app

    transformers = app.api_transformer
    assert isinstance(transformers, list) and transformers[-1] is harden


async def test_reflex_page_response_carries_the_headers() -> None:
    """A Reflex-like Starlette app with the compiled frontend mounted, wrapped the way rx.App applies transformers."""
    import tempfile
    from pathlib import Path

    from fastapi import FastAPI
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    static = Path(tempfile.mkdtemp())
    (static / "login.html").write_bytes(PAGE)
    reflex_like = Starlette(routes=[Mount("", StaticFiles(directory=static, html=True))])
    api = FastAPI()
    api.mount("", reflex_like)  # what rx.App does with a Starlette transformer
    async with _client(harden(api, configure_logs=False)) as c:
        resp = await c.get("/login.html")
    assert resp.status_code == 200
    _assert_common(resp)
    assert _sha(b"window.a = 1;") in _csp(resp)["script-src"]


async def test_revalidated_page_keeps_its_cached_policy() -> None:
    """A 304 must not carry a policy: its headers would replace the cached page's (hashes and all)."""
    import tempfile
    from pathlib import Path

    from starlette.staticfiles import StaticFiles

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "index.html").write_bytes(PAGE)
        app = SecurityHeaders(StaticFiles(directory=tmp, html=True), public_url="http://localhost:3000")
        async with _client(app) as client:
            first = await client.get("/index.html")
            assert first.status_code == 200 and _sha(b"window.a = 1;") in _csp(first)["script-src"]
            again = await client.get("/index.html", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert "content-security-policy" not in again.headers
    assert again.headers["x-content-type-options"] == "nosniff"
