"""`{{ASK: ...}}` placeholders: where a proposal still needs a value only the designer knows."""

from __future__ import annotations

import copy
import re
from typing import Any

from tfai.domain.problems import join_pointer

PLACEHOLDER = re.compile(r"\{\{\s*ASK\s*:\s*(.*?)\s*\}\}", re.DOTALL)
PROBE_URL = "https://placeholder.example.com/ask"


def find_placeholders(document: Any) -> list[dict[str, str]]:
    """Every placeholder in a document: {"path": JSON pointer of the string, "question": what is needed}."""
    found: list[dict[str, str]] = []
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            stack.extend((value, join_pointer(where, str(key))) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((v, join_pointer(where, i)) for i, v in enumerate(node))
        elif isinstance(node, str):
            found.extend({"path": where, "question": m.group(1)} for m in PLACEHOLDER.finditer(node))
    return sorted(found, key=lambda p: p["path"])


def probe(document: Any) -> Any:
    """A copy to validate: an action_url that is a placeholder becomes a neutral https URL."""
    doc = copy.deepcopy(document)
    workflow = doc.get("workflow") if isinstance(doc, dict) else None
    tasks = workflow.get("tasks") if isinstance(workflow, dict) else None
    for task in tasks if isinstance(tasks, list) else []:
        url = task.get("action_url") if isinstance(task, dict) else None
        if isinstance(url, str) and PLACEHOLDER.search(url):
            task["action_url"] = PROBE_URL
    return doc


def at_placeholder(path: str, placeholders: list[dict[str, str]]) -> bool:
    """True when a problem's pointer is a placeholder's string (the designer will fill it in)."""
    return any(path == p["path"] for p in placeholders)
