"""Faults under load: restart PostgreSQL and Redis, kill -9 a worker and the web app, then check invariants."""
