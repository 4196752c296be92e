"""The API docs page (Swagger UI 5) with its script and stylesheet served from this origin, never from a CDN."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

# npm's swagger-ui-dist in the project's .tools (Makefile bootstrap; pinned in .tools/package.json).
SWAGGER_DIST = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / "swagger-ui-dist"
_ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}


def install_docs(app: FastAPI, *, prefix: str) -> bool:
    """Add GET {prefix}/docs and its two assets; False (no docs page) when swagger-ui-dist is not installed.

    Any script the page loads runs on the app's origin with the user's cookie: only files shipped with the app."""
    if not all((SWAGGER_DIST / name).is_file() for name in _ASSETS):
        return False
    docs = f"{prefix}/docs"

    async def page() -> HTMLResponse:
        # The validator badge would fetch an image from swagger.io: off (the CSP allows no other origin anyway).
        return get_swagger_ui_html(openapi_url=f"{prefix}/openapi.json", title="tfai API",
                                   swagger_js_url=f"{docs}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{docs}/swagger-ui.css", swagger_favicon_url="/favicon.ico",
                                   swagger_ui_parameters={"validatorUrl": None})

    app.add_api_route(docs, page, methods=["GET"], include_in_schema=False)
    for name, media_type in _ASSETS.items():
        app.add_api_route(f"{docs}/{name}", _asset(SWAGGER_DIST / name, media_type), methods=["GET"],
                          include_in_schema=False)
    return True


def _asset(path: Path, media_type: str) -> Callable[[], Awaitable[FileResponse]]:
    async def serve() -> FileResponse:
        return FileResponse(path, media_type=media_type, headers={"cache-control": "public, max-age=86400"})

    return serve
