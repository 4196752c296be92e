"""The workflow diagram's shapes and marks for flow constructs (splits, joins, timers, timeouts, for-each, calls).

Every function returns SVG markup built from paths, rects, circles and texts only; every piece of text
from the definition goes through `esc` (XML-escaped, invalid characters dropped, shortened).
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

NODE_W, NODE_H = 210, 56
_INVALID_XML = re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MARK_STYLE = (".badge{font-size:10px;font-family:monospace;fill:#333}"
              ".gw{font-size:16px;font-weight:700;fill:#1f2330}"
              ".timeout{stroke:#c0392b;stroke-dasharray:6 4}")


def esc(text: str, limit: int | None = None) -> str:
    """Text for SVG: invalid XML characters dropped, cut to `limit` characters with an ellipsis, XML-escaped."""
    clean = _INVALID_XML.sub("", text)
    if limit is not None and len(clean) > limit:
        clean = clean[: limit - 1] + "…"
    return escape(clean, {'"': "&quot;", "'": "&apos;"})


def text_of(value: Any) -> str:
    """A JSON value as short display text (strings as they are, numbers and booleans as JSON spells them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else "" if value is None else str(value)


def _badge(x: float, y: float, text: str, *, anchor: str = "middle", cls: str = "badge") -> str:
    """A small white rounded label centred (or left/right aligned) at x, vertically centred at y."""
    shown = esc(text, 30)
    width = 6.2 * len(text[:30]) + 10
    left = x - width / 2 if anchor == "middle" else x if anchor == "start" else x - width
    return (f'<rect x="{left:.1f}" y="{y - 8:.1f}" width="{width:.1f}" height="16" rx="8" fill="#ffffff" '
            f'stroke="#9aa0b4"/><text x="{left + width / 2:.1f}" y="{y + 3.5:.1f}" class="{cls}">{shown}</text>')


def diamond(x: float, y: float, half_w: float, half_h: float, *, fill: str, stroke: str, width: float = 1.5) -> str:
    """A gateway diamond centred at x, y."""
    return (f'<path d="M{x - half_w:.1f},{y:.1f} L{x:.1f},{y - half_h:.1f} L{x + half_w:.1f},{y:.1f} '
            f'L{x:.1f},{y + half_h:.1f} Z" fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>')


def hexagon(x: float, y: float, *, fill: str, stroke: str, width: float = 1.5) -> str:
    """A gateway as wide as a task box, with pointed ends (a JOIN)."""
    left, right, top, bottom, tip = x - NODE_W / 2, x + NODE_W / 2, y - NODE_H / 2, y + NODE_H / 2, 18
    return (f'<path class="gateway" d="M{left:.1f},{y:.1f} L{left + tip:.1f},{top:.1f} L{right - tip:.1f},{top:.1f} '
            f'L{right:.1f},{y:.1f} L{right - tip:.1f},{bottom:.1f} L{left + tip:.1f},{bottom:.1f} Z" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{width}"/>')


def clock(x: float, y: float, r: float, *, stroke: str) -> str:
    """A clock face (timer) centred at x, y."""
    return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="#ffffff" stroke="{stroke}" stroke-width="1.5"/>'
            f'<path d="M{x:.1f},{y - r * 0.65:.1f} L{x:.1f},{y:.1f} L{x + r * 0.5:.1f},{y:.1f}" fill="none" '
            f'stroke="{stroke}" stroke-width="1.5"/>')


def join_label(props: dict[str, Any]) -> str:
    """'wait for all' or 'wait for 2'."""
    join = props.get("join")
    return f"wait for {text_of(join.get('wait_for', 'all') if isinstance(join, dict) else 'all')}"


def timer_label(props: dict[str, Any]) -> str:
    """'wait P3D' or 'until <expression>'."""
    if props.get("wait") is not None:
        return f"wait {text_of(props['wait'])}"
    return f"until {text_of(props.get('until'))}"


def call_label(props: dict[str, Any]) -> str:
    """'call <workflow>' with '@<version>' when a version number is given."""
    version = props.get("version")
    tail = f"@{text_of(version)}" if version not in (None, "latest") else ""
    return f"call {text_of(props.get('workflow')) or '?'}{tail}"


def timeout_label(props: dict[str, Any]) -> str:
    """'after PT48H' for a task's interrupting timeout."""
    timeout = props.get("timeout")
    return f"after {text_of(timeout.get('after')) if isinstance(timeout, dict) else '?'}"


def marks(x: float, y: float, props: dict[str, Any]) -> str:
    """Marks around a task box centred at x, y: split, for-each, reminder, due date and the boundary timeout."""
    left, top, right, bottom = x - NODE_W / 2, y - NODE_H / 2, x + NODE_W / 2, y + NODE_H / 2
    out: list[str] = []
    join = props.get("join")
    if isinstance(join, dict) and join.get("cancel_rest") is True:
        out.append(_badge(right - 6, bottom, "cancel rest", anchor="end"))
    if props.get("next") == "all":  # parallel split: a "+" gateway where the outgoing edges leave
        out.append(diamond(x, bottom + 2, 11, 11, fill="#ffffff", stroke="#1f2330") +
                   f'<text x="{x:.1f}" y="{bottom + 7.5:.1f}" class="gw">+</text>')
    if "for_each" in props:  # multi-instance
        out.append(_badge(left + 6, bottom, f"≡ each · {text_of(props.get('complete_when') or 'all')}",
                          anchor="start"))
    if isinstance(props.get("remind"), dict):
        remind = props["remind"]
        out.append(_badge(right - 6, top, f"remind {text_of(remind.get('every'))} ×{text_of(remind.get('times'))}",
                          anchor="end"))
    if "due" in props:
        out.append(_badge(left + 6, top, f"due {text_of(props['due'])}", anchor="start"))
    if isinstance(props.get("timeout"), dict):  # boundary timer on the box's lower right corner
        out.append(clock(right - 14, bottom, 8, stroke="#c0392b"))
    return "".join(out)
