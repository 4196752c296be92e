"""Credential checks shared by login and API-token creation: throttled, same answer for every failure."""

from __future__ import annotations

from sqlalchemy import text

from tfai.db.session import system_tx, tenant_tx
from tfai.domain.errors import Unauthorized
from tfai.domain.limits import MAX_LOGIN_PASSWORD
from tfai.services.common import passwords, throttle

WRONG_CREDENTIALS = "Email or password is wrong"


async def verify_credentials(email: str, password: str, *, ip: str) -> tuple[int, int]:
    """(user_id, company_id) for a correct email and password of an active user; Unauthorized otherwise."""
    email, ip = (email or "").strip(), ip or "unknown"
    # Each attempt is claimed before the password is checked, so concurrent guesses cannot pass the back-off;
    # a success gives its claims back.
    claims = ((throttle.LOGIN_ACCOUNT_IP, f"{email}|{ip}"), (throttle.LOGIN_ACCOUNT, email), (throttle.LOGIN_IP, ip))
    for limit, key in claims:
        await throttle.hit(limit, key)
    row = None
    if email and len(email) <= 254:
        async with system_tx() as session:
            row = (await session.execute(text("SELECT * FROM tfai_login_lookup(:e)"), {"e": email})).mappings().first()
    stored = row["password_hash"] if row is not None else None
    ok = await passwords.verify_password(stored, (password or "")[:MAX_LOGIN_PASSWORD])
    if row is None or not ok or not row["is_active"] or len(password or "") > MAX_LOGIN_PASSWORD:
        raise Unauthorized(WRONG_CREDENTIALS, code="wrong_credentials")
    await throttle.reset(*claims[0])
    for limit, key in claims[1:]:
        await throttle.refund(limit, key)
    user_id, company_id = int(row["user_id"]), int(row["company_id"])
    if stored and passwords.needs_rehash(stored):
        new_hash = await passwords.hash_password(password)
        async with tenant_tx(company_id) as session:
            await session.execute(text("UPDATE users SET password_hash = :h WHERE id = :id"),
                                  {"h": new_hash, "id": user_id})
    return user_id, company_id
