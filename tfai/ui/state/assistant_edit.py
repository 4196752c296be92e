"""Open a proposal in the bundle editor: the upload page's state, loaded with the proposal's (filled-in) bundle."""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.services.assistant import conversations
from tfai.ui.state.assistant import AssistantState
from tfai.ui.state.assistant_helpers import plain
from tfai.ui.state.definitions_editor import DefinitionsEditorState
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import DESIGNER, guarded


class ProposalEditState(DefinitionsEditorState):
    """Runs after the editor's own on_load; saving is the editor's Save (a normal upload, fully validated)."""

    @rx.event
    @guarded(DESIGNER)
    async def prefill(self, actor: Actor) -> Any:
        raw = self._query("proposal_id")
        if not raw.isdigit():
            self.error = "Proposal not found"
            return None
        chat = await self.get_state(AssistantState)
        bundle: dict[str, Any] | None = None
        if chat.p_id == int(raw) and chat._p_bundle:  # the designer's filled-in version of it
            bundle = plain(chat._p_bundle)
        else:
            try:
                bundle = (await conversations.get_proposal(actor, int(raw))).bundle
            except TfaiError as exc:
                self.error = error_message(exc)
                return None
        self._load_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n")
        return self._changed()
