"""The workflow diagram: layered layout and a safe, static SVG."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from tfai.domain.bundle import Workflow
from tfai.ui.diagram import END_ID, START_ID, layout, render_svg

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SVG = "{http://www.w3.org/2000/svg}"


def _laptop() -> dict[str, Any]:
    section: dict[str, Any] = json.loads((EXAMPLES / "laptop-request.json").read_text())["workflow"]
    return section


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 - our own output; also proves it is well-formed XML
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _chain(n: int, *, loop: bool = False) -> dict[str, Any]:
    tasks = [{"key": f"t{i}", "title": f"Task {i}", "type": "FORM" if i % 2 else "SYNC_ACTION"} for i in range(n)]
    transitions: list[dict[str, Any]] = [{"from": f"t{i}", "to": f"t{i + 1}"} for i in range(n - 1)]
    transitions += [{"from": f"t{i}", "to": f"t{i + 2}", "condition": f"output.skip{i}", "priority": 5}
                     for i in range(0, n - 2, 3)]
    if loop:
        transitions.append({"from": f"t{n - 1}", "to": "t0", "condition": "output.again", "priority": 1})
        transitions.append({"from": f"t{n - 1}", "to": None})
    return {"key": "big", "title": "Big", "start": "t0", "tasks": tasks, "transitions": transitions}


def test_ranks_follow_the_longest_path_from_start_and_mark_start_and_end() -> None:
    diagram = layout(_laptop())
    assert diagram.ranks() == [[START_ID], ["approve"], ["order", "rejected"], ["delivery", "~5~3"], [END_ID]]
    assert diagram.nodes[START_ID].is_start and diagram.nodes[END_ID].is_end
    assert diagram.nodes["delivery"].rank == 3


def test_every_task_and_transition_is_drawn_with_type_condition_and_priority() -> None:
    texts = " | ".join(_texts(render_svg(_laptop())))
    for title in ("Manager approval", "Order from vendor", "Wait for delivery", "Tell requester", "Start", "End"):
        assert title in texts
    for meta in ("approve · FORM", "order · SYNC_ACTION", "delivery · ASYNC_ACTION"):
        assert meta in texts
    assert "output.approved · p10" in texts
    assert "p0" in texts


def test_accepts_a_workflow_model() -> None:
    model = Workflow.model_validate(_laptop())
    assert render_svg(model) == render_svg(_laptop())


def test_back_edges_do_not_raise_ranks_and_are_dashed() -> None:
    diagram = layout(_chain(6, loop=True))
    assert [diagram.nodes[f"t{i}"].rank for i in range(6)] == [1, 2, 3, 4, 5, 6]
    back = [e for e in diagram.edges if e.back]
    assert [(e.source, e.target) for e in back] == [("t5", "t0")]
    assert 'class="edge back"' in render_svg(_chain(6, loop=True))


def test_text_is_escaped_and_nothing_active_is_emitted() -> None:
    wf = _laptop()
    wf["title"] = "<script>alert(1)</script>"
    wf["tasks"][0]["title"] = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    wf["transitions"][0]["condition"] = "output.a < 3 && '\"' != \"<b>\""
    svg = render_svg(wf)
    lowered = svg.lower()
    assert "<script" not in lowered and "<img" not in lowered
    assert "foreignobject" not in lowered
    root = ET.fromstring(svg)  # noqa: S314
    assert not [a for el in root.iter() for a in el.attrib if a.lower().startswith("on")]
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= {"svg", "title", "style", "defs", "marker", "path",
                                                               "rect", "text"}
    assert "&lt;script&gt;" in svg
    assert "xlink:href" not in svg and "href=" not in svg and "http://" not in svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert any("<script>" in t for t in _texts(svg))  # shown as text, parsed back as text only


def test_control_characters_and_long_titles_keep_the_svg_well_formed() -> None:
    wf = _laptop()
    wf["tasks"][1]["title"] = "bad\x00\x07title " + "x" * 300
    texts = _texts(render_svg(wf))
    assert any(t.startswith("badtitle") and t.endswith("…") for t in texts)


def test_forty_tasks_render_readably() -> None:
    wf = _chain(40, loop=True)
    diagram = layout(wf)
    svg = render_svg(wf)
    texts = " | ".join(_texts(svg))
    assert all(f"t{i} · " in texts for i in range(40))
    assert len(diagram.edges) == len(wf["transitions"]) + 1  # plus the start marker's edge
    root = ET.fromstring(svg)  # noqa: S314
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    assert root.get("viewBox") == f"0 0 {width:.0f} {height:.0f}"
    ys = sorted({n.y for n in diagram.nodes.values()})
    assert min(b - a for a, b in zip(ys, ys[1:], strict=False)) >= 100  # rank spacing stays readable
    xs = [(n.rank, n.x, n.width) for n in diagram.nodes.values()]
    for rank, x, w in xs:  # no two nodes of a rank overlap
        assert all(abs(x - x2) >= (w + w2) / 2 for r2, x2, w2 in xs if r2 == rank and x2 != x)


def test_invalid_sections_still_render() -> None:
    svg = render_svg({"start": "ghost", "tasks": [{"key": "a"}, "junk"], "transitions": [{"from": "a", "to": "b"}]})
    texts = " | ".join(_texts(svg))
    assert "ghost · unknown task" in texts and "b · unknown task" in texts
    empty = ET.fromstring(render_svg({}))  # noqa: S314
    assert empty.find(f"{SVG}title") is not None and empty.find(f"{SVG}title").text == "Workflow"  # type: ignore[union-attr]
