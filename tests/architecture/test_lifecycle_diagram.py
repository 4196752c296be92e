"""docs/architecture.md shows the state machines as lifecycle.py defines them (the diagram is generated)."""

from __future__ import annotations

import pytest

from tfai.clitools import lifecycle_diagram as diagram
from tfai.domain.lifecycle import TASK_TRANSITIONS, WORKFLOW_TRANSITIONS


def test_the_documented_diagram_is_the_generated_one() -> None:
    document = diagram.DOC.read_text(encoding="utf-8")
    assert diagram.render(document) == document, "run: python -m tfai.clitools.lifecycle_diagram --write"
    assert diagram.main([]) == 0


def test_every_transition_is_an_arrow() -> None:
    def arrows(text: str) -> dict[str, list[str]]:
        found = {}
        for line in text.splitlines()[1:]:
            edge, _, labels = line.strip().partition(": ")
            found[edge] = labels.split(", ")
        return found

    tasks, workflows = arrows(diagram.mermaid(TASK_TRANSITIONS)), arrows(diagram.mermaid(WORKFLOW_TRANSITIONS))
    for (event, source), target in TASK_TRANSITIONS.items():
        assert event.value in tasks[f"{source.value if source else '[*]'} --> {target.value}"]
    for (wevent, wsource), wtarget in WORKFLOW_TRANSITIONS.items():
        assert wevent.value in workflows[f"{wsource.value if wsource else '[*]'} --> {wtarget.value}"]


def test_a_stale_document_is_refused() -> None:
    document = diagram.DOC.read_text(encoding="utf-8")
    stale = document.replace("OPEN --> IN_PROGRESS: start", "OPEN --> COMPLETED: start")
    assert diagram.render(stale) == document != stale
    with pytest.raises(ValueError):
        diagram.render("no markers here")
