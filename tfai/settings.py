"""One validated settings object (environment variables with the TFAI_ prefix)."""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET = "change-me-development-only-secret"
# "minimal" makes argon2 cheap for test runs; production refuses it.
PasswordHashCost = Literal["standard", "minimal"]
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Settings(BaseSettings):
    """Deployment configuration; production refuses unsafe defaults."""

    model_config = SettingsConfigDict(env_prefix="TFAI_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str | None = None
    # The app role's own URL (its own random password): what the web app and the worker connect with. Required in
    # production, where TFAI_DATABASE_URL (the owner's) is for `tfai migrate` only.
    app_database_url: str | None = None
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
    # Actions of one company running at once in one worker process (of its 16 threads): a company whose
    # endpoints stall cannot hold every thread; its further actions wait in the queue.
    action_slots_per_company: int = Field(default=4, ge=1)
    session_idle_hours: float = 8.0
    session_absolute_days: float = 7.0
    max_upload_bytes: int = 25 * 1024 * 1024
    max_body_bytes: int = 1024 * 1024
    log_level: str = "INFO"
    metrics_token: str | None = None
    # Reverse proxies whose X-Forwarded-For is believed (comma-separated CIDRs); empty: the peer is the client.
    trusted_proxies: Annotated[list[IPNetwork], NoDecode] = Field(default_factory=list)
    rate_window_seconds: int = Field(default=60, ge=1, le=3600)
    rate_ticket_submit_per_user: int = Field(default=30, ge=1)
    rate_ticket_submit_per_company: int = Field(default=300, ge=1)
    rate_assistant_per_user: int = Field(default=10, ge=1)
    rate_assistant_per_company: int = Field(default=60, ge=1)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return [ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()]
            except ValueError as exc:
                raise ValueError(f"TFAI_TRUSTED_PROXIES: {exc} (comma-separated addresses or CIDRs)") from exc
        return value

    @model_validator(mode="after")
    def _enforce_safe_production(self) -> Settings:
        # An external database without a named environment would silently run as development (fail open).
        if (self.database_url or self.app_database_url) and "env" not in self.model_fields_set:
            raise ValueError("TFAI_ENV must be set (production or development) when TFAI_DATABASE_URL or "
                             "TFAI_APP_DATABASE_URL is configured")
        if self.env == "production":
            problems = production_problems(self)
            if problems:
                raise ValueError("unsafe production settings:\n- " + "\n- ".join(problems))
        return self

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


def production_problems(settings: Settings) -> list[str]:
    """Every setting production refuses, with how to fix it (also what `tfai doctor` warns about)."""
    problems: list[str] = []
    if settings.secret_key == DEFAULT_SECRET or len(settings.secret_key) < 32:
        problems.append("TFAI_SECRET_KEY must be set to a random value of at least 32 characters "
                        f"(for example: {secrets.token_urlsafe(32)})")
    if settings.password_hash_cost != "standard":
        problems.append("TFAI_PASSWORD_HASH_COST must be 'standard' (minimal is for tests)")
    if not settings.public_url.startswith("https://"):
        problems.append("TFAI_PUBLIC_URL must be an https:// URL (cookies are Secure only over https)")
    if settings.actions_allow_private_networks:
        problems.append("TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS must be false (actions could reach internal services)")
    if not settings.metrics_token or len(settings.metrics_token) < 24:
        problems.append("TFAI_METRICS_TOKEN must be set (at least 24 characters): behind a proxy /metrics is "
                        "otherwise public")
    if not settings.app_database_url:
        problems.append("TFAI_APP_DATABASE_URL must be set: the web app and the worker connect as the app role "
                        "with its own password, never with the owner's URL")
    elif settings.database_url and _username(settings.app_database_url) == _username(settings.database_url):
        problems.append("TFAI_APP_DATABASE_URL must name the app role, not the database owner")
    return problems


def _username(url: str) -> str | None:
    return urlsplit(url).username


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
