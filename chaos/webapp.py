"""The API the chaos load hits: create_api() behind harden(), as Reflex mounts it under `tfai run`."""

from __future__ import annotations

from tfai.api.app import create_api
from tfai.api.security_headers import harden

app = harden(create_api())
