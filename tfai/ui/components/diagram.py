"""The workflow diagram as an image: an SVG in a data: URI (an <img> SVG cannot run script)."""

from __future__ import annotations

import base64
from typing import Any

import reflex as rx

from tfai.ui.diagram import render_svg


def diagram_src(workflow: Any) -> str:
    """A data: URI of the workflow's SVG diagram (for the state to hold and the image to show)."""
    return "data:image/svg+xml;base64," + base64.b64encode(render_svg(workflow).encode("utf-8")).decode("ascii")


def diagram_image(src: Any, *, alt: Any = "Workflow diagram", **props: Any) -> rx.Component:
    """The diagram at its natural size, shrunk to the width available, scrollable when tall."""
    return rx.box(
        rx.image(src=src, alt=alt, max_width="100%", height="auto", id="workflow-diagram"),
        border="1px solid var(--gray-a5)", border_radius="var(--radius-3)", padding="0.5em", overflow="auto",
        max_height="80vh", background="white", width="100%", **props,
    )
