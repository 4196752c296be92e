"""Alembic environment: migrations run as the schema owner, never as the app role."""

from __future__ import annotations

from sqlalchemy import create_engine, pool

from alembic import context
from tfai.db.tables import metadata
from tfai.db.urls import owner_url
from tfai.settings import get_settings

config = context.config


def _url() -> str:
    explicit = config.attributes.get("owner_url")
    if explicit:
        return str(explicit)
    return owner_url(get_settings()).render_as_string(hide_password=False)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
