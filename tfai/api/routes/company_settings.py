"""The company's settings: the webhook signing secret for outbound action requests (admins)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from tfai.api.deps import CurrentActor
from tfai.api.errors import ERROR_RESPONSES
from tfai.services.actions import callbacks

router = APIRouter(prefix="/company", tags=["company"])


class WebhookSecret(BaseModel):
    """Receivers verify the Standard Webhooks headers (webhook-id, -timestamp, -signature) with it."""

    secret: str


@router.get("/webhook-secret", response_model=WebhookSecret, responses=ERROR_RESPONSES)
async def get_webhook_secret(actor: CurrentActor) -> WebhookSecret:
    return WebhookSecret(secret=await callbacks.get_webhook_secret(actor))


@router.post("/webhook-secret/rotate", response_model=WebhookSecret, responses=ERROR_RESPONSES)
async def rotate_webhook_secret(actor: CurrentActor) -> WebhookSecret:
    """Replace the secret; every request from now on is signed with the new one."""
    return WebhookSecret(secret=await callbacks.rotate_webhook_secret(actor))
