"""POST /callbacks/{token}: an external system reports the result of an ASYNC_ACTION task."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from tfai.api.errors import ERROR_RESPONSES
from tfai.domain.errors import InvalidInput, PayloadTooLarge
from tfai.domain.limits import MAX_CALLBACK_BYTES, MAX_TOKEN
from tfai.services.actions import callbacks

router = APIRouter(tags=["callbacks"])


class Accepted(BaseModel):
    status: Literal["accepted"] = "accepted"


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_CALLBACK_BYTES:
        raise PayloadTooLarge(f"The callback body is larger than {MAX_CALLBACK_BYTES} bytes")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput("The callback body must be JSON",
                           details=[{"field": "", "message": f"not valid JSON: {exc}"[:300]}]) from exc


@router.post("/callbacks/{token}", response_model=Accepted, responses=ERROR_RESPONSES,
             openapi_extra={"requestBody": {"required": True,
                                            "content": {"application/json": {"schema": {"type": "object"}}}}})
async def callback(request: Request, token: str = Path(max_length=MAX_TOKEN)) -> Accepted:
    """Complete the waiting task with the JSON body (no login: the single-use token is the credential).

    404: unknown or expired token. 409: the token was used, or the task no longer waits.
    422: the body does not produce a valid output (the task is now in ERROR for an admin to look at).
    """
    await callbacks.handle_callback(token, await _json_body(request))
    return Accepted()
