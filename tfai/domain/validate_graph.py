"""Keys, references and the transition graph: unique keys, known tasks, reachability, no trap cycles."""

from __future__ import annotations

from collections import deque
from typing import Any

from tfai.domain.problems import Report, did_you_mean, pointer


def items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The (index, item) pairs of a list that are objects; anything else yields nothing."""
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def task_keys(workflow: dict[str, Any]) -> dict[str, int]:
    """Task key -> index of its first occurrence."""
    keys: dict[str, int] = {}
    for i, task in items(workflow.get("tasks")):
        key = task.get("key")
        if isinstance(key, str) and key not in keys:
            keys[key] = i
    return keys


def check_keys(bundle: dict[str, Any], report: Report) -> None:
    """Unique task keys, workflow field names and ticket type keys."""
    workflow = bundle.get("workflow")
    if isinstance(workflow, dict):
        _unique(workflow.get("tasks"), "key", ("workflow", "tasks"), "task.duplicate_key", report)
        _unique(workflow.get("fields"), "name", ("workflow", "fields"), "workflow.duplicate_field", report)
    _unique(bundle.get("ticket_types"), "key", ("ticket_types",), "ticket_type.duplicate_key", report)


def _unique(value: Any, attr: str, base: tuple[str, ...], code: str, report: Report) -> None:
    seen: dict[str, int] = {}
    for i, item in items(value):
        key = item.get(attr)
        if not isinstance(key, str):
            continue
        if key in seen:
            report.error(pointer(*base, i, attr), code, f"{attr} {key!r} is already used by item {seen[key]}")
        else:
            seen[key] = i


def check_graph(workflow: dict[str, Any], report: Report) -> None:
    """start exists, transitions name existing tasks, every task reachable, an end reachable from each."""
    keys = task_keys(workflow)
    start = workflow.get("start")
    if isinstance(start, str) and keys and start not in keys:
        report.error(
            pointer("workflow", "start"),
            "workflow.unknown_start",
            f"No task {start!r}{did_you_mean(start, keys)}",
        )
    edges: dict[str, list[str | None]] = {k: [] for k in keys}
    for i, tr in items(workflow.get("transitions")):
        src, dst = tr.get("from"), tr.get("to")
        ok = True
        for attr, ref in (("from", src), ("to", dst)):
            if isinstance(ref, str) and ref not in keys:
                ok = False
                report.error(
                    pointer("workflow", "transitions", i, attr),
                    "transition.unknown_task",
                    f"No task {ref!r}{did_you_mean(ref, keys)}",
                )
        if ok and isinstance(src, str) and (dst is None or isinstance(dst, str)):
            edges[src].append(dst)
    for _, task in items(workflow.get("tasks")):  # a boundary timeout is a way on too (its `to` is checked elsewhere)
        timeout = task.get("timeout")
        to = timeout.get("to") if isinstance(timeout, dict) else None
        if isinstance(task.get("key"), str) and task["key"] in edges and isinstance(to, str) and to in keys:
            edges[task["key"]].append(to)
    _check_transitions_order(workflow, keys, report)
    if not isinstance(start, str) or start not in keys:
        return
    reachable = _reachable(start, edges)
    for key, index in keys.items():
        if key not in reachable:
            report.error(
                pointer("workflow", "tasks", index),
                "graph.unreachable",
                f"Task {key!r} cannot be reached from the start task {start!r}",
            )
    can_end = _can_end(edges)
    for key, index in keys.items():
        if key not in can_end:
            report.error(
                pointer("workflow", "tasks", index),
                "graph.no_end",
                f"From task {key!r} the workflow can never end (a cycle without a way out)",
            )


def _reachable(start: str, edges: dict[str, list[str | None]]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in edges.get(queue.popleft(), []):
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _can_end(edges: dict[str, list[str | None]]) -> set[str]:
    """Tasks from which some path reaches an end (no outgoing transitions, or `to: null`)."""
    done = {k for k, outs in edges.items() if not outs or None in outs}
    changed = True
    while changed:
        changed = False
        for key, outs in edges.items():
            if key not in done and any(o in done for o in outs):
                done.add(key)
                changed = True
    return done


def _check_transitions_order(workflow: dict[str, Any], keys: dict[str, int], report: Report) -> None:
    """Warn when every outgoing transition is conditional, and when a transition can never fire."""
    parallel = {t["key"] for _, t in items(workflow.get("tasks")) if isinstance(t.get("key"), str)
                and t.get("next") == "all"}
    by_task: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for i, tr in items(workflow.get("transitions")):
        if isinstance(tr.get("from"), str) and tr["from"] in keys:
            by_task.setdefault(tr["from"], []).append((i, tr))
    for key, outs in by_task.items():
        ordered = sorted(outs, key=lambda pair: -_priority(pair[1]))
        if all(isinstance(tr.get("condition"), str) for _, tr in outs):
            report.warning(
                pointer("workflow", "tasks", keys[key]),
                "graph.conditions_incomplete",
                f"Every transition out of {key!r} has a condition; when none is true the workflow holds. "
                "Add a transition without a condition as a fallback.",
            )
        fallback = next((i for i, tr in ordered if tr.get("condition") is None), None)
        if fallback is None or key in parallel:  # after next: all every true transition fires
            continue
        position = [i for i, _ in ordered].index(fallback)
        for i, _ in ordered[position + 1 :]:
            report.warning(
                pointer("workflow", "transitions", i),
                "transition.shadowed",
                f"This transition never fires: transition {fallback} from {key!r} has no condition and is tried first",
            )


def _priority(tr: dict[str, Any]) -> int:
    value = tr.get("priority", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
