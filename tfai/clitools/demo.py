"""`tfai seed-demo`: a demo company with every role and the example definitions, created once."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tfai.domain.bundle import load_bundle_text
from tfai.domain.errors import Conflict
from tfai.domain.policy import Actor

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "tfai-demo-password-1"
DEMO_ADMIN = "admin@demo.example.com"
PEOPLE = [
    ("designer@demo.example.com", "Dana", "Designer", ["workflow_creator", "user"], ["user"]),
    ("worker1@demo.example.com", "Wes", "Worker", ["task_worker", "user"], ["user"]),
    ("worker2@demo.example.com", "Wanda", "Worker", ["task_worker", "user"], ["user"]),
    ("requester@demo.example.com", "Rita", "Requester", ["user"], ["user", "support", "hr", "manager"]),
]
EXTRA_ROLES = {"support": "Support staff", "hr": "Human resources", "manager": "People managers"}


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "seed-demo", help="create a demo company with every role and the example definitions (once)")
    parser.set_defaults(func=run_seed)
    return parser


async def _actor(user_id: int, company_id: int) -> Actor:
    from tfai.services.accounts.profile import get_me

    probe = Actor(user_id=user_id, company_id=company_id, system_roles=frozenset({"admin", "user"}))
    me = await get_me(probe)
    return Actor(user_id=user_id, company_id=company_id, system_roles=frozenset(me.system_roles),
                 company_roles=frozenset(me.company_roles), email=me.email)


async def seed() -> list[tuple[str, str]]:
    """Create the company, people and definitions; return (email, role description) pairs."""
    from tfai.services.accounts import company_roles, registration, users
    from tfai.services.definitions import bundles

    result = await registration.signup(company_name="Demo Company", email=DEMO_ADMIN, password=DEMO_PASSWORD,
                                       first_name="Ada", last_name="Admin", ip=None)
    admin = await _actor(result.user_id, result.company_id)
    for name, description in EXTRA_ROLES.items():
        await company_roles.create_company_role(admin, role_name=name, description=description)
    logins = [(DEMO_ADMIN, "admin")]
    designer_actor = admin
    for email, first, last, system_roles, roles in PEOPLE:
        created = await users.create_user(admin, email=email, first_name=first, last_name=last,
                                          system_roles=system_roles, company_roles=roles, password=DEMO_PASSWORD)
        logins.append((email, ", ".join(r for r in system_roles if r != "user") or "requester"))
        if "workflow_creator" in system_roles:
            designer_actor = await _actor(created.id, result.company_id)
    for path in sorted((ROOT / "examples").glob("*.*")):
        if path.suffix in (".json", ".yaml", ".yml"):
            await bundles.save_bundle(designer_actor, load_bundle_text(path.read_text()))
    return logins


def run_seed(_: argparse.Namespace) -> int:
    from tfai.db.migrate import migrate
    from tfai.embedded import ensure_services, export_env
    from tfai.settings import get_settings

    if get_settings().env == "production":
        print("seed-demo refuses to run in production: its accounts share a published password", file=sys.stderr)
        return 2
    settings, embedded = ensure_services(get_settings())
    export_env(settings)
    get_settings.cache_clear()
    try:
        migrate(get_settings())
        try:
            logins = asyncio.run(seed())
        except Conflict:
            print(f"The demo company already exists; log in as {DEMO_ADMIN} / {DEMO_PASSWORD}")
            return 0
        print(json.dumps({"password": DEMO_PASSWORD, "logins": dict(logins)}, indent=2))
        return 0
    finally:
        embedded.stop()
