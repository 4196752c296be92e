"""Reflex entry point: assemble the app, its pages and the REST API on one port."""

from __future__ import annotations

import reflex as rx

from tfai.api.app import create_api
from tfai.api.security_headers import harden
from tfai.ui.pages import load_all

load_all()

app = rx.App(api_transformer=[create_api(), harden])
