"""The `fake_llm` fixture: a scripted OpenAI-compatible server configured as the assistant's endpoint."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.api.conftest import api, auth_headers  # noqa: F401  (the REST client fixtures, reused here)
from tests.fixtures.fake_llm import FakeLLM

_VARS = ("TFAI_LLM_BASE_URL", "TFAI_LLM_API_KEY", "TFAI_LLM_MODEL")


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    from tfai.settings import get_settings

    server = FakeLLM().start()
    saved = {name: os.environ.get(name) for name in _VARS}
    os.environ.update(TFAI_LLM_BASE_URL=server.base_url, TFAI_LLM_API_KEY="test-key", TFAI_LLM_MODEL="fake-model")
    get_settings.cache_clear()
    try:
        yield server
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()
        server.stop()
