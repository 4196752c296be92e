"""Start and stop the benchmark stack: servers (given or embedded), fresh databases, migrations, the app."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / ".tfai" / "bench"
BENCH_DB = "tfai_bench"
LISTS_DB = "tfai_bench_lists"
# A role of its own: roles are cluster-wide, so the tests' tfai_app password is never touched.
APP_ROLE = "tfai_bench_app"
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
REDIS_DB = 9


@dataclass
class Stack:
    """The PostgreSQL server (its maintenance URL) and the Redis URL the benchmark uses."""

    admin_url: str
    redis_url: str
    embedded: bool
    handles: list[Any] = field(default_factory=list)

    def db_url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def stop(self) -> None:
        stop_handles(self.handles)


def stop_handles(handles: object) -> None:
    """Stop the embedded servers a stack started (each handle's terminate or stop); a failing one does not stop the
    rest."""
    for handle in handles if isinstance(handles, list) else []:
        stop = getattr(handle, "terminate", None) or getattr(handle, "stop", None)
        if stop is not None:
            with contextlib.suppress(Exception):
                stop()


def start_stack() -> Stack:
    """Use TFAI_DATABASE_URL / TFAI_REDIS_URL when set, else embedded servers under .tfai/bench."""
    from tfai.embedded import start_postgres, start_redis

    handles: list[Any] = []
    base = os.environ.get("TFAI_DATABASE_URL")
    redis_url = os.environ.get("TFAI_REDIS_URL")
    embedded = not base
    if not base:
        base, pg = start_postgres(BENCH_DIR, database="postgres")
        handles.append(pg)
    admin = make_url(base).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    if not redis_url:
        sock, proc = start_redis(BENCH_DIR)
        handles.append(proc)
        redis_url = f"{sock}?db={REDIS_DB}"
    return Stack(admin_url=admin, redis_url=redis_url, embedded=embedded, handles=handles)


def database_exists(stack: Stack, name: str) -> bool:
    with psycopg.connect(stack.admin_url, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def fresh_database(stack: Stack, name: str) -> None:
    """Drop (forcing other sessions out) and create the database."""
    with psycopg.connect(stack.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def bench_env(stack: Stack, database: str, port: int = 3000) -> dict[str, str]:
    return {
        "TFAI_DATABASE_URL": stack.db_url(database),
        "TFAI_REDIS_URL": stack.redis_url,
        "TFAI_APP_DB_ROLE": APP_ROLE,
        "TFAI_SECRET_KEY": SECRET,
        "TFAI_DATA_DIR": str(BENCH_DIR / "data"),
        "TFAI_PUBLIC_URL": f"http://localhost:{port}",
        "TFAI_ENV": "development",
        "TFAI_LOG_LEVEL": "WARNING",
        # The submit benchmark measures the system, not the per-user/per-company submission throttle.
        "TFAI_RATE_TICKET_SUBMIT_PER_USER": "100000000",
        "TFAI_RATE_TICKET_SUBMIT_PER_COMPANY": "100000000",
    }


def use_database(stack: Stack, database: str, *, migrate: bool = True, pool_size: int = 20) -> None:
    """Point this process's settings and engine at `database` (migrated to head when asked)."""
    from tfai.db.session import configure_engine
    from tfai.settings import get_settings

    os.environ.update(bench_env(stack, database))
    get_settings.cache_clear()
    if migrate:
        from tfai.db.migrate import migrate as run_migrations

        run_migrations(get_settings())
    configure_engine(pool_size=pool_size)


def machine(stack: Stack) -> dict[str, Any]:
    """CPU count and versions of Python, PostgreSQL and Redis."""
    import redis

    with psycopg.connect(stack.admin_url, autocommit=True) as conn:
        pg = str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]  # type: ignore[index]
    try:
        info: Any = redis.Redis.from_url(stack.redis_url).info("server")
        rv = str(info.get("redis_version", "?"))
    except Exception:  # noqa: BLE001 - a version string is informative only
        rv = "?"
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "postgres": pg, "redis": rv}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ok(url: str) -> bool:
    with contextlib.suppress(Exception), urllib.request.urlopen(url, timeout=3) as resp:  # noqa: S310
        return bool(resp.status == 200)
    return False


@dataclass
class App:
    """`tfai run` in its own process group (its worker and web app are its children)."""

    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 600.0, *, frontend: bool = True) -> None:
        """Wait for the API health check (and the compiled login page); raise with the log tail if not."""
        deadline = time.monotonic() + timeout
        urls = [f"{self.base_url}/api/v1/healthz"] + ([f"{self.base_url}/login"] if frontend else [])
        for url in urls:
            while not _ok(url):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    tail = self.log_path.read_text(errors="replace")[-3000:]
                    self.stop()
                    raise RuntimeError(f"the app did not start (exit {self.proc.poll()}); last output:\n{tail}")
                time.sleep(0.5)

    def stop(self) -> None:
        """SIGTERM to the group (tfai run stops its children), SIGKILL if it lingers."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start_app(stack: Stack, database: str) -> App:
    """Start `tfai run --port <free>` on the benchmark database (does not wait; see App.wait_ready)."""
    port = free_port()
    exe = Path(sys.executable).parent / "tfai"
    cmd = [str(exe)] if exe.exists() else [shutil.which("tfai") or "tfai"]
    env = {**os.environ, **bench_env(stack, database, port),
           "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    log_path = BENCH_DIR / "app.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([*cmd, "run", "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    return App(port=port, proc=proc, log_path=log_path)
