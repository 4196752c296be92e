"""Company roles: list, create, rename, describe and delete (`user` is permanent and held by everyone)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.domain.errors import Conflict, InvalidInput, NotFound
from tfai.domain.limits import MAX_DESCRIPTION
from tfai.domain.policy import USER, Action, Actor, require
from tfai.services.accounts.dto import CompanyRoleDTO
from tfai.services.common import audit
from tfai.services.common.problems import Problems
from tfai.services.common.tx import actor_tx

NAME_TAKEN = "A company role with this name already exists"
_ROLES = """
SELECT r.id, r.role_name, r.description,
       (SELECT count(*) FROM user_company_roles m WHERE m.company_role_id = r.id) AS members
FROM company_roles r
"""


async def _role(session: AsyncSession, role_name: str) -> CompanyRoleDTO:
    row = (await session.execute(text(_ROLES + " WHERE r.role_name = :n"), {"n": role_name})).mappings().first()
    if row is None:
        raise NotFound("Company role not found")
    return CompanyRoleDTO(**dict(row))


def _description(p: Problems, description: str) -> str:
    return p.text("description", description, max_length=MAX_DESCRIPTION, label="Description", required=False)


async def list_company_roles(actor: Actor) -> list[CompanyRoleDTO]:
    """Every company role with its member count, by name (anyone who may list users)."""
    require(actor, Action.USER_LIST)
    async with actor_tx(actor) as session:
        rows = (await session.execute(text(_ROLES + " ORDER BY r.role_name"))).mappings().all()
    return [CompanyRoleDTO(**dict(r)) for r in rows]


async def create_company_role(actor: Actor, *, role_name: str, description: str = "") -> CompanyRoleDTO:
    """Add a company role; Conflict when the name is taken."""
    require(actor, Action.ROLE_MANAGE)
    p = Problems()
    role_name = p.role_name("role_name", role_name)
    description = _description(p, description)
    p.raise_if_any()
    try:
        async with actor_tx(actor) as session:
            if (await session.execute(text("SELECT 1 FROM company_roles WHERE role_name = :n"),
                                      {"n": role_name})).first():
                raise Conflict(NAME_TAKEN, details=[{"field": "role_name", "message": NAME_TAKEN}])
            await session.execute(text("INSERT INTO company_roles (company_id, role_name, description) "
                                       "VALUES (:cid, :n, :d)"), {"cid": actor.company_id, "n": role_name,
                                                                  "d": description})
            role = await _role(session, role_name)
            await audit.record(session, actor, entity="company_role", entity_id=role.id, action="create",
                               after={"role_name": role_name, "description": description})
            return role
    except IntegrityError as exc:
        if "uq_company_roles_name" not in str(exc.orig):
            raise
        raise Conflict(NAME_TAKEN, details=[{"field": "role_name", "message": NAME_TAKEN}]) from None


async def update_company_role(actor: Actor, role_name: str, *, new_name: str | None = None,
                              description: str | None = None) -> CompanyRoleDTO:
    """Rename and/or describe a company role (`user` keeps its name)."""
    require(actor, Action.ROLE_MANAGE)
    p = Problems()
    if new_name is not None:
        new_name = p.role_name("new_name", new_name)
    if description is not None:
        description = _description(p, description)
    p.raise_if_any()
    try:
        async with actor_tx(actor) as session:
            before = await _role(session, role_name)
            if new_name is not None and new_name != role_name:
                if role_name == USER:
                    raise InvalidInput("The role `user` cannot be renamed",
                                       details=[{"field": "new_name", "message": "The role `user` cannot be renamed"}])
                if (await session.execute(text("SELECT 1 FROM company_roles WHERE role_name = :n"),
                                          {"n": new_name})).first():
                    raise Conflict(NAME_TAKEN, details=[{"field": "new_name", "message": NAME_TAKEN}])
            name = new_name or role_name
            await session.execute(text("UPDATE company_roles SET role_name = :n, description = :d WHERE id = :id"),
                                  {"n": name, "d": before.description if description is None else description,
                                   "id": before.id})
            after = await _role(session, name)
            await audit.record(session, actor, entity="company_role", entity_id=before.id, action="update",
                               before=before.model_dump(exclude={"members"}),
                               after=after.model_dump(exclude={"members"}))
            return after
    except IntegrityError as exc:
        if "uq_company_roles_name" not in str(exc.orig):
            raise
        raise Conflict(NAME_TAKEN, details=[{"field": "new_name", "message": NAME_TAKEN}]) from None


async def delete_company_role(actor: Actor, role_name: str) -> None:
    """Delete a company role (its memberships go with it); `user` cannot be deleted."""
    require(actor, Action.ROLE_MANAGE)
    async with actor_tx(actor) as session:
        before = await _role(session, role_name)
        if role_name == USER:
            raise Conflict("The role `user` cannot be deleted: every user has it")
        await session.execute(text("DELETE FROM company_roles WHERE id = :id"), {"id": before.id})
        await audit.record(session, actor, entity="company_role", entity_id=before.id, action="delete",
                           before=before.model_dump(exclude={"members"}))
