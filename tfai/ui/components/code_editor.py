"""A code editor with JSON/YAML syntax highlighting: @uiw/react-codemirror wrapped as a Reflex component.

The editor is uncontrolled while typing: `seed` is only the text it starts from (change it together
with `key` to load new text), and `on_change` reports the text (debounce it on the event). Feeding
the debounced text back as the value would roll back keystrokes typed in between.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventHandler, passthrough_event_spec
from reflex_base.utils.imports import ImportDict, ImportVar
from reflex_base.vars.base import Var

_JSON: Var[Any] = Var(_js_expr="[cmJson()]")
_YAML: Var[Any] = Var(_js_expr="[cmYaml()]")


class CodeMirror(rx.Component):
    """The React CodeMirror 6 editor."""

    library = "@uiw/react-codemirror@4.25.12"
    tag = "CodeMirror"
    is_default = True
    lib_dependencies: list[str] = [  # noqa: RUF012 - Reflex reads it as a class attribute
        "@codemirror/lang-json@6.0.2", "@codemirror/lang-yaml@6.1.3", "@codemirror/state@6.7.6",
        "@codemirror/view@6.43.15", "codemirror@6.0.2", "@codemirror/theme-one-dark@6.1.3",
    ]

    value: rx.Var[str]
    height: rx.Var[str]
    min_height: rx.Var[str]
    max_height: rx.Var[str]
    editable: rx.Var[bool]
    placeholder: rx.Var[str]
    extensions: rx.Var[list[Any]]
    on_change: EventHandler[passthrough_event_spec(str)]  # type: ignore[type-arg,valid-type]

    def add_imports(self) -> ImportDict:
        return {"@codemirror/lang-json": [ImportVar(tag="json", alias="cmJson")],
                "@codemirror/lang-yaml": [ImportVar(tag="yaml", alias="cmYaml")]}


def code_editor(seed: Any, *, on_change: Any, yaml: Any = False, key: Any = None, height: str = "460px",
                **props: Any) -> rx.Component:
    """A bordered JSON (or YAML when `yaml` is true) editor starting from `seed`."""
    editor = CodeMirror.create(
        value=seed, on_change=on_change, height=height, extensions=rx.cond(yaml, _YAML, _JSON),
        placeholder="Paste or type a tfai.bundle/v1 document (JSON or YAML)", key=key,
    )
    return rx.box(editor, border="1px solid var(--gray-a6)", border_radius="var(--radius-2)", overflow="hidden",
                  width="100%", font_size="13px", **props)
