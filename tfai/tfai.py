"""Reflex entry point: assemble the app, its pages and the REST API on one port."""

from __future__ import annotations

import reflex as rx
from starlette.types import ASGIApp

from tfai.api.app import create_api
from tfai.api.limits import BodyLimit
from tfai.api.origin import OriginCheck
from tfai.api.security_headers import harden
from tfai.api.upload_guard import UPLOAD_PATH, UploadSession, reflex_tab_cookie
from tfai.services.common.sandbox_lifespan import sandbox_lifespan
from tfai.settings import get_settings
from tfai.ui.pages import load_all

load_all()


def _origin_check(inner: ASGIApp) -> ASGIApp:
    return OriginCheck(inner, public_url=lambda: get_settings().public_url)


def _upload_limit(inner: ASGIApp) -> ASGIApp:
    """One upload request carries at most max_upload_bytes (refused by Content-Length or while it streams)."""
    limit = get_settings().max_upload_bytes
    return BodyLimit(inner, max_bytes=limit, max_upload_bytes=limit, prefix=UPLOAD_PATH)


def _upload_session(inner: ASGIApp) -> ASGIApp:
    return UploadSession(inner, tab_cookie=reflex_tab_cookie(app))


# Each transformer wraps the one before: a request meets harden, the Origin check, the upload limit, the upload's
# session check, then the API (with Reflex's own endpoints mounted inside it).
app = rx.App(api_transformer=[create_api(), _upload_session, _upload_limit, _origin_check, harden])
# The sandbox processes start in the background while the server starts, and stop with it.
app.register_lifespan_task(sandbox_lifespan)
