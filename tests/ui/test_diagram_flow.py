"""The workflow diagram draws the flow constructs: splits, joins, timers, timeouts, reminders, for-each and calls."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from tests.fixtures.bundles import example
from tfai.ui.diagram import layout, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 - our own output; also proves it is well-formed XML
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _form(key: str, **props: Any) -> dict[str, Any]:
    return {"key": key, "title": key.title(), "type": "FORM", **props}


def _parallel() -> dict[str, Any]:
    """Legal and finance in parallel, then a 2-of-2 JOIN with cancel_rest; legal has a reminder and a timeout."""
    return {
        "key": "p", "title": "Parallel", "start": "submit",
        "tasks": [
            _form("submit", next="all"),
            _form("legal", remind={"every": "P1D", "times": 3}, timeout={"after": "PT48H", "to": "escalate"}),
            _form("finance", due="P2D"),
            {"key": "both", "title": "Both approved", "type": "JOIN", "join": {"wait_for": 2, "cancel_rest": True}},
            _form("escalate"),
        ],
        "transitions": [
            {"from": "submit", "to": "legal"}, {"from": "submit", "to": "finance"},
            {"from": "legal", "to": "both"}, {"from": "finance", "to": "both"},
            {"from": "both", "to": None}, {"from": "escalate", "to": None},
        ],
    }  # fmt: skip


def _paths(svg: str) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter(f"{SVG}path"))  # noqa: S314


def test_a_split_gets_a_parallel_gateway_marker_and_no_priorities() -> None:
    svg = render_svg(_parallel())
    assert "+" in _texts(svg)
    assert "p0" not in _texts(svg)  # every true transition fires: their order does not matter
    assert not [e for e in layout(_parallel()).edges if e.source == "submit" and e.show_priority]
    plain = _parallel()
    plain["tasks"][0].pop("next")
    assert "+" not in _texts(render_svg(plain))
    assert "p0" in _texts(render_svg(plain))


def test_a_join_is_a_gateway_with_what_it_waits_for() -> None:
    svg = render_svg(_parallel())
    texts = _texts(svg)
    assert "both · wait for 2" in texts and "cancel rest" in texts
    assert len([p for p in _paths(svg) if p.get("class") == "gateway"]) == 1
    wf = _parallel()
    wf["tasks"][3]["join"] = {}
    texts = _texts(render_svg(wf))
    assert "both · wait for all" in texts and "cancel rest" not in texts


def test_a_timer_has_a_clock_and_its_duration_or_until() -> None:
    wf: dict[str, Any] = {
        "key": "t", "title": "T", "start": "wait",
        "tasks": [{"key": "wait", "title": "Wait three days", "type": "TIMER", "wait": "P3D"},
                  {"key": "at", "title": "At start date", "type": "TIMER", "until": "timestamp(ticket.start)"}],
        "transitions": [{"from": "wait", "to": "at"}],
    }  # fmt: skip
    svg = render_svg(wf)
    texts = " | ".join(_texts(svg))
    assert "wait · wait P3D" in texts
    assert "at · until timestamp(ticke…" in texts
    assert len(list(ET.fromstring(svg).iter(f"{SVG}circle"))) == 2  # noqa: S314 - one clock per timer


def test_a_timeout_is_a_dashed_edge_to_its_target_labelled_after() -> None:
    wf = _parallel()
    diagram = layout(wf)
    timeouts = [e for e in diagram.edges if e.kind == "timeout"]
    assert [(e.source, e.target) for e in timeouts] == [("legal", "escalate")]
    assert not timeouts[0].show_priority
    svg = render_svg(wf)
    assert "after PT48H" in _texts(svg)
    assert any("timeout" in (p.get("class") or "") for p in _paths(svg))
    assert 'class="edge timeout"' in svg or 'class="edge timeout back"' in svg
    assert ".timeout{" in svg and "stroke-dasharray" in svg.split(".timeout{")[1].split("}")[0]
    # the boundary clock on legal's box
    assert len(list(ET.fromstring(svg).iter(f"{SVG}circle"))) == 1  # noqa: S314


def test_a_timeout_alone_does_not_hide_the_end_of_a_task() -> None:
    wf = {"key": "x", "title": "X", "start": "a",
          "tasks": [_form("a", timeout={"after": "PT1H", "to": "b"}), _form("b")], "transitions": []}
    edges = {(e.source, e.target, e.kind) for e in layout(wf).edges}
    assert ("a", "#end", "") in edges and ("a", "b", "timeout") in edges


def test_reminders_and_due_dates_get_badges() -> None:
    texts = _texts(render_svg(_parallel()))
    assert "remind P1D ×3" in texts
    assert "due P2D" in texts


def test_for_each_gets_a_multi_instance_marker_with_complete_when() -> None:
    wf: dict[str, Any] = {"key": "e", "title": "E", "start": "item",
          "tasks": [_form("item", for_each="ticket.items", complete_when=2)], "transitions": []}
    assert "≡ each · 2" in _texts(render_svg(wf))
    wf["tasks"][0].pop("complete_when")
    assert "≡ each · all" in _texts(render_svg(wf))


def test_a_call_is_a_thick_box_naming_the_called_workflow() -> None:
    wf = {"key": "c", "title": "C", "start": "sub",
          "tasks": [{"key": "sub", "title": "Order equipment", "type": "CALL", "workflow": "procurement",
                     "version": 3}, {"key": "other", "title": "Latest", "type": "CALL", "workflow": "shipping"}],
          "transitions": [{"from": "sub", "to": "other"}]}
    svg = render_svg(wf)
    texts = " | ".join(_texts(svg))
    assert "sub · call procurement@3" in texts and "other · call shipping" in texts
    widths = {float(r.get("stroke-width", "0")) for r in ET.fromstring(svg).iter(f"{SVG}rect")}  # noqa: S314
    assert max(widths) >= 4


def test_flow_labels_are_escaped_and_the_svg_stays_static() -> None:
    wf = _parallel()
    wf["tasks"][1]["timeout"]["after"] = "<script>x</script>"
    wf["tasks"][1]["remind"]["every"] = '"><img src=x onerror=alert(1)>'
    wf["tasks"][2]["due"] = "</text><script>"
    wf["tasks"][3]["join"]["wait_for"] = "<b>"
    wf["tasks"][4].update(type="CALL", workflow="<svg onload=alert(1)>")
    svg = render_svg(wf)
    lowered = svg.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<svg onload" not in lowered
    root = ET.fromstring(svg)  # noqa: S314
    assert not [a for el in root.iter() for a in el.attrib if a.lower().startswith("on")]
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= {"svg", "title", "style", "defs", "marker", "path",
                                                               "rect", "text", "circle"}
    assert any("<script>x</script>" in t for t in _texts(svg))  # shown as text


def test_invalid_flow_properties_still_render() -> None:
    wf = {"key": "x", "title": "X", "start": "a", "tasks": [
        {"key": "a", "title": "A", "type": "JOIN", "join": "all", "next": 3, "timeout": "PT1H", "remind": []},
        {"key": "b", "title": "B", "type": "TIMER"},
        {"key": "c", "title": "C", "type": "CALL", "workflow": ["x"]},
        _form("d", timeout={"after": 5, "to": "ghost"}, for_each="x", complete_when={"n": 1}),
    ], "transitions": [{"from": "a", "to": "b"}]}
    texts = " | ".join(_texts(render_svg(wf)))
    assert "a · wait for all" in texts and "b · until" in texts and "ghost · unknown task" in texts
    assert "after 5" in texts


def test_the_flow_examples_draw_their_constructs() -> None:
    procurement = render_svg(example("parallel-procurement-approval.json")["workflow"])
    texts = _texts(procurement)
    assert texts.count("+") == 2  # review and brief_managers split
    assert "managers · wait for 2" in texts and "cancel rest" in texts
    assert "legal_and_f… · wait for all" in texts
    assert "after PT48H" in texts and "remind P1D ×2" in texts
    onboarding = _texts(render_svg(example("onboarding-equipment.json")["workflow"]))
    assert "≡ each · all" in onboarding and "after PT48H" in onboarding
