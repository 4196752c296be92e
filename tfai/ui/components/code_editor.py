"""A code editor with JSON/YAML syntax highlighting: @uiw/react-codemirror wrapped as a Reflex component.

The editor is uncontrolled while typing: `seed` is only the text it starts from (change it together
with `key` to load new text), and `on_change` reports the text (debounce it on the event). Feeding
the debounced text back as the value would roll back keystrokes typed in between. `goto_line`, set together with
`seed` and `key`, puts the cursor on that line of the new text and scrolls it into view (compiled JavaScript run
when the editor is created: no eval).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventHandler, passthrough_event_spec
from reflex_base.utils.imports import ImportDict, ImportVar
from reflex_base.vars.base import Var
from reflex_base.vars.function import FunctionStringVar

_JSON: Var[Any] = Var(_js_expr="[cmJson()]")
_YAML: Var[Any] = Var(_js_expr="[cmYaml()]")
# onCreateEditor(view) for a 1-based line: the cursor at its first non-blank character, the line scrolled near the
# editor's top, the editor focused.
# `view.constructor` is CodeMirror's EditorView (its static scrollIntoView makes the effect) without importing it.
GOTO_LINE: FunctionStringVar[Any] = FunctionStringVar.create(
    "((line) => (view) => { const n = Number(line); if (!(n >= 1 && n <= view.state.doc.lines)) return;"
    " const l = view.state.doc.line(n); const pos = l.from + l.text.length - l.text.trimStart().length;"
    " view.dispatch({selection: {anchor: pos},"
    " effects: view.constructor.scrollIntoView(pos, {y: 'start', yMargin: 60})});"
    " view.focus(); })"
)


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
    on_create_editor: rx.Var[Any]  # a plain JavaScript function (view, state) => void, not a Reflex event

    def add_imports(self) -> ImportDict:
        return {"@codemirror/lang-json": [ImportVar(tag="json", alias="cmJson")],
                "@codemirror/lang-yaml": [ImportVar(tag="yaml", alias="cmYaml")]}


def code_editor(seed: Any, *, on_change: Any, yaml: Any = False, key: Any = None, height: str = "460px",
                goto_line: Any = None, **props: Any) -> rx.Component:
    """A bordered JSON (or YAML when `yaml` is true) editor starting from `seed` (at `goto_line` when given)."""
    extra = {} if goto_line is None else {"on_create_editor": GOTO_LINE.call(goto_line)}
    editor = CodeMirror.create(
        value=seed, on_change=on_change, height=height, extensions=rx.cond(yaml, _YAML, _JSON),
        placeholder="Paste or type a tfai.bundle/v1 document (JSON or YAML)", key=key, **extra,
    )
    return rx.box(editor, border="1px solid var(--gray-a6)", border_radius="var(--radius-2)", overflow="hidden",
                  width="100%", font_size="13px", **props)
