"""Action tests: a local external system, real Celery worker processes, and private networks allowed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.external_server import ExternalServer
from tests.fixtures.stack import Stack
from tests.fixtures.workers import WorkerPool


@pytest.fixture(scope="session")
def external() -> Iterator[ExternalServer]:
    server = ExternalServer()
    yield server
    server.close()


@pytest.fixture
def private_networks() -> Iterator[None]:
    """This process validates bundles with TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS=true (the target is local)."""
    from tfai.settings import get_settings

    old = os.environ.get("TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS")
    os.environ["TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS"] = "true"
    get_settings.cache_clear()
    yield
    if old is None:
        os.environ.pop("TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS", None)
    else:
        os.environ["TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS"] = old
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def worker_pool(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerPool]:
    pool = WorkerPool(Path(tmp_path_factory.mktemp("workers")))
    yield pool
    pool.close()


@pytest.fixture
def workers(worker_pool: WorkerPool, private_networks: None, db_engine: None) -> WorkerPool:
    """At least one live worker (with its relay) for the test."""
    worker_pool.ensure(1)
    return worker_pool
