"""The definition pages' Edit links open the editor at their part of the bundle: pointer → line, and the compiled
JavaScript that puts the cursor there."""

from __future__ import annotations

import json

from tests.fixtures.bundles import example, laptop
from tfai.services.definitions.bundles import render_bundle
from tfai.ui.components.code_editor import code_editor
from tfai.ui.state.definitions_editor import DefinitionsEditorState
from tfai.ui.state.definitions_helpers import pointer_line


def _exported(bundle: dict[str, object]) -> str:
    """The bundle as the editor gets it from ?from=<workflow> (the JSON export)."""
    return render_bundle(bundle, "json")


def _item_line(text: str, key: str) -> int:
    """The line of the `{` opening the list item whose "key" is `key` (its key line comes right after it)."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith(f'"key": "{key}"'))
    assert lines[at - 1].strip() == "{"
    return at  # 1-based number of the line before


def test_a_task_and_a_ticket_type_are_found_by_their_key() -> None:
    bundle = laptop()
    text = _exported(bundle)
    tasks = [t["key"] for t in bundle["workflow"]["tasks"]]  # type: ignore[index]
    assert len(tasks) > 1
    for i, key in enumerate(tasks):
        line = pointer_line(text, f"/workflow/tasks/{key}")
        assert line == _item_line(text, key) == pointer_line(text, f"/workflow/tasks/{i}")
    ticket_type = bundle["ticket_types"][0]["key"]  # type: ignore[index]
    assert pointer_line(text, f"/ticket_types/{ticket_type}") == _item_line(text, ticket_type)
    # Deeper parts of a keyed item, and the workflow itself.
    approve = pointer_line(text, "/workflow/tasks/approve")
    schema = pointer_line(text, "/workflow/tasks/approve/output_schema")
    assert approve is not None and schema is not None and schema > approve
    assert '"output_schema"' in text.splitlines()[schema - 1]
    assert text.splitlines()[(pointer_line(text, "/workflow") or 0) - 1].strip() == '"workflow": {'


def test_an_unknown_key_lands_on_the_list_and_yaml_works_too() -> None:
    text = _exported(example("expense-reimbursement.json"))
    tasks_line = pointer_line(text, "/workflow/tasks")
    assert tasks_line is not None and '"tasks": [' in text.splitlines()[tasks_line - 1]
    assert pointer_line(text, "/workflow/tasks/no-such-task") == tasks_line
    yaml_text = "workflow:\n  tasks:\n    - key: one\n      title: One\n    - title: Two\n      key: two\n"
    assert pointer_line(yaml_text, "/workflow/tasks/two") == 5
    assert pointer_line(yaml_text, "/workflow/tasks/two/title") == 5
    assert pointer_line(yaml_text, "/workflow/tasks/one/title") == 4
    # A list of plain values has no keys: the list itself.
    assert pointer_line(json.dumps({"a": ["x", "y"]}, indent=2), "/a/x") == 2


def test_the_editor_runs_a_compiled_function_on_creation_with_the_line() -> None:
    s = DefinitionsEditorState
    rendered = json.dumps(code_editor(s.seed, on_change=s.set_text, key=s.editor_key, goto_line=s.goto_line).render())
    assert "onCreateEditor:(((line) => (view) =>" in rendered  # a function literal in the bundle, never eval'd
    assert "view.state.doc.line(n)" in rendered and "scrollIntoView(pos" in rendered
    assert "goto_line" in rendered
    plain = json.dumps(code_editor(s.seed, on_change=s.set_text).render())
    assert "onCreateEditor" not in plain
