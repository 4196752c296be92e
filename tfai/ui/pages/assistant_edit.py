"""The upload/edit page again at /assistant/proposals/[proposal_id]/edit, pre-filled with a proposal's bundle."""

from __future__ import annotations

import reflex as rx

from tfai.ui.components.layout import breadcrumbs
from tfai.ui.pages.definitions_upload import upload_page
from tfai.ui.state.assistant_edit import ProposalEditState
from tfai.ui.state.definitions_editor import DefinitionsEditorState


@rx.page(route="/assistant/proposals/[proposal_id]/edit", title="Edit a proposal · tfai",
         on_load=[DefinitionsEditorState.load, ProposalEditState.prefill])
def assistant_edit() -> rx.Component:
    return upload_page(breadcrumbs(("Assistant", "/assistant"), current="Edit a proposal"))
