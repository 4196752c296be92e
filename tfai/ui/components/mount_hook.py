"""Run compiled JavaScript whenever a state value changes to a new one (no server-sent code, so no eval)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars.base import Var
from reflex.vars.function import ArgsFunctionOperation


def on_new_value(key: Var[Any], call: Var[Any], element_id: str) -> rx.Component:
    """Mount a hidden box whose on_mount runs `call` each time `key` takes a new truthy value.

    The key sits on a parent of the memoised box that owns the mount hook, so a new value mounts it afresh.
    """
    return rx.cond(
        key,
        rx.fragment(
            rx.box(display="none", id=element_id,
                   on_mount=rx.call_function(ArgsFunctionOperation.create((), call))),
            key=key,
        ),
    )
