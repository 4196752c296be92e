"""The one guard of the UI: handlers get the actor from the session, or the visitor is sent to login (or home)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar, cast
from urllib.parse import urlencode

import reflex as rx
from reflex.event import EventSpec

from tfai.domain import policy
from tfai.domain.policy import Action, Actor
from tfai.ui.state import toast
from tfai.ui.state.auth import HOME_ROUTE, LOGIN_ROUTE

S = TypeVar("S")
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Gate:
    """A workspace only some roles may use: the action the policy must allow, and what the others are told."""

    action: Action
    refusal: str


DESIGNER = Gate(Action.DEFINITION_READ, "The definitions workspace is for workflow creators and admins.")
ASSISTANT = Gate(Action.ASSISTANT_USE, "The assistant is for workflow creators and admins.")
STAFF_CONSOLE = Gate(Action.STAFF_CONSOLE,
                     "The staff console is for Ticketflower staff (outside any customer company).")
STAFF_ACCESS = Gate(Action.AUDIT_READ, "Staff access is for company admins.")


def _to_login(state: Any) -> EventSpec:
    """Redirect to the login page, coming back to the current page afterwards."""
    path = state.router.url.path if state.router is not None else ""
    target = LOGIN_ROUTE + ("?" + urlencode({"next": path}) if path and path != LOGIN_ROUTE else "")
    return rx.redirect(target, replace=True)


async def admit(state: Any, gate: Gate | None = None) -> tuple[Actor | None, Any]:
    """The actor of an AuthState's session when `gate` lets them in; else None and the events sending them away.

    Handlers use `guarded`; only background events call this directly, inside `async with self`."""
    actor = await state._guard()
    if actor is None:
        return None, _to_login(state)
    if gate is not None and not policy.allowed(actor, gate.action):
        return None, [toast.warning(gate.refusal), rx.redirect(HOME_ROUTE, replace=True)]
    return actor, None


def guarded(gate: Gate | None = None) -> Callable[[Callable[Concatenate[S, Actor, P], R]],
                                                 Callable[Concatenate[S, P], R]]:
    """Decorate an async method (event handler or helper) of an AuthState taking `actor` after `self`.

    The decorated method takes the other arguments only: it admits the visitor first and passes the actor on, or
    returns (yields, for an async generator) the redirect without running the body. Reflex reads the signature
    without `actor`, so the browser can never supply one."""

    def decorate(fn: Callable[Concatenate[S, Actor, P], R]) -> Callable[Concatenate[S, P], R]:
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())
        if len(params) < 2 or params[1].name != "actor":
            raise TypeError(f"{fn.__qualname__}: a guarded method takes `actor` right after `self`")
        if inspect.isasyncgenfunction(fn):
            async def steps(self: Any, *args: Any, **kwargs: Any) -> Any:
                actor, away = await admit(self, gate)
                if actor is None:
                    yield away
                    return
                async for step in cast(Any, fn)(self, actor, *args, **kwargs):
                    yield step
            wrapper: Any = steps
        elif inspect.iscoroutinefunction(fn):
            async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
                actor, away = await admit(self, gate)
                if actor is None:
                    return away
                return await cast(Any, fn)(self, actor, *args, **kwargs)
            wrapper = call
        else:
            raise TypeError(f"{fn.__qualname__}: only async methods can be guarded")
        functools.update_wrapper(wrapper, fn)
        wrapper.__signature__ = sig.replace(parameters=[params[0], *params[2:]])
        wrapper.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k != "actor"}
        return cast(Callable[Concatenate[S, P], R], wrapper)

    return decorate
