"""Layered layout of a workflow graph and its rendering as a static, script-free SVG.

`render_svg` is the public entry point (workflow pages and the assistant's proposal view). The
SVG is meant for an <img> tag (a data: URI): an SVG loaded as an image cannot run script, load
external resources or be scripted by the page. On top of that the output itself holds no
<script>, no <foreignObject>, no event attributes and no external references, and every piece of
text from the definition is XML-escaped, so a title like "<script>" shows only as text.
Flow constructs (parallel splits, JOIN, TIMER, CALL, timeouts, reminders, for-each) are drawn
with the shapes and marks of diagram_marks.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from tfai.domain.task_flow import flow_properties
from tfai.ui.diagram_marks import (
    MARK_STYLE,
    NODE_H,
    NODE_W,
    call_label,
    clock,
    esc,
    hexagon,
    join_label,
    marks,
    timeout_label,
    timer_label,
)

START_ID = "#start"
END_ID = "#end"
PILL_W, PILL_H = 92, 30
GAP_X, GAP_Y, MARGIN, BACK_LANE, VIRTUAL_W = 48, 96, 24, 90, 16
TYPE_COLOURS = {"FORM": ("#e8f0fe", "#3867d6"), "SYNC_ACTION": ("#fff4e5", "#e67e22"),
                "ASYNC_ACTION": ("#f3e8fd", "#8e44ad"), "JOIN": ("#eef7ee", "#2e7d32"),
                "TIMER": ("#fffbe6", "#b7950b"), "CALL": ("#eaf4f4", "#16777a"), "missing": ("#fdecea", "#c0392b")}
# A raw edge: source, target, condition, priority, kind ("" for a transition, "timeout" for a task's timeout).
RawEdge = tuple[str, str, str | None, int, str]


@dataclass
class DiagramNode:
    """A task (or the start/end marker) placed at a rank (row) and an order (column) within it."""

    key: str
    title: str
    type: str
    rank: int = 0
    order: int = 0
    x: float = 0.0
    y: float = 0.0
    is_start: bool = False
    is_end: bool = False
    is_virtual: bool = False
    props: dict[str, Any] = field(default_factory=dict)  # the task's flow properties (task_flow.FLOW_PROPERTIES)

    @property
    def width(self) -> float:
        return VIRTUAL_W if self.is_virtual else NODE_W


@dataclass(frozen=True)
class DiagramEdge:
    """A transition or a task's timeout (`kind` "timeout"); `back` edges point to an earlier (or the same) rank
    and are drawn on the side."""

    source: str
    target: str
    condition: str | None = None
    priority: int = 0
    back: bool = False
    show_priority: bool = False
    kind: str = ""


@dataclass
class Diagram:
    nodes: dict[str, DiagramNode] = field(default_factory=dict)
    edges: list[DiagramEdge] = field(default_factory=list)
    chains: dict[int, list[str]] = field(default_factory=dict)  # forward edge index -> node keys it passes
    width: float = 0.0
    height: float = 0.0

    def ranks(self) -> list[list[str]]:
        """Node keys per rank, in their order."""
        top = max((n.rank for n in self.nodes.values()), default=-1)
        rows: list[list[str]] = [[] for _ in range(top + 1)]
        for node in sorted(self.nodes.values(), key=lambda n: (n.rank, n.order)):
            rows[node.rank].append(node.key)
        return rows


def _section(workflow: dict[str, Any] | BaseModel) -> dict[str, Any]:
    if isinstance(workflow, BaseModel):
        dumped: dict[str, Any] = workflow.model_dump(by_alias=True)
        return dumped
    return workflow if isinstance(workflow, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _graph(section: dict[str, Any]) -> tuple[dict[str, DiagramNode], list[RawEdge]]:
    """Nodes (start, tasks, missing targets, end) and raw edges from a possibly invalid workflow section."""
    nodes: dict[str, DiagramNode] = {START_ID: DiagramNode(START_ID, "Start", "start", is_start=True)}
    tasks = section.get("tasks")
    for task in tasks if isinstance(tasks, list) else []:
        if isinstance(task, dict) and isinstance(task.get("key"), str) and task["key"] not in nodes:
            nodes[task["key"]] = DiagramNode(task["key"], _text(task.get("title")) or task["key"],
                                             _text(task.get("type")) or "missing", props=flow_properties(task))
    edges: list[RawEdge] = []
    start = section.get("start")
    if isinstance(start, str):
        nodes.setdefault(start, DiagramNode(start, start, "missing"))
        edges.append((START_ID, start, None, 0, ""))
    transitions = section.get("transitions")
    for tr in transitions if isinstance(transitions, list) else []:
        if not isinstance(tr, dict) or not isinstance(tr.get("from"), str):
            continue
        source, target = tr["from"], tr.get("to")
        nodes.setdefault(source, DiagramNode(source, source, "missing"))
        if isinstance(target, str):
            nodes.setdefault(target, DiagramNode(target, target, "missing"))
        else:
            target = END_ID
            nodes.setdefault(END_ID, DiagramNode(END_ID, "End", "end", is_end=True))
        cond = tr.get("condition")
        prio = tr.get("priority")
        edges.append((source, target, cond if isinstance(cond, str) else None,
                      prio if isinstance(prio, int) and not isinstance(prio, bool) else 0, ""))
    sources = {e[0] for e in edges}
    for key, node in list(nodes.items()):
        if key not in sources and not (node.is_start or node.is_end) and node.type != "missing":
            nodes.setdefault(END_ID, DiagramNode(END_ID, "End", "end", is_end=True))
            edges.append((key, END_ID, None, 0, ""))  # no outgoing transitions: the workflow ends here
    for key, node in list(nodes.items()):
        timeout = node.props.get("timeout")
        if isinstance(timeout, dict) and isinstance(timeout.get("to"), str):  # the escalation path of a timeout
            nodes.setdefault(timeout["to"], DiagramNode(timeout["to"], timeout["to"], "missing"))
            edges.append((key, timeout["to"], None, 0, "timeout"))
    return nodes, edges


def _back_edges(order: list[str], edges: list[RawEdge]) -> set[int]:
    """Indexes of edges closing a cycle in a depth-first walk from the start (then from unvisited nodes)."""
    succ: dict[str, list[tuple[int, str]]] = {k: [] for k in order}
    for i, (s, t, _, _, _) in enumerate(edges):
        succ[s].append((i, t))
    state: dict[str, int] = {}
    back: set[int] = set()
    for root in order:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                continue
            i, target = nxt
            if state.get(target) == 1:
                back.add(i)
            elif target not in state:
                state[target] = 1
                stack.append((target, iter(succ[target])))
    return back


def _rank(nodes: dict[str, DiagramNode], edges: list[DiagramEdge]) -> None:
    """Longest path from the start over forward edges; the end marker goes on the last row."""
    for node in nodes.values():
        node.rank = 0 if node.is_start else 1
    forward = [e for e in edges if not e.back and e.target != END_ID]
    indeg = {k: 0 for k in nodes}
    for e in forward:
        indeg[e.target] += 1
    ready = [k for k in nodes if indeg[k] == 0]
    while ready:
        key = ready.pop(0)
        for e in forward:
            if e.source == key:
                nodes[e.target].rank = max(nodes[e.target].rank, nodes[key].rank + 1)
                indeg[e.target] -= 1
                if indeg[e.target] == 0:
                    ready.append(e.target)
    if END_ID in nodes:
        nodes[END_ID].rank = max(n.rank for k, n in nodes.items() if k != END_ID) + 1


def _crossings(rows: list[list[str]], pairs: list[tuple[str, str]], pos: dict[str, int]) -> int:
    total = 0
    rank_of = {k: r for r, row in enumerate(rows) for k in row}
    for r in range(len(rows) - 1):
        between = [(pos[a], pos[b]) for a, b in pairs if rank_of[a] == r and rank_of[b] == r + 1]
        total += sum(1 for i, (a1, b1) in enumerate(between) for a2, b2 in between[i + 1:]
                     if (a1 - a2) * (b1 - b2) < 0)
    return total


def _order(diagram: Diagram) -> None:
    """Barycenter sweeps (down, up, twice), keeping the order with the fewest adjacent-rank crossings."""
    rows = diagram.ranks()
    pairs = [(c[i], c[i + 1]) for c in diagram.chains.values() for i in range(len(c) - 1)]
    preds: dict[str, list[str]] = {k: [] for k in diagram.nodes}
    succs: dict[str, list[str]] = {k: [] for k in diagram.nodes}
    for a, b in pairs:
        succs[a].append(b)
        preds[b].append(a)

    def positions(rs: list[list[str]]) -> dict[str, int]:
        return {k: i for row in rs for i, k in enumerate(row)}

    best, best_score = [list(r) for r in rows], _crossings(rows, pairs, positions(rows))
    for sweep in range(4):
        down = sweep % 2 == 0
        pos = positions(rows)
        indexes = range(1, len(rows)) if down else range(len(rows) - 2, -1, -1)
        for r in indexes:
            neighbours = preds if down else succs

            def bary(key: str, nb: dict[str, list[str]] = neighbours, p: dict[str, int] = pos) -> float:
                near = [p[n] for n in nb[key]]
                return sum(near) / len(near) if near else float(p[key])

            rows[r] = sorted(rows[r], key=bary)
            pos = positions(rows)
        score = _crossings(rows, pairs, pos)
        if score < best_score:
            best, best_score = [list(r) for r in rows], score
    for row in best:
        for i, key in enumerate(row):
            diagram.nodes[key].order = i


def _split_long_edges(diagram: Diagram) -> None:
    """Give every forward edge spanning several ranks a virtual node per rank it crosses."""
    for i, edge in enumerate(diagram.edges):
        if edge.back:
            continue
        chain = [edge.source]
        for rank in range(diagram.nodes[edge.source].rank + 1, diagram.nodes[edge.target].rank):
            key = f"~{i}~{rank}"
            diagram.nodes[key] = DiagramNode(key, "", "virtual", rank=rank, is_virtual=True)
            chain.append(key)
        diagram.chains[i] = [*chain, edge.target]


def layout(workflow: dict[str, Any] | BaseModel) -> Diagram:
    """Ranks, orders and pixel positions (node centres) for a workflow section or Workflow model."""
    nodes, raw = _graph(_section(workflow))
    back = _back_edges(list(nodes), raw)
    out_count: dict[str, int] = {}
    for s, _, _, _, kind in raw:
        out_count[s] = out_count.get(s, 0) + (kind == "")
    # Priorities matter only where the first true transition fires: not on timeouts nor out of a next=all split.
    ordered = {k for k, n in nodes.items() if n.props.get("next") != "all"}
    edges = [DiagramEdge(s, t, c, p, i in back, kind == "" and s in ordered and (out_count[s] > 1 or p != 0), kind)
             for i, (s, t, c, p, kind) in enumerate(raw)]
    diagram = Diagram(nodes, edges)
    _rank(nodes, edges)
    _split_long_edges(diagram)
    _order(diagram)
    rows = diagram.ranks()

    def row_width(row: list[str]) -> float:
        return sum(nodes[k].width for k in row) + max(0, len(row) - 1) * GAP_X

    inner = max((row_width(r) for r in rows), default=NODE_W)
    lane = BACK_LANE if any(e.back for e in edges) else 0
    for r, row in enumerate(rows):
        left = MARGIN + (inner - row_width(row)) / 2
        for key in row:
            nodes[key].x = left + nodes[key].width / 2
            nodes[key].y = MARGIN + r * (NODE_H + GAP_Y) + NODE_H / 2
            left += nodes[key].width + GAP_X
    diagram.width = 2 * MARGIN + inner + lane
    diagram.height = 2 * MARGIN + len(rows) * NODE_H + max(0, len(rows) - 1) * GAP_Y
    return diagram


def _half_h(node: DiagramNode) -> float:
    if node.is_virtual:
        return NODE_H / 2
    return (PILL_H if node.is_start or node.is_end else NODE_H) / 2


def _label(x: float, y: float, text: str) -> str:
    width = 7.0 * len(text) + 10
    return (f'<rect x="{x - width / 2:.1f}" y="{y - 9:.1f}" width="{width:.1f}" height="18" rx="4" fill="#ffffff" '
            f'stroke="#d0d0d8"/><text x="{x:.1f}" y="{y + 4:.1f}" class="lbl">{esc(text)}</text>')


def _edge_svg(diagram: Diagram, index: int, nth: int) -> str:
    edge = diagram.edges[index]
    a, b = diagram.nodes[edge.source], diagram.nodes[edge.target]
    cond = edge.condition or ""
    raw = cond if len(cond) <= 34 else cond[:33] + "…"
    if edge.show_priority:
        raw = f"{raw} · p{edge.priority}" if raw else f"p{edge.priority}"
    cls = "edge"
    if edge.kind == "timeout":
        raw, cls = timeout_label(a.props), "edge timeout"
    if edge.back:
        right = diagram.width - BACK_LANE - MARGIN + 20 + (nth % 4) * 14
        x1, y1, x2, y2 = a.x + NODE_W / 2, a.y, b.x + NODE_W / 2, b.y
        path = f"M{x1:.1f},{y1:.1f} C{right + 40:.1f},{y1:.1f} {right + 40:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
        label = _label(right + 10, (y1 + y2) / 2, raw) if raw else ""
        return f'<path d="{path}" class="{cls} back" marker-end="url(#arrow)"/>{label}'
    chain = [diagram.nodes[k] for k in diagram.chains[index]]
    x1, y1 = a.x, a.y + _half_h(a)
    path = f"M{x1:.1f},{y1:.1f}"
    for i in range(1, len(chain)):
        p, q = chain[i - 1], chain[i]
        px, py, qx, qy = p.x, p.y + (NODE_H / 2 if p.is_virtual else _half_h(p)), q.x, q.y - _half_h(q)
        mid = (py + qy) / 2
        path += f" C{px:.1f},{mid:.1f} {qx:.1f},{mid:.1f} {qx:.1f},{qy:.1f}"
        if q.is_virtual:
            path += f" L{qx:.1f},{q.y + NODE_H / 2:.1f}"
    x2, y2 = chain[1].x, chain[1].y - _half_h(chain[1])
    label = _label((x1 + x2) / 2, y1 + min(GAP_Y / 2, (y2 - y1) / 2), raw) if raw else ""
    return f'<path d="{path}" class="{cls}" marker-end="url(#arrow)"/>{label}'


def _node_svg(node: DiagramNode, start_task: str | None) -> str:
    if node.is_start or node.is_end:
        fill = "#2e7d32" if node.is_start else "#424242"
        return (f'<rect x="{node.x - PILL_W / 2:.1f}" y="{node.y - PILL_H / 2:.1f}" width="{PILL_W}" '
                f'height="{PILL_H}" rx="15" fill="{fill}"/><text x="{node.x:.1f}" y="{node.y + 5:.1f}" '
                f'class="pill">{"Start" if node.is_start else "End"}</text>')
    bg, fg = TYPE_COLOURS.get(node.type, TYPE_COLOURS["missing"])
    left, top = node.x - NODE_W / 2, node.y - NODE_H / 2
    width = 3 if node.key == start_task else 1.5
    kind = node.type if node.type in TYPE_COLOURS and node.type != "missing" else "unknown task"
    meta = f"{esc(node.key, 20)} · {esc(kind, 14)}"
    if node.type == "JOIN":  # a gateway with pointed ends and what it waits for
        shape = hexagon(node.x, node.y, fill=bg, stroke=fg, width=width)
        meta = f"{esc(node.key, 12)} · {esc(join_label(node.props), 16)}"
    else:
        thick = width + 2.5 if node.type == "CALL" else width  # a call activity: a thick border
        shape = (f'<rect x="{left:.1f}" y="{top:.1f}" width="{NODE_W}" height="{NODE_H}" rx="8" fill="{bg}" '
                 f'stroke="{fg}" stroke-width="{thick}"/>')
    if node.type == "TIMER":
        shape += clock(left + 16, node.y, 10, stroke=fg)
        meta = f"{esc(node.key, 14)} · {esc(timer_label(node.props), 22)}"
    elif node.type == "CALL":
        meta = f"{esc(node.key, 14)} · {esc(call_label(node.props), 24)}"
    return (f'{shape}<text x="{node.x:.1f}" y="{top + 22:.1f}" class="title">{esc(node.title, 28)}</text>'
            f'<text x="{node.x:.1f}" y="{top + 42:.1f}" class="meta" fill="{fg}">{meta}</text>'
            f"{marks(node.x, node.y, node.props)}")


_STYLE = ("text{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;text-anchor:middle}"
          ".title{font-size:13px;font-weight:600;fill:#1f2330}.meta{font-size:11px;font-family:monospace}"
          ".pill{font-size:12px;font-weight:600;fill:#ffffff}.lbl{font-size:11px;font-family:monospace;fill:#333}"
          ".edge{fill:none;stroke:#6b6f80;stroke-width:1.5}.back{stroke-dasharray:5 4}" + MARK_STYLE)


def render_svg(workflow: dict[str, Any] | BaseModel) -> str:
    """A standalone SVG document of the workflow: start and end marked, task types, conditions and priorities,
    and the flow constructs (splits, joins, timers, timeouts, reminders, for-each, calls)."""
    section = _section(workflow)
    diagram = layout(section)
    start = section.get("start")
    w, h = f"{diagram.width:.0f}", f"{diagram.height:.0f}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
             f'role="img"><title>{esc(_text(section.get("title")) or "Workflow", 200)}</title>'
             f"<style>{_STYLE}</style><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
             'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
             'fill="#6b6f80"/></marker></defs><rect width="100%" height="100%" fill="#ffffff"/>']
    back_seen = 0
    for index, edge in enumerate(diagram.edges):
        parts.append(_edge_svg(diagram, index, back_seen))
        back_seen += 1 if edge.back else 0
    parts.extend(_node_svg(n, start if isinstance(start, str) else None) for n in diagram.nodes.values()
                 if not n.is_virtual)
    parts.append("</svg>")
    return "".join(parts)
