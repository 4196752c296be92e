"""State mixin of the three definition pages (workflow, task definition, ticket type): one definition by key."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.ui.state.definitions_helpers import ext_ref_rows
from tfai.ui.state.definitions_lists import version_rows
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import DESIGNER, guarded


class DefinitionPageMixin(rx.State, mixin=True):
    """Subclasses (also DesignerState) name their route argument in `key_arg`, implement `_fetch` and `_display`."""

    key_arg: ClassVar[str] = ""
    item_key: str = ""
    title: str = ""
    description: str = ""
    version: int = 0
    newest_version: int = 0
    versions: list[dict[str, str]] = []
    links: list[dict[str, str]] = []  # ext_ref (definitions_helpers.ext_ref_rows)
    error: str = ""

    async def _fetch(self, actor: Actor, key: str, version: int | None) -> Any:
        """The definition's DTO for the key and the version asked for (None: the newest)."""
        raise NotImplementedError

    def _display(self, found: Any) -> None:
        """Copy what the page shows beyond key, title and description from the DTO."""
        raise NotImplementedError

    def _clear(self) -> None:
        """Forget what the page showed of a definition that cannot be shown now (the title is cleared already)."""

    def _display_versions(self, found: Any) -> None:
        self.version, self.newest_version = found.version, found.newest_version
        self.versions = version_rows(found.versions)

    @rx.event
    @guarded(DESIGNER)
    async def load(self, actor: Actor) -> None:
        me: Any = self  # `_query` comes from DesignerState
        key, raw = me._query(self.key_arg), me._query("version")
        try:
            found = await self._fetch(actor, key, int(raw) if raw.isdigit() else None)
        except TfaiError as exc:
            self.item_key, self.title, self.error, self.links = key, "", error_message(exc), []
            self._clear()
            return
        self.error = ""
        self.item_key, self.title, self.description = found.key, found.title, found.description
        self.links = ext_ref_rows(found.ext_ref)
        self._display(found)
