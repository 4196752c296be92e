"""Ticket attachments: stored per company by content key under settings.files_dir, read only through access checks."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.tables import FileUpload, TaskInstance
from tfai.domain import policy
from tfai.domain.errors import InvalidInput, NotFound, PayloadTooLarge
from tfai.domain.policy import Action, Actor
from tfai.services.common import audit
from tfai.services.common.tx import actor_tx
from tfai.services.tickets._queries import load_ticket
from tfai.services.tickets.dto import FileDTO
from tfai.services.tickets.tracking import file_dto
from tfai.settings import get_settings

_OFFICE_ZIP = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "application/vnd.openxmlformats-officedocument.presentationml.presentation",
               "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
               "application/zip", "application/x-zip-compressed")
_OLE = ("application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint")
_TEXT = ("text/plain", "text/csv", "text/markdown", "application/json")
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    **{ct: (b"PK\x03\x04", b"PK\x05\x06") for ct in _OFFICE_ZIP},
    **{ct: (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",) for ct in _OLE},
}
ALLOWED_TYPES = frozenset({*_MAGIC, *_TEXT})
_MARKUP = re.compile(rb"^\s*(<!doctype|<html|<script|<svg|<\?xml)", re.IGNORECASE)


def clean_filename(name: str) -> str:
    """A display-safe file name: last path part, no control characters, at most 255 characters."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    return base[:255] or "file"


def check_content(content_type: str, data: bytes) -> str:
    """The normalised content type when allowed and the bytes look like it; InvalidInput otherwise."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype not in ALLOWED_TYPES:
        raise InvalidInput(f"Files of type {ctype or 'unknown'!r} are not accepted",
                           details=[{"field": "file", "message": "allowed: images, PDF, text, office documents, zip"}])
    mismatch = InvalidInput("The file's content does not match its type",
                            details=[{"field": "file", "message": f"not a {ctype} file"}])
    if ctype in _TEXT:
        head = data[:4096]
        if b"\x00" in head or _MARKUP.match(head):
            raise mismatch
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if len(data) <= 4096 or exc.start < len(head) - 4:
                raise mismatch from exc
        return ctype
    if not data.startswith(_MAGIC[ctype]) or (ctype == "image/webp" and data[8:12] != b"WEBP"):
        raise mismatch
    return ctype


def content_path(company_id: int, content_key: str) -> Path:
    """Where a company's file is: one folder per company, so equal files of two companies are two files (a shared
    copy would tell one company that another holds the same document)."""
    return get_settings().files_dir / f"company-{company_id}" / content_key[:2] / content_key


def _legacy_path(content_key: str) -> Path:
    """Where files stored before the per-company folders are (read only; new files never go there)."""
    return get_settings().files_dir / content_key[:2] / content_key


def _existing(company_id: int, content_key: str) -> Path | None:
    for path in (content_path(company_id, content_key), _legacy_path(content_key)):
        if path.is_file():
            return path
    return None


def _write(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


async def _next_version(session: AsyncSession, ticket_id: int, filename: str) -> int:
    stmt = select(func.max(col(FileUpload.version))).where(col(FileUpload.ticket_instance_id) == ticket_id,
                                                          col(FileUpload.filename) == filename)
    return int((await session.execute(stmt)).scalar_one() or 0) + 1


@dataclass(frozen=True)
class NewFile:
    """A file as it arrives from a form or a request, before any check: its name, declared type and bytes."""

    filename: str
    content_type: str
    data: bytes


def checked_file(file: NewFile, *, field: str = "file") -> NewFile:
    """The file with a clean name and its normalised type, when its size and content are acceptable (PayloadTooLarge
    or InvalidInput, whose details name `field`, otherwise). Nothing is stored."""
    limit = get_settings().max_upload_bytes
    if len(file.data) > limit:
        raise PayloadTooLarge(f"The file {clean_filename(file.filename)!r} is larger than {limit} bytes",
                              details={"limit": limit, "field": field})
    if not file.data:
        raise InvalidInput("The file is empty", details=[{"field": field, "message": "empty"}])
    try:
        ctype = check_content(file.content_type, file.data)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, details=[{**d, "field": field} for d in exc.details or []]) from exc
    return NewFile(filename=clean_filename(file.filename), content_type=ctype, data=file.data)


async def stage_files(session: AsyncSession, actor: Actor,
                      files: Mapping[str, NewFile]) -> dict[str, tuple[FileUpload, NewFile]]:
    """Rows for checked files (see checked_file) of a ticket being submitted in this transaction, by the key given,
    not yet tied to a ticket and with no bytes stored: link_files does both once the ticket exists and every check
    passed, so a refused submission leaves no file behind."""
    staged: dict[str, tuple[FileUpload, NewFile]] = {}
    versions: dict[str, int] = {}
    for key, f in files.items():
        versions[f.filename] = versions.get(f.filename, 0) + 1  # two fields may carry files of one name
        row = FileUpload(company_id=actor.company_id, uploaded_by=actor.user_id, filename=f.filename,
                         content_type=f.content_type, size=len(f.data), content_key=hashlib.sha256(f.data).hexdigest(),
                         version=versions[f.filename])
        session.add(row)
        staged[key] = (row, f)
    await session.flush()
    return staged


async def link_files(session: AsyncSession, actor: Actor, staged: Iterable[tuple[FileUpload, NewFile]],
                     ticket_id: int) -> None:
    """Store the bytes of staged files and tie their rows to the ticket just created, each audited as an upload."""
    for row, f in staged:
        await asyncio.to_thread(_write, content_path(actor.company_id, row.content_key), f.data)
        row.ticket_instance_id = ticket_id
        session.add(row)
        await audit.record(session, actor, entity="file", entity_id=row.id or 0, action="uploaded",
                           after={"ticket": ticket_id, "filename": row.filename, "size": row.size,
                                  "type": row.content_type, "version": row.version})
    await session.flush()


async def add_attachment(actor: Actor, ticket_id: int, *, filename: str, content_type: str, data: bytes,
                         task_id: int | None = None) -> FileDTO:
    """Attach a file to a ticket (anyone who may comment on it); checked for size and type.

    A file name already on the ticket becomes its next version (the older ones stay and download as before).
    """
    policy.require(actor, Action.TICKET_COMMENT)
    checked = checked_file(NewFile(filename=filename, content_type=content_type, data=data))
    name, ctype = checked.filename, checked.content_type
    async with actor_tx(actor) as session:
        # Locked: two uploads of one name at once would otherwise both count the same versions.
        ticket = await load_ticket(session, actor, ticket_id, Action.TICKET_COMMENT, lock=True)
        if task_id is not None:
            task = await session.get(TaskInstance, task_id)
            if task is None or task.workflow_instance_id != ticket.workflow_instance_id:
                raise InvalidInput("The task is not part of this ticket",
                                   details=[{"field": "task_id", "message": "not a task of this ticket"}])
        key = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(_write, content_path(actor.company_id, key), data)
        row = FileUpload(company_id=actor.company_id, ticket_instance_id=ticket.id, task_instance_id=task_id,
                         uploaded_by=actor.user_id, filename=name, content_type=ctype, size=len(data),
                         content_key=key, version=await _next_version(session, ticket.id or 0, name))
        session.add(row)
        await session.flush()
        await audit.record(session, actor, entity="file", entity_id=row.id or 0, action="uploaded",
                           after={"ticket": ticket.id, "filename": name, "size": len(data), "type": ctype,
                                  "version": row.version})
        return file_dto(row)


async def open_file(actor: Actor, file_id: int) -> tuple[FileDTO, Path]:
    """A file's metadata and where its bytes are, for those who may read its ticket."""
    policy.require(actor, Action.TICKET_READ)
    async with actor_tx(actor) as session:
        row = (await session.execute(select(FileUpload).where(col(FileUpload.id) == file_id))).scalars().first()
        if row is None or row.ticket_instance_id is None:
            raise NotFound("File not found")
        try:
            await load_ticket(session, actor, row.ticket_instance_id, Action.TICKET_READ)
        except NotFound as exc:
            raise NotFound("File not found") from exc
        path = await asyncio.to_thread(_existing, row.company_id, row.content_key)
        if path is None:
            raise NotFound("File not found")
    await audit.record_staff_view(actor, entity="file", entity_id=file_id, detail={"ticket_id": row.ticket_instance_id})
    return file_dto(row), path
