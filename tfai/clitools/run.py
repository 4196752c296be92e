"""`tfai run` (migrate, then run and supervise the action workers and the web app) and `tfai worker`."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tfai.clitools.supervisor import Child, Supervisor
from tfai.db.migrate import migrate
from tfai.embedded import ensure_services, export_env
from tfai.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = ROOT / ".tools" / "node_modules" / ".bin"


def reflex_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{TOOLS_BIN}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_CHECK_LATEST_VERSION="0",
        TFAI_PORT=str(port),
        REFLEX_TELEMETRY_ENABLED="false",
        PYTHONUNBUFFERED="1",
    )
    if env.get("TFAI_ENV") == "production":
        env.pop("TFAI_DATABASE_URL", None)  # the owner's URL is for migrating here, never for the web app or worker
    return env


# Actions wait on external systems: a thread only waits for its action on the worker's event loop, so a worker
# keeps this many in flight (16 × 1 s responses → 16 actions/s per worker) for the cost of idle threads.
WORKER_THREADS = 16


def default_workers() -> int:
    """Action worker processes `tfai run` starts: one per CPU core (1–4), each WORKER_THREADS actions at once."""
    return max(1, min(4, os.cpu_count() or 1))


def worker_command(concurrency: int = WORKER_THREADS) -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tfai.worker.celery_app:celery_app",
        "worker",
        "--loglevel",
        "WARNING",
        "--concurrency",
        str(concurrency),
        "--pool",
        "threads",
        "--without-gossip",
        "--without-mingle",
    ]


def _wait_healthy(port: int, supervisor: Supervisor, timeout: float = 600) -> bool:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/api/v1/healthz"
    while time.monotonic() < deadline:
        if supervisor.exited():  # a first start that fails (a build error, a bad setting) is not retried
            return False
        with contextlib.suppress(Exception), urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310
            if resp.status == 200:
                return True
        time.sleep(0.5)
    return False


def run(port: int, workers: int | None = None) -> int:
    """Start everything and block until Ctrl-C or SIGTERM; leave no process behind."""
    # Cookies, Origin checks and callback URLs follow the port unless the deployment names its public URL.
    os.environ.setdefault("TFAI_PUBLIC_URL", f"http://localhost:{port}")
    get_settings.cache_clear()
    settings, embedded = ensure_services(get_settings())
    export_env(settings)
    get_settings.cache_clear()
    supervisor = Supervisor([])

    def _terminate(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Explicit for SIGINT too: a shell that starts us in the background hands us SIGINT ignored.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    try:
        print("Migrating the database…", flush=True)
        migrate(get_settings())
        env = reflex_env(port)
        web = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port", "--frontend-port", str(port),
               "--backend-port", str(port), "--backend-host", "0.0.0.0"]
        count = default_workers() if workers is None else max(1, workers)
        supervisor.children = [Child(f"worker {i + 1}", worker_command(), ROOT, env) for i in range(count)]
        supervisor.children.append(Child("web app", web, ROOT, env))
        supervisor.start_all()
        print("Building and starting the app (the first build takes a minute)…", flush=True)
        if _wait_healthy(port, supervisor):
            print(f"\ntfai is running at http://localhost:{port}  (Ctrl-C to stop)\n", flush=True)
        else:
            print("tfai failed to start; see the output above", file=sys.stderr, flush=True)
            return 1
        while True:  # from here on, a child that exits is started again (see supervisor.py)
            supervisor.check()
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
        return 0
    finally:
        supervisor.stop_all()
        embedded.stop()


def worker(concurrency: int = WORKER_THREADS) -> int:
    """Run the Celery worker in the foreground (embedded services are started when URLs are unset)."""
    settings, embedded = ensure_services(get_settings())
    export_env(settings)
    try:
        return subprocess.call(worker_command(concurrency), cwd=ROOT, env=reflex_env(0))
    except KeyboardInterrupt:
        return 0
    finally:
        embedded.stop()
