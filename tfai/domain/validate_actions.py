"""Task rules: action URLs (https, no private IP literals), timeouts, and FORM output schemas."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from tfai.domain.problems import Report, pointer

SYNC_TIMEOUT_MAX = 300
ASYNC_TIMEOUT_MAX = 30 * 24 * 3600
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}\.?$", re.IGNORECASE)


def _blocked_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
    )


def url_problem(url: str, *, allow_private_networks: bool) -> tuple[str, str] | None:
    """(code, message) when an action URL is not acceptable, else None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return "action.url_invalid", f"Not a valid URL: {exc}"
    allowed = ("https", "http") if allow_private_networks else ("https",)
    if parts.scheme.lower() not in allowed:
        return (
            "action.url_scheme",
            f"The URL must use {' or '.join(allowed)}, not {parts.scheme or 'nothing'!r}",
        )
    if not host:
        return "action.url_host", "The URL has no host"
    if parts.username is not None or parts.password is not None:
        return "action.url_credentials", "Credentials do not belong in the URL; the action request is signed"
    if allow_private_networks:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return "action.url_private", f"{host!r} is a loopback host"
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host)
    except ValueError:
        if not _NUMERIC_HOST.match(host):
            return None
        try:
            ip = ipaddress.ip_address(int(host, 0))
        except ValueError:
            return "action.url_ip_literal", f"{host!r} looks like an IP address written in an unusual form"
    if _blocked_ip(ip):
        return "action.url_private", f"{host} is in a loopback, private, link-local or CGNAT range"
    return None


def check_task_rules(workflow: dict[str, Any], report: Report, *, allow_private_networks: bool) -> None:
    """Per-task rules that depend on its type."""
    tasks = workflow.get("tasks")
    if not isinstance(tasks, list):
        return
    for i, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        kind = task.get("type")
        where = pointer("workflow", "tasks", i)
        if kind in ("SYNC_ACTION", "ASYNC_ACTION"):
            _check_action(task, kind, where, report, allow_private_networks)
        elif kind == "FORM":
            _check_form(task, where, report)


def _check_action(task: dict[str, Any], kind: str, where: str, report: Report, allow_private: bool) -> None:
    url = task.get("action_url")
    if url is None:
        report.error(where, "action.url_missing", f"A {kind} task needs an action_url")
    elif isinstance(url, str):
        found = url_problem(url, allow_private_networks=allow_private)
        if found:
            report.error(where + "/action_url", *found)
    timeout = task.get("timeout_seconds")
    upper = SYNC_TIMEOUT_MAX if kind == "SYNC_ACTION" else ASYNC_TIMEOUT_MAX
    if isinstance(timeout, int) and not isinstance(timeout, bool) and not 1 <= timeout <= upper:
        limit = "300 seconds" if kind == "SYNC_ACTION" else "30 days (2592000 seconds)"
        report.error(
            where + "/timeout_seconds",
            "action.timeout_range",
            f"A {kind} timeout must be 1 second to {limit}",
        )
    for attr in ("edit_layout",):
        if task.get(attr) is not None:
            report.warning(where + "/" + attr, "action.layout_unused", f"{attr} is only used by FORM tasks")


def _check_form(task: dict[str, Any], where: str, report: Report) -> None:
    for attr in ("action_url", "timeout_seconds", "output_transform"):
        if task.get(attr) is not None:
            report.error(where + "/" + attr, "form.unexpected", f"A FORM task has no {attr}")
    schema = task.get("output_schema")
    if schema is None:
        report.error(where, "form.output_schema_missing", "A FORM task needs an output_schema (what the form asks)")
    elif isinstance(schema, dict):
        props = schema.get("properties")
        if not isinstance(props, dict) or not props:
            report.error(where + "/output_schema", "form.no_fields", "A FORM output_schema needs at least one property")
