"""The UI's one guard: what `guarded` does without a session, with a refused role and with an allowed actor;
what Reflex sees of a guarded handler; and a scan that fails when a handler pastes the old prelude again."""

from __future__ import annotations

import ast
import inspect
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import reflex as rx

from tfai.domain.policy import Action, Actor
from tfai.ui.state.guard import DESIGNER, Gate, guarded

UI = Path(__file__).resolve().parents[2] / "tfai" / "ui"
GUARD_MODULE = UI / "state" / "guard.py"
WORKER = Actor(user_id=7, company_id=3, system_roles=frozenset({"user", "task_worker"}), email="w@example.com")
DESIGNER_ACTOR = Actor(user_id=8, company_id=3, system_roles=frozenset({"user", "workflow_creator"}),
                       email="d@example.com")


# ---- the scan --------------------------------------------------------------------------------------------------

def _is_none_check(test: ast.expr, name: str) -> bool:
    """`name is None`, also as the first operand of an `or`."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        test = test.values[0]
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == name
            and isinstance(test.ops[0], ast.Is) and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None)


def _leaves(stmt: ast.stmt) -> bool:
    """The branch gives up at once: return, or yield something (and return)."""
    return isinstance(stmt, ast.Return) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Yield))


def _awaited_private_call(value: ast.expr) -> bool:
    """`await self._something(...)` (or through another name, e.g. `me._designer()`)."""
    return (isinstance(value, ast.Await) and isinstance(value.value, ast.Call)
            and isinstance(value.value.func, ast.Attribute) and value.value.func.attr.startswith("_"))


def prelude_findings(source: str, filename: str = "<src>") -> list[str]:
    """Where a function resolves the actor itself and bails out on None (the prelude `guarded` replaces), or
    builds the login redirect itself."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Attribute) and node.attr == "_to_login":
            found.append(f"{filename}:{node.lineno} builds the login redirect itself")
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for first, second in zip(node.body, node.body[1:], strict=False):
            if not (isinstance(first, ast.Assign) and _awaited_private_call(first.value)):
                continue
            target = first.targets[0]
            name = target.elts[0] if isinstance(target, ast.Tuple) else target
            if (isinstance(name, ast.Name) and isinstance(second, ast.If) and _is_none_check(second.test, name.id)
                    and _leaves(second.body[0])):
                found.append(f"{filename}:{first.lineno} {node.name} pastes the session prelude")
    return found


def test_the_scan_recognises_every_form_of_the_old_prelude() -> None:
    old = '''
class S:
    async def load(self):
        actor = await self._guard()
        if actor is None:
            return self._to_login()

    async def save(self):
        actor, redirect = await self._designer()
        if actor is None:
            yield redirect
            return

    async def refresh(self):
        actor, redirect = await self._assistant_actor()
        if actor is None or not self.conv_id:
            return redirect
'''
    found = prelude_findings(old)
    assert sum("pastes the session prelude" in f for f in found) == 3
    assert sum("login redirect" in f for f in found) == 1


def test_no_ui_module_pastes_the_session_prelude() -> None:
    paths = [path for path in sorted(UI.rglob("*.py")) if path != GUARD_MODULE]
    assert len(paths) > 50  # the whole UI package is read, states and pages alike
    found = [f for path in paths for f in prelude_findings(path.read_text(), str(path.relative_to(UI.parent.parent)))]
    assert found == [], "use tfai.ui.state.guard.guarded instead:\n" + "\n".join(found)


def test_every_public_method_taking_an_actor_is_guarded() -> None:
    """A public method of a state is callable from the browser: an `actor` parameter must come from the guard."""
    unguarded: list[str] = []
    for path in sorted(UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
                continue
            params = [a.arg for a in node.args.args]
            guarded_here = any(isinstance(d, ast.Call) and getattr(d.func, "id", "") == "guarded"
                               for d in node.decorator_list)
            if params[:2] == ["self", "actor"] and not guarded_here:
                unguarded.append(f"{path.name}:{node.lineno} {node.name}")
    assert unguarded == []


# ---- the helper's behaviour ------------------------------------------------------------------------------------

class FakeState:
    """What the guard uses of an AuthState: `_guard()` (the session's actor or None) and the router."""

    def __init__(self, actor: Actor | None, path: str = "/tickets/5") -> None:
        self.actor, self.ran = actor, False
        self.router = SimpleNamespace(url=SimpleNamespace(path=path))

    async def _guard(self) -> Actor | None:
        return self.actor


def _spec(spec: Any) -> tuple[str, dict[str, Any]]:
    """An EventSpec as (handler name, its literal arguments)."""
    name = spec.handler.fn.__qualname__.rsplit(".", 1)[-1]
    return name, {arg._js_expr: value._var_value for arg, value in spec.args}


@guarded()
async def comment(self: FakeState, actor: Actor, body: str, *, loud: bool = False) -> Any:
    self.ran = True
    return (actor.user_id, body, loud)


@guarded(DESIGNER)
async def design(self: FakeState, actor: Actor) -> Any:
    self.ran = True
    return actor.email


@guarded()
async def steps(self: FakeState, actor: Actor, n: int) -> AsyncIterator[Any]:
    self.ran = True
    for i in range(n):
        yield (actor.user_id, i)


async def test_without_a_session_the_visitor_goes_to_login_and_comes_back() -> None:
    state = FakeState(None, path="/tickets/5")
    name, args = _spec(await comment(state, "hi"))
    assert name == "_redirect" and args["path"] == "/login?next=%2Ftickets%2F5" and args["replace"] is True
    assert state.ran is False


async def test_the_login_page_itself_is_not_its_own_next_page() -> None:
    _, args = _spec(await comment(FakeState(None, path="/login"), "hi"))
    assert args["path"] == "/login"


async def test_an_async_generator_yields_the_redirect_and_nothing_else() -> None:
    state = FakeState(None)
    out = [step async for step in steps(state, 3)]
    assert len(out) == 1 and _spec(out[0])[1]["path"] == "/login?next=%2Ftickets%2F5"
    assert state.ran is False


async def test_a_refused_role_is_told_why_and_sent_home() -> None:
    state = FakeState(WORKER)
    toast_spec, home = await design(state)
    assert _spec(toast_spec) == ("notify", {"level": "warning", "message": DESIGNER.refusal})
    assert _spec(home)[1]["path"] == "/dashboard"
    assert state.ran is False


async def test_an_allowed_actor_reaches_the_body_with_the_arguments() -> None:
    assert await comment(FakeState(WORKER), "hi", loud=True) == (7, "hi", True)
    assert await design(FakeState(DESIGNER_ACTOR)) == "d@example.com"
    assert [step async for step in steps(FakeState(WORKER), 2)] == [(7, 0), (7, 1)]


def test_reflex_sees_the_handler_without_its_actor() -> None:
    """Reflex binds browser arguments by name from the signature and converts them by the annotations."""
    assert list(inspect.signature(comment).parameters) == ["self", "body", "loud"]
    assert "actor" not in comment.__annotations__ and "body" in comment.__annotations__
    assert inspect.iscoroutinefunction(comment) and inspect.isasyncgenfunction(steps)
    assert comment.__name__ == "comment"


def test_only_async_methods_with_an_actor_after_self_can_be_guarded() -> None:
    async def no_actor(self: Any, body: str) -> None:
        return None

    def not_async(self: Any, actor: Actor) -> None:
        return None

    unchecked: Any = guarded()  # the types already refuse both; this is the check at import time
    with pytest.raises(TypeError, match="actor"):
        unchecked(no_actor)
    with pytest.raises(TypeError, match="async"):
        unchecked(not_async)


class _GuardedMixin(rx.State, mixin=True):
    @rx.event
    @guarded(Gate(Action.DEFINITION_READ, "no"))
    async def rename(self, actor: Actor, title: str) -> None:
        return None


class _GuardedState(_GuardedMixin, rx.State):
    @rx.event
    @guarded()
    async def remove(self, actor: Actor, item_id: int) -> None:
        return None


def test_a_guarded_event_handler_takes_only_the_browser_arguments_also_from_a_mixin() -> None:
    for name, arg, kind in (("remove", "item_id", int), ("rename", "title", str)):
        handler = _GuardedState.event_handlers[name]
        assert list(handler._parameters) == ["self", arg]
        assert handler._get_type_hints()[arg] is kind
        assert handler._is_coroutine_function
