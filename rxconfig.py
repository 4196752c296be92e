"""Reflex configuration: offline, no telemetry, no badge; the app module is tfai/tfai.py."""

import os

import reflex as rx

from tfai.api.origin import allowed_origins
from tfai.settings import get_settings

os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "0")
os.environ.setdefault("REFLEX_USE_SYSTEM_BUN", "1")

config = rx.Config(
    app_name="tfai",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=int(os.environ.get("TFAI_PORT", "3000")),
    backend_port=int(os.environ.get("TFAI_PORT", "3000")),
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(appearance="light", accent_color="violet", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    # Reflex's default ("*",) with credentials reflects any Origin: CORS (on /api/v1 and the event socket) allows
    # only the public URL's origin.
    cors_allowed_origins=allowed_origins(get_settings().public_url),
)
