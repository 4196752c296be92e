"""Observability: structured logs with request context, and Prometheus metrics."""
