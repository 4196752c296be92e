"""Structured logs: one JSON object per line with request id, company and actor, secrets redacted."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("tfai_request_id", default=None)
company_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("tfai_company_id", default=None)
actor_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("tfai_actor", default=None)

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(r"pass(word|wd)?|token|secret|authorization|cookie|api[_-]?key|credential|^code$|login_code",
                         re.IGNORECASE)
# key=value / "key": "value" pairs inside free text, for messages that interpolate a mapping or a header line.
_SECRET_PAIR = re.compile(
    r"""(?P<key>["']?(?:password|passwd|token|secret|authorization|cookie|api[_-]?key)["']?\s*[:=]\s*)"""
    r"""(?P<q>["']?)(?:bearer\s+)?[^\s"',;&}]+""",
    re.IGNORECASE)
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id(incoming: str | None = None) -> str:
    """The caller's X-Request-ID when it is short and plain, else a fresh one."""
    if incoming and _REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def bind_actor(user_id: int | None, company_id: int | None) -> None:
    """Record who is acting for the rest of this request's (or task's) logs."""
    actor_var.set(user_id)
    company_id_var.set(company_id)


def redact(value: Any, depth: int = 0) -> Any:
    """A copy with the values of secret-looking keys replaced (mappings and lists, recursively)."""
    if depth > 8:
        return REDACTED
    if isinstance(value, Mapping):
        return {k: (REDACTED if isinstance(k, str) and _SECRET_KEY.search(k) else redact(v, depth + 1))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v, depth + 1) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_text(text: str) -> str:
    """Mask `password=...`, `"token": "..."` and `Bearer ...` inside free text."""
    text = _BEARER.sub("Bearer " + REDACTED, text)
    return _SECRET_PAIR.sub(lambda m: f"{m.group('key')}{m.group('q')}{REDACTED}", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, company_id, actor, extras."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact_text(record.getMessage()),
            "request_id": request_id_var.get(),
            "company_id": company_id_var.get(),
            "actor": actor_var.get(),
        }
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}
        if extras:
            out.update(redact(extras))
        if record.exc_info:
            out["exception"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines with the request id, also redacted."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = request_id_var.get() or "-"
        return redact_text(super().format(record))


def log_format() -> str:
    """TFAI_LOG_FORMAT (json|text); json by default in production, text in development."""
    fmt = os.environ.get("TFAI_LOG_FORMAT", "").strip().lower()
    if fmt in ("json", "text"):
        return fmt
    return "json" if os.environ.get("TFAI_ENV", "development") == "production" else "text"


def configure(fmt: str | None = None, level: str | None = None, stream: Any = None) -> logging.Handler:
    """Send every log record through one handler on the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler:  # basicConfig's; leave test capture handlers alone
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if (fmt or log_format()) == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("TFAI_LOG_LEVEL") or "INFO").upper())
    # httpx logs each request's full URL at INFO; action URLs may carry credentials in their query string.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return handler


def _celery_setup(**_: object) -> None:
    configure()


def connect_celery() -> None:
    """Let the worker log through configure() (Celery's setup_logging signal, fired in the worker only)."""
    from celery.signals import setup_logging

    setup_logging.connect(_celery_setup, weak=False)
