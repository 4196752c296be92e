"""`tfai backup` then `tfai restore` into a scratch database keeps every row and every file."""

from __future__ import annotations

import json
import os
import stat
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.fixtures.bundles import install
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import World
from tfai.clitools import backup as bk
from tfai.settings import get_settings


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()]
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}  # type: ignore[index]


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def scratch_db(stack: Stack) -> Iterator[str]:
    name = f"tfai_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(stack.admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(stack.database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(stack.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_round_trip_keeps_every_row_and_file(world: World, stack: Stack, scratch_db: str,
                                                   tmp_path: Path) -> None:
    await install(world.a)
    settings = get_settings()
    files = settings.files_dir
    (files / "ab").mkdir(parents=True, exist_ok=True)
    (files / "ab" / "abcdef0123").write_bytes(b"\x00attachment bytes\xff" * 100)
    (files / "cd").mkdir(exist_ok=True)
    (files / "cd" / "cdef").write_text("second file")
    old_umask = os.umask(0o022)  # a usual umask would leave new files world-readable
    try:
        archive = bk.backup(settings, tmp_path / "out" / "backup.tar.gz")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # the whole database and every file: owner only
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert {"manifest.json", "database.dump", "files/ab/abcdef0123", "files/cd/cdef"} <= names
    assert manifest["alembic_revision"] and manifest["files"] == len(_files(files))
    assert manifest["pg_dump"] >= manifest["server_major"]

    target = settings.model_copy(update={"database_url": scratch_db, "data_dir": tmp_path / "restored"})
    restored = bk.restore(target, archive)
    assert restored == manifest
    before, after = _counts(stack.database_url), _counts(scratch_db)
    assert before == after and before["companies"] >= 2 and before["ticket_definitions"] >= 1
    assert _files(target.files_dir) == _files(files)
    modes = {p.relative_to(target.files_dir).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in [target.files_dir, *target.files_dir.rglob("*")]}
    assert {"ab", "cd", "ab/abcdef0123", "cd/cdef"} <= set(modes)  # other tests' files are there too
    assert all(mode == (0o700 if (target.files_dir / name).is_dir() else 0o600) for name, mode in modes.items())
    with psycopg.connect(scratch_db) as conn:  # RLS survived, and the app role may use the restored tables
        forced = conn.execute("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'ticket_instances'").fetchone()
        assert forced == (True,)
        granted = conn.execute("SELECT has_table_privilege(%s, 'ticket_instances', 'SELECT')",
                               (settings.app_db_role,)).fetchone()
        assert granted == (True,)


async def test_restore_refuses_a_non_empty_database(world: World, stack: Stack, tmp_path: Path) -> None:
    settings = get_settings()
    archive = bk.backup(settings, tmp_path / "b.tar.gz")
    with pytest.raises(bk.BackupError, match="not empty"):
        bk.restore(settings, archive)


def test_tool_choice_respects_the_server_version() -> None:
    assert bk._tool_major(bk.find_tool("pg_dump", 15)) >= 15
    # The embedded server (`make run` / `make test` without URLs) is PostgreSQL 18: its own tools must be found.
    for name in ("pg_dump", "pg_restore"):
        assert bk._tool_major(bk.find_tool(name, 18)) == 18
    with pytest.raises(bk.BackupError, match="no pg_dump"):
        bk.find_tool("pg_dump", 99)


def test_cli_registers_backup_and_restore() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    bk.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["backup", "--out", "x.tar.gz"])
    assert args.func is bk.run_backup and args.out == Path("x.tar.gz")
    assert parser.parse_args(["restore", "y.tar.gz"]).func is bk.run_restore
