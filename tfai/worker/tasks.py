"""Celery tasks: run_action hands each action task to the process's persistent event loop."""

from __future__ import annotations

import logging
import random
from typing import Any

from tfai.observability import metrics
from tfai.services.outbox.dispatch import RUN_ACTION
from tfai.settings import get_settings
from tfai.worker import loop
from tfai.worker.celery_app import celery_app, run_time_limit
from tfai.worker.fairness import SLOTS

log = logging.getLogger(__name__)
DEFER_SECONDS = 2.0
# A company at its share of this process's threads: wait this long for one of its actions to finish before the
# message is queued again (fast actions free a slot in milliseconds; a stalled endpoint holds one thread this long).
SLOT_WAIT_SECONDS = 1.0


@celery_app.task(name="tfai.ping")
def ping() -> str:
    """A trivial task the doctor and tests use to prove a worker consumes the queue."""
    return "pong"


async def _run_counted(company_id: int, task_id: int) -> str:
    """Run the action on the loop and count its outcome there (buffered, off this Celery thread)."""
    from tfai.worker.execute import run_action as execute

    return metrics.count_outcome(await execute(company_id, task_id))


@celery_app.task(name=RUN_ACTION, bind=True, acks_late=True, reject_on_worker_lost=True,
                 max_retries=5, ignore_result=True)
def run_action(self: Any, company_id: int, task_id: int) -> str:
    """Claim and run one action task (a duplicate message for a claimed or finished task does nothing).

    The run is bounded here (thread pools do not enforce Celery time limits); an unexpected error (the
    database restarting) retries the message with back-off; a run cut short is recovered by the sweep. When the
    company already has its share of this process's threads, the message is queued again after a short delay.
    """
    settings = get_settings()
    with SLOTS.hold(int(company_id), limit=settings.action_slots_per_company, wait=SLOT_WAIT_SECONDS) as took:
        if not took:
            # Published before this message is acknowledged (acks_late): a crash in between runs it twice at
            # worst, and the claim in execute makes the second run a no-op.
            run_action.apply_async(args=(company_id, task_id),
                                   countdown=DEFER_SECONDS * (1 + random.random()))  # noqa: S311 - jitter
            return "deferred"
        future = loop.submit(_run_counted(int(company_id), int(task_id)))
        try:
            return future.result(run_time_limit(settings.action_max_attempts))
        except TimeoutError:
            future.cancel()
            log.error("run_action %s/%s exceeded its time limit", company_id, task_id)
            return "timeout"
        except Exception as exc:
            log.warning("run_action %s/%s failed: %s", company_id, task_id, exc, exc_info=True)
            raise self.retry(exc=exc, countdown=min(60, 2 ** self.request.retries)) from exc
