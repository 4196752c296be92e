"""Settings: one validated object that refuses unsafe production defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tfai.settings import DEFAULT_SECRET, Settings


def test_development_accepts_the_default_secret() -> None:
    assert Settings(env="development", secret_key=DEFAULT_SECRET).secret_key == DEFAULT_SECRET


@pytest.mark.parametrize("secret", [DEFAULT_SECRET, "short-secret"])
def test_production_refuses_default_or_short_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="TFAI_SECRET_KEY"):
        Settings(env="production", secret_key=secret)


def test_production_accepts_a_long_random_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TFAI_PASSWORD_HASH_COST", raising=False)  # the test stack sets the minimal cost
    settings = Settings(env="production", secret_key="x" * 40)
    assert settings.env == "production" and settings.password_hash_cost == "standard"


def test_only_development_accepts_the_minimal_password_hash_cost() -> None:
    assert Settings(env="development", password_hash_cost="minimal").password_hash_cost == "minimal"
    with pytest.raises(ValidationError, match="TFAI_PASSWORD_HASH_COST"):
        Settings(env="production", secret_key="x" * 40, password_hash_cost="minimal")


def test_environment_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("TFAI_LLM_MODEL", "local-model")
    s = Settings()
    assert s.actions_allow_private_networks is True and s.llm_model == "local-model"
    assert Settings.model_fields["actions_allow_private_networks"].default is False
