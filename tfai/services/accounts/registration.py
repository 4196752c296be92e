"""Company sign-up: a new company, its permanent role `user` and its first admin."""

from __future__ import annotations

import secrets

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tfai.db.session import system_tx
from tfai.db.tables import CompanyRole, SystemRole, User, UserCompanyRole, UserSystemRole
from tfai.domain.errors import Conflict
from tfai.domain.limits import MAX_COMPANY_NAME, MAX_NAME
from tfai.domain.policy import Actor
from tfai.services.accounts.dto import SignupResult
from tfai.services.accounts.users import EMAIL_TAKEN, email_taken, is_email_conflict
from tfai.services.common import audit, passwords, throttle
from tfai.services.common.identity import set_tenant
from tfai.services.common.problems import Problems

USER_ROLE_DESCRIPTION = "Everyone in the company"


async def signup(*, company_name: str, email: str, password: str, first_name: str, last_name: str,
                 ip: str | None) -> SignupResult:
    """Create a company, its role `user` and its first admin; Conflict when the email is taken.

    `ip` is the client address of a network entry point (API, UI), throttled per address whatever the outcome;
    None only for trusted in-process callers (the demo seed, benchmarks).
    """
    if ip is not None:
        await throttle.hit(throttle.SIGNUP_IP, ip or "unknown")
    p = Problems()
    company_name = p.text("company_name", company_name, max_length=MAX_COMPANY_NAME, label="Company name")
    email = p.email("email", email)
    first_name = p.text("first_name", first_name, max_length=MAX_NAME, label="First name")
    last_name = p.text("last_name", last_name, max_length=MAX_NAME, label="Last name")
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
