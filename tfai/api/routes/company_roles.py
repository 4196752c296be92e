"""Company roles: GET and POST /company-roles, PATCH and DELETE /company-roles/{role_name}."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from tfai.api.deps import CurrentActor
from tfai.api.errors import ERROR_RESPONSES
from tfai.domain.limits import MAX_DESCRIPTION, MAX_KEY
from tfai.services.accounts import company_roles
from tfai.services.accounts.dto import CompanyRoleDTO

router = APIRouter(tags=["company roles"])


class RoleIn(BaseModel):
    role_name: str = Field(max_length=MAX_KEY)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)


class RolePatch(BaseModel):
    new_name: str | None = Field(default=None, max_length=MAX_KEY)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)


@router.get("/company-roles", response_model=list[CompanyRoleDTO], responses=ERROR_RESPONSES)
async def list_roles(actor: CurrentActor) -> list[CompanyRoleDTO]:
    """Every company role with its member count."""
    return await company_roles.list_company_roles(actor)


@router.post("/company-roles", status_code=201, response_model=CompanyRoleDTO, responses=ERROR_RESPONSES)
async def create_role(body: RoleIn, actor: CurrentActor) -> CompanyRoleDTO:
    """Add a company role (admins); names are unique in the company."""
    return await company_roles.create_company_role(actor, role_name=body.role_name, description=body.description)


@router.patch("/company-roles/{role_name}", response_model=CompanyRoleDTO, responses=ERROR_RESPONSES)
async def update_role(role_name: str, body: RolePatch, actor: CurrentActor) -> CompanyRoleDTO:
    """Rename or describe a company role (`user` keeps its name)."""
    return await company_roles.update_company_role(actor, role_name[:64], new_name=body.new_name,
                                                   description=body.description)


@router.delete("/company-roles/{role_name}", status_code=204, responses=ERROR_RESPONSES)
async def delete_role(role_name: str, actor: CurrentActor) -> Response:
    """Delete a company role (`user` cannot be deleted)."""
    await company_roles.delete_company_role(actor, role_name[:64])
    return Response(status_code=204)
