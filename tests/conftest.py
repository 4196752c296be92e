"""Session stack (fresh database per run) and the shared two-company fixture."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from tests.fixtures.stack import ROOT, Stack, configure_environment, drop_database, start_stack
from tests.fixtures.tenants import Tenant, World, create_tenant

# Fixtures shared by several test directories (pytest_plugins is only honoured in this top-level conftest).
pytest_plugins = ["tests.fixtures.api_client"]


# Whole directories carry a marker, so `make test-fast` can leave them out and a new file there is marked too.
_DIRECTORY_MARKERS = {"chaos": "chaos", "hardening_fuzz": "fuzz"}
_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        top = item.path.resolve().relative_to(_TESTS).parts[0]
        if top in _DIRECTORY_MARKERS:
            item.add_marker(_DIRECTORY_MARKERS[top])


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    data_dir = Path(tempfile.mkdtemp(prefix="tfai-test-"))
    stack, handles = start_stack(ROOT / ".tfai" / "test")
    env = configure_environment(stack, data_dir)
    next(env)
    from tfai.db.migrate import migrate
    from tfai.settings import get_settings

    migrate(get_settings())
    try:
        yield stack
    finally:
        drop_database(stack)
        for handle in handles:
            stop = getattr(handle, "terminate", None) or getattr(handle, "stop", None)
            if stop is not None:
                stop()


@pytest.fixture(scope="session")
async def db_engine(stack: Stack) -> AsyncIterator[None]:
    """The app-role engine, bound to the session's event loop."""
    from tfai.db.session import configure_engine, dispose_engine
    from tfai.redis_client import reset_async_redis

    configure_engine(pool_size=5)
    reset_async_redis()
    yield
    await dispose_engine()


@pytest.fixture
def owner(stack: Stack) -> Iterator[psycopg.Connection]:
    """An owner (RLS-bypassing) connection, for setting up and for checking what was really written."""
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def world(stack: Stack, db_engine: None) -> World:
    return World(a=create_tenant(stack.database_url, "a"), b=create_tenant(stack.database_url, "b"))


@pytest.fixture
def tenant_factory(stack: Stack, db_engine: None) -> object:
    def make(label: str = "x") -> Tenant:
        return create_tenant(stack.database_url, label)

    return make


@pytest.fixture
def setting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Change TFAI_* settings for one test (the cached settings are re-read before and after)."""
    from tfai.settings import get_settings

    def change(**values: object) -> None:
        for key, value in values.items():
            monkeypatch.setenv(f"TFAI_{key.upper()}", str(value))
        get_settings.cache_clear()

    yield change
    monkeypatch.undo()
    get_settings.cache_clear()
