"""Settings: one validated object that refuses unsafe production defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tfai.settings import DEFAULT_SECRET, Settings

PRODUCTION = {
    "env": "production",
    "secret_key": "s" * 40,
    "password_hash_cost": "standard",
    "public_url": "https://tfai.example.com",
    "metrics_token": "m" * 32,
    "database_url": "postgresql://owner:owner-pw@db.example.com/tfai",
    "app_database_url": "postgresql://tfai_app:random-app-pw@db.example.com/tfai",
}


def test_development_accepts_the_default_secret() -> None:
    assert Settings(env="development", secret_key=DEFAULT_SECRET).secret_key == DEFAULT_SECRET


@pytest.mark.parametrize("secret", [DEFAULT_SECRET, "short-secret"])
def test_production_refuses_default_or_short_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="TFAI_SECRET_KEY"):
        Settings(env="production", secret_key=secret)


def test_production_accepts_a_long_random_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TFAI_PASSWORD_HASH_COST", raising=False)  # the test stack sets the minimal cost
    settings = Settings(**{**PRODUCTION, "password_hash_cost": "standard", "secret_key": "x" * 40})  # type: ignore[arg-type]
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


def test_production_accepts_complete_settings() -> None:
    assert Settings(**PRODUCTION).env == "production"  # type: ignore[arg-type]


@pytest.mark.parametrize(("change", "named"), [
    ({"public_url": "http://tfai.example.com"}, "TFAI_PUBLIC_URL"),
    ({"actions_allow_private_networks": True}, "TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS"),
    ({"metrics_token": None}, "TFAI_METRICS_TOKEN"),
    ({"metrics_token": "short"}, "TFAI_METRICS_TOKEN"),
    ({"app_database_url": None}, "TFAI_APP_DATABASE_URL must be set"),
    ({"app_database_url": "postgresql://owner:owner-pw@db.example.com/tfai"}, "not the database owner"),
])
def test_production_refuses_each_unsafe_setting(change: dict[str, object], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        Settings(**{**PRODUCTION, **change})  # type: ignore[arg-type]


def test_an_external_database_needs_an_explicit_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TFAI_ENV", "TFAI_DATABASE_URL", "TFAI_APP_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().env == "development"  # the embedded database: development by default
    for url in ("database_url", "app_database_url"):
        with pytest.raises(ValidationError, match="TFAI_ENV must be set"):
            Settings(**{url: "postgresql://u:p@db.example.com/tfai"})  # type: ignore[arg-type]
    monkeypatch.setenv("TFAI_ENV", "development")
    monkeypatch.setenv("TFAI_DATABASE_URL", "postgresql://u:p@db.example.com/tfai")
    assert Settings().env == "development"  # named explicitly, as the test stack and CI do


def test_trusted_proxies_parse_comma_separated_cidrs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFAI_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7,fd00::/8")
    assert [str(n) for n in Settings().trusted_proxies] == ["10.0.0.0/8", "192.0.2.7/32", "fd00::/8"]
    monkeypatch.delenv("TFAI_TRUSTED_PROXIES")
    assert Settings().trusted_proxies == []
    monkeypatch.setenv("TFAI_TRUSTED_PROXIES", "10.0.0.0/8,not-an-address")
    with pytest.raises(ValidationError, match="TFAI_TRUSTED_PROXIES"):
        Settings()


def test_web_and_worker_use_the_app_roles_own_url_in_production() -> None:
    from tfai.db.urls import app_role_credentials, app_url

    prod = Settings(**PRODUCTION)  # type: ignore[arg-type]
    url = app_url(prod)
    assert (url.username, url.password, url.host) == ("tfai_app", "random-app-pw", "db.example.com")
    assert app_role_credentials(prod) == ("tfai_app", "random-app-pw")  # what `tfai migrate` gives the role
    without_owner = Settings(**{**PRODUCTION, "database_url": None})  # type: ignore[arg-type]
    assert app_url(without_owner).username == "tfai_app"  # the owner's URL is not needed to connect
    dev = Settings(env="development", database_url="postgresql://owner:pw@localhost/tfai",
                   secret_key="d" * 40)
    derived = app_url(dev)
    assert derived.username == dev.app_db_role and derived.password != "pw"  # development derives it


def test_tfai_run_hands_children_no_owner_url_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    from tfai.clitools.run import reflex_env

    monkeypatch.setenv("TFAI_DATABASE_URL", "postgresql://owner:pw@db.example.com/tfai")
    monkeypatch.setenv("TFAI_ENV", "production")
    assert "TFAI_DATABASE_URL" not in reflex_env(3000)
    monkeypatch.setenv("TFAI_ENV", "development")
    assert reflex_env(3000)["TFAI_DATABASE_URL"].startswith("postgresql://owner")


def test_seed_demo_refuses_production(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from tfai.clitools.demo import run_seed
    from tfai.settings import get_settings

    for key, value in PRODUCTION.items():
        monkeypatch.setenv(f"TFAI_{key.upper()}", str(value))
    get_settings.cache_clear()
    try:
        assert run_seed(argparse.Namespace()) == 2
    finally:
        get_settings.cache_clear()
    assert "refuses to run in production" in capsys.readouterr().err


def test_doctor_warns_about_each_unsafe_setting() -> None:
    from tfai.clitools.doctor import setting_warnings

    unsafe = Settings(env="development", database_url="postgresql://u:p@db.example.com/tfai",
                      public_url="http://tfai.example.com", actions_allow_private_networks=True,
                      secret_key=DEFAULT_SECRET, metrics_token=None, app_database_url=None)
    warnings = "\n".join(setting_warnings(unsafe))
    for named in ("TFAI_ENV=development on a configured database", "TFAI_SECRET_KEY", "TFAI_PUBLIC_URL",
                  "TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS", "TFAI_METRICS_TOKEN", "TFAI_APP_DATABASE_URL"):
        assert named in warnings
    assert setting_warnings(Settings(**PRODUCTION)) == []  # type: ignore[arg-type]


def test_doctor_lists_every_refused_production_setting(tmp_path: object) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("TFAI_")}
    env.update(TFAI_ENV="production", TFAI_SECRET_KEY="s" * 40, TFAI_PUBLIC_URL="http://tfai.example.com",
               TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS="true")
    out = subprocess.run([sys.executable, "-m", "tfai.cli", "doctor"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 1 and "✗ settings" in out.stdout
    for named in ("TFAI_PUBLIC_URL", "TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS", "TFAI_METRICS_TOKEN",
                  "TFAI_APP_DATABASE_URL"):
        assert named in out.stdout
