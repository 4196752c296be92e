"""FORM fields with the `file` widget: their value is the id of one of the ticket's attachments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tfai.db.tables import FileUpload, TicketInstance
from tfai.domain.errors import InvalidInput
from tfai.domain.layout import form_fields

NOT_AN_ATTACHMENT = "choose one of this ticket's attachments"


def file_field_names(schema: Any, layout: Any) -> list[str]:
    """The names of the fields a form shows with the `file` widget (from the layout or the schema)."""
    if not isinstance(schema, dict):
        return []
    return [f.name for f in form_fields(schema, layout) if f.widget == "file"]


async def check_file_values(session: AsyncSession, workflow_instance_id: int, schema: Any, layout: Any,
                            values: dict[str, Any]) -> None:
    """InvalidInput, field by field, unless every given `file` value names an attachment of the task's ticket."""
    names = [n for n in file_field_names(schema, layout) if values.get(n) not in (None, "")]
    if not names:
        return
    wanted: dict[str, int] = {}
    problems: list[dict[str, str]] = []
    for name in names:
        value = values[name]
        if isinstance(value, str) and value.isdigit() and len(value) <= 18:
            wanted[name] = int(value)
        else:
            problems.append({"field": name, "message": NOT_AN_ATTACHMENT})
    if wanted:
        ticket_id = select(col(TicketInstance.id)).where(
            col(TicketInstance.workflow_instance_id) == workflow_instance_id).scalar_subquery()
        found = set((await session.execute(select(col(FileUpload.id)).where(
            col(FileUpload.ticket_instance_id) == ticket_id, col(FileUpload.id).in_(set(wanted.values()))
        ))).scalars().all())
        problems += [{"field": n, "message": NOT_AN_ATTACHMENT} for n, fid in wanted.items() if fid not in found]
    if problems:
        raise InvalidInput("A file field must name one of the ticket's attachments", details=problems)
