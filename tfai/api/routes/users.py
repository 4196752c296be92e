"""Company users: GET and POST /users, PATCH /users/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tfai.api.deps import CurrentActor
from tfai.api.errors import ERROR_RESPONSES
from tfai.domain.limits import (
    MAX_EMAIL,
    MAX_KEY,
    MAX_LOGIN_PASSWORD,
    MAX_NAME,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    MAX_ROLES_PER_USER,
    MAX_SEARCH,
)
from tfai.services.accounts import users
from tfai.services.accounts.dto import CreatedUserDTO, UserDTO
from tfai.services.common.pagination import Page

router = APIRouter(tags=["users"])

RoleList = Annotated[list[Annotated[str, Field(max_length=MAX_KEY)]], Field(max_length=MAX_ROLES_PER_USER)]


class UserIn(BaseModel):
    email: str = Field(max_length=MAX_EMAIL)
    password: str | None = Field(default=None, max_length=MAX_LOGIN_PASSWORD)
    first_name: str = Field(max_length=MAX_NAME)
    last_name: str = Field(max_length=MAX_NAME)
    system_roles: RoleList = Field(default_factory=lambda: ["user"])
    company_roles: RoleList = Field(default_factory=list)


class UserPatch(BaseModel):
    system_roles: RoleList | None = None
    company_roles: RoleList | None = None
    is_active: bool | None = None
    available: bool | None = None


@router.get("/users", response_model=Page[UserDTO], responses=ERROR_RESPONSES)
async def list_users(actor: CurrentActor, search: Annotated[str, Query(max_length=MAX_SEARCH)] = "",
                     page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                     page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 25) -> Page[UserDTO]:
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
