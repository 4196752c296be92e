"""The Celery application, configured for reliability (late acks, prefetch 1, reject on worker loss)."""

from __future__ import annotations

import os
import socket
import threading
from concurrent.futures import Future
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

from tfai.domain.limits import SYNC_TIMEOUT_MAX
from tfai.observability.logging import connect_celery
from tfai.redis_client import WORKER_HEARTBEAT_PREFIX, celery_broker_url, get_sync_redis
from tfai.services.outbox import dispatch
from tfai.settings import get_settings

HEARTBEAT_SECONDS = 10
BACKOFF_ALLOWANCE = 10


def run_time_limit(max_attempts: int) -> int:
    """The longest one run_action may take: every attempt at the longest timeout, plus back-off."""
    return max_attempts * (SYNC_TIMEOUT_MAX + BACKOFF_ALLOWANCE) + 60


def make_celery() -> Celery:
    settings = get_settings()
    url = celery_broker_url(settings.redis_url or "redis://127.0.0.1:6379/0")
    app = Celery("tfai", broker=url, include=["tfai.worker.tasks"])
    hard = run_time_limit(settings.action_max_attempts)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        # Longer than the longest run, so a healthy run is never delivered twice by the broker.
        broker_transport_options={"visibility_timeout": max(3600, hard + 300), "socket_connect_timeout": 5},
        broker_connection_retry_on_startup=True,
        # A Redis restart: keep reconnecting (never exit after N attempts); a publish gives up after ~2 s and
        # the outbox row stays pending for the relay's next round.
        broker_connection_retry=True,
        broker_connection_max_retries=None,
        broker_connection_timeout=5,
        task_publish_retry_policy=dispatch.PUBLISH_RETRY_POLICY,
        task_soft_time_limit=hard - 30,
        task_time_limit=hard,
        worker_hijack_root_logger=False,
        task_ignore_result=True,
    )
    return app


def _broker_loss_is_a_connection_error() -> None:
    """kombu 5.7: when Redis goes away while acks_late tasks run, closing the channel (restoring unacked messages)
    or acknowledging a finished task asks a channel whose connection is gone for a new client, which fails with
    AttributeError; Celery calls that unrecoverable and the worker exits. Raise a Redis ConnectionError instead:
    kombu ignores or logs those and the consumer reconnects. A message left unacknowledged is redelivered after the
    visibility timeout (the claim makes that harmless) and the outbox sweep republishes tasks left behind."""
    import redis
    from kombu.transport import redis as kombu_redis

    original = kombu_redis.Channel._connparams

    def _connparams(self: Any, asynchronous: bool = False) -> Any:
        if self.connection is None or self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection is closed")
        return original(self, asynchronous)

    kombu_redis.Channel._connparams = _connparams  # type: ignore[method-assign]


celery_app = make_celery()
_broker_loss_is_a_connection_error()
connect_celery()  # JSON or text logs per TFAI_LOG_FORMAT in the worker
_stop = threading.Event()
_relay: dict[str, Any] = {}


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


def _start_relay() -> None:
    """The outbox relay and the sweeps run on this process's action loop (tfai.worker.loop)."""
    from tfai.worker import loop
    from tfai.worker.outbox import Relay

    async def _make() -> Relay:
        return Relay(dispatch.publish)

    relay = loop.run(_make())
    _relay["relay"] = relay
    _relay["future"] = loop.submit(relay.run())


def _stop_relay() -> None:
    from tfai.worker import loop

    relay = _relay.pop("relay", None)
    future: Future[None] | None = _relay.pop("future", None)
    if relay is not None:
        loop.get_loop().call_soon_threadsafe(relay.stop)
    if future is not None:
        try:
            future.result(10)
        except Exception:  # noqa: BLE001 - shutting down anyway
            pass
    dispatch.drain(5)  # next tasks' messages of actions that just completed (else the sweeper sends them)
    loop.stop()


@worker_ready.connect
def _start_heartbeat(**_: object) -> None:
    name = f"{socket.gethostname()}:{os.getpid()}"
    threading.Thread(target=_heartbeat_loop, args=(name,), daemon=True, name="tfai-heartbeat").start()
    _start_relay()
    from tfai.worker import timers  # the durable timers' loop, on the same action loop

    timers.start()


@worker_shutdown.connect
def _stop_heartbeat(**_: object) -> None:
    _stop.set()
    from tfai.worker import timers

    timers.stop()  # before the relay, whose stop ends the action loop
    _stop_relay()
