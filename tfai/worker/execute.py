"""Run one action task: claim it, POST signed requests with retries, then complete or fail it."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time

from tfai.domain import webhooks
from tfai.domain.errors import Conflict, NotFound
from tfai.domain.expressions import ExpressionError
from tfai.services.actions import runs
from tfai.services.actions.runs import ActionJob
from tfai.services.workflow import action_results
from tfai.settings import get_settings
from tfai.worker import http

log = logging.getLogger(__name__)

BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0


def backoff(attempt: int) -> float:
    """Exponential back-off with jitter after the given (1-based) attempt failed."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
    return random.uniform(delay / 2, delay)  # noqa: S311 - jitter, not security


def callback_url(token: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/api/v1/callbacks/{token}"


def encode(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


async def _finish(job: ActionJob, output: object = None, error: str | None = None) -> str:
    """Complete or fail through the runtime; a task that stopped waiting meanwhile is left alone."""
    try:
        if error is not None:
            await action_results.fail_action_task(job.company_id, job.task_id, error=error)
            return "failed"
        assert isinstance(output, dict)
        await action_results.complete_action_task(job.company_id, job.task_id, output=output)
        return "completed"
    except (Conflict, NotFound) as exc:
        log.info("task %s no longer waits (%s); result dropped", job.task_id, exc.message)
        return "dropped"


async def _attempt(job: ActionJob, msg_id: str, body: bytes) -> tuple[str | None, bool, object]:
    """One signed POST (its attempt row exists already): (error or None, retryable, output)."""
    started = time.monotonic()
    headers = webhooks.sign_headers(job.secret, msg_id, body)
    output: object = None
    try:
        resp = await http.post_json(job.action_url, body, headers=headers, timeout_seconds=job.request_timeout,
                                    expect_json=job.is_sync)
    except http.ActionRequestError as exc:
        await runs.finish_attempt(job, status_code=exc.status_code,
                                         duration_ms=int((time.monotonic() - started) * 1000), error=exc.message)
        return exc.message, exc.retryable, None
    error: str | None = None
    if job.is_sync:
        try:
            output = await action_results.sync_output(job.output_transform, job.workflow_data, input=job.input,
                                                      response=resp.as_scope())
            if not isinstance(output, dict):
                error = "the response body is not a JSON object (and the task has no output_transform)"
        except ExpressionError as exc:
            error = f"the output_transform failed: {exc.message}"
    finish = runs.finish_attempt(job, status_code=resp.status, duration_ms=resp.duration_ms, error=error)
    if job.is_sync and error is None:
        await asyncio.gather(finish, _finish(job, output))  # both commit; the next task is not delayed
        return None, False, output
    await finish
    return error, False, output


async def run_action(company_id: int, task_id: int) -> str:
    """Claim and run the task; the outcome ('skipped', 'completed', 'waiting', 'failed', ...)."""
    job = await runs.claim(company_id, task_id)
    if job is None:
        return "skipped"
    max_attempts = get_settings().action_max_attempts
    if job.attempt > max_attempts:
        return await _finish(job, error=f"gave up after {job.attempt - 1} attempts "
                                        "(the worker stopped during the last one)")
    msg_id = webhooks.webhook_id(company_id, task_id, key=get_settings().secret_key)
    payload: dict[str, object] = dict(job.input)
    if not job.is_sync:
        payload["callback_url"] = callback_url(await runs.new_callback_token(job))
    body = encode(payload)
    while True:
        error, retryable, output = await _attempt(job, msg_id, body)
        if error is None:
            return "completed" if job.is_sync else "waiting"
        if not retryable or job.attempt >= max_attempts:
            suffix = f" (after {job.attempt} attempts)" if retryable else ""
            return await _finish(job, error=f"{error}{suffix}")
        await asyncio.sleep(backoff(job.attempt))
        nxt = await runs.next_attempt(job)
        if nxt is None:
            return "superseded"
        job = nxt
