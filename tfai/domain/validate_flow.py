"""Flow rules with pointers: splits (next: all), JOINs, for_each, CALL targets and cycles, parallel `set`s."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping
from itertools import combinations
from typing import Any

from tfai.domain.problems import Report, did_you_mean, pointer
from tfai.domain.validate_graph import items, task_keys


def _edges(workflow: dict[str, Any], keys: Collection[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {k: [] for k in keys}
    for _, tr in items(workflow.get("transitions")):
        src, dst = tr.get("from"), tr.get("to")
        if isinstance(src, str) and isinstance(dst, str) and src in out and dst in keys:
            out[src].append(dst)
    return out


def _reach(start: str, edges: Mapping[str, list[str]], *, avoid: str | None = None) -> set[str]:
    """Tasks reachable from `start` (itself included), never passing through `avoid`."""
    seen: set[str] = set()
    queue = deque([start])
    while queue:
        key = queue.popleft()
        if key in seen or key == avoid:
            continue
        seen.add(key)
        queue.extend(edges.get(key, ()))
    return seen


def check_flow(workflow: dict[str, Any], report: Report, *, existing_workflows: Collection[str] | None = None,
               existing_calls: Mapping[str, Collection[str]] | None = None) -> None:
    """Every flow rule of one workflow. `existing_workflows`: the company's saved workflow keys (None: unknown, as
    offline; CALL targets are then not checked); `existing_calls`: saved workflow key -> the keys its CALLs name."""
    keys = task_keys(workflow)
    edges = _edges(workflow, keys)
    tasks = {t["key"]: (i, t) for i, t in items(workflow.get("tasks")) if isinstance(t.get("key"), str)}
    incoming: dict[str, int] = dict.fromkeys(keys, 0)
    for targets in edges.values():
        for dst in targets:
            incoming[dst] += 1
    _check_joins(tasks, edges, incoming, report)
    _check_splits(tasks, edges, report)
    _check_for_each(tasks, report)
    _check_calls(workflow, tasks, report, existing_workflows, existing_calls or {})


def _check_joins(tasks: dict[str, tuple[int, dict[str, Any]]], edges: dict[str, list[str]],
                 incoming: dict[str, int], report: Report) -> None:
    joins = [k for k, (_, t) in tasks.items() if t.get("type") == "JOIN"]
    # As the runtime counts it (domain/flow.upstream): tasks that reach the JOIN without passing through it.
    upstream = {j: {k for k in tasks if k != j and _reaches(k, j, edges)} for j in joins}
    for key in joins:
        index, task = tasks[key]
        where = pointer("workflow", "tasks", index)
        arriving = incoming.get(key, 0)
        if arriving < 2:
            report.error(where, "join.too_few_branches",
                         f"The JOIN {key!r} is reached by {arriving} transition(s); a join needs at least two branches")
        spec = task.get("join")
        wait_for = spec.get("wait_for") if isinstance(spec, dict) else None
        if isinstance(wait_for, int) and not isinstance(wait_for, bool) and wait_for > max(arriving, 1):
            report.error(where + "/join/wait_for", "join.wait_for_too_large",
                         f"wait_for is {wait_for} but only {arriving} transition(s) arrive at {key!r}")
        if _reaches(key, key, edges):
            report.warning(where, "join.in_loop",
                           f"The JOIN {key!r} is inside a loop: a branch that loops back arrives in a later round, "
                           "and with wait_for \"all\" the join waits while any task of the loop is running")
    for a, b in combinations(joins, 2):
        if a in upstream[b] and b in upstream[a]:
            report.warning(pointer("workflow", "tasks", tasks[b][0]), "join.deadlock",
                           f"The JOINs {a!r} and {b!r} can each be reached from the other: when branches wait at "
                           "both at once, each waits for the other's (a deadlock; the ticket then needs a move)")


def _reaches(source: str, target: str, edges: Mapping[str, list[str]]) -> bool:
    """Whether `target` can be reached from `source` in one or more steps, never passing through `target`."""
    seen: set[str] = set()
    queue = deque(edges.get(source, ()))
    while queue:
        key = queue.popleft()
        if key == target:
            return True
        if key not in seen:
            seen.add(key)
            queue.extend(edges.get(key, ()))
    return False


def _check_splits(tasks: dict[str, tuple[int, dict[str, Any]]], edges: dict[str, list[str]],
                  report: Report) -> None:
    """A split with one way out, and two parallel branches writing the same workflow field."""
    for key, (index, task) in tasks.items():
        if task.get("next") != "all":
            continue
        targets = list(dict.fromkeys(edges.get(key, ())))
        if len(targets) < 2:
            report.warning(pointer("workflow", "tasks", index, "next"), "split.single_branch",
                           f"{key!r} has next: all but {len(targets)} way(s) out to a task: nothing runs in parallel")
            continue
        regions = {t: _reach(t, edges, avoid=key) for t in targets}
        for a, b in combinations(targets, 2):
            only_a, only_b = regions[a] - regions[b], regions[b] - regions[a]
            for task_key in sorted(only_a):
                written = set(_sets(tasks, task_key))
                for other in sorted(only_b):
                    for field_name in sorted(written & set(_sets(tasks, other))):
                        report.error(pointer("workflow", "tasks", tasks[other][0], "set", field_name),
                                     "set.parallel_conflict",
                                     f"workflow.{field_name} is set by {task_key!r} and {other!r}, which run in "
                                     f"parallel branches of {key!r}: the last to complete would win")


def _sets(tasks: dict[str, tuple[int, dict[str, Any]]], key: str) -> list[str]:
    value = tasks[key][1].get("set") if key in tasks else None
    return [k for k in value if isinstance(k, str)] if isinstance(value, dict) else []


def _check_for_each(tasks: dict[str, tuple[int, dict[str, Any]]], report: Report) -> None:
    for key, (index, task) in tasks.items():
        if task.get("complete_when") is not None and task.get("for_each") is None:
            report.error(pointer("workflow", "tasks", index, "complete_when"), "for_each.complete_when_alone",
                         f"complete_when only counts the instances of a for_each task; {key!r} has no for_each")


def _check_calls(workflow: dict[str, Any], tasks: dict[str, tuple[int, dict[str, Any]]], report: Report,
                 existing: Collection[str] | None, calls: Mapping[str, Collection[str]]) -> None:
    own = workflow.get("key")
    graph: dict[str, set[str]] = {k: set(v) for k, v in calls.items()}
    mine: dict[str, list[int]] = {}
    for _key, (index, task) in tasks.items():
        target = task.get("workflow") if task.get("type") == "CALL" else None
        if isinstance(target, str):
            mine.setdefault(target, []).append(index)
    if isinstance(own, str):
        graph[own] = set(mine)
    for target, indexes in mine.items():
        if existing is not None and target != own and target not in existing:
            for index in indexes:
                report.error(pointer("workflow", "tasks", index, "workflow"), "call.unknown_workflow",
                             f"No workflow {target!r} in this company{did_you_mean(target, existing)}")
        if isinstance(own, str) and own in _reach_calls(target, graph):
            for index in indexes:
                report.error(pointer("workflow", "tasks", index, "workflow"), "call.cycle",
                             f"Calling {target!r} leads back to {own!r}: a workflow may not call itself, directly "
                             "or through others")


def _reach_calls(start: str, graph: Mapping[str, Collection[str]]) -> set[str]:
    seen: set[str] = set()
    queue = deque([start])
    while queue:
        key = queue.popleft()
        if key in seen:
            continue
        seen.add(key)
        queue.extend(graph.get(key, ()))
    return seen
