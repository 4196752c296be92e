"""Pure helpers of the assistant page: placeholder filling, review highlights, diffs, form previews, rows."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tfai.assistant.placeholders import PLACEHOLDER, find_placeholders
from tfai.domain.problems import pointer, resolve_pointer
from tfai.ui.state.definitions_helpers import diff_rows
from tfai.ui.state.form_values import ui_fields

MAX_FILL = 2000
MAX_DIFF_LINES = 2000


def plain(value: Any) -> Any:
    """A deep copy made of plain dicts and lists (state vars come back wrapped in mutation-tracking proxies)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _segments(ptr: str) -> list[str]:
    return [s.replace("~1", "/").replace("~0", "~") for s in ptr[1:].split("/")] if ptr else []


def fill_placeholder(bundle: Mapping[str, Any], path: str, value: str) -> dict[str, Any]:
    """A copy of the bundle with the placeholder(s) in the string at `path` replaced by `value`.

    A string that is only a placeholder becomes the value; a placeholder inside longer text is replaced in
    place. KeyError/ValueError when the pointer does not lead to a string with a placeholder (nothing else
    of the proposal can be changed this way).
    """
    doc: dict[str, Any] = plain(bundle)
    current = resolve_pointer(doc, path)
    if not isinstance(current, str) or not path or not PLACEHOLDER.search(current):
        raise ValueError(f"no placeholder at {path!r}")
    clean = str(value).strip()[:MAX_FILL]
    filled = clean if PLACEHOLDER.fullmatch(current.strip()) else PLACEHOLDER.sub(lambda _: clean, current)
    *parents, last = _segments(path)
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = filled
    else:
        node[last] = filled
    return doc


def fill_all(bundle: Mapping[str, Any], values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Fill every non-empty value at its pointer; returns the new bundle and {pointer: problem} for the rest."""
    doc: dict[str, Any] = plain(bundle)
    problems: dict[str, str] = {}
    for path, value in values.items():
        if not str(value).strip():
            continue
        try:
            doc = fill_placeholder(doc, path, str(value))
        except (KeyError, IndexError, ValueError, TypeError):
            problems[path] = "This placeholder is no longer in the proposal"
    return doc, problems


def placeholder_rows(bundle: Any) -> list[dict[str, str]]:
    """Plain rows for the inputs the designer must fill in: pointer and question."""
    return [{"path": p["path"], "question": p["question"]} for p in find_placeholders(bundle)]


def _task_list(bundle: Any) -> list[dict[str, Any]]:
    wf = bundle.get("workflow") if isinstance(bundle, Mapping) else None
    tasks = wf.get("tasks") if isinstance(wf, Mapping) else None
    return [t for t in tasks if isinstance(t, dict)] if isinstance(tasks, list) else []


def _saved_urls(saved: Any) -> dict[str, Any] | None:
    wf = saved.get("workflow") if isinstance(saved, Mapping) else None
    tasks = wf.get("tasks") if isinstance(wf, Mapping) else None
    if not isinstance(tasks, list):
        return None
    return {str(t.get("key")): t.get("action_url") for t in tasks if isinstance(t, Mapping)}


def review_items(bundle: Any, saved: Any = None) -> list[dict[str, str]]:
    """What a human should check before accepting: every action URL, condition and transform, with its pointer.

    With the saved version, an action URL that differs from the saved task's (or is new) is marked `changed`:
    a swapped endpoint is where a proposal would send the company's data elsewhere.
    """
    items: list[dict[str, str]] = []
    before = _saved_urls(saved)
    wf = bundle.get("workflow") if isinstance(bundle, Mapping) else None
    tasks = wf.get("tasks") if isinstance(wf, Mapping) else None
    for i, task in enumerate(tasks if isinstance(tasks, list) else []):
        if not isinstance(task, Mapping):
            continue
        key = str(task.get("key", i))
        if isinstance(task.get("action_url"), str):
            changed = before is not None and before.get(key) != task["action_url"]
            items.append({"kind": "URL", "where": f"task {key}", "path": pointer("workflow", "tasks", i,
                                                                                  "action_url"),
                          "text": task["action_url"], "changed": "changed" if changed else ""})
        for name in ("input_transform", "output_transform"):
            if isinstance(task.get(name), str):
                items.append({"kind": name.replace("_", " "), "where": f"task {key}",
                              "path": pointer("workflow", "tasks", i, name), "text": task[name], "changed": ""})
    transitions = wf.get("transitions") if isinstance(wf, Mapping) else None
    for i, tr in enumerate(transitions if isinstance(transitions, list) else []):
        if isinstance(tr, Mapping) and isinstance(tr.get("condition"), str):
            items.append({"kind": "condition", "where": f"{tr.get('from')} → {tr.get('to') or '(end)'}",
                          "path": pointer("workflow", "transitions", i, "condition"), "text": tr["condition"],
                          "changed": ""})
    return items


def _pretty_lines(document: Any) -> list[str]:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True, default=str).splitlines()


def bundle_diff(current: Any, proposed: Any, *, key: str = "workflow") -> list[dict[str, str]]:
    """A unified diff (pretty, key-sorted JSON) of the current definitions and the proposal, as coloured rows."""
    lines = list(difflib.unified_diff(_pretty_lines(current), _pretty_lines(proposed),
                                      fromfile=f"{key} (current)", tofile=f"{key} (proposal)", lineterm=""))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"… {len(lines) - MAX_DIFF_LINES} more lines"]
    return diff_rows({"kind": _kind(line), "text": line} for line in lines)


def _kind(line: str) -> str:
    if line.startswith(("---", "+++")):
        return "header"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "add", "-": "remove"}.get(line[:1], "context")


def form_previews(bundle: Any) -> list[dict[str, Any]]:
    """Field dicts (see schema_form) for each ticket type's form and each FORM task's form, to preview disabled."""
    out: list[dict[str, Any]] = []
    tts = bundle.get("ticket_types") if isinstance(bundle, Mapping) else None
    for tt in tts if isinstance(tts, list) else []:
        if isinstance(tt, Mapping):
            out.append(_preview("Ticket type", tt, tt.get("fields")))
    for task in _task_list(bundle):
        if task.get("type") == "FORM":
            out.append(_preview("Form task", task, task.get("output_schema")))
    return out


def _preview(kind: str, item: Mapping[str, Any], schema: Any) -> dict[str, Any]:
    title = f"{kind}: {item.get('title') or item.get('key') or ''}"
    try:
        fields = ui_fields(schema if isinstance(schema, dict) else {}, item.get("edit_layout"))
    except (ValueError, TypeError, KeyError):
        fields = []
    return {"title": title, "key": str(item.get("key", "")), "fields": fields}


def workflow_key(bundle: Any) -> str:
    wf = bundle.get("workflow") if isinstance(bundle, Mapping) else None
    key = wf.get("key") if isinstance(wf, Mapping) else None
    return key if isinstance(key, str) else ""


def when(value: datetime | None) -> str:
    """A timestamp as the pages show it (UTC)."""
    if value is None:
        return ""
    v = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def message_row(message: Any) -> dict[str, Any]:
    """A chat bubble: role, plain text (rendered as text, never HTML) and its proposal's id and summary."""
    proposal = getattr(message, "proposal", None)
    return {"id": int(message.id), "role": str(message.role), "content": str(message.content),
            "proposal_id": int(proposal.id) if proposal is not None else 0,
            "proposal_summary": str(proposal.summary) if proposal is not None else "",
            "proposal_status": str(proposal.status) if proposal is not None else "",
            "proposal_valid": bool(proposal.valid) if proposal is not None else False}


def conversation_row(conv: Any) -> dict[str, Any]:
    return {"id": int(conv.id), "title": str(conv.title), "updated": when(conv.updated_at)}


def error_kind(status: int) -> str:
    """The callout shown for a failed reply: 'unavailable' (503), 'budget' (429) or 'error'."""
    return {503: "unavailable", 429: "budget"}.get(int(status), "error")
