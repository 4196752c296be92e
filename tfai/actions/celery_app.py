"""The Celery application, configured for reliability (late acks, prefetch 1, reject on worker loss)."""

from __future__ import annotations

import os
import socket
import threading

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

from tfai.redis_client import WORKER_HEARTBEAT_PREFIX, celery_broker_url, get_sync_redis
from tfai.settings import get_settings

HEARTBEAT_SECONDS = 10


def make_celery() -> Celery:
    settings = get_settings()
    url = celery_broker_url(settings.redis_url or "redis://127.0.0.1:6379/0")
    app = Celery("tfai", broker=url, include=["tfai.actions.tasks"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options={"visibility_timeout": 3600},
        broker_connection_retry_on_startup=True,
        task_soft_time_limit=330,
        task_time_limit=360,
        worker_hijack_root_logger=False,
        task_ignore_result=True,
    )
    return app


celery_app = make_celery()
_stop = threading.Event()


def _heartbeat_loop(name: str) -> None:
    client = get_sync_redis()
    while not _stop.is_set():
        try:
            client.set(WORKER_HEARTBEAT_PREFIX + name, "1", ex=HEARTBEAT_SECONDS * 3)
        except Exception:  # Redis restarting: try again at the next beat
            pass
        _stop.wait(HEARTBEAT_SECONDS)
    try:
        client.delete(WORKER_HEARTBEAT_PREFIX + name)
    except Exception:
        pass


@worker_ready.connect
def _start_heartbeat(**_: object) -> None:
    name = f"{socket.gethostname()}:{os.getpid()}"
    threading.Thread(target=_heartbeat_loop, args=(name,), daemon=True, name="tfai-heartbeat").start()


@worker_shutdown.connect
def _stop_heartbeat(**_: object) -> None:
    _stop.set()
