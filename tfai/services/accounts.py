"""Company sign-up, the current user's profile and dashboard (users and roles are re-exported here)."""

from __future__ import annotations

import secrets

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.session import system_tx
from tfai.db.tables import CompanyRole, SystemRole, User, UserCompanyRole, UserSystemRole
from tfai.domain.errors import Conflict, Forbidden, InvalidInput
from tfai.domain.policy import Action, Actor, allowed, require
from tfai.services import audit, passwords, throttle
from tfai.services.accounts_dto import (
    CompanyRoleDTO,
    CreatedUserDTO,
    DashboardDTO,
    MeDTO,
    SignupResult,
    StaffInfoDTO,
    UserDTO,
)
from tfai.services.auth import revoke_user_sessions
from tfai.services.company_roles import (
    create_company_role,
    delete_company_role,
    list_company_roles,
    update_company_role,
)
from tfai.services.identity import set_tenant
from tfai.services.tokens import hash_token
from tfai.services.tx import actor_tx
from tfai.services.users import (
    EMAIL_TAKEN,
    create_user,
    email_taken,
    is_email_conflict,
    list_users,
    set_password_with_token,
    update_user,
)
from tfai.services.validation import Problems

USER_ROLE_DESCRIPTION = "Everyone in the company"

__all__ = [
    "EMAIL_TAKEN", "CompanyRoleDTO", "CreatedUserDTO", "DashboardDTO", "MeDTO", "SignupResult", "UserDTO",
    "change_email", "change_password", "create_company_role", "create_user", "dashboard", "delete_company_role",
    "email_taken", "get_me", "list_company_roles", "list_users", "set_password_with_token", "signup",
    "update_company_role", "update_profile", "update_user",
]


async def signup(*, company_name: str, email: str, password: str, first_name: str, last_name: str) -> SignupResult:
    """Create a company, its role `user` and its first admin; Conflict when the email is taken."""
    p = Problems()
    company_name = p.text("company_name", company_name, max_length=200, label="Company name")
    email = p.email("email", email)
    first_name = p.text("first_name", first_name, max_length=100, label="First name")
    last_name = p.text("last_name", last_name, max_length=100, label="Last name")
    p.password("password", password, email=email)
    p.raise_if_any()
    if await email_taken(email):
        raise Conflict(EMAIL_TAKEN, details=[{"field": "email", "message": EMAIL_TAKEN}])
    password_hash = await passwords.hash_password(password)
    try:
        async with system_tx() as session:
            company_id = int((await session.execute(text("SELECT tfai_create_company(:n, :s)"),
                                                    {"n": company_name, "s": secrets.token_urlsafe(32)})).scalar_one())
            await set_tenant(session, company_id)
            role = CompanyRole(company_id=company_id, role_name="user", description=USER_ROLE_DESCRIPTION)
            user = User(company_id=company_id, email=email, password_hash=password_hash, first_name=first_name,
                        last_name=last_name)
            session.add_all([role, user])
            await session.flush()
            assert user.id is not None and role.id is not None
            session.add_all([UserSystemRole(user_id=user.id, role=SystemRole.admin, company_id=company_id),
                             UserSystemRole(user_id=user.id, role=SystemRole.user, company_id=company_id),
                             UserCompanyRole(user_id=user.id, company_role_id=role.id, company_id=company_id)])
            actor = Actor(user_id=user.id, company_id=company_id, system_roles=frozenset({"admin", "user"}),
                          company_roles=frozenset({"user"}), email=email)
            await audit.record(session, actor, entity="company", entity_id=company_id, action="signup",
                               after={"name": company_name, "admin_email": email})
    except IntegrityError as exc:
        if is_email_conflict(exc):
            raise Conflict(EMAIL_TAKEN, details=[{"field": "email", "message": EMAIL_TAKEN}]) from None
        raise
    return SignupResult(company_id=company_id, user_id=user.id)


_ME_SQL = text("""
SELECT u.id, u.email, u.first_name, u.last_name, u.available, c.name AS company_name,
       ARRAY(SELECT r.role::text FROM user_system_roles r WHERE r.user_id = u.id ORDER BY 1) AS system_roles,
       ARRAY(SELECT cr.role_name FROM user_company_roles ucr JOIN company_roles cr ON cr.id = ucr.company_role_id
             WHERE ucr.user_id = u.id ORDER BY 1) AS company_roles
FROM users u JOIN companies c ON c.id = u.company_id WHERE u.id = :uid
""")


async def _me(session: AsyncSession, actor: Actor) -> MeDTO:
    actions = [a.value for a in Action if allowed(actor, a)]
    if actor.staff is None:
        row = (await session.execute(_ME_SQL, {"uid": actor.user_id})).mappings().one()
        return MeDTO(company_id=actor.company_id, is_platform_staff=actor.is_platform_staff,
                     allowed_actions=actions, **dict(row))
    # A staff member under a grant: their own row lives in the platform company.
    names = {"first_name": "", "last_name": ""}
    home = (await session.execute(text("SELECT company_id FROM tfai_login_lookup(:e)"), {"e": actor.email})).first()
    if home is not None:
        await set_tenant(session, int(home[0]))
        found = (await session.execute(text("SELECT first_name, last_name FROM users WHERE id = :uid"),
                                       {"uid": actor.user_id})).mappings().first()
        names = dict(found) if found else names
        await set_tenant(session, actor.company_id)
    company = (await session.execute(text("SELECT name FROM companies WHERE id = :cid"),
                                      {"cid": actor.company_id})).scalar_one()
    grant = actor.staff
    return MeDTO(id=actor.user_id, email=actor.email, company_id=actor.company_id, company_name=str(company),
                 system_roles=sorted(actor.system_roles), company_roles=sorted(actor.company_roles), available=False,
                 is_platform_staff=True, allowed_actions=actions,
                 staff=StaffInfoDTO(grant_id=grant.grant_id, mode=grant.mode, expires_at=grant.expires_at,
                                    staff_user_id=grant.staff_user_id), **names)


async def get_me(actor: Actor) -> MeDTO:
    """The current user (any authenticated actor may see themselves)."""
    async with actor_tx(actor) as session:
        return await _me(session, actor)


def _own_profile(actor: Actor) -> None:
    require(actor, Action.PROFILE_EDIT)
    if actor.staff is not None:
        raise Forbidden("Staff change their own profile in the platform company")


async def update_profile(actor: Actor, *, first_name: str, last_name: str) -> MeDTO:
    """Change the current user's first and last name."""
    _own_profile(actor)
    p = Problems()
    first_name = p.text("first_name", first_name, max_length=100, label="First name")
    last_name = p.text("last_name", last_name, max_length=100, label="Last name")
    p.raise_if_any()
    async with actor_tx(actor) as session:
        before = (await session.execute(text("SELECT first_name, last_name FROM users WHERE id = :uid"),
                                        {"uid": actor.user_id})).mappings().one()
        await session.execute(text("UPDATE users SET first_name = :f, last_name = :l WHERE id = :uid"),
                              {"f": first_name, "l": last_name, "uid": actor.user_id})
        await audit.record(session, actor, entity="user", entity_id=actor.user_id, action="update_profile",
                           before=dict(before), after={"first_name": first_name, "last_name": last_name})
        return await _me(session, actor)


async def _check_password(session: AsyncSession, actor: Actor, password: str, field: str) -> None:
    await throttle.check(throttle.LOGIN_ACCOUNT, actor.email)
    stored = (await session.execute(text("SELECT password_hash FROM users WHERE id = :uid"),
                                    {"uid": actor.user_id})).scalar_one_or_none()
    if not await passwords.verify_password(stored, (password or "")[:1024]):
        await throttle.record(throttle.LOGIN_ACCOUNT, actor.email)
        raise InvalidInput("The password is wrong", details=[{"field": field, "message": "The password is wrong"}])


async def change_email(actor: Actor, *, new_email: str, password: str) -> MeDTO:
    """Change the current user's email after checking their password; Conflict when the email is taken."""
    _own_profile(actor)
    p = Problems()
    new_email = p.email("new_email", new_email)
    p.raise_if_any()
    try:
        async with actor_tx(actor) as session:
            await _check_password(session, actor, password, "password")
            old = (await session.execute(text("SELECT email FROM users WHERE id = :uid"),
                                         {"uid": actor.user_id})).scalar_one()
            if old.lower() != new_email.lower() and await email_taken(new_email):
                raise Conflict(EMAIL_TAKEN, details=[{"field": "new_email", "message": EMAIL_TAKEN}])
            await session.execute(text("UPDATE users SET email = :e WHERE id = :uid"),
                                  {"e": new_email, "uid": actor.user_id})
            await audit.record(session, actor, entity="user", entity_id=actor.user_id, action="change_email",
                               before={"email": old}, after={"email": new_email})
            return await _me(session, actor)
    except IntegrityError as exc:
        if is_email_conflict(exc):
            raise Conflict(EMAIL_TAKEN, details=[{"field": "new_email", "message": EMAIL_TAKEN}]) from None
        raise


async def change_password(actor: Actor, *, current_password: str, new_password: str,
                          keep_session_token: str | None = None) -> None:
    """Change the password after checking the current one; ends every other session of the user."""
    _own_profile(actor)
    p = Problems()
    p.password("new_password", new_password, email=actor.email)
    p.raise_if_any()
    new_hash = await passwords.hash_password(new_password)
    async with actor_tx(actor) as session:
        await _check_password(session, actor, current_password, "current_password")
        await session.execute(text("UPDATE users SET password_hash = :h WHERE id = :uid"),
                              {"h": new_hash, "uid": actor.user_id})
        await revoke_user_sessions(session, actor.company_id, actor.user_id,
                                   except_token_hash=hash_token(keep_session_token) if keep_session_token else None)
        await audit.record(session, actor, entity="user", entity_id=actor.user_id, action="change_password")


_OPEN_WF = "('NOT_STARTED', 'IN_PROGRESS', 'ON_HOLD')"
_COUNTS = text(f"""
SELECT
  (SELECT count(*) FROM ticket_instances t JOIN workflow_instances w ON w.id = t.workflow_instance_id
    WHERE t.created_by = :uid AND w.w_status IN {_OPEN_WF}) AS my_open_tickets,
  (SELECT count(*) FROM task_instances k WHERE k.assigned_to = :uid
    AND k.t_status IN ('OPEN', 'IN_PROGRESS')) AS my_open_tasks,
  (SELECT count(*) FROM ticket_instances t JOIN workflow_instances w ON w.id = t.workflow_instance_id
    WHERE w.w_status IN {_OPEN_WF}) AS company_open_tickets,
  (SELECT count(*) FROM task_instances k WHERE k.t_status IN ('OPEN', 'IN_PROGRESS', 'PENDING'))
    AS company_open_tasks
""")


async def dashboard(actor: Actor) -> DashboardDTO:
    """Me plus counts; company-wide counts only for those who may list the company's tickets."""
    async with actor_tx(actor) as session:
        me = await _me(session, actor)
        counts = (await session.execute(_COUNTS, {"uid": actor.user_id})).mappings().one()
    company = allowed(actor, Action.TICKET_LIST_COMPANY)
    return DashboardDTO(me=me, my_open_tickets=counts["my_open_tickets"], my_open_tasks=counts["my_open_tasks"],
                        company_open_tickets=counts["company_open_tickets"] if company else None,
                        company_open_tasks=counts["company_open_tasks"] if company else None)
