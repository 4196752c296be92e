"""Every mutating endpoint (enumerated from the OpenAPI schema) refuses a read-only staff grant."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI

from tests.fixtures.staff import GrantSession
from tests.fixtures.tenants import World

BASE = "http://localhost:3000"
MUTATING = ("post", "put", "patch", "delete")

# Mutating routes that do not answer 403 read_only under a read grant, and why. A new mutating endpoint
# that is not refused under a read grant fails test_every_mutating_endpoint_refuses_a_read_grant.
EXEMPT: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/signup"): "no actor: creates a new company",
    ("POST", "/api/v1/auth/tokens"): "no actor: email and password",
    ("DELETE", "/api/v1/auth/tokens/current"): "bearer tokens only (no grant)",
    ("POST", "/api/v1/auth/logout"): "ending one's own session is always allowed",
    ("POST", "/api/v1/auth/nonce"): "no actor: binds a login code to this browser",
    ("POST", "/api/v1/callbacks/{token}"): "no actor: an action's callback token",
    ("POST", "/api/v1/definitions/validate"): "checks a bundle, stores nothing",
    ("POST", "/api/v1/definitions/dry-run"): "simulates a workflow, stores nothing",
    ("DELETE", "/api/v1/staff/grants/current"): "exiting the grant is always allowed",
    ("POST", "/api/v1/staff/grants"): "refused (403) for another reason: no grant inside a grant",
    ("POST", "/api/v1/staff/grants/{grant_id}/enter"): "switches the staff member's session, changes no data",
}


def _sample(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A small value that passes the schema (required fields only)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return _sample(spec["components"]["schemas"][name], spec)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _sample(options[0], spec)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _sample(props[k], spec) for k in schema.get("required", []) if k in props}
    if kind == "array":
        return [_sample(schema.get("items", {}), spec) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return "x" * max(3, schema.get("minLength", 0))
    if kind == "integer" or kind == "number":
        return max(1, schema.get("minimum", 1))
    return False if kind == "boolean" else None


def _requests(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method not in MUTATING:
                continue
            content = op.get("requestBody", {}).get("content", {})
            kwargs: dict[str, Any] = {}
            if "application/json" in content:
                kwargs["json"] = _sample(content["application/json"].get("schema", {}), spec)
            elif "multipart/form-data" in content:
                kwargs["files"] = {"file": ("a.txt", b"hello", "text/plain")}
            out.append((method.upper(), path, kwargs))
    return out


async def test_every_mutating_endpoint_refuses_a_read_grant(world: World, grant_session: GrantSession,
                                                            app: FastAPI, browser: httpx.AsyncClient) -> None:
    token, actor = await grant_session(world.a.company_id, mode="read")
    assert actor.read_only
    browser.cookies.set("tfai_session", token, domain="localhost.local")
    requests = _requests(app.openapi())
    assert len(requests) >= 10
    wrong = []
    for method, path, kwargs in requests:
        if (method, path) in EXEMPT:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        answer = await browser.request(method, url, headers={"Origin": BASE}, **kwargs)
        code = answer.json().get("error", {}).get("code") if answer.headers.get("content-type", "").startswith(
            "application/json") else None
        # Credential and role management is refused to staff under any grant, before the read-only check.
        if answer.status_code != 403 or code not in ("read_only", "staff_credentials"):
            wrong.append(f"{method} {path} -> {answer.status_code} {code}")
    assert wrong == [], "mutating endpoints not refused under a read-only grant:\n" + "\n".join(wrong)
    grants = await browser.post("/api/v1/staff/grants", headers={"Origin": BASE},
                                json={"company_id": world.b.company_id, "reason": "hop over"})
    assert grants.status_code == 403
