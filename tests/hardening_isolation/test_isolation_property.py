"""Tenant isolation as a property: random operations through the services never show or touch another company."""

from __future__ import annotations

import itertools
import json
import os
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import psycopg
import pytest
import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.fixtures.isolation.harness import LoopThread, adopt_engine, hand_back_engine
from tests.fixtures.isolation.reads import check_reads
from tests.fixtures.isolation.snapshot import snapshot
from tests.fixtures.stack import ROOT, Stack
from tests.fixtures.tenants import PASSWORD, create_tenant
from tfai.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from tfai.domain.policy import Action, Actor, allowed
from tfai.services.accounts import registration, users
from tfai.services.auth import sessions
from tfai.services.definitions import bundles
from tfai.services.staff import access, setup
from tfai.services.tasks import work
from tfai.services.tickets import attachments, submission, tracking

T = TypeVar("T")
EXAMPLES_ENV, STEPS_ENV = "TFAI_ISOLATION_EXAMPLES", "TFAI_ISOLATION_STEPS"
BUNDLES = ("laptop-request.json", "customer-refund.json", "facility-repair.yaml")
SAMPLE_DATA = {"laptop": {"model": "air-13", "price": 1200}}
# What a service may answer an actor inside their own company (role denial, bad or conflicting input).
REFUSALS = (InvalidInput, Conflict, Forbidden, NotFound)
_n = itertools.count(1)


@dataclass
class Context:
    loop: LoopThread
    owner: psycopg.Connection
    database_url: str
    staff: Actor


@pytest.fixture(scope="module")
async def isolation(stack: Stack, db_engine: None) -> AsyncIterator[Context]:
    await adopt_engine()
    loop = LoopThread()
    try:
        email = f"iso.staff{next(_n)}.{secrets.token_hex(3)}@ticketflower.example"
        created = loop.run(setup.create_staff_user(email=email, first_name="Iso", last_name="Staff",
                                                   password=PASSWORD))
        with psycopg.connect(stack.database_url, autocommit=True) as owner:
            home = owner.execute("SELECT company_id FROM users WHERE id = %s", (created.user_id,)).fetchone()
            assert home is not None
            code = loop.run(sessions.issue_login_code(created.user_id, int(home[0])))
            token = loop.run(sessions.finish_login(code, ip="10.7.0.1", user_agent="pytest"))
            yield Context(loop, owner, stack.database_url, loop.run(sessions.authenticate_session(token)))
    finally:
        hand_back_engine(loop)
        loop.close()


def load_bundle(name: str, tag: str) -> dict[str, Any]:
    """An example bundle whose titles carry the company tag, so a leaked definition would be recognisable."""
    raw = (ROOT / "examples" / name).read_text()
    bundle: dict[str, Any] = yaml.safe_load(raw) if name.endswith(".yaml") else json.loads(raw)
    bundle["workflow"]["title"] = f"{bundle['workflow']['title']} [{tag}]"[:200]
    for ticket_type in bundle["ticket_types"]:
        ticket_type["title"] = f"{ticket_type['title']} [{tag}]"[:200]
    return bundle


class IsolationMachine(RuleBasedStateMachine):
    """Companies a and b (and c after a sign-up), their members, new users and staff under grants."""

    ctx: ClassVar[Context]
    done: ClassVar[Counter[str]] = Counter()  # what really happened over the run (the property is not vacuous)

    def __init__(self) -> None:
        super().__init__()
        self.companies: dict[str, int] = {}
        self.actors: dict[str, list[Actor]] = {}
        self.tickets: dict[str, list[int]] = {}
        self.types: dict[str, list[str]] = {}
        self.checked = 0
        self.last: Actor | None = None
        for tag in ("a", "b"):
            tenant = create_tenant(self.ctx.database_url, f"iso-{tag}")
            self._add_company(tag, tenant.company_id, [m.actor for m in tenant.members.values()])

    def _add_company(self, tag: str, company_id: int, actors: list[Actor]) -> None:
        self.companies[tag], self.actors[tag], self.tickets[tag], self.types[tag] = company_id, actors, [], []

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.ctx.loop.run(coro)

    def attempt(self, coro: Coroutine[Any, Any, T]) -> T | None:
        try:
            return self.run(coro)
        except REFUSALS:
            return None

    def tag(self, which: int) -> str:
        tags = sorted(self.companies)
        return tags[which % len(tags)]

    def pick(self, tag: str, which: int, action: Action | None = None) -> Actor:
        """An actor of the company (one allowed to take action, when there is one)."""
        everyone = self.actors[tag]
        able = [a for a in everyone if action is None or allowed(a, action)] or everyone
        self.last = able[which % len(able)]
        return self.last

    @contextmanager
    def acting(self, *tags: str) -> Iterator[None]:
        """Whatever happens inside, the companies not named keep every row exactly as it was."""
        others = {t: cid for t, cid in self.companies.items() if t not in tags}
        before = {t: snapshot(self.ctx.owner, cid) for t, cid in others.items()}
        yield
        for t, cid in others.items():
            after = snapshot(self.ctx.owner, cid)
            changed = sorted(k for k in after if after[k] != before[t][k])
            assert not changed, f"acting in {tags} changed company {t}: {changed}"

    @initialize()
    def laptops_everywhere(self) -> None:
        """Both companies start with the laptop workflow and one ticket each, so every rule has a target.

        Each then tries to read the other's ticket once, so every sequence covers a cross-company read whatever
        the derived draws (derandomized draws change whenever this file's source does)."""
        for tag in ("a", "b"):
            self.save_bundle(ord(tag) - ord("a"), "laptop-request.json")
            self.submit_ticket(ord(tag) - ord("a"), 0, 0)
        self.read_across(0, 0, 1)
        self.read_across(1, 0, 0)

    @precondition(lambda self: "c" not in self.companies)
    @rule()
    def sign_up(self) -> None:
        email = f"founder{next(_n)}.{secrets.token_hex(3)}@example.com"
        with self.acting("c"):
            result = self.run(registration.signup(company_name=f"Signed Up {next(_n)}", email=email, password=PASSWORD,
                                              first_name="Cee", last_name="Founder", ip=None))
            code = self.run(sessions.issue_login_code(result.user_id, result.company_id))
            token = self.run(sessions.finish_login(code, ip="10.7.0.2", user_agent="pytest"))
            admin = self.run(sessions.authenticate_session(token))
        assert admin.company_id == result.company_id
        self._add_company("c", result.company_id, [admin])

    @rule(which=st.integers(0, 9), roles=st.lists(st.sampled_from(
        ["user", "task_worker", "ticket_admin", "workflow_creator", "admin"]), min_size=1, max_size=3, unique=True))
    def create_user(self, which: int, roles: list[str]) -> None:
        tag = self.tag(which)
        admin = self.pick(tag, which, Action.USER_MANAGE)
        email = f"member{next(_n)}.{secrets.token_hex(3)}@example.com"
        with self.acting(tag):
            created = self.attempt(users.create_user(admin, email=email, first_name="New", last_name="Member",
                                                     system_roles=roles, company_roles=["user"]))
        if created is not None:
            self.actors[tag].append(Actor(user_id=created.id, company_id=self.companies[tag],
                                          system_roles=frozenset(roles), company_roles=frozenset({"user"}),
                                          email=email))

    @rule(which=st.integers(0, 9), name=st.sampled_from(BUNDLES))
    def save_bundle(self, which: int, name: str) -> None:
        tag = self.tag(which)
        bundle = load_bundle(name, tag)
        with self.acting(tag):
            saved = self.attempt(bundles.save_bundle(self.pick(tag, which, Action.DEFINITION_MANAGE), bundle))
        if saved is not None:
            self.types[tag] += [t["key"] for t in bundle["ticket_types"] if t["key"] not in self.types[tag]]

    @rule(which=st.integers(0, 9), who=st.integers(0, 99), kind=st.integers(0, 9))
    def submit_ticket(self, which: int, who: int, kind: int) -> None:
        tag = self.tag(which)
        key = self.types[tag][kind % len(self.types[tag])] if self.types[tag] else "laptop"
        with self.acting(tag):
            created = self.attempt(submission.submit_ticket(self.pick(tag, who, Action.TICKET_SUBMIT), ticket_type=key,
                                                         data=SAMPLE_DATA.get(key, {})))
        if created is not None:
            self.tickets[tag].append(created.id)
            self.done["ticket"] += 1

    @rule(which=st.integers(0, 9), who=st.integers(0, 99), approved=st.booleans())
    def complete_task(self, which: int, who: int, approved: bool) -> None:
        tag = self.tag(which)
        worker = self.pick(tag, who, Action.TASK_COMPLETE)
        mine = self.attempt(work.list_tasks(worker, scope="mine"))
        if mine is None or not mine.items:
            return
        with self.acting(tag):
            self.attempt(work.complete_form_task(worker, mine.items[0].id, output={"approved": approved}))

    def _on_ticket(self, which: int, who: int, across: int, action: Action,
                   make: Any) -> None:
        """Act on a ticket of the target company: NotFound when it is another company's, nothing changed there."""
        tag, target_tag = self.tag(which), self.tag(across)
        if not self.tickets[target_tag]:
            return
        actor = self.pick(tag, who, action)
        ticket_id = self.tickets[target_tag][who % len(self.tickets[target_tag])]
        with self.acting(tag):
            if target_tag == tag:
                self.done[f"{action.value} own"] += self.attempt(make(actor, ticket_id)) is not None
            elif allowed(actor, action):
                with pytest.raises(NotFound):
                    self.run(make(actor, ticket_id))
                self.done[f"{action.value} across"] += 1

    @rule(which=st.integers(0, 9), who=st.integers(0, 99), across=st.integers(0, 9),
          body=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40))
    def comment(self, which: int, who: int, across: int, body: str) -> None:
        self._on_ticket(which, who, across, Action.TICKET_COMMENT,
                        lambda actor, tid: tracking.add_comment(actor, tid, body=body))

    @rule(which=st.integers(0, 9), who=st.integers(0, 99), across=st.integers(0, 9))
    def attach_file(self, which: int, who: int, across: int) -> None:
        self._on_ticket(which, who, across, Action.TICKET_COMMENT,
                        lambda actor, tid: attachments.add_attachment(actor, tid, filename="note.txt",
                                                                content_type="text/plain", data=b"isolation\n"))

    @rule(which=st.integers(0, 9), who=st.integers(0, 99), across=st.integers(0, 9))
    def read_across(self, which: int, who: int, across: int) -> None:
        self._on_ticket(which, who, across, Action.TICKET_READ, tracking.get_ticket)

    @rule(which=st.integers(0, 9), mode=st.sampled_from(["read", "write"]))
    def staff_grant(self, which: int, mode: str) -> None:
        tag = self.tag(which)
        me = self.ctx.staff
        with self.acting(tag):
            grant = self.run(access.start_grant(me, company_id=self.companies[tag], reason="Isolation property check",
                                               mode=mode, minutes=30))
            code = self.run(access.switch_code(me, grant_id=grant.grant_id))
            actor = self.run(sessions.authenticate_session(
                self.run(sessions.finish_login(code, ip="10.7.0.3", user_agent="pytest"))))
        assert actor.staff is not None and actor.company_id == self.companies[tag]
        self.actors[tag].append(actor)
        self.done[f"grant {mode}"] += 1

    @invariant()
    def everything_readable_is_home(self) -> None:
        """The last actor and one more (in rotation) read only their own company's rows."""
        everyone = [a for tag in sorted(self.actors) for a in self.actors[tag]]
        self.checked += 1
        chosen = {id(a): a for a in (self.last, everyone[(self.checked * 7) % len(everyone)]) if a is not None}
        for actor in chosen.values():
            check_reads(self.ctx.owner, actor, self.run)
            self.done["reads checked"] += 1


def test_tenant_isolation_holds_for_random_operation_sequences(isolation: Context) -> None:
    IsolationMachine.ctx = isolation
    IsolationMachine.done.clear()
    # `make test` replays the same derived sequences every run, so whether they reach every kind of operation (the
    # coverage assertion below) does not depend on luck; `make fuzz` sets the counts and draws fresh ones each run.
    fuzzing = bool(os.environ.get(EXAMPLES_ENV))
    run_state_machine_as_test(IsolationMachine, settings=settings(
        max_examples=int(os.environ.get(EXAMPLES_ENV) or 10), stateful_step_count=int(os.environ.get(STEPS_ENV) or 10),
        deadline=None, database=None, derandomize=not fuzzing, suppress_health_check=list(HealthCheck)))
    done = IsolationMachine.done
    assert done["ticket"] and done["reads checked"] and done["ticket.read across"], dict(done)
