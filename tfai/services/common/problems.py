"""Input checks shared by the account services, collecting field problems into one InvalidInput."""

from __future__ import annotations

import re
from typing import Any

from tfai.domain.errors import InvalidInput
from tfai.domain.passwords import password_problems

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
ROLE_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


class Problems:
    """Collects field problems; raise_if_any() raises InvalidInput with all of them."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def text(self, field: str, value: str, *, max_length: int, label: str, required: bool = True) -> str:
        value = (value or "").strip()
        if required and not value:
            self.add(field, f"{label} is required")
        elif len(value) > max_length:
            self.add(field, f"{label} must have at most {max_length} characters")
        return value

    def email(self, field: str, value: str) -> str:
        value = (value or "").strip()
        if len(value) > 254 or not EMAIL_RE.match(value):
            self.add(field, "Enter a valid email address")
        return value

    def password(self, field: str, value: str, *, email: str) -> str:
        for message in password_problems(value or "", email=email):
            self.add(field, message)
        return value or ""

    def role_name(self, field: str, value: str) -> str:
        value = (value or "").strip()
        if not ROLE_NAME_RE.match(value):
            self.add(field, "Use 1-64 lower-case letters, digits, '_' or '-', starting with a letter")
        return value

    def raise_if_any(self, message: str = "Some fields are not valid") -> None:
        if self.items:
            raise InvalidInput(message, details=self.items)
