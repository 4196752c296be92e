"""Server-side creation of Ticketflower staff (run as the schema owner by `tfai staff create`, never by the app)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from tfai.db.tables import CompanyRole, PasswordToken, SystemRole, User, UserCompanyRole, UserSystemRole
from tfai.db.tables.common import utcnow
from tfai.db.urls import owner_url
from tfai.domain.errors import Conflict, NotFound
from tfai.domain.limits import MAX_NAME, SET_PASSWORD_HOURS
from tfai.domain.tokens import hash_token, new_token
from tfai.services.accounts.users import EMAIL_TAKEN, is_email_conflict
from tfai.services.auth import _second_factor
from tfai.services.common import audit, passwords
from tfai.services.common.identity import set_tenant
from tfai.services.common.problems import Problems
from tfai.services.staff.dto import CreatedStaffDTO, SecondFactorDTO
from tfai.settings import Settings, get_settings

PLATFORM_COMPANY_NAME = "Ticketflower"
_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('tfai.platform_company'))")


async def _platform_company(session: AsyncSession) -> int:
    """The platform company's id, created (with its role `user`) when missing."""
    await session.execute(_LOCK)
    found = (await session.execute(text("SELECT id FROM companies WHERE is_platform ORDER BY id LIMIT 1"))).first()
    if found is not None:
        company_id = int(found[0])
        await set_tenant(session, company_id)
        # Every company has the role `user`; restore it if the platform company was made without it.
        await session.execute(text("INSERT INTO company_roles (company_id, role_name, description) "
                                   "VALUES (:cid, 'user', 'Every Ticketflower employee') "
                                   "ON CONFLICT ON CONSTRAINT uq_company_roles_name DO NOTHING"), {"cid": company_id})
        return company_id
    company_id = int((await session.execute(
        text("SELECT nextval(pg_get_serial_sequence('companies', 'id'))"))).scalar_one())
    await set_tenant(session, company_id)
    await session.execute(text("INSERT INTO companies (id, name, is_platform, staff_write_allowed, webhook_secret) "
                               "VALUES (:id, :n, true, false, :s)"),
                          {"id": company_id, "n": PLATFORM_COMPANY_NAME, "s": secrets.token_urlsafe(32)})
    session.add(CompanyRole(company_id=company_id, role_name="user", description="Every Ticketflower employee"))
    await session.flush()
    return company_id


async def create_staff_user(*, email: str, first_name: str, last_name: str, password: str | None,
                            settings: Settings | None = None) -> CreatedStaffDTO:
    """Add a platform staff member (admin + user of the platform company); without a password, a 72 h link.

    Runs as the database owner (which must bypass row-level security, as every SECURITY DEFINER lookup
    of tfai requires); InvalidInput for bad fields, Conflict when the email is taken anywhere.
    """
    settings = settings or get_settings()
    p = Problems()
    email = p.email("email", email)
    first_name = p.text("first_name", first_name, max_length=MAX_NAME, label="First name")
    last_name = p.text("last_name", last_name, max_length=MAX_NAME, label="Last name", required=False)
    if password:
        p.password("password", password, email=email)
    p.raise_if_any()
    password_hash = await passwords.hash_password(password) if password else None
    link_token = None if password else new_token()
    factor = _second_factor.enrol(email)
    engine = create_async_engine(owner_url(settings), poolclass=NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            company_id = await _platform_company(session)
            taken = (await session.execute(text("SELECT 1 FROM users WHERE lower(email) = lower(:e)"),
                                           {"e": email})).first()
            if taken is not None:
                raise Conflict(EMAIL_TAKEN, details=[{"field": "email", "message": EMAIL_TAKEN}])
            user = User(company_id=company_id, email=email, password_hash=password_hash, first_name=first_name,
                        last_name=last_name, totp_secret=factor.secret, recovery_code_hashes=factor.recovery_hashes)
            session.add(user)
            await session.flush()
            assert user.id is not None
            role_id = (await session.execute(text("SELECT id FROM company_roles WHERE company_id = :cid "
                                                  "AND role_name = 'user'"), {"cid": company_id})).scalar_one()
            session.add_all([UserSystemRole(user_id=user.id, role=SystemRole.admin, company_id=company_id),
                             UserSystemRole(user_id=user.id, role=SystemRole.user, company_id=company_id),
                             UserCompanyRole(user_id=user.id, company_role_id=int(role_id), company_id=company_id)])
            if link_token is not None:
                session.add(PasswordToken(company_id=company_id, user_id=user.id, token_hash=hash_token(link_token),
                                          expires_at=utcnow() + timedelta(hours=SET_PASSWORD_HOURS)))
            await audit.record(session, None, company_id=company_id, entity="user", entity_id=user.id,
                               action="staff.create", after={"email": email, "with_password": bool(password)})
    except IntegrityError as exc:
        if is_email_conflict(exc):
            raise Conflict(EMAIL_TAKEN, details=[{"field": "email", "message": EMAIL_TAKEN}]) from None
        raise
    finally:
        await engine.dispose()
    url = f"{settings.public_url.rstrip('/')}/set-password?token={link_token}" if link_token else None
    return CreatedStaffDTO(user_id=user.id, set_password_url=url,
                           second_factor=SecondFactorDTO(totp_uri=factor.uri, recovery_codes=factor.recovery_codes))


async def enrol_totp(*, email: str, settings: Settings | None = None) -> SecondFactorDTO:
    """A new TOTP secret and recovery codes for an existing staff member (replacing any earlier ones).

    Runs as the database owner like create_staff_user; NotFound when the email is not platform staff.
    """
    settings = settings or get_settings()
    factor = _second_factor.enrol(email)
    engine = create_async_engine(owner_url(settings), poolclass=NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            found = (await session.execute(
                text("UPDATE users u SET totp_secret = :s, totp_last_step = NULL, recovery_code_hashes = :r "
                     "FROM companies c WHERE c.id = u.company_id AND c.is_platform AND lower(u.email) = lower(:e) "
                     "RETURNING u.id, u.company_id"),
                {"s": factor.secret, "r": factor.recovery_hashes, "e": (email or "").strip()})).first()
            if found is None:
                raise NotFound("No Ticketflower staff member has this email")
            await audit.record(session, None, company_id=int(found[1]), entity="user", entity_id=int(found[0]),
                               action="staff.enrol_totp")
    finally:
        await engine.dispose()
    return SecondFactorDTO(totp_uri=factor.uri, recovery_codes=factor.recovery_codes)
