"""Bring up the private stack: servers, a migrated database, a company with tokens, workers and the web app."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from benchmarks import harness
from benchmarks.tenant import Company, create_company, issue_tokens
from chaos.servers import PrivatePostgres, PrivateRedis, Proc, wait_http, web_proc, worker_proc
from chaos.target import Target

DATABASE = "tfai_chaos"
WORKERS = 2
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Rig:
    """Everything a chaos run started (stop() ends all of it)."""

    root: Path
    pg: PrivatePostgres
    redis: PrivateRedis
    target: Target
    port: int = 0
    owner_url: str = ""
    company: Company | None = None
    web: Proc | None = None
    workers: list[Proc] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            with urllib.request.urlopen(f"{self.base_url}/api/v1/healthz", timeout=5) as resp:  # noqa: S310
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")
        except OSError:
            return 0, {}

    def stop(self) -> None:
        for proc in [*( [self.web] if self.web else []), *self.workers]:
            proc.stop()
        self.target.close()
        self.redis.stop()
        self.pg.stop()


def laptop_bundle(target: Target) -> dict[str, Any]:
    """examples/laptop-request.json aimed at the local target (orders time out after 5 s)."""
    bundle: dict[str, Any] = json.loads((ROOT / "examples" / "laptop-request.json").read_text())
    for task in bundle["workflow"]["tasks"]:
        if task["key"] == "order":
            task.update(action_url=f"{target.url}/orders", timeout_seconds=5)
        elif task["key"] == "delivery":
            task.update(action_url=f"{target.url}/deliveries", timeout_seconds=900)
    return bundle


def _child_env(stack: harness.Stack, root: Path, port: int) -> dict[str, str]:
    return {**harness.bench_env(stack, DATABASE, port), "TFAI_DATA_DIR": str(root / "data"),
            "TFAI_PUBLIC_URL": f"http://127.0.0.1:{port}", "TFAI_ACTIONS_ALLOW_PRIVATE_NETWORKS": "true",
            "PYTHONUNBUFFERED": "1"}


async def _company(bundle: dict[str, Any]) -> Company:
    from tfai.db.session import dispose_engine
    from tfai.services.definitions.bundles import save_bundle

    try:
        company = await create_company("chaos", workers=4, requesters=10)
        await save_bundle(company.admin.actor, bundle)
        return company
    finally:
        await dispose_engine()


def bring_up(root: Path, say: Any) -> Rig:
    """Start everything under root; the rig is returned even half-built inside the exception's args."""
    rig = Rig(root=root, pg=PrivatePostgres(root), redis=PrivateRedis(root), target=Target())
    try:
        say("· private PostgreSQL and Redis under " + str(root))
        rig.pg.start()
        rig.redis.start()
        admin = make_url(rig.pg.admin_url).set(drivername="postgresql", database="postgres")
        stack = harness.Stack(admin_url=admin.render_as_string(hide_password=False), redis_url=rig.redis.url,
                              embedded=True)
        rig.port = harness.free_port()
        harness.fresh_database(stack, DATABASE)
        harness.use_database(stack, DATABASE, pool_size=4)
        env = _child_env(stack, root, rig.port)
        os.environ.update(env)
        from tfai.settings import get_settings

        get_settings.cache_clear()
        rig.owner_url = stack.db_url(DATABASE)
        say("· company, people, bundles (bench issue + laptop request), API tokens")
        rig.company = asyncio.run(_company(laptop_bundle(rig.target)))
        issue_tokens(rig.owner_url, rig.company)
        child_env = {**os.environ, **env}
        logs = root / "logs"
        logs.mkdir(exist_ok=True)
        rig.workers = [worker_proc(i, child_env, logs / f"worker{i}.log") for i in range(WORKERS)]
        rig.web = web_proc(rig.port, child_env, logs / "web.log")
        for proc in [*rig.workers, rig.web]:
            proc.start()
        say(f"· web app (granian, chaos.webapp:app) on port {rig.port}; {WORKERS} Celery workers")
        wait_http(f"{rig.base_url}/api/v1/healthz", 120)
        deadline = time.monotonic() + 120
        while rig.health()[1].get("workers", 0) < WORKERS:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the workers did not report in; see {logs}")
            time.sleep(0.5)
    except BaseException as exc:
        rig.stop()
        print(f"setup failed; logs under {root}", file=sys.stderr)
        raise exc
    return rig
