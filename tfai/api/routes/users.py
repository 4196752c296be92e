"""Company users: GET and POST /users, PATCH /users/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tfai.api.deps import CurrentActor
from tfai.api.errors import ERROR_RESPONSES
from tfai.services.accounts import users
from tfai.services.accounts.dto import CreatedUserDTO, UserDTO
from tfai.services.common.pagination import Page

router = APIRouter(tags=["users"])

RoleList = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=50)]


class UserIn(BaseModel):
    email: str = Field(max_length=254)
    password: str | None = Field(default=None, max_length=1024)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    system_roles: RoleList = Field(default_factory=lambda: ["user"])
    company_roles: RoleList = Field(default_factory=list)


class UserPatch(BaseModel):
    system_roles: RoleList | None = None
    company_roles: RoleList | None = None
    is_active: bool | None = None
    available: bool | None = None


@router.get("/users", response_model=Page[UserDTO], responses=ERROR_RESPONSES)
async def list_users(actor: CurrentActor, search: Annotated[str, Query(max_length=200)] = "",
                     page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                     page_size: Annotated[int, Query(ge=1, le=100)] = 25) -> Page[UserDTO]:
    """The company's users (admins and ticket admins), searchable by email or name."""
    return await users.list_users(actor, search=search, page=page, page_size=page_size)


@router.post("/users", status_code=201, response_model=CreatedUserDTO, responses=ERROR_RESPONSES)
async def create_user(body: UserIn, actor: CurrentActor) -> CreatedUserDTO:
    """Add a user (admins); without a password, the answer carries a one-time set-password link."""
    return await users.create_user(actor, email=body.email, first_name=body.first_name, last_name=body.last_name,
                                   system_roles=body.system_roles, company_roles=body.company_roles,
                                   password=body.password)


@router.patch("/users/{user_id}", response_model=UserDTO, responses=ERROR_RESPONSES)
async def update_user(user_id: int, body: UserPatch, actor: CurrentActor) -> UserDTO:
    """Change roles, deactivate (ends sessions, reassigns open tasks) or toggle availability."""
    return await users.update_user(actor, user_id, system_roles=body.system_roles, company_roles=body.company_roles,
                                   is_active=body.is_active, available=body.available)
