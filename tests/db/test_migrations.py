"""One Alembic history: it matches the models, and upgrades from empty and downgrades to base."""

from __future__ import annotations

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import make_url

from tests.fixtures.stack import Stack
from tfai.db.migrate import downgrade, migrate
from tfai.db.tables import metadata
from tfai.settings import Settings, get_settings


def test_models_and_migrations_agree(stack: Stack) -> None:
    engine = create_engine(make_url(stack.database_url).set(drivername="postgresql+psycopg"),
                           poolclass=pool.NullPool)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_from_empty_and_downgrade_to_base(stack: Stack) -> None:
    name = stack.database + "_mig"
    with psycopg.connect(stack.admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(stack.database_url).set(database=name).render_as_string(hide_password=False)
        settings = Settings(database_url=url, secret_key=get_settings().secret_key)
        migrate(settings)
        with psycopg.connect(url) as conn:
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
            assert tables is not None and tables[0] == len(metadata.tables) + 1  # + alembic_version
        downgrade(settings, "base")
        with psycopg.connect(url) as conn:
            left = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
            assert left == [("alembic_version",)]
            types = conn.execute("SELECT count(*) FROM pg_type WHERE typname = 'task_status'").fetchone()
            assert types == (0,)
        migrate(settings)
    finally:
        with psycopg.connect(stack.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
