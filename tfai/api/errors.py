"""Map every error once to the JSON shape {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from tfai.domain.errors import RateLimited, TfaiError, Unavailable
from tfai.observability.middleware import route_template

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
               422: "invalid_input", 429: "rate_limited", 503: "unavailable"}
UNAVAILABLE_RETRY_AFTER = 2  # seconds: a restarting database or Redis is usually back within a few
# Lost or refused connections, timeouts (pool, statement, socket) and transient conflicts (deadlock,
# serialization) of the database (sqlalchemy wraps psycopg's) and of Redis: retrying later helps.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout,
                                              RedisConnectionError, RedisTimeoutError)


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """The shape of every error answer."""

    error: ErrorBody


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details}},
                        status_code=status, headers=headers)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": code.replace("_", " ")}
    for status, code in _HTTP_CODES.items() if status in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}


def unavailable(exc: Exception) -> Unavailable:
    """The Unavailable a dependency outage becomes (what failed, never connection details)."""
    what = "Redis" if isinstance(exc, (RedisConnectionError, RedisTimeoutError)) else "the database"
    return Unavailable(f"The service is temporarily unavailable ({what} is not answering); try again shortly",
                       details={"retry_after": UNAVAILABLE_RETRY_AFTER})


def _retry_after(exc: TfaiError) -> dict[str, str] | None:
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, Unavailable):
        seconds = exc.details.get("retry_after") if isinstance(exc.details, dict) else None
        return {"Retry-After": str(seconds or UNAVAILABLE_RETRY_AFTER)}
    return None


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        out.append({"field": ".".join(loc), "message": str(err.get("msg", "invalid"))})
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TfaiError)
    async def _tfai(_: Request, exc: TfaiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, _retry_after(exc))

    async def _outage(request: Request, exc: Exception) -> JSONResponse:
        log.warning("dependency unavailable on %s %s: %s: %s", request.method, route_template(request.scope),
                    type(exc).__name__, (str(exc).splitlines() or [""])[0][:300])
        return await _tfai(request, unavailable(exc))

    for outage in OUTAGE_ERRORS:
        app.add_exception_handler(outage, _outage)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_input", "The request is not valid", _field_errors(exc))

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        # SQLSTATE class 22 (NUL characters, numbers out of range, ...): the input, not the server, is at fault;
        # the transaction has been rolled back, so nothing was written.
        log.info("input refused by the database: %s", getattr(exc.orig, "sqlstate", None))
        return error_response(422, "invalid_input", "The request contains a value that cannot be stored "
                              "(for example a NUL character or a number out of range)")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail), None,
                              dict(exc.headers) if exc.headers else None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The route's template, never the path: a path can carry a secret (/callbacks/{token}).
        log.exception("unhandled error on %s %s", request.method, route_template(request.scope))
        return error_response(500, "internal_error", "Something went wrong on our side; it has been logged")
