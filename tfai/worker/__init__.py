"""Actions: the outbox relay and Celery tasks that call external systems."""
