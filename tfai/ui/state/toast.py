"""Toasts from event handlers, shown by components.notices from state (Reflex's own toast events are eval'd)."""

from __future__ import annotations

from typing import Any

from reflex.event import EventSpec

from tfai.ui.state.auth import AuthState


def _notify(level: str, message: str) -> EventSpec:
    handler: Any = AuthState.notify  # an EventHandler: calling it makes the EventSpec
    spec: EventSpec = handler(level, message)
    return spec


def success(message: str) -> EventSpec:
    return _notify("success", message)


def error(message: str) -> EventSpec:
    return _notify("error", message)


def warning(message: str) -> EventSpec:
    return _notify("warning", message)


def info(message: str) -> EventSpec:
    return _notify("info", message)
