"""Celery tasks (action execution lands with the actions issue)."""

from __future__ import annotations

from tfai.actions.celery_app import celery_app


@celery_app.task(name="tfai.ping")
def ping() -> str:
    """A trivial task the doctor and tests use to prove a worker consumes the queue."""
    return "pong"
