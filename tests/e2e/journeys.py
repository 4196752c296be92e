"""Shared steps of the browser journeys: logging in, and personal API tokens for setting up over REST."""

from __future__ import annotations

import re
from typing import Any

import psycopg

from tests.e2e.conftest import shot
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import Member
from tfai.domain.tokens import hash_token, new_token

DASHBOARD = re.compile(r".*/dashboard/?$")


def login(page: Any, email: str, password: str, *, failure_shot: str | None = None) -> None:
    """Log in through the form and wait for the dashboard (saving a screenshot first when it never comes)."""
    page.goto("/login")
    form = page.locator("#login-form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.get_by_role("button", name="Log in").click()
    try:
        page.wait_for_url(DASHBOARD)
    except Exception:
        if failure_shot:
            shot(page, failure_shot)
        raise


def login_as(page: Any, member: Member) -> None:
    login(page, member.email, member.password)


def api_token(stack: Stack, member: Member) -> str:
    """A personal API token for the member, inserted as the owner (the token route is throttled per address)."""
    token = new_token()
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO api_tokens (company_id, user_id, name, token_hash) VALUES (%s, %s, 'e2e', %s)",
                     (member.company_id, member.id, hash_token(token)))
    return token
