"""Plain answers of the assistant service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class StatusDTO(BaseModel):
    """Whether a model endpoint is configured, and how to configure one."""

    configured: bool
    model: str
    help: str


class ConversationDTO(BaseModel):
    id: int
    title: str
    created_at: datetime
    updated_at: datetime


class ProposalDTO(BaseModel):
    """A drafted bundle: valid means no validator errors; placeholders must be filled before Accept."""

    id: int
    summary: str
    bundle: dict[str, Any]
    valid: bool
    errors: list[dict[str, Any]] = Field(default_factory=list)
    warnings: list[dict[str, Any]] = Field(default_factory=list)
    placeholders: list[dict[str, str]] = Field(default_factory=list)
    repair_rounds: int = 0
    status: str = "pending"


class MessageDTO(BaseModel):
    id: int
    role: str
    content: str
    created_at: datetime
    proposal: ProposalDTO | None = None


class ConversationDetailDTO(ConversationDTO):
    messages: list[MessageDTO] = Field(default_factory=list)


class ReplyDTO(BaseModel):
    """The assistant's answer to one message: its text and the proposal it made, if any."""

    text: str
    proposal: ProposalDTO | None = None
    message_id: int | None = None
    stopped: bool = False
    tokens: int = 0
