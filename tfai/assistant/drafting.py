"""The drafting loop: stream an answer, validate a proposed bundle, send problems back, at most 3 repairs."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tfai.assistant import prompts
from tfai.assistant.client import (
    TOOL_NAME,
    AssistantUnavailable,
    Finish,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    propose_bundle_tool,
)
from tfai.assistant.placeholders import at_placeholder, find_placeholders, probe

MAX_REPAIRS = 3
MAX_PROBLEMS_SENT = 30


@dataclass(frozen=True)
class Progress:
    """What the loop is doing: stage is drafting, validating or fixing."""

    stage: str
    message: str


AssistantEvent = Progress | TextDelta
EventSink = Callable[[AssistantEvent], Awaitable[None]]


@dataclass
class Checked:
    """A validator's answer: problems are {path, code, message} dicts."""

    valid: bool
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


Validator = Callable[[dict[str, Any]], Awaitable[Checked]]


class ChatClient(Protocol):
    def stream(self, messages: list[dict[str, Any]], *,
               tools: list[dict[str, Any]] | None = None) -> AsyncIterator[StreamEvent]: ...


@dataclass
class Draft:
    """A proposed bundle with what the validator said about it."""

    summary: str
    bundle: dict[str, Any]
    valid: bool
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    placeholders: list[dict[str, str]]
    repair_rounds: int


@dataclass
class DraftResult:
    """The visible text, the last draft (if any), the tokens used and whether the user stopped it."""

    text: str
    draft: Draft | None
    usage: Usage
    stopped: bool = False
    model_calls: int = 0


@dataclass
class _Call:
    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass
class _Turn:
    text: str = ""
    calls: dict[int, _Call] = field(default_factory=dict)
    stopped: bool = False


_STOP = object()


async def _next_or_cancel(stream: AsyncIterator[StreamEvent], cancel: asyncio.Event | None) -> Any:
    """The next event, or _STOP when the stream ends or cancel is set first."""
    if cancel is None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return _STOP
    nxt = asyncio.ensure_future(stream.__anext__())
    waiter = asyncio.ensure_future(cancel.wait())
    try:
        done, _ = await asyncio.wait({nxt, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if nxt not in done:
        nxt.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await nxt
        return _STOP
    try:
        return nxt.result()
    except StopAsyncIteration:
        return _STOP


async def _turn(client: ChatClient, conv: list[dict[str, Any]], usage: Usage, emit: EventSink,
                cancel: asyncio.Event | None) -> _Turn:
    turn = _Turn()
    stream = client.stream(conv, tools=[propose_bundle_tool()])
    try:
        while True:
            if cancel is not None and cancel.is_set():
                turn.stopped = True
                break
            event = await _next_or_cancel(stream, cancel)
            if event is _STOP:
                turn.stopped = cancel is not None and cancel.is_set()
                break
            if isinstance(event, TextDelta):
                turn.text += event.text
                await emit(event)
            elif isinstance(event, ToolCallDelta):
                call = turn.calls.setdefault(event.index, _Call())
                call.id = call.id or (event.id or "")
                call.name = call.name or (event.name or "")
                call.arguments += event.arguments
            elif isinstance(event, Usage):
                usage.add(event)
            elif isinstance(event, Finish):
                continue
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()
    return turn


def _parse(call: _Call) -> tuple[str, Any, list[dict[str, Any]]]:
    """summary, bundle and the problems of the arguments themselves (unreadable JSON, wrong shape)."""
    try:
        args = json.loads(call.arguments or "")
    except (json.JSONDecodeError, RecursionError) as exc:
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nesting too deep"
        return "", None, [{"path": "", "code": "arguments.not_json",
                           "message": f"The propose_bundle arguments are not valid JSON ({msg}); send the complete "
                                      "JSON object {\"summary\": ..., \"bundle\": ...} again"}]
    if not isinstance(args, dict) or not isinstance(args.get("bundle"), dict):
        return "", None, [{"path": "", "code": "arguments.shape",
                           "message": "The arguments must be an object with `summary` (string) and `bundle` (object)"}]
    summary = args.get("summary")
    return (summary if isinstance(summary, str) else "")[:2000], args["bundle"], []


def _problem_lines(problems: list[dict[str, Any]]) -> str:
    lines = [f"- {p.get('path') or '(whole bundle)'}: {p.get('message')}" for p in problems[:MAX_PROBLEMS_SENT]]
    if len(problems) > MAX_PROBLEMS_SENT:
        lines.append(f"- … and {len(problems) - MAX_PROBLEMS_SENT} more")
    return "\n".join(lines)


async def _check(bundle: dict[str, Any], summary: str, validate: Validator, rounds: int) -> Draft:
    holes = find_placeholders(bundle)
    checked = await validate(probe(bundle))
    errors = [e for e in checked.errors if not at_placeholder(str(e.get("path", "")), holes)]
    return Draft(summary=summary, bundle=bundle, valid=not errors, errors=errors, warnings=checked.warnings,
                 placeholders=holes, repair_rounds=rounds)


async def _noop(_: AssistantEvent) -> None:
    return None


async def draft(client: ChatClient, messages: list[dict[str, Any]], *, validate: Validator,
                on_event: EventSink | None = None, cancel: asyncio.Event | None = None,
                max_repairs: int = MAX_REPAIRS) -> DraftResult:
    """Run the conversation until a text answer, a valid draft, the repair limit, or a stop."""
    emit = on_event or _noop
    conv = list(messages)
    usage = Usage()
    texts: list[str] = []
    last: Draft | None = None
    repairs = calls = 0
    await emit(Progress("drafting", "drafting…"))
    try:
        while True:
            calls += 1
            turn = await _turn(client, conv, usage, emit, cancel)
            if turn.text.strip():
                texts.append(turn.text.strip())
            proposals = [c for c in turn.calls.values() if c.name == TOOL_NAME]
            if turn.stopped or not proposals:
                return DraftResult("\n\n".join(texts), last, usage, stopped=turn.stopped, model_calls=calls)
            call = proposals[-1]
            summary, bundle, problems = _parse(call)
            if bundle is not None:
                await emit(Progress("validating", "validating…"))
                last = await _check(bundle, summary, validate, repairs)
                if last.valid:
                    return DraftResult("\n\n".join(texts), last, usage, model_calls=calls)
                problems = last.errors
            if repairs >= max_repairs:
                if last is None:
                    texts.append("I could not produce a readable draft. Please rephrase or try again.")
                return DraftResult("\n\n".join(texts), last, usage, model_calls=calls)
            repairs += 1
            await emit(Progress("fixing", f"fixing {len(problems)} problem{'s' if len(problems) != 1 else ''}…"))
            conv.extend(_repair_messages(turn, call, problems, repairs, max_repairs))
    except AssistantUnavailable as exc:
        exc.usage.add(usage)
        raise


def _repair_messages(turn: _Turn, chosen: _Call, problems: list[dict[str, Any]], round_no: int,
                     max_rounds: int) -> list[dict[str, Any]]:
    """The assistant's tool call(s) as sent, then one tool result per call (problems for the proposal)."""
    calls = list(turn.calls.values())
    for n, call in enumerate(calls):
        call.id = call.id or f"call_{round_no}_{n}"
    out: list[dict[str, Any]] = [{
        "role": "assistant", "content": turn.text or None,
        "tool_calls": [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                       for c in calls],
    }]
    for call in calls:
        if call is chosen:
            content = prompts.repair_prompt(problems=_problem_lines(problems), count=len(problems),
                                            round_no=round_no, max_rounds=max_rounds)
        elif call.name == TOOL_NAME:
            content = "Ignored: only the last propose_bundle call of an answer is checked."
        else:
            content = f"There is no tool {call.name!r}; the only tool is {TOOL_NAME}."
        out.append({"role": "tool", "tool_call_id": call.id, "content": content})
    return out
