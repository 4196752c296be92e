"""Assistant use cases: conversations per user, drafting replies with proposals, accepting and discarding them."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, delete, select

from tfai.assistant import drafting
from tfai.assistant.client import AssistantUnavailable, LLMClient, Usage
from tfai.assistant.context import (
    CEL_RULES,
    SCHEMA_SUMMARY,
    CompanyDefinitions,
    redact_action_urls,
    render_company_context,
    restore_action_urls,
)
from tfai.assistant.drafting import Checked, DraftResult, EventSink, Validator
from tfai.assistant.placeholders import find_placeholders
from tfai.assistant.prompts import system_prompt
from tfai.db.tables import AssistantConversation, AssistantMessage, AssistantProposal
from tfai.domain import policy
from tfai.domain.errors import Conflict, InvalidInput, RateLimited
from tfai.domain.limits import MAX_CONVERSATION_TITLE, MAX_MESSAGE
from tfai.domain.policy import Action, Actor
from tfai.services.assistant import _budget, _store
from tfai.services.assistant.dto import ConversationDetailDTO, ConversationDTO, ProposalDTO, ReplyDTO, StatusDTO
from tfai.services.common import audit, ratelimit
from tfai.services.common.pagination import Page, clamp
from tfai.services.common.tx import actor_tx
from tfai.services.definitions import bundles
from tfai.services.definitions.dto import SavedBundleDTO
from tfai.settings import get_settings

DEFAULT_TITLE = "New conversation"
HELP = ("The assistant needs an OpenAI-compatible endpoint (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp server). "
        "Set TFAI_LLM_BASE_URL (for example https://api.openai.com/v1 or http://localhost:11434/v1), "
        "TFAI_LLM_API_KEY and TFAI_LLM_MODEL, then restart tfai. Everything else works without it.")


async def assistant_status() -> StatusDTO:
    """Whether the assistant can be used, with the model name and configuration help."""
    settings = get_settings()
    configured = bool(settings.llm_base_url)
    return StatusDTO(configured=configured, model=settings.llm_model,
                     help=f"Model {settings.llm_model} at the configured endpoint." if configured else HELP)


def _title(title: str) -> str:
    cleaned = " ".join((title or "").split())
    if not cleaned or len(cleaned) > MAX_CONVERSATION_TITLE:
        raise InvalidInput("The title is not valid",
                           details=[{"field": "title", "message": f"1 to {MAX_CONVERSATION_TITLE} characters"}])
    return cleaned


async def create_conversation(actor: Actor, *, title: str = DEFAULT_TITLE) -> ConversationDTO:
    """A new, empty conversation of the actor."""
    policy.require(actor, Action.ASSISTANT_USE)
    clean = _title(title)
    async with actor_tx(actor) as session:
        row = AssistantConversation(company_id=actor.company_id, user_id=actor.user_id, title=clean)
        session.add(row)
        await session.flush()
        assert row.id is not None
        await audit.record(session, actor, entity="assistant_conversation", entity_id=row.id, action="created",
                           after={"title": clean})
        return _store.conversation_dto(row)


async def list_conversations(actor: Actor, *, page: int = 1, page_size: int = 50) -> Page[ConversationDTO]:
    """The actor's own conversations, most recently active first."""
    policy.require(actor, Action.ASSISTANT_USE)
    page, page_size = clamp(page, page_size)
    mine = (col(AssistantConversation.company_id) == actor.company_id,
            col(AssistantConversation.user_id) == actor.user_id)
    async with actor_tx(actor) as session:
        total = (await session.execute(select(func.count()).select_from(AssistantConversation).where(*mine))).scalar()
        stmt = (select(AssistantConversation).where(*mine)
                .order_by(col(AssistantConversation.updated_at).desc(), col(AssistantConversation.id).desc())
                .offset((page - 1) * page_size).limit(page_size))
        rows = (await session.execute(stmt)).scalars().all()
    return Page(items=[_store.conversation_dto(r) for r in rows], total=int(total or 0), page=page,
                page_size=page_size)


async def rename_conversation(actor: Actor, conv_id: int, *, title: str) -> ConversationDTO:
    policy.require(actor, Action.ASSISTANT_USE)
    clean = _title(title)
    async with actor_tx(actor) as session:
        row = await _store.own_conversation(session, actor, conv_id, lock=True)
        before, row.title = row.title, clean
        await audit.record(session, actor, entity="assistant_conversation", entity_id=conv_id, action="renamed",
                           before={"title": before}, after={"title": clean})
        return _store.conversation_dto(row)


async def delete_conversation(actor: Actor, conv_id: int) -> None:
    """Delete a conversation with its messages and proposals (saved definitions stay)."""
    policy.require(actor, Action.ASSISTANT_USE)
    async with actor_tx(actor) as session:
        row = await _store.own_conversation(session, actor, conv_id, lock=True)
        await session.execute(delete(AssistantConversation).where(col(AssistantConversation.id) == row.id))
        await audit.record(session, actor, entity="assistant_conversation", entity_id=conv_id, action="deleted",
                           before={"title": row.title})


async def get_conversation(actor: Actor, conv_id: int) -> ConversationDetailDTO:
    """One of the actor's conversations with every message and its proposal."""
    policy.require(actor, Action.ASSISTANT_USE)
    async with actor_tx(actor) as session:
        row = await _store.own_conversation(session, actor, conv_id)
        messages = await _store.messages_of(session, conv_id)
    return ConversationDetailDTO(**_store.conversation_dto(row).model_dump(),
                                 messages=[_store.message_dto(m, p) for m, p in messages])


def _content(content: str) -> str:
    text = (content or "").strip()
    if not text or len(text) > MAX_MESSAGE:
        raise InvalidInput("The message is not valid",
                           details=[{"field": "content", "message": f"1 to {MAX_MESSAGE} characters"}])
    return text


def _history(history: list[tuple[AssistantMessage, AssistantProposal | None]]) -> list[dict[str, Any]]:
    """Earlier messages for the model; the newest proposal's bundle in full, older ones by summary."""
    newest = max((p.id or 0 for _, p in history if p is not None), default=None)
    out: list[dict[str, Any]] = []
    for message, proposal in history:
        if message.role == "user":
            out.append({"role": "user", "content": message.content})
            continue
        text = message.content
        if proposal is not None:
            note = f"[Proposal #{proposal.id} ({proposal.status}): {proposal.summary}]"
            if proposal.id == newest:  # its action URLs redacted like the company context's
                note += "\n```json\n" + json.dumps(redact_action_urls(proposal.bundle), ensure_ascii=False,
                                                    separators=(",", ":")) + "\n```"
            text = f"{text}\n\n{note}".strip()
        out.append({"role": "assistant", "content": text or "(no text)"})
    return out


def _validator(actor: Actor) -> Validator:
    async def check(bundle: dict[str, Any]) -> Checked:
        result = await bundles.validate_bundle(actor, bundle)
        return Checked(valid=result.valid, errors=[p.model_dump() for p in result.errors],
                       warnings=[p.model_dump() for p in result.warnings])
    return check


def _seconds_to_midnight() -> int:
    now = datetime.now(UTC)
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((tomorrow - now).total_seconds()))


async def _start(actor: Actor, conv_id: int, content: str,
                 reserved: int) -> tuple[list[dict[str, Any]], CompanyDefinitions]:
    """Check the budget (tokens used plus every reply's reservation), store the user's message (once, also on a
    retry) and build the model's messages."""
    settings = get_settings()
    async with actor_tx(actor) as session:
        conv = await _store.own_conversation(session, actor, conv_id, lock=True)
        used = await _store.tokens_used_today(session, actor.company_id)
        if used + reserved > settings.llm_daily_token_budget:
            raise RateLimited("Your company has used its assistant token budget for today",
                              retry_after=_seconds_to_midnight())
        history = await _store.messages_of(session, conv_id, limit=_store.HISTORY_MESSAGES)
        retry = bool(history) and history[-1][0].role == "user" and history[-1][0].content == content
        if retry:
            history = history[:-1]
        else:
            session.add(AssistantMessage(company_id=actor.company_id, conversation_id=conv_id, role="user",
                                         content=content))
        if conv.title == DEFAULT_TITLE and not history:
            conv.title = " ".join(content.split())[:60] or DEFAULT_TITLE
        conv.updated_at = datetime.now(UTC)
        defs = await _store.company_definitions(session)
    system = system_prompt(company_context=render_company_context(defs, focus_text=content),
                           schema_summary=SCHEMA_SUMMARY, cel_rules=CEL_RULES)
    return [{"role": "system", "content": system}, *_history(history), {"role": "user", "content": content}], defs


async def _record_only(actor: Actor, usage: Usage) -> None:
    async with actor_tx(actor) as session:
        await _store.record_usage(session, actor.company_id, usage)


async def _finish(actor: Actor, conv_id: int, result: DraftResult, defs: CompanyDefinitions) -> ReplyDTO:
    """Store the reply (and its proposal) and the tokens used, in a new transaction."""
    async with actor_tx(actor) as session:
        await _store.record_usage(session, actor.company_id, result.usage)
        conv = (await session.execute(select(AssistantConversation).where(
            col(AssistantConversation.id) == conv_id, col(AssistantConversation.user_id) == actor.user_id,
        ))).scalars().first()
        if conv is None:
            return ReplyDTO(text=result.text, stopped=result.stopped, tokens=result.usage.total)
        proposal: AssistantProposal | None = None
        if result.draft is not None:
            d = result.draft
            # The model saw saved action URLs without their query; what it kept unchanged gets them back.
            proposal = AssistantProposal(company_id=actor.company_id, conversation_id=conv_id, summary=d.summary,
                                         bundle=restore_action_urls(d.bundle, defs), valid=d.valid,
                                         errors=d.errors, warnings=d.warnings, placeholders=d.placeholders,
                                         repair_rounds=d.repair_rounds)
            session.add(proposal)
            await session.flush()
            assert proposal.id is not None
            await audit.record(session, actor, entity="assistant_proposal", entity_id=proposal.id, action="created",
                               after={"conversation": conv_id, "valid": d.valid, "summary": d.summary[:200]})
        text = result.text or (result.draft.summary if result.draft else "") or ("(stopped)" if result.stopped else "")
        message = AssistantMessage(company_id=actor.company_id, conversation_id=conv_id, role="assistant",
                                   content=text, proposal_id=proposal.id if proposal else None,
                                   tokens=result.usage.total)
        session.add(message)
        conv.updated_at = datetime.now(UTC)
        await session.flush()
        return ReplyDTO(text=text, proposal=_store.proposal_dto(proposal) if proposal else None,
                        message_id=message.id, stopped=result.stopped, tokens=result.usage.total)


async def send_message(actor: Actor, conv_id: int, *, content: str, on_event: EventSink | None = None,
                       cancel: asyncio.Event | None = None) -> ReplyDTO:
    """Send the designer's message; the model answers in text or with a validated proposal (nothing is saved).

    No transaction is open while the model streams. AssistantUnavailable (retry allowed) when the endpoint fails;
    the user's message is kept and sending the same text again does not duplicate it. One reply per user runs at a
    time (Conflict otherwise), and its token estimate is reserved before the model is called.
    """
    policy.require(actor, Action.ASSISTANT_USE)
    text = _content(content)
    await ratelimit.enforce_for(ratelimit.ASSISTANT_MESSAGE, actor)
    client = LLMClient.from_settings()
    try:
        async with _budget.reply_slot(actor), \
                _budget.reservation(actor.company_id, _store.today().isoformat()) as reserved:
            try:
                messages, defs = await _start(actor, conv_id, text, reserved)
                result = await drafting.draft(client, messages, validate=_validator(actor), on_event=on_event,
                                              cancel=cancel)
            except AssistantUnavailable as exc:
                await _record_only(actor, exc.usage)
                raise
            # The real usage is recorded before the reservation is given back (leaving the block).
            return await _finish(actor, conv_id, result, defs)
    finally:
        await client.close()


async def accept_proposal(actor: Actor, proposal_id: int, *, bundle: dict[str, Any] | None = None) -> SavedBundleDTO:
    """Save a proposal (or the designer's edited bundle) exactly as an upload would; placeholders block it."""
    policy.require(actor, Action.ASSISTANT_USE)
    if bundle is not None and not isinstance(bundle, dict):
        raise InvalidInput("The bundle must be an object", details=[{"field": "bundle", "message": "an object"}])
    async with actor_tx(actor) as session:
        row = await _store.own_proposal(session, actor, proposal_id)
        if row.status != "pending":
            raise Conflict(f"This proposal was already {row.status}")
        document: dict[str, Any] = bundle if bundle is not None else dict(row.bundle or {})
    holes = find_placeholders(document)
    if holes:
        raise InvalidInput("Fill in every placeholder before accepting",
                           details=[{"field": h["path"], "message": f"Fill in: {h['question']}"} for h in holes])
    saved = await bundles.save_bundle(actor, document)
    async with actor_tx(actor) as session:
        await session.execute(update(AssistantProposal).where(
            col(AssistantProposal.id) == proposal_id, col(AssistantProposal.status) == "pending",
        ).values(status="accepted", bundle=document))
        await audit.record(session, actor, entity="assistant_proposal", entity_id=proposal_id, action="accepted",
                           after={"workflow": saved.workflow_key, "version": saved.workflow_version,
                                  "edited": bundle is not None})
    return saved


async def discard_proposal(actor: Actor, proposal_id: int) -> ProposalDTO:
    """Drop a pending proposal; nothing of it is saved."""
    policy.require(actor, Action.ASSISTANT_USE)
    async with actor_tx(actor) as session:
        row = await _store.own_proposal(session, actor, proposal_id)
        if row.status == "accepted":
            raise Conflict("This proposal was already accepted")
        if row.status != "discarded":
            row.status = "discarded"
            await audit.record(session, actor, entity="assistant_proposal", entity_id=proposal_id,
                               action="discarded")
        return _store.proposal_dto(row)


async def get_proposal(actor: Actor, proposal_id: int) -> ProposalDTO:
    """One proposal of the actor's own conversations."""
    policy.require(actor, Action.ASSISTANT_USE)
    async with actor_tx(actor) as session:
        return _store.proposal_dto(await _store.own_proposal(session, actor, proposal_id))

