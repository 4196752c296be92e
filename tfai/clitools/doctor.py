"""`tfai doctor`: check settings, database, migrations, Redis, worker and bun; say how to fix each problem."""

from __future__ import annotations

import asyncio
import shutil

from tfai.clitools.run import TOOLS_BIN
from tfai.db.migrate import current_and_head
from tfai.embedded import ensure_services, export_env
from tfai.settings import Settings, get_settings, production_problems


def _checks(settings: Settings) -> list[tuple[str, str | None]]:
    results: list[tuple[str, str | None]] = []
    try:
        current, head = current_and_head(settings)
        ok = current == head
        results.append(("database reachable", None))
        results.append(
            (f"migrations at head ({head})", None if ok else f"the database is at {current}; run `tfai migrate`")
        )
    except Exception as exc:  # noqa: BLE001 - every failure is reported in words
        results.append(("database reachable", f"{exc.__class__.__name__}: {exc}; check TFAI_DATABASE_URL"))
    from tfai.observability import health

    async def _live() -> tuple[bool, bool, int, int | None, list[str]]:
        from tfai.observability.metrics import summary

        try:
            notes = await summary()
        except Exception as exc:  # noqa: BLE001 - metrics are informative, never a failure
            notes = [f"metrics unavailable: {exc}"]
        return (
            await health.check_database(),
            await health.check_redis(),
            await health.live_workers(),
            await health.outbox_backlog(),
            notes,
        )

    db_ok, redis_ok, workers, backlog, notes = asyncio.run(_live())
    results.append(
        (
            "app role connects (row-level security role)",
            None if db_ok else "the app role cannot connect; run `tfai migrate` to create it",
        )
    )
    results.append(("redis reachable", None if redis_ok else "check TFAI_REDIS_URL or unset it for embedded Redis"))
    results.append(
        (
            f"action workers alive ({workers})",
            None if workers else "no worker heartbeat; start one with `tfai worker` (tfai run starts one)",
        )
    )
    results.append(
        (
            f"outbox backlog ({backlog})",
            None if (backlog or 0) < 1000 else "many actions wait to be published; is a worker running?",
        )
    )
    bun = (TOOLS_BIN / "bun").exists() or shutil.which("bun") is not None
    results.append(
        (
            "bun (JavaScript runtime for the UI build)",
            None if bun else "run `make bootstrap` (installs bun from the npm registry into .tools/)",
        )
    )
    results.extend((f"· {note}", "") for note in notes)
    return results


def setting_warnings(settings: Settings) -> list[str]:
    """What is unsafe about these settings for a real deployment (production refuses each of them)."""
    if settings.env == "production":
        return []  # the settings would not have loaded with any of them
    notes = [f"not for production: {problem}" for problem in production_problems(settings)]
    if settings.database_url or settings.app_database_url:
        notes.insert(0, "TFAI_ENV=development on a configured database: the production checks are off")
    return notes


def doctor() -> int:
    try:
        settings = get_settings()
    except Exception as exc:  # noqa: BLE001
        print(f"✗ settings: {exc}")
        return 1
    for warning in setting_warnings(settings):
        print(f"! {warning}")
    settings, embedded = ensure_services(settings)
    export_env(settings)
    get_settings.cache_clear()
    try:
        problems = 0
        for name, fix in _checks(get_settings()):
            if fix == "":
                print(name)
            elif fix is None:
                print(f"✓ {name}")
            else:
                problems += 1
                print(f"✗ {name}: {fix}")
        if not settings.llm_base_url:
            print("· assistant: no TFAI_LLM_BASE_URL set; the assistant page explains how to configure one")
        return 1 if problems else 0
    finally:
        embedded.stop()
