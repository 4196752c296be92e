"""The engine glue: create and complete tasks, hand actions to the outbox, fail and hold, in the caller's transaction.

Every status change goes through `set_task_status` / `set_workflow_status`: the lifecycle (tfai.domain.lifecycle)
decides the next status or refuses the event; these functions only write it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.tables import Outbox, TaskDefinition, TaskInstance, TaskType, TicketInstance, WorkflowInstance
from tfai.db.tables.common import utcnow
from tfai.domain import flow
from tfai.domain.bundle import Task, Workflow
from tfai.domain.durations import parse_duration
from tfai.domain.engine import initial_workflow_data
from tfai.domain.errors import Conflict, NotFound
from tfai.domain.expressions import ExpressionError
from tfai.domain.lifecycle import (
    ACTIVE_TASK,
    ACTIVE_WORKFLOW,
    COUNTED_TASK,
    TaskEvent,
    TaskStatus,
    WorkflowEvent,
    WorkflowStatus,
    next_task_status,
    next_workflow_status,
    sql_in,
    sql_value,
)
from tfai.domain.limits import MAX_CALL_DEPTH, MAX_REASON
from tfai.domain.policy import Actor
from tfai.observability import metrics
from tfai.services.common import audit, tenant_code
from tfai.services.definitions import _cache
from tfai.services.definitions._store import current_workflow, workflow_version
from tfai.services.outbox import _publish
from tfai.services.workflow import _scope, _timers
from tfai.services.workflow._assignment import assign_task_email, counted_owner, release_load

# The tasks' rows are locked first (lock order: tasks, company lock, users), then the assignees' counters drop.
_CANCEL = text(f"""
WITH old AS (SELECT id, company_id, assigned_to, t_status IN {sql_in(COUNTED_TASK)} AS counted
               FROM task_instances WHERE workflow_instance_id = :wid
                AND t_status IN {sql_in(ACTIVE_TASK)} FOR UPDATE)
UPDATE task_instances t SET t_status = {sql_value(TaskStatus.CANCELLED)}, completed_at = now()
  FROM old WHERE t.id = old.id
RETURNING old.company_id, old.assigned_to, old.counted
""")


def set_task_status(task: TaskInstance, event: TaskEvent) -> None:
    """Move a task on `event` (IllegalTransition, a Conflict, when its status does not allow it)."""
    task.t_status = next_task_status(task.t_status, event)


def set_workflow_status(wi: WorkflowInstance, event: WorkflowEvent, *, reason: str | None = None) -> None:
    """Move a workflow on `event`: a hold keeps its reason people can read, any other event clears it."""
    wi.w_status = next_workflow_status(wi.w_status, event)
    if wi.w_status == WorkflowStatus.ON_HOLD:
        wi.hold_reason = (reason or "")[:MAX_REASON] or None
    elif wi.w_status != WorkflowStatus.CANCELLED:  # a cancelled ticket keeps why it was held
        wi.hold_reason = None
    wi.updated_at = utcnow()
    if wi.w_status not in ACTIVE_WORKFLOW:
        wi.completed_at = wi.updated_at


async def lock_task(session: AsyncSession, task_id: int) -> TaskInstance | None:
    """The task row locked until the transaction ends (None when missing or another company's)."""
    stmt = select(TaskInstance).where(col(TaskInstance.id) == task_id).with_for_update()
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalars().first()


async def lock_workflow(session: AsyncSession, workflow_instance_id: int) -> WorkflowInstance:
    stmt = select(WorkflowInstance).where(col(WorkflowInstance.id) == workflow_instance_id).with_for_update()
    wi = (await session.execute(stmt.execution_options(populate_existing=True))).scalars().first()
    if wi is None:
        raise NotFound("Workflow not found")
    return wi


async def touch_ticket(session: AsyncSession, workflow_instance_id: int) -> None:
    await session.execute(update(TicketInstance).where(col(TicketInstance.workflow_instance_id) == workflow_instance_id)
                          .values(updated_at=utcnow()))


def enqueue_action(session: AsyncSession, task: TaskInstance, task_def: TaskDefinition) -> None:
    """Hand a waiting (PENDING) action task to the runner: an outbox row in this transaction."""
    assert task.id is not None and task.t_status == TaskStatus.PENDING
    kind = "sync" if task_def.t_type == TaskType.SYNC_ACTION else "async"
    session.add(Outbox(company_id=task.company_id, task_instance_id=task.id, kind=kind))
    _publish.publish_after_commit(session, task.company_id, task.id)


@dataclass(frozen=True)
class Created:
    """A task just created, and the email of whom it was assigned to in this transaction (None: not assigned)."""

    task: TaskInstance
    assignee_email: str | None = None


async def create_task(session: AsyncSession, company_id: int, workflow_instance: WorkflowInstance,
                      task_def: TaskDefinition, *, release: int | None = None) -> Created:
    """Create the next task of a running workflow (the ticket's or a CALL's child): FORM assigned (or PENDING),
    actions PENDING with an outbox row, a TIMER PENDING (its timer fires it), a CALL PENDING with its child workflow
    started, a FORM with `for_each` one instance per item, a JOIN reached (an arrival of no branch).

    When the input transform fails the task fails at once and the workflow holds. `release`: a user whose
    open-task counter drops by one (the assignee of the task just completed) just before the new task is assigned.
    """
    assert workflow_instance.id is not None and task_def.id is not None
    root_id = await _scope.ticket_workflow_id(session, workflow_instance)
    if task_def.t_type == TaskType.JOIN:  # a move or a timeout to a JOIN: it completes once nothing can arrive
        await release_load(session, company_id, [release])
        join = await _arrive(session, root_id, workflow_instance, task_def, from_key=None)
        await settle_scope(session, root_id, workflow_instance)
        return Created(join)
    version = await _cache.workflow_version(session, company_id, workflow_instance.workflow_definition_id)
    spec = version.model.task(task_def.key)
    if task_def.t_type == TaskType.FORM and spec is not None and spec.for_each:
        return await _create_group(session, root_id, workflow_instance, task_def, spec.for_each, spec.complete_when,
                                   release=release)
    task = _new_task(root_id, workflow_instance, task_def)
    try:
        task.input_data = await tenant_code.task_input(task_def.input_transform, workflow_instance.workflow_data or {})
    except ExpressionError as exc:
        await _cannot_start(session, task, workflow_instance, task_def, exc.message, release=release)
        return Created(task)
    session.add(task)
    await session.flush()  # everything pending is written before the company lock is taken (last, and short)
    if task_def.t_type == TaskType.CALL:
        await release_load(session, company_id, [release])
        await _start_child(session, task, workflow_instance, task_def, spec)
        return Created(task)
    if task_def.t_type == TaskType.TIMER:  # PENDING until its timer fires and completes it with {"fired_at": ...}
        await _schedule_timer_task(session, task, workflow_instance, task_def, spec)
        await release_load(session, company_id, [release])
        return Created(task)
    await schedule_boundary(session, task, spec)
    if task_def.t_type != TaskType.FORM:
        enqueue_action(session, task, task_def)
        await session.flush()
        await release_load(session, company_id, [release])
        return Created(task)
    await release_load(session, company_id, [release])
    got = await assign_task_email(session, company_id, task)
    return Created(task, got[1] if got is not None else None)


async def _schedule_timer_task(session: AsyncSession, task: TaskInstance, wi: WorkflowInstance,
                               task_def: TaskDefinition, spec: Task | None) -> None:
    """A TIMER task's timer: now + `wait`, or at its `until` timestamp (a past one fires at once). An `until` that
    cannot be computed fails the task and holds the workflow."""
    assert task.id is not None
    try:
        if spec is not None and spec.until:
            due = await tenant_code.until_time(spec.until, wi.workflow_data or {}, input=task.input_data)
        else:
            due = datetime.now(UTC) + parse_duration(spec.wait if spec else None)
    except (ExpressionError, ValueError) as exc:
        await _cannot_start(session, task, wi, task_def, getattr(exc, "message", None) or str(exc), release=None,
                            what="Computing when the timer fires")
        return
    await _timers.schedule(session, company_id=task.company_id, workflow_instance_id=task.workflow_instance_id,
                           task_instance_id=task.id, kind=_timers.TASK_TIMER, due_at=due)


async def schedule_boundary(session: AsyncSession, task: TaskInstance, spec: Task | None, *,
                            times_out: bool = True) -> None:
    """A waiting task's timers (FORM, ASYNC_ACTION): its `timeout` (unless `times_out` is False: a for_each group's
    other instances, the group times out once), the first `remind`, and a FORM's `due` (due_at, and an `overdue`
    event for its assignee then). Durations were checked when the bundle was saved."""
    if spec is None or task.id is None:
        return
    now = datetime.now(UTC)
    where: dict[str, Any] = {"company_id": task.company_id, "workflow_instance_id": task.workflow_instance_id,
                             "task_instance_id": task.id}
    if times_out and spec.timeout is not None:
        await _timers.schedule(session, **where, kind=_timers.TIMEOUT, due_at=now + parse_duration(spec.timeout.after),
                               payload={"after": spec.timeout.after, "to": spec.timeout.to})
    if spec.remind is not None:
        await _timers.schedule(session, **where, kind=_timers.REMIND, due_at=now + parse_duration(spec.remind.every),
                               payload={"every": spec.remind.every, "times": spec.remind.times})
    if spec.due is not None and spec.type == "FORM":
        task.due_at = now + parse_duration(spec.due)
        session.add(task)
        await _timers.schedule(session, **where, kind=_timers.DUE, due_at=task.due_at)


def _new_task(root_id: int, wi: WorkflowInstance, task_def: TaskDefinition) -> TaskInstance:
    assert task_def.id is not None
    return TaskInstance(company_id=wi.company_id, workflow_instance_id=root_id,
                        call_workflow_id=wi.id if wi.parent_task_instance_id is not None else None,
                        task_definition_id=task_def.id, t_status=next_task_status(None, TaskEvent.CREATE))


async def _cannot_start(session: AsyncSession, task: TaskInstance, wi: WorkflowInstance, task_def: TaskDefinition,
                        message: str, *, release: int | None, what: str = "Computing the input") -> None:
    """A task that could not start fails at once and its workflow holds (the ticket too, for a child)."""
    set_task_status(task, TaskEvent.FAIL)
    task.error = f"{what} failed: {message}"[:MAX_REASON]
    session.add(task)
    await _hold(session, wi, f"Task '{task_def.title}' could not start: {message}")
    await session.flush()
    await release_load(session, wi.company_id, [release])


async def _hold(session: AsyncSession, wi: WorkflowInstance, reason: str) -> None:
    """Hold a running workflow; a CALL's child also holds its ticket, so people see it."""
    if wi.w_status in ACTIVE_WORKFLOW:
        set_workflow_status(wi, WorkflowEvent.AUTO_HOLD, reason=reason)
        session.add(wi)
    if wi.parent_task_instance_id is not None:
        root = await lock_workflow(session, await _scope.ticket_workflow_id(session, wi))
        if root.w_status in ACTIVE_WORKFLOW:
            set_workflow_status(root, WorkflowEvent.AUTO_HOLD, reason=f"In a called workflow: {reason}")
            session.add(root)


async def _create_group(session: AsyncSession, root_id: int, wi: WorkflowInstance, task_def: TaskDefinition,
                        for_each: str, complete_when: Any, *, release: int | None) -> Created:
    """A for_each FORM task: one instance per item (`item`, `index` in its input scope; without an input transform
    its input is {item, index}), each assigned on its own; no items completes the task at once with []."""
    data = wi.workflow_data or {}
    probe = _new_task(root_id, wi, task_def)
    try:
        items = await tenant_code.task_items(for_each, data)
        if complete_when not in (None, "all") and int(complete_when) > len(items):
            raise ExpressionError(f"complete_when is {complete_when} but for_each gave {len(items)} items",
                                  reason="limit", expression=for_each)
    except ExpressionError as exc:
        await _cannot_start(session, probe, wi, task_def, exc.message, release=release)
        return Created(probe)
    if not items:
        probe.group_id, probe.item_index = None, None
        session.add(probe)
        await session.flush()
        await release_load(session, wi.company_id, [release])
        await _complete_internal(session, root_id, wi, probe, [], input_data=None)
        return Created(probe)
    tasks: list[TaskInstance] = []
    for index, item in enumerate(items):
        task = _new_task(root_id, wi, task_def)
        task.item_index = index
        try:
            task.input_data = await tenant_code.task_input(task_def.input_transform, data,
                                                           extra={"item": item, "index": index}) \
                if task_def.input_transform else {"item": item, "index": index}
        except ExpressionError as exc:
            session.add_all(tasks)
            await session.flush()
            _group(tasks + [task])
            await _cannot_start(session, task, wi, task_def, exc.message, release=release)
            return Created(tasks[0] if tasks else task)
        tasks.append(task)
    session.add_all(tasks)
    await session.flush()
    _group(tasks)
    await session.flush()
    version = await _cache.workflow_version(session, wi.company_id, wi.workflow_definition_id)
    for task in tasks:  # the group times out once (its first instance's timer interrupts the whole group)
        await schedule_boundary(session, task, version.model.task(task_def.key), times_out=task is tasks[0])
    await release_load(session, wi.company_id, [release])
    emails = [await assign_task_email(session, wi.company_id, task) for task in tasks]
    return Created(tasks[0], emails[0][1] if emails[0] is not None else None)


def _group(tasks: list[TaskInstance]) -> None:
    leader = next(t.id for t in tasks if t.id is not None)
    for task in tasks:
        task.group_id = leader


async def _start_child(session: AsyncSession, task: TaskInstance, parent: WorkflowInstance,
                       task_def: TaskDefinition, spec: Task | None) -> None:
    """A CALL task starts its child workflow (same company, no ticket): `input` gives its ticket data."""
    failure: str | None = None
    child_def = None
    if spec is None or spec.workflow is None:
        failure = "the CALL names no workflow"
    elif parent.call_depth + 1 > MAX_CALL_DEPTH:
        failure = f"calls nest deeper than {MAX_CALL_DEPTH} workflows"
    else:
        child_def = await (current_workflow(session, spec.workflow) if spec.version in (None, "latest")
                           else workflow_version(session, spec.workflow, int(spec.version or 0)))
        if child_def is None:
            failure = f"no workflow {spec.workflow!r}" + ("" if spec.version in (None, "latest")
                                                          else f" version {spec.version}")
    ticket: dict[str, Any] = {}
    if failure is None:
        try:
            ticket = await tenant_code.child_ticket(spec.input if spec else None, parent.workflow_data or {})
        except ExpressionError as exc:
            failure = exc.message
    if failure is not None or child_def is None or child_def.id is None:
        await _cannot_start(session, task, parent, task_def, failure or "no workflow", release=None)
        return
    version = await _cache.workflow_version(session, task.company_id, child_def.id)
    child = WorkflowInstance(company_id=task.company_id, workflow_definition_id=child_def.id,
                             w_status=next_workflow_status(None, WorkflowEvent.START),
                             workflow_data=initial_workflow_data(version.model, ticket),
                             parent_task_instance_id=task.id, call_depth=parent.call_depth + 1)
    session.add(child)
    await session.flush()
    start = version.tasks.get(child_def.start_task_key)
    if start is None:
        await _cannot_start(session, task, parent, task_def, f"workflow {child_def.key!r} has no start task",
                            release=None)
        return
    await create_task(session, task.company_id, child, start)


@dataclass(frozen=True)
class Advanced:
    """What completing a task led to: the next task (None at an end, a hold, or while a branch, join or group
    still waits) and the updated ticket workflow."""

    next_task: TaskInstance | None
    workflow: WorkflowInstance


async def advance(session: AsyncSession, actor: Actor | None, task: TaskInstance,
                  output: Any) -> Advanced:
    """Complete a locked task with `output` and advance its workflow.

    The caller holds the task row lock (lock_task) and has checked who may complete it. The output is checked
    against the output schema here, once, before anything is written (InvalidInput with per-field details).
    Every completion locks the ticket's workflow row first, so completions of parallel branches serialise: a
    join's arrivals and a for_each group's count are read and written by one transaction at a time.
    """
    done = next_task_status(task.t_status, TaskEvent.COMPLETE)
    task_def = await _cache.task_definition(session, task.company_id, task.task_definition_id)
    await tenant_code.check_data(task_def.output_schema, output, what="output")
    root = await lock_workflow(session, task.workflow_instance_id)
    if root.w_status not in ACTIVE_WORKFLOW:
        raise Conflict(f"The workflow is {root.w_status.value}")
    if root.w_status == WorkflowStatus.ON_HOLD and task_def.t_type == TaskType.FORM:
        raise Conflict("The ticket is on hold; resume it first")
    wi = root if task.call_workflow_id is None else await lock_workflow(session, task.call_workflow_id)
    before = task.t_status.value
    released = counted_owner(task.t_status, task.assigned_to)
    task.t_status, task.output_data, task.completed_at, task.error = done, output, utcnow(), None
    task.completed_by = actor.user_id if actor is not None and actor.staff is None else None
    session.add(task)
    await _timers.cancel_for_task(session, task.id or 0)
    await touch_ticket(session, root.id or 0)
    await release_load(session, task.company_id, [released])
    followed: Followed | None = None
    if wi.w_status in ACTIVE_WORKFLOW:
        followed = await _after(session, root.id or 0, wi, task, task_def, output)
    await session.flush()
    await audit.record(session, actor, company_id=task.company_id, entity="task", entity_id=task.id or 0,
                       action="completed", before={"status": before},
                       after={"status": done.value, "output": output,
                              "decision": followed.decision if followed else None,
                              "next_task": followed.next_task.id if followed and followed.next_task else None,
                              "workflow_status": root.w_status.value})
    metrics.inc("tasks_completed_total")
    return Advanced(followed.next_task if followed else None, root)


@dataclass(frozen=True)
class Followed:
    """What a completion led to: the decision (as recorded in the audit log) and the first task it created."""

    decision: dict[str, Any] | None
    next_task: TaskInstance | None


async def _after(session: AsyncSession, root_id: int, wi: WorkflowInstance, task: TaskInstance,
                 task_def: TaskDefinition, output: Any) -> Followed:
    """The workflow goes on from a task just completed: a for_each instance counts towards its group (the group
    goes on once, when it is complete), anything else goes on at once."""
    if task.group_id is None:
        return await _go_on(session, root_id, wi, task_def.key, output, input_data=task.input_data,
                            arriving=task)
    version = await _cache.workflow_version(session, task.company_id, wi.workflow_definition_id)
    spec = version.model.task(task_def.key)
    members = await _scope.group_members(session, task.group_id)
    completed = [(m.item_index or 0, m.output_data) for m in members if m.t_status == TaskStatus.COMPLETED]
    live = [m for m in members if m.t_status in ACTIVE_TASK]
    need = flow.group_needed(spec.complete_when if spec else None, len(members))
    # Exactly the completion that reaches the need goes on (completions serialise on the workflow row); later ones
    # (an instance that completed while the group finished) are recorded and change nothing.
    if len(completed) != need:
        return Followed(None, None)
    await _scope.cancel_tasks(session, root_id, [m.id for m in live if m.id is not None])
    return await _go_on(session, root_id, wi, task_def.key, flow.group_output(completed), input_data=None,
                        arriving=task)


async def _complete_internal(session: AsyncSession, root_id: int, wi: WorkflowInstance, task: TaskInstance,
                             output: Any, *, input_data: Any) -> None:
    """A task the engine completes itself (a JOIN, an empty for_each): COMPLETED with `output`, then onwards."""
    before = task.t_status.value
    set_task_status(task, TaskEvent.COMPLETE)
    task.output_data, task.completed_at = output, utcnow()
    session.add(task)
    await session.flush()
    task_def = await _cache.task_definition(session, task.company_id, task.task_definition_id)
    followed = await _go_on(session, root_id, wi, task_def.key, output, input_data=input_data, arriving=task)
    await audit.record(session, None, company_id=task.company_id, entity="task", entity_id=task.id or 0,
                       action="completed", before={"status": before},
                       after={"status": task.t_status.value, "output": output, "decision": followed.decision,
                              "next_task": followed.next_task.id if followed.next_task else None,
                              "workflow_status": wi.w_status.value})


async def _go_on(session: AsyncSession, root_id: int, wi: WorkflowInstance, task_key: str, output: Any, *,
                 input_data: Any, arriving: TaskInstance) -> Followed:
    """Plan the completion of `task_key` and apply it: the data, a hold, the next tasks (each branch of a split;
    JOINs are arrived at), then settle the scope (joins that can complete, the end once no branch is left)."""
    version = await _cache.workflow_version(session, wi.company_id, wi.workflow_definition_id)
    plan = await tenant_code.completion(version.model, task_key, output, wi.workflow_data or {}, input=input_data)
    wi.workflow_data, wi.updated_at = plan.workflow_data, utcnow()
    session.add(wi)
    decision = plan.decision.to_dict()
    if plan.hold_reason is not None:
        await _hold(session, wi, plan.hold_reason)
        return Followed(decision, None)
    first: TaskInstance | None = None
    joins: list[TaskDefinition] = []
    for key in plan.next_tasks:
        target = version.tasks[key]
        if target.t_type == TaskType.JOIN:
            joins.append(target)
            continue
        created = (await create_task(session, wi.company_id, wi, target)).task
        first = first or created
    for target in joins:
        arrived = await _arrive(session, root_id, wi, target, from_key=task_key, since=arriving.created_at)
        first = first or arrived
    if first is not None and not joins and not _has_joins(version.model):
        return Followed(decision, first)  # one path went on and no JOIN can wait: nothing to settle
    await settle_scope(session, root_id, wi)
    return Followed(decision, first)


def _has_joins(workflow: Workflow) -> bool:
    return any(t.type == "JOIN" for t in workflow.tasks)


async def _arrive(session: AsyncSession, root_id: int, wi: WorkflowInstance, join_def: TaskDefinition, *,
                  from_key: str | None, since: datetime | None = None) -> TaskInstance:
    """A branch arrives at a JOIN: recorded in the pending JOIN instance (created PENDING at the first arrival,
    its input {"arrived": [...]}). A branch that was running when the JOIN's round completed (wait_for n) is a late
    arrival: it ends there."""
    assert join_def.id is not None
    current = await _scope.newest_of(session, root_id, wi, join_def.id)
    if current is not None and current.t_status == TaskStatus.COMPLETED and since is not None \
            and current.completed_at is not None and since < current.completed_at:
        return current
    if current is None or current.t_status != TaskStatus.PENDING:
        current = _new_task(root_id, wi, join_def)
        current.input_data = {"arrived": []}
    arrived = list((current.input_data or {}).get("arrived") or [])
    if from_key is not None:
        arrived.append(from_key)
    current.input_data = {"arrived": arrived}
    session.add(current)
    await session.flush()
    return current


async def settle_scope(session: AsyncSession, root_id: int, wi: WorkflowInstance) -> None:
    """Complete every pending JOIN of the scope that can (one at a time: each may start or end branches); once no
    task of the scope is active the workflow completes, and a CALL's child completes its CALL task."""
    version = await _cache.workflow_version(session, wi.company_id, wi.workflow_definition_id)
    while wi.w_status in ACTIVE_WORKFLOW:
        live = await _scope.live_tasks(session, root_id, wi)
        ready = None
        for join in (x for x in live if x.t_type == TaskType.JOIN and x.task.t_status == TaskStatus.PENDING):
            spec = version.model.task(join.key)
            if spec is None or spec.join is None:
                continue
            before = flow.upstream(version.model, join.key)
            upstream = [x for x in live if x.task.id != join.task.id and x.key in before]
            arrived = list((join.task.input_data or {}).get("arrived") or [])
            state = flow.join_state(spec.join, len(arrived), len(upstream))
            if state == "stuck":
                await _hold(session, wi, f"The join {join.key!r} waits for {spec.join.wait_for} branches, "
                                         f"{len(arrived)} arrived and no other can")
                return
            if state == "ready":
                ready = (join, spec.join.cancel_rest, upstream, arrived)
                break
        if ready is not None:
            join, cancel_rest, upstream, arrived = ready
            if cancel_rest:
                await _scope.cancel_tasks(session, root_id, [x.task.id for x in upstream if x.task.id is not None])
            await _complete_internal(session, root_id, wi, join.task, {"arrived": arrived}, input_data=None)
            continue
        if live:  # an action may finish a workflow on hold: with no branch left it completes
            return
        set_workflow_status(wi, WorkflowEvent.COMPLETE)
        session.add(wi)
        await session.flush()
        if wi.parent_task_instance_id is None:  # the ticket's workflow ended: nothing of it waits for a time
            await _timers.cancel_for_workflow(session, root_id)
        else:
            parent = await lock_task(session, wi.parent_task_instance_id)
            if parent is not None and parent.t_status in ACTIVE_TASK:
                await advance(session, None, parent, (wi.workflow_data or {}).get("workflow") or {})
        return


async def interrupt(session: AsyncSession, task: TaskInstance, to_key: str, reason: str) -> TaskInstance | None:
    """Cancel an active task (a for_each task: its whole group; a CALL: its child) and continue its workflow at
    `to_key` of the same version (a timeout's `to`). The task created (or the JOIN arrived at); None when the task
    or its workflow had already finished (nothing written)."""
    root = await lock_workflow(session, task.workflow_instance_id)
    wi = root if task.call_workflow_id is None else await lock_workflow(session, task.call_workflow_id)
    if task.t_status not in ACTIVE_TASK or wi.w_status not in ACTIVE_WORKFLOW:
        return None
    ids = [task.id or 0]
    if task.group_id is not None:
        ids = [m.id for m in await _scope.group_members(session, task.group_id) if m.id is not None]
    await _scope.cancel_tasks(session, root.id or 0, ids)
    version = await _cache.workflow_version(session, wi.company_id, wi.workflow_definition_id)
    target = version.tasks.get(to_key)
    if target is None:
        await _hold(session, wi, f"{reason}: the task {to_key!r} does not exist in this workflow version")
        return None
    created = (await create_task(session, wi.company_id, wi, target)).task
    await settle_scope(session, root.id or 0, wi)
    await touch_ticket(session, root.id or 0)
    await audit.record(session, None, company_id=task.company_id, entity="task", entity_id=task.id or 0,
                       action="interrupted", after={"reason": reason[:MAX_REASON], "to": to_key,
                                                   "next_task": created.id})
    return created


async def fail_task(session: AsyncSession, task: TaskInstance, task_def: TaskDefinition, error: str) -> None:
    """A locked task fails (ERROR with the error); its unfinished workflow holds with the error as reason (a CALL's
    child and its ticket)."""
    before = task.t_status.value
    set_task_status(task, TaskEvent.FAIL)
    task.error = error[:MAX_REASON]
    session.add(task)
    await _timers.cancel_for_task(session, task.id or 0)
    await lock_workflow(session, task.workflow_instance_id)
    wi = await lock_workflow(session, _scope.scope_id(task))
    await _hold(session, wi, f"Task '{task_def.title}' failed: {error}")
    await touch_ticket(session, task.workflow_instance_id)
    await audit.record(session, None, company_id=task.company_id, entity="task", entity_id=task.id or 0,
                       action="failed", before={"status": before},
                       after={"status": task.t_status.value, "error": task.error})


async def active_task(session: AsyncSession, workflow_instance_id: int) -> TaskInstance | None:
    """The newest not-finished task of a workflow, if any."""
    stmt = (select(TaskInstance).where(col(TaskInstance.workflow_instance_id) == workflow_instance_id,
                                       col(TaskInstance.t_status).in_(ACTIVE_TASK))
            .order_by(col(TaskInstance.id).desc()).limit(1))
    return (await session.execute(stmt)).scalars().first()


async def cancel_open_tasks(session: AsyncSession, workflow_instance_id: int) -> int:
    """Cancel every not-finished task of a ticket's workflow (its CALLs' children's too, and those children); how
    many."""
    rows = (await session.execute(_CANCEL, {"wid": workflow_instance_id})).all()
    await _timers.cancel_for_workflow(session, workflow_instance_id)  # every task of the ticket carries its id
    if rows:
        await release_load(session, int(rows[0].company_id), [r.assigned_to for r in rows if r.counted])
    await _scope.cancel_children(session, workflow_instance_id)
    return len(rows)
