"""Staff fixtures: a platform staff member, real sessions (with and without a grant) and the API client."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.staff import GrantSession, Staffer, login, totp_now
from tests.fixtures.tenants import PASSWORD
from tfai.domain.policy import Actor
from tfai.services.auth import sessions
from tfai.services.common import throttle
from tfai.services.staff import access, setup

_n = itertools.count(1)


@pytest.fixture(autouse=True)
async def _clean_throttle(db_engine: None) -> AsyncIterator[None]:
    await throttle.clear_all()
    yield
    await throttle.clear_all()


@pytest.fixture
async def staffer(db_engine: None) -> Staffer:
    email = f"staff{next(_n)}.{secrets.token_hex(3)}@ticketflower.example"
    created = await setup.create_staff_user(email=email, first_name="Sam", last_name="Staff", password=PASSWORD)
    uri = created.second_factor.totp_uri
    return Staffer(user_id=created.user_id, email=email, token=await login(email, second_factor=totp_now(uri)),
                   totp_uri=uri, recovery_codes=list(created.second_factor.recovery_codes))


@pytest.fixture(scope="session")
def app(stack: object) -> FastAPI:
    from tfai.api.app import create_api

    return create_api()


@pytest.fixture
async def browser(app: FastAPI, db_engine: None) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own cookie jar (like one browser)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost:3000") as client:
        yield client


@pytest.fixture
def grant_session(staffer: Staffer) -> GrantSession:
    """Start a grant for the staffer and return (session token, actor) of the rotated session under it."""

    async def make(company_id: int, *, mode: str = "read", minutes: int = 60,
                   reason: str = "Customer asked for help with a workflow") -> tuple[str, Actor]:
        me = await staffer.actor()
        grant = await access.start_grant(me, company_id=company_id, reason=reason, mode=mode, minutes=minutes)
        code = await access.switch_code(me, grant_id=grant.grant_id)
        token = await sessions.finish_login(code, ip="10.9.0.1", user_agent="pytest")
        return token, await sessions.authenticate_session(token)

    return make
