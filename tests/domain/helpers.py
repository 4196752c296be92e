"""Shared helpers for domain tests: the example bundles as fresh dicts."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

from tfai.domain.bundle import load_bundle_text
from tfai.domain.expressions import compile_expression

compile_expression("true")  # celpy raises the recursion limit once; do it before any hypothesis test

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".json", ".yaml", ".yml"))


@cache
def _load(name: str) -> dict[str, Any]:
    return load_bundle_text((EXAMPLES / name).read_text(encoding="utf-8"))


def example(name: str) -> dict[str, Any]:
    """A fresh deep copy of examples/<name> (with extension)."""
    return copy.deepcopy(_load(name))


def laptop() -> dict[str, Any]:
    return example("laptop-request.json")
