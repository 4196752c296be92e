"""Attachments over REST: upload to a ticket (multipart), download through an access check."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse

from tfai.api.deps import CurrentActor
from tfai.api.errors import ERROR_RESPONSES
from tfai.domain.errors import PayloadTooLarge
from tfai.services.tickets import attachments
from tfai.services.tickets.dto import FileDTO
from tfai.settings import get_settings

router = APIRouter(tags=["files"])


@router.post("/tickets/{ticket_id}/attachments", response_model=FileDTO, status_code=201, responses=ERROR_RESPONSES)
async def upload(actor: CurrentActor, ticket_id: int, file: Annotated[UploadFile, File()],
                 task_id: Annotated[int | None, Form()] = None) -> FileDTO:
    """Attach a file (images, PDF, text, office documents, zip; at most the configured upload size)."""
    limit = get_settings().max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"The file is larger than {limit} bytes", details={"limit": limit})
    return await attachments.add_attachment(actor, ticket_id, filename=file.filename or "file",
                                      content_type=file.content_type or "", data=data, task_id=task_id)


@router.get("/files/{file_id}", response_class=FileResponse, responses=ERROR_RESPONSES)
async def download(actor: CurrentActor, file_id: int) -> FileResponse:
    """The file's bytes, always as a download (never rendered inline)."""
    meta, path = await attachments.open_file(actor, file_id)
    disposition = f"attachment; filename*=UTF-8''{quote(meta.filename, safe='')}"
    return FileResponse(path, media_type=meta.content_type,
                        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
                                 "Cache-Control": "private, no-store"})
