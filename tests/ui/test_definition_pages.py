"""The three definition pages share one load (DefinitionPageMixin): key and version from the route, the
definition or its error, and the designer gate (pure: the mixin's handler runs on a stand-in state)."""

from __future__ import annotations

import inspect
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tfai.domain.errors import NotFound
from tfai.domain.policy import Actor
from tfai.ui.state.definitions_page import DefinitionPageMixin
from tfai.ui.state.definitions_task import TaskDefinitionState
from tfai.ui.state.definitions_ticket_type import TicketTypeDetailState
from tfai.ui.state.definitions_workflow import WorkflowDetailState

PAGES = Path(__file__).resolve().parents[2] / "tfai" / "ui" / "pages"
DESIGNER = Actor(user_id=8, company_id=3, system_roles=frozenset({"user", "workflow_creator"}), email="d@example.com")
REQUESTER = Actor(user_id=9, company_id=3, system_roles=frozenset({"user"}), email="r@example.com")
LOAD: Any = DefinitionPageMixin.__dict__["load"]  # the guarded function itself (Reflex binds a copy per state)


class StandIn:
    """A definition page's state as far as the mixin's load uses it: session, route, fetch, display, clear."""

    key_arg = "workflow_key"

    def __init__(self, actor: Actor | None, query: dict[str, str], found: Any) -> None:
        self.actor, self.query, self.found = actor, query, found
        self.router = SimpleNamespace(url=SimpleNamespace(path="/definitions/workflows/wf"))
        self.fetched: list[tuple[str, int | None]] = []
        self.displayed: list[Any] = []
        self.cleared = False
        self.item_key = self.title = self.description = self.error = ""
        self.links: list[dict[str, str]] = []

    async def _guard(self) -> Actor | None:
        return self.actor

    def _query(self, name: str) -> str:
        return self.query.get(name, "")

    async def _fetch(self, actor: Actor, key: str, version: int | None) -> Any:
        self.fetched.append((key, version))
        if isinstance(self.found, Exception):
            raise self.found
        return self.found

    def _display(self, found: Any) -> None:
        self.displayed.append(found)

    def _clear(self) -> None:
        self.cleared = True


DTO = SimpleNamespace(key="laptop", title="Laptop request", description="Order a laptop",
                      ext_ref=[{"label": "Catalogue", "uri": "https://intranet.example.com/hw", "desc": "Models"},
                               {"label": "Help desk", "uri": "mailto:it@example.com"},
                               {"label": "Old", "uri": "javascript:alert(1)"}])


@pytest.mark.parametrize(("raw", "version"), [("3", 3), ("", None), ("x1", None)])
async def test_the_route_names_the_key_and_the_version(raw: str, version: int | None) -> None:
    page = StandIn(DESIGNER, {"workflow_key": "laptop", "version": raw}, DTO)
    await LOAD(page)
    assert page.fetched == [("laptop", version)]
    assert (page.item_key, page.title, page.error) == ("laptop", "Laptop request", "")
    assert page.description == "Order a laptop"
    assert page.displayed == [DTO] and not page.cleared
    assert [(r["label"], r["href"]) for r in page.links] == [
        ("Catalogue", "https://intranet.example.com/hw"), ("Help desk", "mailto:it@example.com"), ("Old", "")]


async def test_a_missing_definition_shows_its_error_and_hides_the_last_one() -> None:
    page = StandIn(DESIGNER, {"workflow_key": "gone"}, NotFound("Workflow not found"))
    page.title, page.links = "Shown before", [{"label": "Shown before"}]
    await LOAD(page)
    assert (page.item_key, page.title, page.error, page.links) == ("gone", "", "Workflow not found", [])
    assert page.cleared and page.displayed == []


async def test_a_requester_is_sent_home_without_fetching() -> None:
    page = StandIn(REQUESTER, {"workflow_key": "laptop"}, DTO)
    refused = await LOAD(page)
    assert isinstance(refused, list) and len(refused) == 2
    assert page.fetched == [] and page.title == ""


@pytest.mark.parametrize(("state", "page_module"), [(WorkflowDetailState, "definition_workflow.py"),
                                                    (TaskDefinitionState, "definition_task.py"),
                                                    (TicketTypeDetailState, "definition_ticket_type.py")])
def test_each_page_uses_the_shared_load_with_its_route_argument(state: Any, page_module: str) -> None:
    assert f"/[{state.key_arg}]" in (PAGES / page_module).read_text()
    assert list(state.event_handlers["load"]._parameters) == ["self"]
    assert "key_arg" not in state.vars  # a class setting, never sent to the browser
    assert "def load" not in inspect.getsource(state)  # the mixin's, not a copy


@pytest.mark.parametrize(("page_module", "list_id"), [("definition_workflow", "wf-links"),
                                                      ("definition_task", "task-links"),
                                                      ("definition_ticket_type", "tt-links")])
def test_each_page_shows_its_links_in_a_new_tab_without_the_opener(page_module: str, list_id: str) -> None:
    import importlib

    module = importlib.import_module(f"tfai.ui.pages.{page_module}")
    rendered = str(getattr(module, page_module)().render())
    assert f'"{list_id}"' in rendered
    assert '"_blank"' in rendered and '"noopener noreferrer"' in rendered
