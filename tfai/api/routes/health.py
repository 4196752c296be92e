"""GET /healthz: database, Redis and worker liveness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from tfai.observability.health import health

router = APIRouter(tags=["health"])


class Health(BaseModel):
    database: str
    redis: str
    worker: str
    workers: int
    outbox_backlog: int | None


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz() -> JSONResponse:
    """200 when the database and Redis answer, 503 otherwise; worker is ok or missing."""
    body = await health()
    status = 200 if body["database"] == "ok" and body["redis"] == "ok" else 503
    return JSONResponse(body, status_code=status)
