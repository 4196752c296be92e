"""Sending run_action messages to the broker: the task's name and one blocking publish (call it from a thread)."""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, cast

from celery import Celery

from tfai.redis_client import celery_broker_url
from tfai.settings import get_settings

log = logging.getLogger(__name__)
RUN_ACTION = "tfai.run_action"
# A publish while Redis is away gives up after ~2 s; the outbox row stays unpublished and the sweeper sends it.
PUBLISH_RETRY_POLICY = {"max_retries": 3, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


@lru_cache(maxsize=4)
def _producer(url: str) -> Celery:
    """A Celery app that only sends (never the current app: the worker's own app consumes and registers tasks)."""
    app = Celery("tfai-producer", broker=url, set_as_current=False)
    app.conf.update(task_serializer="json", accept_content=["json"], broker_connection_timeout=5,
                    broker_transport_options={"socket_connect_timeout": 5},
                    task_publish_retry_policy=PUBLISH_RETRY_POLICY, task_ignore_result=True)
    return app


def publish(company_id: int, task_id: int) -> None:
    """Send one run_action message for the task (blocking: kombu's publish is synchronous)."""
    url = celery_broker_url(get_settings().redis_url or "redis://127.0.0.1:6379/0")
    _producer(url).send_task(RUN_ACTION, args=[company_id, task_id], ignore_result=True)


# Publishing off the event loop: a small per-process pool of threads, and a bound on what waits for it (beyond it a
# message is skipped and the outbox sweeper sends it), so a broker outage cannot pile up threads or memory.
MAX_WAITING = 1000
_lock = threading.Lock()
_state: dict[str, Any] = {"pid": 0, "pool": None, "waiting": 0}


def _pool() -> ThreadPoolExecutor:
    with _lock:
        if _state["pool"] is None or _state["pid"] != os.getpid():  # a forked child gets its own threads
            _state.update(pid=os.getpid(), waiting=0,
                          pool=ThreadPoolExecutor(max_workers=2, thread_name_prefix="tfai-publish"))
        return cast(ThreadPoolExecutor, _state["pool"])


def _send(company_id: int, task_id: int) -> None:
    try:
        publish(company_id, task_id)
    except Exception as exc:  # noqa: BLE001 - the outbox row stays unpublished: the sweeper sends it later
        log.warning("publishing task %s failed (%s); the outbox sweeper will send it", task_id, exc)
    finally:
        with _lock:
            _state["waiting"] -= 1


def publish_soon(company_id: int, task_id: int) -> bool:
    """Hand the publish to a background thread (never blocks the caller); False when too many already wait."""
    pool = _pool()
    with _lock:
        if _state["waiting"] >= MAX_WAITING:
            return False
        _state["waiting"] += 1
    pool.submit(_send, company_id, task_id)
    return True


def drain(timeout: float) -> bool:
    """Wait until every handed-over publish is done (shutdown); True when none is left."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _lock:
            if _state["waiting"] <= 0:
                return True
        time.sleep(0.01)
    return False
