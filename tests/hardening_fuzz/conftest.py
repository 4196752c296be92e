"""Fuzzing fixtures: a fresh company, an API token per role minted per example, and the lazily loaded schema."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import psycopg
import pytest

from tests.fixtures.fake_llm import FakeLLM, Reply, serving_as_assistant, text_reply
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import Tenant, create_tenant
from tfai.domain.tokens import hash_token, new_token


@pytest.fixture(scope="module")
async def fuzz_loop_engine(db_engine: None) -> AsyncIterator[None]:
    """Hand the process-wide engine and Redis client to schemathesis' ASGI loop thread, and back afterwards.

    Both bind their connections to the event loop that first uses them: start from fresh ones, let the fuzzed
    app (running on schemathesis' portal loop) create its own, then dispose of them on that loop.
    """
    from schemathesis.python import asgi

    from tfai.db.session import configure_engine, dispose_engine
    from tfai.redis_client import reset_async_redis

    await dispose_engine()
    configure_engine(pool_size=5)
    reset_async_redis()
    yield
    asgi._get_portal().call(dispose_engine)
    configure_engine(pool_size=5)
    reset_async_redis()


class _ChattyLLM(FakeLLM):
    """A fake model that always answers in words, so the assistant endpoints have a model to talk to."""

    def next_reply(self) -> Reply | None:
        return super().next_reply() or text_reply("Tell me more about the workflow you need.")


@pytest.fixture(scope="module")
def fuzz_llm() -> Iterator[FakeLLM]:
    """The assistant configured against the fake model for the whole module (restored afterwards)."""
    with serving_as_assistant(_ChattyLLM()) as server:
        yield server


@pytest.fixture(scope="module")
def fuzz_tenant(stack: Stack, fuzz_loop_engine: None) -> Tenant:
    return create_tenant(stack.database_url, "fuzz")


@pytest.fixture(scope="module")
def fuzz_staff_id(stack: Stack, fuzz_loop_engine: None) -> int:
    """A platform staff member (of the platform company, created here as the owner when missing)."""
    from schemathesis.python import asgi

    from tfai.services.staff.setup import create_staff_user

    email = f"fuzz.staff.{new_token(4).lower()}@ticketflower.example"
    created = asgi._get_portal().call(lambda: create_staff_user(email=email, first_name="Fuzz", last_name="Staff",
                                                                password="correct horse battery staple 7"))
    return created.user_id


@pytest.fixture(scope="module")
def role_headers(stack: Stack, fuzz_tenant: Tenant, fuzz_staff_id: int,
                 fuzz_llm: FakeLLM) -> Iterator[Callable[[str], dict[str, str]]]:
    """role -> fresh Bearer headers (a fuzzed DELETE /auth/tokens/current must not blind the rest of the run)."""
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        staff_company = conn.execute("SELECT company_id FROM users WHERE id = %s", (fuzz_staff_id,)).fetchone()
        assert staff_company is not None

        def make(role: str) -> dict[str, str]:
            if role == "anonymous":
                return {}
            if role == "staff":
                company_id, user_id = int(staff_company[0]), fuzz_staff_id
            else:
                member = fuzz_tenant.members[role]
                company_id, user_id = member.company_id, member.id
            token = new_token()
            conn.execute("INSERT INTO api_tokens (company_id, user_id, name, token_hash) VALUES (%s, %s, 'fuzz', %s)",
                         (company_id, user_id, hash_token(token)))
            return {"Authorization": f"Bearer {token}"}

        yield make
