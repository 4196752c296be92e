"""Platform staff's second factor: TOTP (RFC 6238, no code used twice) or a single-use recovery code."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.domain.errors import Forbidden, Unauthorized
from tfai.domain.limits import STAFF_RECOVERY_CODES
from tfai.domain.tokens import hash_token
from tfai.services.common import throttle

ISSUER = "Ticketflower tfai"
REQUIRED = "second_factor_required"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are read off paper


@dataclass(frozen=True)
class Enrolment:
    """A new TOTP secret with its otpauth URI, and recovery codes (shown once; only hashes are stored)."""

    secret: str
    uri: str
    recovery_codes: list[str]

    @property
    def recovery_hashes(self) -> list[str]:
        return [hash_token(normalize(c)) for c in self.recovery_codes]


def normalize(code: str) -> str:
    """A code as typed: spaces and dashes dropped, lower case (recovery codes are printed as xxxxx-xxxxx)."""
    return "".join(ch for ch in (code or "").lower() if ch not in " -")[:64]


def enrol(email: str) -> Enrolment:
    """A fresh secret and STAFF_RECOVERY_CODES recovery codes for the staff member."""
    secret = pyotp.random_base32()
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(10)) for _ in range(STAFF_RECOVERY_CODES)]
    return Enrolment(secret=secret, uri=pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER),
                     recovery_codes=[f"{c[:5]}-{c[5:]}" for c in codes])


async def check(session: AsyncSession, user_id: int, code: str) -> None:
    """Accept a current TOTP code (one step of clock drift either way, never a step used before) or an unused
    recovery code, which is spent. Unauthorized (code second_factor_required) when missing or wrong."""
    code = normalize(code)
    if not code:
        raise Unauthorized("Enter the code from your authenticator app, or a recovery code", code=REQUIRED)
    key = f"totp|{user_id}"
    await throttle.hit(throttle.LOGIN_ACCOUNT_IP, key)  # claimed before checking: guesses back off
    row = (await session.execute(text("SELECT totp_secret, totp_last_step FROM users WHERE id = :uid FOR UPDATE"),
                                 {"uid": user_id})).first()
    if row is None or not row[0]:
        raise Forbidden("Ticketflower staff must enrol a second factor first (tfai staff enrol-totp EMAIL)",
                        code="second_factor_not_enrolled")
    if await _totp_ok(session, user_id, str(row[0]), int(row[1] or 0), code) or await _spend_recovery(
            session, user_id, code):
        await throttle.reset(throttle.LOGIN_ACCOUNT_IP, key)
        return
    raise Unauthorized("The code is wrong or was already used", code=REQUIRED)


async def _totp_ok(session: AsyncSession, user_id: int, secret: str, last_step: int, code: str) -> bool:
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time())
    for step in (now - 1, now, now + 1):
        if step > last_step and hmac.compare_digest(totp.generate_otp(step), code):
            await session.execute(text("UPDATE users SET totp_last_step = :s WHERE id = :uid"),
                                  {"s": step, "uid": user_id})
            return True
    return False


async def _spend_recovery(session: AsyncSession, user_id: int, code: str) -> bool:
    """Remove the code's hash from the user's list; true only for the one transaction that removed it."""
    spent = (await session.execute(
        text("UPDATE users SET recovery_code_hashes = array_remove(recovery_code_hashes, :h) "
             "WHERE id = :uid AND :h = ANY(recovery_code_hashes) RETURNING id"),
        {"h": hash_token(code), "uid": user_id})).first()
    return spent is not None
