"""A task's flow properties (next, join, timers, timeout, reminders, due, for-each, call) as rows for the pages."""

from __future__ import annotations

from typing import Any

from tfai.domain.task_flow import flow_properties


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def flow_rows(flow: dict[str, Any]) -> list[dict[str, str]]:
    """Label, value and a short form (for tables) of each flow property set; values are plain text."""
    rows: list[dict[str, str]] = []

    def add(label: str, value: str, short: str) -> None:
        rows.append({"label": label, "value": value, "short": short})

    if flow.get("next") == "all":
        add("Next", "all: every true transition starts a parallel branch", "parallel split")
    join = flow.get("join")
    if isinstance(join, dict):
        wait_for = join.get("wait_for", "all")
        what = "every live branch arriving here" if wait_for == "all" else f"the first {_text(wait_for)} branches"
        rest = "; the branches still running are then cancelled" if join.get("cancel_rest") is True else ""
        add("Join", f"waits for {what}{rest}", f"join: {_text(wait_for)}" + (", cancel rest" if rest else ""))
    if "wait" in flow:
        add("Timer", f"completes {_text(flow['wait'])} after it starts", f"wait {_text(flow['wait'])}")
    if "until" in flow:
        add("Timer until", _text(flow["until"]), "until …")
    timeout = flow.get("timeout")
    if isinstance(timeout, dict):
        after, to = _text(timeout.get("after")), _text(timeout.get("to"))
        add("Timeout", f"after {after} the task is cancelled and continues at {to}", f"timeout {after} → {to}")
    remind = flow.get("remind")
    if isinstance(remind, dict):
        every, times = _text(remind.get("every")), _text(remind.get("times"))
        add("Reminders", f"every {every}, at most {times} times", f"remind {every} ×{times}")
    if "due" in flow:
        add("Due", f"{_text(flow['due'])} after it starts", f"due {_text(flow['due'])}")
    if "for_each" in flow:
        add("For each", _text(flow["for_each"]), "for each")
        when = flow.get("complete_when") or "all"
        add("Complete when", "all instances completed" if when == "all" else f"{_text(when)} instances completed",
            f"complete when {_text(when)}")
    if "workflow" in flow:
        version = flow.get("version") or "latest"
        shown = "latest version" if version == "latest" else f"v{_text(version)}"
        add("Calls", f"{_text(flow['workflow'])} ({shown})", f"calls {_text(flow['workflow'])}")
    if "input" in flow:
        add("Call input", _text(flow["input"]), "")
    return rows


def flow_summary(task: Any) -> str:
    """The short forms of a task dict's flow properties joined with ' · ' (empty for a plain task)."""
    return " · ".join(r["short"] for r in flow_rows(flow_properties(task)) if r["short"])
