"""State of the assistant page: conversations, the chat streamed from a background event, Stop, Retry."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.limits import MAX_MESSAGE
from tfai.domain.policy import Actor
from tfai.services.assistant import conversations
from tfai.ui.state import toast
from tfai.ui.state.assistant_helpers import conversation_row, error_kind, message_row
from tfai.ui.state.assistant_proposal import ProposalMixin, proposal_view
from tfai.ui.state.auth import AuthState
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import ASSISTANT, admit, guarded

log = logging.getLogger(__name__)
FLUSH_SECONDS = 0.05
# Stop buttons: the cancel event of each tab's running reply, keyed by the client token (never in a state var).
_CANCELS: dict[str, asyncio.Event] = {}


class AssistantState(ProposalMixin, AuthState):
    """Messages are plain dicts; the reply streams into `stream_text` until it is stored and reloaded."""

    configured: bool = True
    config_help: str = ""
    model: str = ""
    conversations: list[dict[str, Any]] = []
    conv_id: int = 0
    conv_title: str = ""
    messages: list[dict[str, Any]] = []
    streaming: bool = False
    stream_text: str = ""
    progress: str = ""
    reply_error: str = ""
    reply_error_kind: str = ""
    error: str = ""
    composer_key: int = 0
    composer_error: str = ""
    rename_open: bool = False
    _pending: str = ""

    async def _list(self, actor: Actor) -> None:
        page = await conversations.list_conversations(actor, page_size=100)
        self.conversations = [conversation_row(c) for c in page.items]

    async def _open(self, actor: Actor, conv_id: int) -> None:
        """Show one conversation and its newest proposal."""
        detail = await conversations.get_conversation(actor, conv_id)
        self.conv_id, self.conv_title = detail.id, detail.title
        self.messages = [message_row(m) for m in detail.messages]
        newest = next((m.proposal for m in reversed(detail.messages) if m.proposal is not None), None)
        await self._show(actor, newest)

    @rx.event
    @guarded(ASSISTANT)
    async def load(self, actor: Actor) -> Any:
        status = await conversations.assistant_status()
        self.configured, self.config_help, self.model = status.configured, status.help, status.model
        self.error = self.reply_error = self.reply_error_kind = self.progress = self.stream_text = ""
        self.streaming = False
        try:
            await self._list(actor)
            if self.conv_id and any(c["id"] == self.conv_id for c in self.conversations):
                await self._open(actor, self.conv_id)
            elif self.conversations:
                await self._open(actor, int(self.conversations[0]["id"]))
            else:
                self.conv_id, self.conv_title, self.messages = 0, "", []
                self._clear_proposal()
        except TfaiError as exc:
            self.error = error_message(exc)
        return None

    @rx.event
    @guarded(ASSISTANT)
    async def open_conversation(self, actor: Actor, conv_id: int) -> Any:
        if self.streaming:
            return toast.info("Wait for the answer, or press Stop.")
        self.reply_error = self.reply_error_kind = ""
        try:
            await self._open(actor, int(conv_id))
        except TfaiError as exc:
            self.error = error_message(exc)
        return None

    @rx.event
    @guarded(ASSISTANT)
    async def new_conversation(self, actor: Actor) -> Any:
        if self.streaming:
            return None
        try:
            conv = await conversations.create_conversation(actor)
            await self._list(actor)
            await self._open(actor, conv.id)
        except TfaiError as exc:
            self.error = error_message(exc)
        self.reply_error = self.reply_error_kind = ""
        return None

    @rx.event
    def set_rename_open(self, value: bool) -> None:
        self.rename_open = bool(value)

    @rx.event
    @guarded(ASSISTANT)
    async def rename(self, actor: Actor, form_data: dict[str, Any]) -> Any:
        try:
            conv = await conversations.rename_conversation(actor, self.conv_id, title=str(form_data.get("title", "")))
            await self._list(actor)
        except TfaiError as exc:
            self.error = error_message(exc)
            return None
        self.conv_title, self.rename_open, self.error = conv.title, False, ""
        return None

    @rx.event
    @guarded(ASSISTANT)
    async def delete_conversation(self, actor: Actor) -> Any:
        if self.streaming or not self.conv_id:
            return None
        try:
            await conversations.delete_conversation(actor, self.conv_id)
            self.conv_id = 0
            await self._list(actor)
            if self.conversations:
                await self._open(actor, int(self.conversations[0]["id"]))
            else:
                self.conv_title, self.messages = "", []
                self._clear_proposal()
        except TfaiError as exc:
            self.error = error_message(exc)
            return toast.error("Not deleted: " + self.error)
        return toast.success("Conversation deleted")

    @rx.event
    @guarded(ASSISTANT)
    async def send(self, actor: Actor, form_data: dict[str, Any]) -> Any:
        """Show the designer's message at once; the reply streams from `run_reply` in the background."""
        content = str(form_data.get("content", "") or "").strip()
        if self.streaming or not content:
            return None
        if len(content) > MAX_MESSAGE:
            self.composer_error = f"At most {MAX_MESSAGE} characters."
            return None
        if not self.conv_id:
            try:
                conv = await conversations.create_conversation(actor)
            except TfaiError as exc:
                self.error = error_message(exc)
                return None
            self.conv_id, self.conv_title = conv.id, conv.title
        self.messages = [*self.messages, {"id": 0, "role": "user", "content": content, "proposal_id": 0,
                                          "proposal_summary": "", "proposal_status": "", "proposal_valid": False}]
        self._pending, self.composer_error = content, ""
        self.composer_key += 1
        return self._begin()

    def _begin(self) -> Any:
        self.streaming, self.stream_text, self.progress = True, "", "drafting…"
        self.reply_error = self.reply_error_kind = ""
        return AssistantState.run_reply

    @rx.event
    def retry(self) -> Any:
        """Send the same message again (the service stores it only once)."""
        if self.streaming or not self._pending or not self.conv_id:
            return None
        return self._begin()

    @rx.event
    def stop(self) -> None:
        token = self.router.session.client_token if self.router is not None else ""
        cancel = _CANCELS.get(token)
        if cancel is not None:
            cancel.set()
            self.progress = "stopping…"

    @rx.event
    def after_decision(self) -> Any:
        """After Accept or Discard: refresh the bubbles' proposal badges."""
        return AssistantState.refresh_messages

    @rx.event
    @guarded(ASSISTANT)
    async def refresh_messages(self, actor: Actor) -> Any:
        if not self.conv_id:
            return None
        try:
            detail = await conversations.get_conversation(actor, self.conv_id)
        except TfaiError as exc:
            self.error = error_message(exc)
            return None
        self.messages = [message_row(m) for m in detail.messages]
        return None

    @rx.event(background=True)
    async def run_reply(self) -> None:
        async with self:
            actor, _ = await admit(self, ASSISTANT)  # a background event: guarded inside the lock
            conv_id, content = self.conv_id, self._pending
            token = self.router.session.client_token if self.router is not None else ""
            if actor is None or not conv_id or not content:
                self.streaming = False
                return
        cancel = asyncio.Event()
        _CANCELS[token] = cancel
        buffer: list[str] = []
        last = time.monotonic()

        async def flush(progress: str | None = None) -> None:
            nonlocal last
            async with self:
                if buffer:
                    self.stream_text += "".join(buffer)
                    buffer.clear()
                if progress is not None and not cancel.is_set():
                    self.progress = progress
            last = time.monotonic()

        async def on_event(event: Any) -> None:
            if hasattr(event, "stage"):
                await flush(str(event.message))
                return
            buffer.append(str(getattr(event, "text", "")))
            if time.monotonic() - last >= FLUSH_SECONDS:
                await flush()

        try:
            reply = await conversations.send_message(actor, conv_id, content=content, on_event=on_event, cancel=cancel)
        except Exception as exc:  # noqa: BLE001 - whatever happens, the page leaves the streaming state
            if not isinstance(exc, TfaiError):
                log.exception("assistant reply failed")
            async with self:
                self.streaming, self.progress, self.stream_text = False, "", ""
                self.reply_error = error_message(exc)
                self.reply_error_kind = error_kind(exc.status if isinstance(exc, TfaiError) else 500)
            return
        finally:
            if _CANCELS.get(token) is cancel:
                del _CANCELS[token]
        view = await proposal_view(actor, reply.proposal) if reply.proposal is not None else None
        try:
            detail = await conversations.get_conversation(actor, conv_id)
        except TfaiError:
            detail = None
        async with self:
            self.streaming, self.progress, self.stream_text, self._pending = False, "", "", ""
            if detail is not None and self.conv_id == conv_id:
                self.messages = [message_row(m) for m in detail.messages]
                self.conv_title = detail.title
            if view is not None and self.conv_id == conv_id:
                self._apply_view(view)
        async with self:
            try:
                await self._list(actor)
            except TfaiError:
                pass
