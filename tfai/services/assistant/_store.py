"""Rows of the assistant (conversations, messages, proposals, usage) and the company context, in an open session."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.assistant.client import Usage
from tfai.assistant.context import CompanyDefinitions, TicketTypeInfo, WorkflowInfo, schema_field_types
from tfai.db.tables import AssistantConversation, AssistantMessage, AssistantProposal, AssistantUsage, CompanyRole
from tfai.domain.errors import NotFound
from tfai.domain.policy import Actor
from tfai.services.assistant.dto import ConversationDTO, MessageDTO, ProposalDTO

HISTORY_MESSAGES = 20
MAX_CONTEXT_WORKFLOWS = 200


def today() -> date:
    return datetime.now(UTC).date()


def conversation_dto(row: AssistantConversation) -> ConversationDTO:
    assert row.id is not None
    return ConversationDTO(id=row.id, title=row.title, created_at=row.created_at, updated_at=row.updated_at)


def proposal_dto(row: AssistantProposal) -> ProposalDTO:
    assert row.id is not None
    return ProposalDTO(id=row.id, summary=row.summary, bundle=row.bundle or {}, valid=row.valid,
                       errors=list(row.errors or []), warnings=list(row.warnings or []),
                       placeholders=list(row.placeholders or []), repair_rounds=row.repair_rounds, status=row.status)


def message_dto(row: AssistantMessage, proposal: AssistantProposal | None) -> MessageDTO:
    assert row.id is not None
    return MessageDTO(id=row.id, role=row.role, content=row.content, created_at=row.created_at,
                      proposal=proposal_dto(proposal) if proposal is not None else None)


async def own_conversation(session: AsyncSession, actor: Actor, conv_id: int, *,
                           lock: bool = False) -> AssistantConversation:
    """The actor's own conversation; another user's or another company's answers NotFound."""
    stmt = select(AssistantConversation).where(col(AssistantConversation.id) == conv_id,
                                               col(AssistantConversation.company_id) == actor.company_id,
                                               col(AssistantConversation.user_id) == actor.user_id)
    if lock:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalars().first()
    if row is None:
        raise NotFound("Conversation not found")
    return row


async def own_proposal(session: AsyncSession, actor: Actor, proposal_id: int) -> AssistantProposal:
    """A proposal of one of the actor's own conversations, locked for update."""
    stmt = (select(AssistantProposal)
            .join(AssistantConversation, col(AssistantConversation.id) == col(AssistantProposal.conversation_id))
            .where(col(AssistantProposal.id) == proposal_id,
                   col(AssistantProposal.company_id) == actor.company_id,
                   col(AssistantConversation.user_id) == actor.user_id)
            .with_for_update(of=AssistantProposal))  # type: ignore[arg-type]
    row = (await session.execute(stmt)).scalars().first()
    if row is None:
        raise NotFound("Proposal not found")
    return row


async def messages_of(session: AsyncSession, conv_id: int,
                      limit: int | None = None) -> list[tuple[AssistantMessage, AssistantProposal | None]]:
    """Messages in order with their proposals (the newest `limit` when given)."""
    stmt = (select(AssistantMessage, AssistantProposal)
            .outerjoin(AssistantProposal, col(AssistantProposal.id) == col(AssistantMessage.proposal_id))
            .where(col(AssistantMessage.conversation_id) == conv_id)
            .order_by(col(AssistantMessage.id).desc()))
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [(m, p) for m, p in (await session.execute(stmt)).all()]
    return list(reversed(rows))


async def tokens_used_today(session: AsyncSession, company_id: int) -> int:
    stmt = select(AssistantUsage).where(col(AssistantUsage.company_id) == company_id,
                                        col(AssistantUsage.day) == today())
    row = (await session.execute(stmt)).scalars().first()
    return 0 if row is None else int(row.prompt_tokens + row.completion_tokens)


async def record_usage(session: AsyncSession, company_id: int, usage: Usage) -> None:
    """Add tokens to the company's row for today (one upsert)."""
    if usage.total <= 0:
        return
    stmt = insert(AssistantUsage).values(company_id=company_id, day=today(), prompt_tokens=usage.prompt_tokens,
                                         completion_tokens=usage.completion_tokens)
    stmt = stmt.on_conflict_do_update(
        index_elements=["company_id", "day"],
        set_={"prompt_tokens": AssistantUsage.prompt_tokens + stmt.excluded.prompt_tokens,  # type: ignore[operator]
              "completion_tokens": AssistantUsage.completion_tokens  # type: ignore[operator]
              + stmt.excluded.completion_tokens})
    await session.execute(stmt)


def _workflow_info(key: str, title: str, version: int, section: Any) -> WorkflowInfo:
    section = section if isinstance(section, dict) else {}
    tasks = [{"key": t.get("key"), "title": t.get("title", ""), "type": t.get("type"),
              "outputs": list(schema_field_types(t.get("output_schema")))}
             for t in section.get("tasks") or [] if isinstance(t, dict)]
    transitions = [{"from": t.get("from"), "to": t.get("to"), "condition": t.get("condition"),
                    "priority": t.get("priority", 0)} for t in section.get("transitions") or [] if isinstance(t, dict)]
    fields = [f for f in section.get("fields") or [] if isinstance(f, dict)]
    return WorkflowInfo(key=key, title=title, version=version, fields=fields, tasks=tasks, transitions=transitions,
                        section=section)


async def company_definitions(session: AsyncSession) -> CompanyDefinitions:
    """The session company's newest definitions and role names (RLS scopes every query to it)."""
    wf_rows = (await session.execute(text(
        "SELECT DISTINCT ON (key) key, title, version, bundle FROM workflow_definitions "
        "ORDER BY key, version DESC LIMIT :n"), {"n": MAX_CONTEXT_WORKFLOWS})).all()
    tt_rows = (await session.execute(text(
        "SELECT DISTINCT ON (key) key, title, workflow_key, fields, company_role_access FROM ticket_definitions "
        "ORDER BY key, version DESC LIMIT :n"), {"n": MAX_CONTEXT_WORKFLOWS})).all()
    roles = (await session.execute(select(col(CompanyRole.role_name)).order_by(col(CompanyRole.role_name)))).scalars()
    return CompanyDefinitions(
        workflows=[_workflow_info(str(k), str(t), int(v), b) for k, t, v, b in wf_rows],
        ticket_types=[TicketTypeInfo(key=str(k), title=str(t), workflow=str(w), fields=schema_field_types(f),
                                     roles=[str(r) for r in (a or [])]) for k, t, w, f, a in tt_rows],
        roles=list(roles.all()),
    )
