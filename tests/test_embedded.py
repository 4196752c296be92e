"""The embedded Redis and PostgreSQL start from the packages alone and stop cleanly."""

from __future__ import annotations

from pathlib import Path

import psycopg
import redis

from tfai.embedded import start_postgres, start_redis
from tfai.settings import Settings


def test_embedded_redis_starts_answers_and_stops(tmp_path: Path) -> None:
    url, proc = start_redis(tmp_path)
    assert proc is not None
    try:
        client = redis.Redis.from_url(url)
        assert client.ping() is True
        client.set("k", "v")
        assert client.get("k") == b"v"
        again, second = start_redis(tmp_path)
        assert again == url and second is None, "an answering server is reused"
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode is not None


def test_embedded_postgres_creates_the_database(tmp_path: Path) -> None:
    url, server = start_postgres(tmp_path, database="tfai_embedded_check")
    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT current_database(), current_setting('server_version_num')::int").fetchone()
        assert row is not None and row[0] == "tfai_embedded_check" and row[1] >= 150000
    finally:
        if server is not None:
            server.stop()


def test_ensure_services_leaves_configured_urls_alone() -> None:
    from tfai.embedded import ensure_services

    s = Settings(database_url="postgresql://u@127.0.0.1/x", redis_url="redis://127.0.0.1:6379/0")
    out, handles = ensure_services(s)
    assert out.database_url == s.database_url and out.redis_url == s.redis_url
    assert handles.database_url is None and handles.redis_url is None
