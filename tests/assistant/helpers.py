"""Bundles and small helpers shared by the assistant tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import psycopg

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def laptop_bundle() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "laptop-request.json").read_text())
    return data


def broken_bundle() -> dict[str, Any]:
    """The laptop bundle with a start task that does not exist (one validator error at /workflow/start)."""
    bundle = copy.deepcopy(laptop_bundle())
    bundle["workflow"]["start"] = "approval"
    return bundle


def placeholder_bundle() -> dict[str, Any]:
    bundle = copy.deepcopy(laptop_bundle())
    bundle["workflow"]["tasks"][1]["action_url"] = "{{ASK: URL of your vendor's order API}}"
    return bundle


def definition_count(owner: psycopg.Connection, company_id: int) -> int:
    row = owner.execute("SELECT count(*) FROM workflow_definitions WHERE company_id = %s", (company_id,)).fetchone()
    ticket = owner.execute("SELECT count(*) FROM ticket_definitions WHERE company_id = %s", (company_id,)).fetchone()
    assert row is not None and ticket is not None
    return int(row[0]) + int(ticket[0])
