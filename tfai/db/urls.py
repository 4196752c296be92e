"""Database URLs: the owner's (migrations) and the app role's (everything else)."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.engine import URL, make_url

from tfai.settings import Settings


def owner_url(settings: Settings) -> URL:
    """The URL migrations run with (the owner of the schema)."""
    if not settings.database_url:
        raise RuntimeError("TFAI_DATABASE_URL is not set and no embedded database was started")
    url = make_url(settings.database_url)
    return url.set(drivername="postgresql+psycopg")


def app_role_password(settings: Settings) -> str:
    """The app role's password, derived from the secret key so nothing extra has to be stored."""
    return hmac.new(settings.secret_key.encode(), b"tfai-app-db-role", hashlib.sha256).hexdigest()[:40]


def app_url(settings: Settings) -> URL:
    """The URL the application connects with: the unprivileged, RLS-bound app role."""
    return owner_url(settings).set(username=settings.app_db_role, password=app_role_password(settings))
