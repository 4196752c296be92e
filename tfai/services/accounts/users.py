"""Company users: list, create (with a password or a one-time set-password link), edit roles and flags."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.session import system_tx
from tfai.db.tables import PasswordToken, User
from tfai.db.tables.common import utcnow
from tfai.domain.errors import Conflict, InvalidInput, NotFound
from tfai.domain.lifecycle import COUNTED_TASK, sql_in
from tfai.domain.limits import MAX_NAME, SET_PASSWORD_HOURS
from tfai.domain.policy import ADMIN, SYSTEM_ROLES, TASK_WORKER, USER, Action, Actor, Resource, require
from tfai.domain.tokens import hash_token, new_token
from tfai.services.accounts.dto import CreatedUserDTO, UserDTO
from tfai.services.auth.api_tokens import revoke_user_tokens
from tfai.services.auth.sessions import revoke_user_sessions
from tfai.services.common import audit, passwords
from tfai.services.common.identity import set_tenant
from tfai.services.common.pagination import Page, clamp
from tfai.services.common.problems import Problems
from tfai.services.common.tx import actor_tx
from tfai.services.workflow import _assignment
from tfai.settings import get_settings

EMAIL_TAKEN = "An account with this email already exists"

_USERS = f"""
SELECT u.id, u.email, u.first_name, u.last_name, u.is_active, u.available,
       ARRAY(SELECT r.role::text FROM user_system_roles r WHERE r.user_id = u.id ORDER BY 1) AS system_roles,
       ARRAY(SELECT cr.role_name FROM user_company_roles ucr JOIN company_roles cr ON cr.id = ucr.company_role_id
             WHERE ucr.user_id = u.id ORDER BY 1) AS company_roles,
       (SELECT count(*) FROM task_instances k WHERE k.assigned_to = u.id
          AND k.t_status IN {sql_in(COUNTED_TASK)}) AS open_tasks
FROM users u
"""
_SEARCH = ("(:q = '' OR u.email ILIKE :pat ESCAPE '\\' OR u.first_name ILIKE :pat ESCAPE '\\' "
           "OR u.last_name ILIKE :pat ESCAPE '\\' OR (u.first_name || ' ' || u.last_name) ILIKE :pat ESCAPE '\\')")


def is_email_conflict(exc: IntegrityError) -> bool:
    return "ix_users_email_lower" in str(exc.orig)


async def email_taken(email: str) -> bool:
    """True when any company already has a user with this email (case-insensitive)."""
    async with system_tx() as session:
        row = (await session.execute(text("SELECT user_id FROM tfai_login_lookup(:e)"), {"e": email})).first()
    return row is not None


async def _user(session: AsyncSession, user_id: int) -> UserDTO:
    row = (await session.execute(text(_USERS + " WHERE u.id = :uid"), {"uid": user_id})).mappings().first()
    if row is None:
        raise NotFound("User not found")
    return UserDTO(**dict(row))


async def list_users(actor: Actor, *, search: str = "", page: int = 1, page_size: int = 25) -> Page[UserDTO]:
    """The company's users, filtered by email or name, one page at a time."""
    require(actor, Action.USER_LIST)
    page, page_size = clamp(page, page_size)
    q = (search or "").strip()[:200]
    pat = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    params = {"q": q, "pat": pat, "lim": page_size, "off": (page - 1) * page_size}
    async with actor_tx(actor) as session:
        total = (await session.execute(text(f"SELECT count(*) FROM users u WHERE {_SEARCH}"), params)).scalar_one()
        rows = (await session.execute(
            text(_USERS + f" WHERE {_SEARCH} ORDER BY lower(u.last_name), lower(u.first_name), u.id "
                 "LIMIT :lim OFFSET :off"), params)).mappings().all()
    await audit.record_staff_view(actor, entity="user", entity_id="list",
                                  detail={"search": q, "page": page, "user_ids": [int(r["id"]) for r in rows]})
    return Page[UserDTO](items=[UserDTO(**dict(r)) for r in rows], total=int(total), page=page, page_size=page_size)


def _system_roles(p: Problems, roles: list[str]) -> list[str]:
    unknown = [r for r in roles if r not in SYSTEM_ROLES]
    if unknown:
        p.add("system_roles", f"Unknown system roles: {', '.join(sorted(set(unknown)))[:200]}")
    return sorted(set(roles) & set(SYSTEM_ROLES)) or [USER]


async def _company_role_ids(session: AsyncSession, roles: list[str]) -> dict[str, int]:
    """Ids of the named company roles (always including `user`); InvalidInput for unknown names."""
    wanted = sorted(set(roles) | {USER})
    rows = (await session.execute(text("SELECT role_name, id FROM company_roles WHERE role_name = ANY(:n)"),
                                  {"n": wanted})).all()
    found = {str(r[0]): int(r[1]) for r in rows}
    missing = [r for r in wanted if r not in found]
    if missing:
        raise InvalidInput("Unknown company roles", details=[
            {"field": "company_roles", "message": f"Unknown company roles: {', '.join(missing)[:200]}"}])
    return found


async def _set_roles(session: AsyncSession, company_id: int, user_id: int, *, system_roles: list[str] | None,
                     company_role_ids: dict[str, int] | None) -> None:
    if system_roles is not None:
        await session.execute(text("DELETE FROM user_system_roles WHERE user_id = :uid"), {"uid": user_id})
        for role in system_roles:
            await session.execute(text("INSERT INTO user_system_roles (user_id, role, company_id) "
                                       "VALUES (:uid, CAST(:r AS system_roles), :cid)"),
                                  {"uid": user_id, "r": role, "cid": company_id})
    if company_role_ids is not None:
        await session.execute(text("DELETE FROM user_company_roles WHERE user_id = :uid"), {"uid": user_id})
        for role_id in sorted(company_role_ids.values()):
            await session.execute(text("INSERT INTO user_company_roles (user_id, company_role_id, company_id) "
                                       "VALUES (:uid, :rid, :cid)"),
                                  {"uid": user_id, "rid": role_id, "cid": company_id})


async def create_user(actor: Actor, *, email: str, first_name: str, last_name: str, system_roles: list[str],
                      company_roles: list[str], password: str | None = None) -> CreatedUserDTO:
    """Add a user to the company; without a password, return a one-time set-password link (72 h)."""
    require(actor, Action.USER_MANAGE)
    p = Problems()
    email = p.email("email", email)
    first_name = p.text("first_name", first_name, max_length=MAX_NAME, label="First name")
    last_name = p.text("last_name", last_name, max_length=MAX_NAME, label="Last name")
    roles = _system_roles(p, list(system_roles or []))
    if password is not None and password != "":
        p.password("password", password, email=email)
    p.raise_if_any()
    if await email_taken(email):
        raise Conflict(EMAIL_TAKEN, details=[{"field": "email", "message": EMAIL_TAKEN}])
    password_hash = await passwords.hash_password(password) if password else None
    link_token = None if password else new_token()
    try:
        async with actor_tx(actor) as session:
            role_ids = await _company_role_ids(session, list(company_roles or []))
            user = User(company_id=actor.company_id, email=email, password_hash=password_hash,
                        first_name=first_name, last_name=last_name)
            session.add(user)
            await session.flush()
            assert user.id is not None
            await _set_roles(session, actor.company_id, user.id, system_roles=roles, company_role_ids=role_ids)
            if link_token is not None:
                session.add(PasswordToken(company_id=actor.company_id, user_id=user.id,
                                          token_hash=hash_token(link_token),
                                          expires_at=utcnow() + timedelta(hours=SET_PASSWORD_HOURS)))
            await audit.record(session, actor, entity="user", entity_id=user.id, action="create",
                               after={"email": email, "system_roles": roles, "company_roles": sorted(role_ids),
                                      "with_password": bool(password)})
    except IntegrityError as exc:
        if is_email_conflict(exc):
            raise Conflict(EMAIL_TAKEN, details=[{"field": "email", "message": EMAIL_TAKEN}]) from None
        raise
    url = f"{get_settings().public_url.rstrip('/')}/set-password?token={link_token}" if link_token else None
    return CreatedUserDTO(id=user.id, set_password_url=url)


async def update_user(actor: Actor, user_id: int, *, system_roles: list[str] | None = None,
                      company_roles: list[str] | None = None, is_active: bool | None = None,
                      available: bool | None = None) -> UserDTO:
    """Edit roles and flags; deactivation ends sessions and tokens at once and hands their open tasks on, as do
    going unavailable and losing the task_worker role; a new worker or one back takes waiting tasks."""
    only_own_availability = (user_id == actor.user_id and system_roles is None and company_roles is None
                             and is_active is None and available is not None)
    if only_own_availability:
        require(actor, Action.AVAILABILITY_SET, Resource(actor.company_id, owner_id=user_id), what="user")
    else:
        require(actor, Action.USER_MANAGE)
    p = Problems()
    roles = _system_roles(p, list(system_roles)) if system_roles is not None else None
    p.raise_if_any()
    if user_id == actor.user_id and (is_active is False or (roles is not None and ADMIN not in roles
                                                            and ADMIN in actor.system_roles)):
        raise Conflict("You cannot deactivate yourself or remove your own admin role")

    async with actor_tx(actor) as session:
        # Same lock order as assignment (company lock before user rows), so the two never deadlock.
        await _assignment.lock_assignment(session, actor.company_id)
        before = await _user(session, user_id)
        role_ids = await _company_role_ids(session, company_roles) if company_roles is not None else None
        await _set_roles(session, actor.company_id, user_id, system_roles=roles, company_role_ids=role_ids)
        flags = {k: v for k, v in (("is_active", is_active), ("available", available)) if v is not None}
        if flags:
            sets = ", ".join(f"{k} = :{k}" for k in flags)
            await session.execute(text(f"UPDATE users SET {sets} WHERE id = :uid"), {"uid": user_id, **flags})
        was_worker = TASK_WORKER in before.system_roles
        is_worker = was_worker if roles is None else TASK_WORKER in roles
        if is_active is False and before.is_active:
            await revoke_user_sessions(session, actor.company_id, user_id)
            await revoke_user_tokens(session, actor.company_id, user_id)
            await _assignment.release_user_tasks(session, actor.company_id, user_id)
        elif (available is False and before.available) or (was_worker and not is_worker):
            await _assignment.release_user_tasks(session, actor.company_id, user_id)
        elif ((available is True and not before.available) or (is_active is True and not before.is_active)
              or (is_worker and not was_worker)):
            await _assignment.assign_pending(session, actor.company_id)
        after = await _user(session, user_id)
        await audit.record(session, actor, entity="user", entity_id=user_id, action="update",
                           before=before.model_dump(exclude={"open_tasks"}),
                           after=after.model_dump(exclude={"open_tasks"}))
        return after


async def set_password_with_token(token: str, password: str) -> None:
    """Use a one-time set-password link: sets the password once, then the link is spent."""
    invalid = InvalidInput("The link is not valid or has expired",
                           details=[{"field": "token", "message": "The link is not valid or has expired"}])
    if not token or len(token) > 200:
        raise invalid
    async with system_tx() as session:
        row = (await session.execute(text("SELECT * FROM tfai_password_token_lookup(:h)"),
                                     {"h": hash_token(token)})).mappings().first()
        if row is None or row["used_at"] is not None or row["expires_at"] <= utcnow():
            raise invalid
        await set_tenant(session, int(row["company_id"]))
        email = (await session.execute(text("SELECT email FROM users WHERE id = :uid AND is_active"),
                                       {"uid": row["user_id"]})).scalar_one_or_none()
        if email is None:
            raise invalid
        p = Problems()
        p.password("password", password, email=str(email))
        p.raise_if_any()
        claimed = (await session.execute(text("UPDATE password_tokens SET used_at = now() WHERE id = :id "
                                              "AND used_at IS NULL RETURNING id"), {"id": row["token_id"]})).first()
        if claimed is None:
            raise invalid
        await session.execute(text("UPDATE users SET password_hash = :h WHERE id = :uid"),
                              {"h": await passwords.hash_password(password), "uid": row["user_id"]})
        # A reset ends everything the old password could have made: sessions and API tokens.
        await revoke_user_sessions(session, int(row["company_id"]), int(row["user_id"]))
        revoked = await revoke_user_tokens(session, int(row["company_id"]), int(row["user_id"]))
        await audit.record(session, None, company_id=int(row["company_id"]), entity="user",
                           entity_id=int(row["user_id"]), action="set_password_with_link",
                           after={"api_tokens_revoked": revoked})
