"""/metrics: Prometheus text from loopback or with the bearer token, 403 otherwise; counters from the real work."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.tenants import World
from tfai.observability import metrics

LINE = re.compile(r'^(# (HELP|TYPE) \S+ .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_]+="[^"]*",?)*\})? -?[0-9.e+Inf-]+)$')


def _value(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture(autouse=True)
async def _fresh() -> None:
    from tfai.services.common import ratelimit

    await metrics.reset()
    await ratelimit.clear_all()


async def test_metrics_from_loopback_in_prometheus_text(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/healthz")).status_code == 200
    resp = await client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = resp.text
    assert all(LINE.match(line) for line in text.splitlines()), [ln for ln in text.splitlines() if not LINE.match(ln)]
    assert _value(text, 'tfai_http_requests_total{method="GET",route="/api/v1/healthz",status="200"}') == 1
    assert _value(text, 'tfai_http_request_duration_seconds_count{method="GET",route="/api/v1/healthz"}') == 1
    assert 'tfai_http_request_duration_seconds_bucket{method="GET",route="/api/v1/healthz",le="+Inf"} 1' in text
    for name in ("tfai_tickets_submitted_total", "tfai_tasks_completed_total", "tfai_actions_total",
                 "tfai_outbox_backlog", "tfai_assistant_tokens_total", "tfai_workers_alive"):
        assert f"# TYPE {name} " in text
    assert _value(text, "tfai_outbox_backlog") >= 0
    assert "x-content-type-options" in resp.headers


async def test_metrics_refused_from_elsewhere_unless_token(remote_client: httpx.AsyncClient,
                                                           client: httpx.AsyncClient, setting) -> None:  # type: ignore[no-untyped-def]
    assert (await remote_client.get("/metrics")).status_code == 403
    assert (await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.1"})).status_code == 403
    setting(metrics_token="m" * 40)
    assert (await remote_client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 403
    ok = await remote_client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 40})
    assert ok.status_code == 200 and "# TYPE tfai_http_requests_total counter" in ok.text


async def test_route_templates_not_raw_paths(client: httpx.AsyncClient, world: World, auth_headers) -> None:  # type: ignore[no-untyped-def]
    h = auth_headers(world.a.admin)
    for ticket_id in (999991, 999992):
        assert (await client.get(f"/api/v1/tickets/{ticket_id}", headers=h)).status_code == 404
    text = (await client.get("/metrics")).text
    assert _value(text, 'tfai_http_requests_total{method="GET",route="/api/v1/tickets/{ticket_id}",status="404"}') == 2
    assert "999991" not in text


async def test_tickets_tasks_and_action_outcomes_are_counted(client: httpx.AsyncClient, world: World,
                                                             auth_headers) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    await install(a)
    created = await client.post("/api/v1/tickets", json={"ticket_type": "laptop",
                                                         "data": {"model": "pro-14", "price": 2400}},
                                headers=auth_headers(a.requester))
    assert created.status_code == 201, created.text
    task = created.json()["current_task"]
    worker = a.worker1 if task["assignee_id"] == a.worker1.id else a.worker2
    done = await client.post(f"/api/v1/tasks/{task['id']}/complete", json={"output": {"approved": True}},
                             headers=auth_headers(worker))
    assert done.status_code == 200, done.text
    assert metrics.count_outcome("completed") == "completed"
    metrics.count_outcome("Weird Outcome!")
    text = (await client.get("/metrics")).text
    assert _value(text, "tfai_tickets_submitted_total") == 1
    assert _value(text, "tfai_tasks_completed_total") == 1
    assert _value(text, 'tfai_actions_total{outcome="completed"}') == 1
    assert _value(text, 'tfai_actions_total{outcome="other"}') == 1


def test_counters_from_a_thread_without_event_loop() -> None:
    """Celery worker threads count synchronously into the same Redis hash."""
    import threading

    import redis

    from tfai.settings import get_settings

    t = threading.Thread(target=lambda: metrics.inc("tasks_completed_total", 3))
    t.start()
    t.join()
    raw = redis.Redis.from_url(get_settings().redis_url or "").hget(metrics.KEY, "tasks_completed_total|")
    assert isinstance(raw, bytes) and int(raw) == 3  # the synchronous client, without decode_responses
    with pytest.raises(ValueError):
        metrics.inc("no_such_metric")


async def test_summary_in_words_for_doctor(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/healthz")).status_code == 200
    metrics.inc("tickets_submitted_total", 2)
    metrics.count_outcome("failed")
    lines = await metrics.summary()
    assert lines[0].startswith("HTTP requests served: 1 (0 server errors)")
    assert "tickets submitted: 2" in lines and "action runs by outcome: failed 1" in lines
    assert any(line.startswith("outbox backlog: ") for line in lines)
    assert any(line.startswith("assistant tokens total (prompt): ") for line in lines)


async def test_requests_in_an_event_loop_are_batched_into_one_redis_write() -> None:
    """A busy web process sends its increments in one pipeline per flush interval, not one per request."""
    from tfai.redis_client import get_async_redis

    for _ in range(100):
        metrics.observe_request("GET", "/api/v1/x", 200, 0.004)
    assert len(metrics._timer) == 1  # one flush scheduled for the whole burst
    assert metrics._buffer[("int", 'http_requests_total|method="GET",route="/api/v1/x",status="200"')] == 100
    await metrics.flush()
    assert metrics._buffer == {} and metrics._timer == []
    raw = await get_async_redis().hget(metrics.KEY, 'http_requests_total|method="GET",route="/api/v1/x",status="200"')  # type: ignore[misc]
    assert raw is not None and int(raw) == 100
    text = await metrics.render(extra=None)
    assert _value(text, 'tfai_http_request_duration_seconds_count{method="GET",route="/api/v1/x"}') == 100
