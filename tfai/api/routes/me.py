"""The current user: GET and PATCH /me."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tfai.api.deps import CurrentActor
from tfai.api.errors import ERROR_RESPONSES
from tfai.domain.limits import MAX_NAME
from tfai.services.accounts import profile
from tfai.services.accounts.dto import MeDTO

router = APIRouter(tags=["me"])


class MePatch(BaseModel):
    first_name: str | None = Field(default=None, max_length=MAX_NAME)
    last_name: str | None = Field(default=None, max_length=MAX_NAME)


@router.get("/me", response_model=MeDTO, responses=ERROR_RESPONSES)
async def get_me(actor: CurrentActor) -> MeDTO:
    """Who the caller is: names, company, roles and what they may do."""
    return await profile.get_me(actor)


@router.patch("/me", response_model=MeDTO, responses=ERROR_RESPONSES)
async def patch_me(body: MePatch, actor: CurrentActor) -> MeDTO:
    """Change the caller's first and/or last name."""
    current = await profile.get_me(actor)
    return await profile.update_profile(
        actor, first_name=current.first_name if body.first_name is None else body.first_name,
        last_name=current.last_name if body.last_name is None else body.last_name)
