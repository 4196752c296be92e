"""A benchmark company set up through the services: admin, workers, requesters, a two-FORM-task workflow."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import psycopg

from tfai.domain.policy import Actor

PASSWORD = "bench horse battery staple 7"
WORKFLOW = "bench-issue"
TICKET_TYPE = "issue"
PRIORITIES = ("low", "mid", "high")

BUNDLE: dict[str, Any] = {
    "format": "tfai.bundle/v1",
    "workflow": {
        "key": WORKFLOW, "title": "Bench issue", "start": "triage",
        "tasks": [
            {"key": "triage", "title": "Triage", "type": "FORM",
             "input_transform": "{'summary': ticket.summary, 'priority': ticket.priority}",
             "output_schema": {"type": "object", "required": ["accepted"], "properties": {
                 "accepted": {"type": "boolean"}, "note": {"type": "string", "maxLength": 2000}}}},
            {"key": "resolve", "title": "Resolve", "type": "FORM",
             "output_schema": {"type": "object", "properties": {"resolution": {"type": "string"}}}},
        ],
        "transitions": [{"from": "triage", "to": "resolve"}, {"from": "resolve", "to": None}],
    },
    "ticket_types": [{
        "key": TICKET_TYPE, "title": "Issue", "workflow": WORKFLOW, "company_role_access": ["user"],
        "fields": {"type": "object", "required": ["summary", "priority"], "properties": {
            "summary": {"type": "string", "maxLength": 200},
            "priority": {"type": "string", "enum": list(PRIORITIES)},
            "customer": {"type": "string", "maxLength": 40},
            "amount": {"type": "number", "minimum": 0}}},
    }],
}  # fmt: skip


@dataclass
class Person:
    id: int
    email: str
    roles: tuple[str, ...]
    company_id: int
    token: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.id, company_id=self.company_id, system_roles=frozenset(self.roles),
                     company_roles=frozenset({"user"}), email=self.email)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Company:
    id: int
    admin: Person
    ticket_admin: Person
    workers: list[Person] = field(default_factory=list)
    requesters: list[Person] = field(default_factory=list)


async def create_company(label: str, *, workers: int = 4, requesters: int = 10) -> Company:
    """Sign up a company, add its people (only the admin and the ticket admin get passwords), save BUNDLE."""
    from tfai.services.accounts import registration, users
    from tfai.services.definitions import bundles

    tag = secrets.token_hex(3)
    admin_email = f"admin.{label}.{tag}@bench.example.com"
    result = await registration.signup(company_name=f"Bench {label} {tag}", email=admin_email, password=PASSWORD,
                                       first_name="Admin", last_name=label, ip=None)
    cid = result.company_id
    admin = Person(result.user_id, admin_email, ("admin", "user"), cid)

    async def add(kind: str, roles: tuple[str, ...], password: str | None = None) -> Person:
        email = f"{kind}.{label}.{tag}@bench.example.com"
        made = await users.create_user(admin.actor, email=email, first_name=kind.capitalize(), last_name=label,
                                       system_roles=list(roles), company_roles=["user"], password=password)
        return Person(made.id, email, roles, cid)

    company = Company(id=cid, admin=admin,
                      ticket_admin=await add("ticketadmin", ("ticket_admin", "user"), PASSWORD))
    company.workers = [await add(f"worker{i}", ("task_worker", "user")) for i in range(workers)]
    company.requesters = [await add(f"requester{i}", ("user",)) for i in range(requesters)]
    await bundles.save_bundle(admin.actor, BUNDLE)
    return company


def issue_tokens(owner_url: str, company: Company) -> None:
    """A personal API token for everyone, inserted as the owner (the token route is throttled per address)."""
    from tfai.domain.tokens import hash_token, new_token

    people = [company.admin, company.ticket_admin, *company.workers, *company.requesters]
    with psycopg.connect(owner_url, autocommit=True) as conn:
        for person in people:
            person.token = new_token()
            conn.execute("INSERT INTO api_tokens (company_id, user_id, name, token_hash) VALUES (%s, %s, 'bench', %s)",
                         (company.id, person.id, hash_token(person.token)))


def ticket_data(i: int) -> dict[str, Any]:
    """The fields of the i-th generated ticket (the same shape the list data uses)."""
    return {"summary": f"Printer jam {i}", "priority": PRIORITIES[i % 3], "customer": f"C{i % 5000:05d}",
            "amount": i % 1000}
