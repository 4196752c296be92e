"""One validated settings object (environment variables with the TFAI_ prefix)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-development-only-secret"
# "minimal" makes argon2 cheap for test runs; production refuses it.
PasswordHashCost = Literal["standard", "minimal"]


class Settings(BaseSettings):
    """Deployment configuration; production refuses unsafe defaults."""

    model_config = SettingsConfigDict(env_prefix="TFAI_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str = DEFAULT_SECRET
    password_hash_cost: PasswordHashCost = "standard"
    public_url: str = "http://localhost:3000"
    data_dir: Path = Path(".tfai")
    app_db_role: str = "tfai_app"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = 60.0
    llm_daily_token_budget: int = 2_000_000
    # Tokens reserved for one reply before the model is called (settled to the real usage afterwards).
    llm_reply_token_reserve: int = Field(default=50_000, ge=1)
    actions_allow_private_networks: bool = False
    action_max_attempts: int = Field(default=3, ge=1, le=20)
    session_idle_hours: float = 8.0
    session_absolute_days: float = 7.0
    max_upload_bytes: int = 25 * 1024 * 1024
    max_body_bytes: int = 1024 * 1024
    log_level: str = "INFO"
    metrics_token: str | None = None
    rate_window_seconds: int = Field(default=60, ge=1, le=3600)
    rate_ticket_submit_per_user: int = Field(default=30, ge=1)
    rate_ticket_submit_per_company: int = Field(default=300, ge=1)
    rate_assistant_per_user: int = Field(default=10, ge=1)
    rate_assistant_per_company: int = Field(default=60, ge=1)

    @model_validator(mode="after")
    def _enforce_safe_production(self) -> Settings:
        if self.env == "production":
            if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
                raise ValueError(
                    "TFAI_SECRET_KEY must be set to a random value of at least 32 characters in production "
                    f"(for example: {secrets.token_urlsafe(32)})"
                )
            if self.password_hash_cost != "standard":
                raise ValueError("TFAI_PASSWORD_HASH_COST must be 'standard' in production (minimal is for tests)")
        return self

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
