"""Assemble the FastAPI app: error handlers, limits, and every router under tfai.api.routes."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import FastAPI

from tfai.api import routes
from tfai.api.docs import install_docs
from tfai.api.errors import install_error_handlers
from tfai.api.limits import BodyLimit
from tfai.settings import get_settings

API_PREFIX = "/api/v1"


def create_api() -> FastAPI:
    settings = get_settings()
    app = FastAPI(title="tfai API", version="1", openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None,
                  redoc_url=None)
    install_docs(app, prefix=API_PREFIX)
    install_error_handlers(app)
    for info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routes.__name__}.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router, prefix=API_PREFIX)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes)
    return app
