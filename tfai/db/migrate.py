"""Run the Alembic history as the owner, then create or update the app role."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import URL

from alembic import command
from tfai.db.roles import ensure_app_role
from tfai.db.urls import app_role_credentials, owner_url
from tfai.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: URL) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["owner_url"] = url.render_as_string(hide_password=False)
    return cfg


def migrate(settings: Settings, revision: str = "head") -> None:
    """Upgrade the schema to revision and (re)grant the app role."""
    url = owner_url(settings)
    command.upgrade(alembic_config(url), revision)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            ensure_app_role(conn, *app_role_credentials(settings))
    finally:
        engine.dispose()


def downgrade(settings: Settings, revision: str = "base") -> None:
    command.downgrade(alembic_config(owner_url(settings)), revision)


def current_and_head(settings: Settings) -> tuple[str | None, str | None]:
    """The database's current revision and the code's head revision."""
    url = owner_url(settings)
    script = ScriptDirectory.from_config(alembic_config(url))
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    return current, script.get_current_head()
