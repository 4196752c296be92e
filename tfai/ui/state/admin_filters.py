"""The admin lists' filter form: its keys and defaults, the raw values it submits, and its choices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.services.accounts import users
from tfai.services.tickets import submission
from tfai.ui.state.list_filters import ANY, worker_options

FILTER_KEYS = ("ticket_type", "status", "assignee", "created_from", "created_to", "sort")


def filter_defaults(sort: str) -> dict[str, str]:
    """Every filter unset, the list sorted by `sort`."""
    return {"ticket_type": ANY, "status": ANY, "assignee": ANY, "created_from": "", "created_to": "", "sort": sort}


def raw_filters(form_data: Mapping[str, Any], defaults: Mapping[str, str]) -> dict[str, str]:
    """The submitted filter strings (an empty one falls back to its default), each cut to 64 characters."""
    return {k: str(form_data.get(k, "") or defaults[k])[:64] for k in FILTER_KEYS}


async def type_options(actor: Actor) -> list[dict[str, str]]:
    """'Any type' plus the ticket types the actor can see as submittable (value = key)."""
    try:
        found = await submission.submittable_types(actor)
    except TfaiError:
        found = []
    return [{"value": ANY, "label": "Any type"}, *({"value": t.key, "label": t.title} for t in found)]


async def filter_choices(actor: Actor) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(ticket type choices, assignee choices: 'Anyone' plus the first hundred users' task workers)."""
    types = await type_options(actor)
    try:
        people = (await users.list_users(actor, page=1, page_size=100)).items
    except TfaiError:
        people = []
    return types, [{"value": ANY, "label": "Anyone"}, *worker_options(people)]
