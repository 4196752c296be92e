"""The `fake_llm` fixture: a scripted OpenAI-compatible server configured as the assistant's endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.fake_llm import FakeLLM, serving_as_assistant


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    with serving_as_assistant(FakeLLM()) as server:
        yield server
