"""Pure helpers of the designer pages: pointer → line, problem rows, diff colours, sample data, safe links."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import yaml

MAX_SAMPLE_DEPTH = 6
DIFF_COLOURS = {"add": "green", "remove": "red", "hunk": "violet", "header": "gray", "context": "gray"}
_LINE_IN_MESSAGE = re.compile(r"\bline (\d+)")


def _segments(pointer: str) -> list[str]:
    if not pointer or pointer == "/":
        return []
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer.lstrip("/").split("/")]


def _keyed_item(node: yaml.SequenceNode, key: str) -> yaml.Node | None:
    """The item of a list that is an object whose "key" is `key` (tasks and ticket types have one)."""
    for item in node.value:
        if isinstance(item, yaml.MappingNode) and any(
                isinstance(k, yaml.ScalarNode) and k.value == "key" and isinstance(v, yaml.ScalarNode)
                and v.value == key for k, v in item.value):
            return item
    return None


def pointer_line(text: str, pointer: str) -> int | None:
    """The 1-based line where the value at a JSON pointer starts in JSON or YAML text (its nearest parent
    when the pointer goes further than the document), or None when the text cannot be read.

    In a list, a segment that is not an index names the item whose "key" it is: /workflow/tasks/approve is the
    task with key approve wherever it stands (the definition pages' Edit links point so)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    if node is None:
        return None
    line = int(node.start_mark.line) + 1
    for segment in _segments(pointer):
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == segment:
                    line, child = int(key.start_mark.line) + 1, value
                    break
        elif isinstance(node, yaml.SequenceNode):
            if segment.isdigit():
                child = node.value[int(segment)] if int(segment) < len(node.value) else None
            else:
                child = _keyed_item(node, segment)
            if child is not None:
                line = int(child.start_mark.line) + 1
        if child is None:
            break
        node = child
    return line


def problem_line(text: str, problem: Mapping[str, Any]) -> int | None:
    """Where a validator problem points in the text: the line a syntax error names, else its pointer's."""
    if problem.get("code") == "document.syntax":
        found = _LINE_IN_MESSAGE.search(str(problem.get("message", "")))
        return int(found.group(1)) if found else None
    return pointer_line(text, str(problem.get("path", "")))


def problem_rows(text: str, errors: Iterable[Any], warnings: Iterable[Any]) -> list[dict[str, str]]:
    """Plain rows for the problems list: severity, path, code, message, line and the line's text around it."""
    lines = text.splitlines()
    rows: list[dict[str, str]] = []
    for severity, items in (("error", errors), ("warning", warnings)):
        for item in items:
            p = item.model_dump() if hasattr(item, "model_dump") else dict(item)
            line = problem_line(text, p)
            hit = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
            rows.append({
                "severity": severity, "path": str(p.get("path") or "/"), "code": str(p.get("code", "")),
                "message": str(p.get("message", "")), "line": str(line) if line is not None else "",
                "before": lines[line - 2][:200] if line is not None and 1 < line <= len(lines) + 1 else "",
                "text": hit[:200],
                "after": lines[line][:200] if line is not None and line < len(lines) else "",
            })
    return rows


def diff_rows(lines: Iterable[Any]) -> list[dict[str, str]]:
    """Diff lines (DiffLineDTO or dicts with kind and text) with the colour each kind is shown in."""
    out = []
    for item in lines:
        kind = str(getattr(item, "kind", None) or (item.get("kind") if isinstance(item, Mapping) else "context"))
        text = str(getattr(item, "text", None) if not isinstance(item, Mapping) else item.get("text", ""))
        out.append({"kind": kind, "text": text, "colour": DIFF_COLOURS.get(kind, "gray")})
    return out


def _string_sample(schema: Mapping[str, Any]) -> str:
    fmt = schema.get("format")
    value = {"date": "2025-01-31", "date-time": "2025-01-31T09:00:00Z", "email": "someone@example.com",
             "uri": "https://example.com/", "uuid": "00000000-0000-4000-8000-000000000000"}.get(str(fmt), "example")
    min_len = schema.get("minLength")
    if isinstance(min_len, int) and len(value) < min_len:
        value = value + "x" * (min_len - len(value))
    max_len = schema.get("maxLength")
    return value[:max_len] if isinstance(max_len, int) and max_len >= 0 else value


def sample_value(schema: Any, depth: int = 0) -> Any:
    """An example value for a JSON Schema: its example/default/const/first enum, else one made by type."""
    if not isinstance(schema, Mapping) or depth > MAX_SAMPLE_DEPTH:
        return None
    for key in ("examples", "enum"):
        if isinstance(schema.get(key), list) and schema[key]:
            return schema[key][0]
    for key in ("default", "const"):
        if key in schema:
            return schema[key]
    raw = schema.get("type")
    types = [raw] if isinstance(raw, str) else [t for t in raw if t != "null"] if isinstance(raw, list) else []
    kind = types[0] if types else ("object" if "properties" in schema else "")
    if kind == "object":
        props = schema.get("properties")
        return {k: sample_value(v, depth + 1) for k, v in (props.items() if isinstance(props, Mapping) else [])}
    if kind == "array":
        min_items = schema.get("minItems")
        count = min_items if isinstance(min_items, int) else 1
        return [sample_value(schema.get("items"), depth + 1) for _ in range(min(max(count, 1), 3))]
    if kind in ("number", "integer"):
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        number = low + (1 if "exclusiveMinimum" in schema else 0) if isinstance(low, int | float) else 1
        return int(number) if kind == "integer" else number
    if kind == "boolean":
        return True
    if kind == "string":
        return _string_sample(schema)
    return None


def pretty(value: Any) -> str:
    """Indented JSON for a code block."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def safe_href(uri: Any) -> str:
    """The link itself when it is http(s) with a host or mailto with an address, else "" (javascript:, data: and
    the like are not links)."""
    if not isinstance(uri, str):
        return ""
    try:
        parts = urlsplit(uri.strip())
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if (scheme in ("http", "https") and parts.netloc) or (scheme == "mailto" and parts.path):
        return uri.strip()
    return ""


def ext_ref_rows(refs: Any) -> list[dict[str, str]]:
    """A definition's ext_ref (label, desc, uri) as link rows: href is "" when the uri is not a safe link."""
    return [{"label": str(r.get("label", "")), "desc": str(r.get("desc") or ""), "href": safe_href(r.get("uri")),
             "uri": str(r.get("uri", ""))} for r in refs or [] if isinstance(r, dict)]


def page_count(total: int, size: int) -> int:
    return max(1, (int(total) + size - 1) // size)


def dry_run_samples(tasks: Iterable[Any]) -> list[dict[str, str]]:
    """One JSON area per task: FORM outputs start from their output schema's example; SYNC_ACTION responses
    and ASYNC_ACTION callbacks start empty (the run then waits there) with an example as placeholder."""
    out = []
    for task in tasks:
        t = task.model_dump() if hasattr(task, "model_dump") else dict(task)
        if t.get("type") == "FORM":
            kind, text, hint = "output", pretty(sample_value(t.get("output_schema") or {"type": "object"})), ""
        elif t.get("type") == "SYNC_ACTION":
            kind, text, hint = "response", "", pretty({"status": 200, "headers": {}, "body": {}})
        else:
            kind, text, hint = "callback", "", pretty({"any": "callback body"})
        out.append({"key": str(t.get("key", "")), "title": str(t.get("title", "")), "type": str(t.get("type", "")),
                    "kind": kind, "text": text, "placeholder": hint})
    return out


def parse_object(text: str, what: str) -> tuple[dict[str, Any] | None, str]:
    """A JSON object from a text area, or None and a message naming the area."""
    if not text.strip():
        return {}, ""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"{what}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    if not isinstance(value, dict):
        return None, f"{what}: must be a JSON object"
    return value, ""
