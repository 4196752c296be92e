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
from tfai.services.workflow.action_results import Attempt
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


async def _finish(job: ActionJob, attempt: Attempt | None, output: object = None, error: str | None = None) -> str:
    """Complete or fail through the runtime, the attempt recorded in the same transaction; a task that stopped
    waiting meanwhile is left alone (its attempt is still recorded)."""
    try:
        if error is not None:
            await action_results.fail_action_task(job.company_id, job.task_id, error=error, attempt=attempt)
            return "failed"
        assert isinstance(output, dict)
        await action_results.complete_action_task(job.company_id, job.task_id, output=output, attempt=attempt)
        return "completed"
    except (Conflict, NotFound) as exc:
        log.info("task %s no longer waits (%s); result dropped", job.task_id, exc.message)
        if attempt is not None:
            await action_results.record_attempt(job.company_id, attempt=attempt)
        return "dropped"


async def _attempt(job: ActionJob, msg_id: str, body: bytes) -> tuple[Attempt, bool, object]:
    """One signed POST (its attempt row exists already): how it went, whether another may succeed, the output."""
    started = time.monotonic()
    headers = webhooks.sign_headers(job.secret, msg_id, body)
    try:
        resp = await http.post_json(job.action_url, body, headers=headers, timeout_seconds=job.request_timeout,
                                    expect_json=job.is_sync)
    except http.ActionRequestError as exc:
        return Attempt(job.attempt_id, exc.status_code, int((time.monotonic() - started) * 1000),
                       exc.message), exc.retryable, None
    error: str | None = None
    output: object = None
    if job.is_sync:
        try:
            output = await action_results.sync_output(job.output_transform, job.workflow_data, input=job.input,
                                                      response=resp.as_scope())
            if not isinstance(output, dict):
                error = "the response body is not a JSON object (and the task has no output_transform)"
        except ExpressionError as exc:
            error = f"the output_transform failed: {exc.message}"
    return Attempt(job.attempt_id, resp.status, resp.duration_ms, error), False, output


async def run_action(company_id: int, task_id: int) -> str:
    """Claim and run the task; the outcome ('skipped', 'completed', 'waiting', 'failed', ...)."""
    job = await runs.claim(company_id, task_id)
    if job is None:
        return "skipped"
    max_attempts = get_settings().action_max_attempts
    if job.attempt > max_attempts:
        return await _finish(job, None, error=f"gave up after {job.attempt - 1} attempts "
                                        "(the worker stopped during the last one)")
    msg_id = webhooks.webhook_id(company_id, task_id, key=get_settings().secret_key)
    payload: dict[str, object] = dict(job.input)
    if not job.is_sync:
        payload["callback_url"] = callback_url(await runs.new_callback_token(job))
    body = encode(payload)
    while True:
        attempt, retryable, output = await _attempt(job, msg_id, body)
        if attempt.error is None:
            if job.is_sync:  # the attempt is recorded with the completion, in one transaction
                return await _finish(job, attempt, output)
            await action_results.record_attempt(company_id, attempt=attempt)  # delivered: the callback completes it
            return "waiting"
        if not retryable or job.attempt >= max_attempts:
            suffix = f" (after {job.attempt} attempts)" if retryable else ""
            return await _finish(job, attempt, error=f"{attempt.error}{suffix}")
        await action_results.record_attempt(company_id, attempt=attempt)
        await asyncio.sleep(backoff(job.attempt))
        nxt = await runs.next_attempt(job)
        if nxt is None:
            return "superseded"
        job = nxt
