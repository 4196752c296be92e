"""The flow properties of a task (issue 21's additions to tfai.bundle/v1) and reading them from a task dict."""

from __future__ import annotations

from typing import Any

# In the bundle format's order; pages, the diagram and the assistant's context show these besides the classic ones.
FLOW_PROPERTIES = ("next", "join", "wait", "until", "timeout", "remind", "due", "for_each", "complete_when",
                   "workflow", "version", "input")


def flow_properties(task: Any) -> dict[str, Any]:
    """The flow properties a task dict sets (null values and a non-dict task give nothing)."""
    if not isinstance(task, dict):
        return {}
    return {k: task[k] for k in FLOW_PROPERTIES if task.get(k) is not None}
