"""Database URLs: the owner's (migrations only) and the app role's (the web app and the worker)."""

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
    """Development's app role password, derived from the secret key so nothing extra has to be stored."""
    return hmac.new(settings.secret_key.encode(), b"tfai-app-db-role", hashlib.sha256).hexdigest()[:40]


def app_role_credentials(settings: Settings) -> tuple[str, str]:
    """The app role's name and password, as `tfai migrate` creates it: TFAI_APP_DATABASE_URL's when set."""
    if settings.app_database_url:
        url = make_url(settings.app_database_url)
        if not url.username or not url.password:
            raise RuntimeError("TFAI_APP_DATABASE_URL must carry the app role's user name and password")
        return url.username, url.password
    if settings.env == "production":
        raise RuntimeError("TFAI_APP_DATABASE_URL is required in production")
    return settings.app_db_role, app_role_password(settings)


def app_url(settings: Settings) -> URL:
    """The URL the application connects with: the unprivileged, RLS-bound app role.

    Production uses TFAI_APP_DATABASE_URL only, so a web or worker process never needs the owner's URL; development
    derives it from the owner's URL (same host, the app role with the derived password).
    """
    if settings.app_database_url:
        return make_url(settings.app_database_url).set(drivername="postgresql+psycopg")
    if settings.env == "production":
        raise RuntimeError("TFAI_APP_DATABASE_URL is required in production")
    return owner_url(settings).set(username=settings.app_db_role, password=app_role_password(settings))
