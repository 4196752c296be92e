"""Reflex configuration: offline, no telemetry, no badge; the app module is tfai/tfai.py."""

import os

import reflex as rx

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
)
