"""Answer a hot route's DTO serialised once (pydantic's JSON encoder), not validated again by FastAPI."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def dto_json(dto: BaseModel, *, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """The DTO as the response body. With a `response_model` and a model returned, FastAPI dumps it, validates the
    dump into the model again and serialises that; the route's `response_model` still documents the shape."""
    return Response(content=dto.model_dump_json(by_alias=True), status_code=status_code, headers=headers,
                    media_type="application/json")
