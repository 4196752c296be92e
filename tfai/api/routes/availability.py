"""PUT /me/availability: a worker takes new tasks or stops taking them."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from tfai.api.deps import CurrentActor
from tfai.api.errors import ERROR_RESPONSES
from tfai.services.tasks import work

router = APIRouter(tags=["tasks"])


class AvailabilityIn(BaseModel):
    available: bool


@router.put("/me/availability", status_code=204, responses=ERROR_RESPONSES)
async def set_availability(actor: CurrentActor, body: AvailabilityIn) -> Response:
    """Available: waiting tasks flow to me. Unavailable: my OPEN tasks go to others (IN_PROGRESS stay)."""
    await work.set_availability(actor, available=body.available)
    return Response(status_code=204)
