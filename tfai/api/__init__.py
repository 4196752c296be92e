"""REST API under /api/v1 (FastAPI, mounted on Reflex's backend)."""
