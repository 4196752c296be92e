"""Platform staff log in (and make API tokens) with a TOTP code or a single-use recovery code after the password."""

from __future__ import annotations

import time

import psycopg
import pyotp
import pytest

from tests.fixtures.staff import Staffer, login, totp_now
from tests.fixtures.tenants import PASSWORD, World
from tfai.domain.errors import Forbidden, NotFound, Unauthorized
from tfai.services.auth import api_tokens, sessions
from tfai.services.staff import setup


async def test_login_needs_a_current_totp_code_used_once(staffer: Staffer) -> None:
    with pytest.raises(Unauthorized) as missing:
        await login(staffer.email)
    assert missing.value.code == "second_factor_required"
    with pytest.raises(Unauthorized) as wrong:
        await login(staffer.email, second_factor="000000" if totp_now(staffer.totp_uri) != "000000" else "111111")
    assert wrong.value.code == "second_factor_required"
    totp = pyotp.parse_uri(staffer.totp_uri)
    assert isinstance(totp, pyotp.TOTP)
    ahead = totp.at((totp.timecode(time.time()) + 1) * totp.interval)  # the next step: clock drift is allowed
    token = await login(staffer.email, second_factor=ahead)
    assert (await sessions.authenticate_session(token)).user_id == staffer.user_id
    with pytest.raises(Unauthorized):  # the fixture's code (an earlier step) and this one are spent
        await login(staffer.email, second_factor=ahead)
    with pytest.raises(Unauthorized):
        await login(staffer.email, second_factor=totp_now(staffer.totp_uri))
    with pytest.raises(Unauthorized):  # a right code never rescues a wrong password
        await sessions.start_login(staffer.email, "wrong password entirely", ip="10.9.0.1",
                                   second_factor=staffer.recovery_code())


async def test_recovery_codes_work_once(staffer: Staffer, owner: psycopg.Connection) -> None:
    code = staffer.recovery_codes[0]
    assert len(staffer.recovery_codes) == 10 and len(set(staffer.recovery_codes)) == 10
    assert await login(staffer.email, second_factor=code.upper().replace("-", " "))  # as typed off paper
    with pytest.raises(Unauthorized):
        await login(staffer.email, second_factor=code)
    left = owner.execute("SELECT cardinality(recovery_code_hashes), totp_secret IS NOT NULL FROM users "
                         "WHERE id = %s", (staffer.user_id,)).fetchone()
    assert left == (9, True)
    stored = owner.execute("SELECT array_to_string(recovery_code_hashes, ',') FROM users WHERE id = %s",
                           (staffer.user_id,)).fetchone()
    assert stored is not None and all(c.replace("-", "") not in stored[0] for c in staffer.recovery_codes)


async def test_staff_tokens_need_the_second_factor_too(staffer: Staffer) -> None:
    with pytest.raises(Unauthorized) as missing:
        await api_tokens.create_api_token(staffer.email, PASSWORD, name="ops", ip="10.9.0.8")
    assert missing.value.code == "second_factor_required"
    token = await api_tokens.create_api_token(staffer.email, PASSWORD, name="ops", ip="10.9.0.8",
                                              second_factor=staffer.recovery_code())
    assert (await sessions.authenticate_bearer(token)).is_platform_staff


async def test_customers_need_no_second_factor(world: World) -> None:
    assert await login(world.a.requester.email)


async def test_enrol_totp_replaces_the_factor(staffer: Staffer, world: World, owner: psycopg.Connection) -> None:
    old_code = staffer.recovery_code()
    fresh = await setup.enrol_totp(email=staffer.email.upper())
    assert fresh.totp_uri.startswith("otpauth://totp/") and len(fresh.recovery_codes) == 10
    with pytest.raises(Unauthorized):
        await login(staffer.email, second_factor=old_code)
    assert await login(staffer.email, second_factor=totp_now(fresh.totp_uri))
    for email in (world.a.admin.email, "nobody.at.all@example.com"):
        with pytest.raises(NotFound):
            await setup.enrol_totp(email=email)
    assert owner.execute("SELECT totp_secret FROM users WHERE id = %s", (world.a.admin.id,)).fetchone() == (None,)


async def test_staff_without_an_enrolled_factor_cannot_log_in(staffer: Staffer, owner: psycopg.Connection) -> None:
    owner.execute("UPDATE users SET totp_secret = NULL WHERE id = %s", (staffer.user_id,))
    with pytest.raises(Forbidden) as refused:
        await login(staffer.email, second_factor="123456")
    assert refused.value.code == "second_factor_not_enrolled" and "enrol-totp" in refused.value.message
