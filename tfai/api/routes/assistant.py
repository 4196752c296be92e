"""The assistant over REST: conversations, messages (JSON or server-sent events), accepting and discarding proposals."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from tfai.api.deps import CurrentActor
from tfai.api.errors import ERROR_RESPONSES, ErrorResponse
from tfai.assistant.client import TextDelta
from tfai.assistant.drafting import AssistantEvent, Progress
from tfai.domain.errors import TfaiError
from tfai.domain.limits import MAX_CONVERSATION_TITLE, MAX_MESSAGE, MAX_PAGE, MAX_PAGE_SIZE
from tfai.services.assistant import conversations
from tfai.services.assistant.dto import ConversationDetailDTO, ConversationDTO, ProposalDTO, ReplyDTO, StatusDTO
from tfai.services.common.pagination import Page
from tfai.services.definitions.dto import SavedBundleDTO

router = APIRouter(prefix="/assistant", tags=["assistant"])


class ConversationIn(BaseModel):
    title: str = Field(default="New conversation", min_length=1, max_length=MAX_CONVERSATION_TITLE)


class RenameIn(BaseModel):
    title: str = Field(min_length=1, max_length=MAX_CONVERSATION_TITLE)


class MessageIn(BaseModel):
    content: str = Field(min_length=1, max_length=MAX_MESSAGE)


class AcceptIn(BaseModel):
    bundle: dict[str, Any] | None = Field(default=None, description="The designer's edited bundle (optional)")


@router.get("/status", response_model=StatusDTO, responses=ERROR_RESPONSES)
async def status(actor: CurrentActor) -> StatusDTO:
    return await conversations.assistant_status()


@router.post("/conversations", response_model=ConversationDTO, status_code=201, responses=ERROR_RESPONSES)
async def create(actor: CurrentActor, body: ConversationIn | None = None) -> ConversationDTO:
    return await conversations.create_conversation(actor, title=(body or ConversationIn()).title)


@router.get("/conversations", response_model=Page[ConversationDTO], responses=ERROR_RESPONSES)
async def list_(actor: CurrentActor, page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50) -> Page[ConversationDTO]:
    return await conversations.list_conversations(actor, page=page, page_size=page_size)


@router.get("/conversations/{conv_id}", response_model=ConversationDetailDTO, responses=ERROR_RESPONSES)
async def get(conv_id: int, actor: CurrentActor) -> ConversationDetailDTO:
    return await conversations.get_conversation(actor, conv_id)


@router.patch("/conversations/{conv_id}", response_model=ConversationDTO, responses=ERROR_RESPONSES)
async def rename(conv_id: int, body: RenameIn, actor: CurrentActor) -> ConversationDTO:
    return await conversations.rename_conversation(actor, conv_id, title=body.title)


@router.delete("/conversations/{conv_id}", status_code=204, responses=ERROR_RESPONSES)
async def delete(conv_id: int, actor: CurrentActor) -> Response:
    await conversations.delete_conversation(actor, conv_id)
    return Response(status_code=204)


def _sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n".encode()


def _event_payload(event: AssistantEvent) -> tuple[str, dict[str, Any]]:
    if isinstance(event, Progress):
        return "progress", {"stage": event.stage, "message": event.message}
    assert isinstance(event, TextDelta)
    return "text", {"text": event.text}


@router.post("/conversations/{conv_id}/messages", response_model=ReplyDTO,
             responses={
    **ERROR_RESPONSES, 503: {"model": ErrorResponse,
                            "description": "the model endpoint failed or is not configured; retry allowed"},
    200: {"content": {"text/event-stream": {}},
          "description": "with ?stream=true: events progress, text, final, error"},
})
async def send(conv_id: int, body: MessageIn, actor: CurrentActor,
               stream: Annotated[bool, Query(description="answer with server-sent events")] = False) -> Any:
    if not stream:
        return await conversations.send_message(actor, conv_id, content=body.content)
    queue: asyncio.Queue[AssistantEvent] = asyncio.Queue()
    cancel, started = asyncio.Event(), asyncio.Event()

    async def on_event(event: AssistantEvent) -> None:
        queue.put_nowait(event)
        started.set()

    task = asyncio.create_task(conversations.send_message(actor, conv_id, content=body.content, on_event=on_event,
                                                      cancel=cancel))
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done() and queue.empty():
        return task.result()  # an error before anything streamed keeps its status code
    return StreamingResponse(_events(task, queue, cancel), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _events(task: asyncio.Task[ReplyDTO], queue: asyncio.Queue[AssistantEvent],
                  cancel: asyncio.Event) -> AsyncIterator[bytes]:
    try:
        while True:
            while not queue.empty():
                yield _sse(*_event_payload(queue.get_nowait()))
            if task.done():
                break
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                yield _sse(*_event_payload(getter.result()))
            else:
                getter.cancel()
        exc = task.exception()
        if isinstance(exc, TfaiError):
            yield _sse("error", exc.to_dict())
        elif exc is not None:
            yield _sse("error", {"code": "internal_error", "message": "Something went wrong on our side"})
        else:
            yield _sse("final", task.result().model_dump(mode="json"))
    finally:
        if not task.done():
            cancel.set()
            with contextlib.suppress(Exception):
                await task


@router.get("/proposals/{proposal_id}", response_model=ProposalDTO, responses=ERROR_RESPONSES)
async def get_proposal(proposal_id: int, actor: CurrentActor) -> ProposalDTO:
    return await conversations.get_proposal(actor, proposal_id)


@router.post("/proposals/{proposal_id}/accept", response_model=SavedBundleDTO, status_code=201,
             responses=ERROR_RESPONSES)
async def accept(proposal_id: int, actor: CurrentActor, body: AcceptIn | None = None) -> SavedBundleDTO:
    return await conversations.accept_proposal(actor, proposal_id, bundle=body.bundle if body else None)


@router.post("/proposals/{proposal_id}/discard", response_model=ProposalDTO, responses=ERROR_RESPONSES)
async def discard(proposal_id: int, actor: CurrentActor) -> ProposalDTO:
    return await conversations.discard_proposal(actor, proposal_id)
