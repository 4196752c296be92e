"""Creating staff (service and CLI) and the guarantee that sign-up never creates staff."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import httpx
import psycopg
import pytest

from tests.fixtures.stack import ROOT
from tests.fixtures.staff import Staffer, login, totp_now
from tests.fixtures.tenants import PASSWORD
from tfai.domain.errors import Conflict, Forbidden, InvalidInput
from tfai.services.accounts import users
from tfai.services.auth import api_tokens, sessions
from tfai.services.staff import access, setup


def _email(tag: str) -> str:
    return f"{tag}.{secrets.token_hex(4)}@ticketflower.example"


def _home(owner: psycopg.Connection, user_id: int) -> tuple[str, bool, list[str], bool]:
    row = owner.execute(
        "SELECT c.name, c.is_platform, ARRAY(SELECT role::text FROM user_system_roles r WHERE r.user_id = u.id "
        "ORDER BY 1), u.password_hash IS NOT NULL FROM users u JOIN companies c ON c.id = u.company_id "
        "WHERE u.id = %s", (user_id,)).fetchone()
    assert row is not None
    return row[0], row[1], list(row[2]), row[3]


async def test_create_staff_with_password_makes_a_platform_admin(staffer: Staffer,
                                                                 owner: psycopg.Connection) -> None:
    assert _home(owner, staffer.user_id) == ("Ticketflower", True, ["admin", "user"], True)
    actor = await staffer.actor()
    assert actor.is_platform_staff and actor.staff is None and actor.user_id == staffer.user_id
    platforms = owner.execute("SELECT count(*) FROM companies WHERE is_platform").fetchone()
    assert platforms == (1,)
    audit = owner.execute("SELECT action FROM audit_log WHERE entity = 'user' AND entity_id = %s",
                          (str(staffer.user_id),)).fetchall()
    assert ("staff.create",) in audit


async def test_create_staff_without_password_gives_a_one_time_link(db_engine: None,
                                                                   owner: psycopg.Connection) -> None:
    email = _email("linked")
    created = await setup.create_staff_user(email=email, first_name="Lin", last_name="Ked", password=None)
    assert created.set_password_url is not None
    assert created.set_password_url.startswith("http://localhost:3000/set-password?token=")
    assert _home(owner, created.user_id)[3] is False
    token = created.set_password_url.split("token=", 1)[1]
    await users.set_password_with_token(token, PASSWORD)
    actor = await sessions.authenticate_session(
        await login(email, second_factor=totp_now(created.second_factor.totp_uri)))
    assert actor.is_platform_staff and actor.user_id == created.user_id
    with pytest.raises(InvalidInput):
        await users.set_password_with_token(token, PASSWORD)  # spent


async def test_create_staff_refuses_taken_email_and_bad_fields(staffer: Staffer, world: object,
                                                               owner: psycopg.Connection) -> None:
    before = owner.execute("SELECT count(*) FROM users").fetchone()
    with pytest.raises(Conflict):
        await setup.create_staff_user(email=staffer.email.upper(), first_name="X", last_name="Y", password=None)
    with pytest.raises(InvalidInput) as bad:
        await setup.create_staff_user(email="not-an-email", first_name="", last_name="Y", password="short")
    fields = {d["field"] for d in bad.value.details}
    assert {"email", "first_name", "password"} <= fields
    assert owner.execute("SELECT count(*) FROM users").fetchone() == before


def _cli(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tfai.clitools.staff", "staff", *args], input=stdin, text=True,
                          capture_output=True, cwd=ROOT, env=dict(os.environ), timeout=120, check=False)


def test_cli_creates_staff_with_password_stdin_and_with_a_link(stack: object, owner: psycopg.Connection) -> None:
    email = _email("cli")
    done = _cli(["create", email, "--name", "Ann Marie Lee", "--password-stdin"], stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert "created" in done.stdout and "set-password" not in done.stdout
    assert "otpauth://totp/" in done.stdout
    codes = [line.strip() for line in done.stdout.splitlines() if line.startswith("  ")]
    assert len(codes) == 10 and all(len(c) == 11 and c[5] == "-" for c in codes)
    row = owner.execute("SELECT u.first_name, u.last_name, c.is_platform, u.password_hash IS NOT NULL "
                        "FROM users u JOIN companies c ON c.id = u.company_id WHERE u.email = %s",
                        (email,)).fetchone()
    assert row == ("Ann", "Marie Lee", True, True)
    linked = _cli(["create", _email("cli-link"), "--name", "Bo Link"])
    assert linked.returncode == 0, linked.stderr
    assert "http://localhost:3000/set-password?token=" in linked.stdout
    again = _cli(["create", email, "--name", "Ann Lee", "--password-stdin"], stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "already exists" in again.stderr


async def test_signup_never_creates_staff(api: httpx.AsyncClient, owner: psycopg.Connection) -> None:
    email = _email("signup")
    answer = await api.post("/api/v1/signup", json={"company_name": "Ticketflower", "email": email,
                                                     "password": PASSWORD, "first_name": "Eve",
                                                     "last_name": "Sneaky"})
    assert answer.status_code == 201, answer.text
    company_id = answer.json()["company_id"]
    assert owner.execute("SELECT is_platform FROM companies WHERE id = %s", (company_id,)).fetchone() == (False,)
    actor = await sessions.authenticate_session(await login(email))
    assert not actor.is_platform_staff and "admin" in actor.system_roles
    with pytest.raises(Forbidden):
        await access.list_companies(actor)
    token = await api_tokens.create_api_token(email, PASSWORD, name="t", ip="10.9.0.2")
    refused = await api.get("/api/v1/staff/companies", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    refused = await api.post("/api/v1/staff/grants", headers={"Authorization": f"Bearer {token}"},
                             json={"company_id": company_id, "reason": "let me in", "mode": "write"})
    assert refused.status_code == 403
