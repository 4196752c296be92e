"""Reflex entry point: assemble the app, its pages and the REST API on one port."""

from __future__ import annotations

import reflex as rx
from starlette.types import ASGIApp

from tfai.api.app import create_api
from tfai.api.origin import OriginCheck
from tfai.api.security_headers import harden
from tfai.settings import get_settings
from tfai.ui.pages import load_all

load_all()


def _origin_check(inner: ASGIApp) -> ASGIApp:
    return OriginCheck(inner, public_url=lambda: get_settings().public_url)


app = rx.App(api_transformer=[create_api(), _origin_check, harden])
