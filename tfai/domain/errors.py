"""The error hierarchy every layer raises and the API and UI map once to answers."""

from __future__ import annotations

from typing import Any


class TfaiError(Exception):
    """Base error: a stable machine code, a human message and optional details."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidInput(TfaiError):
    """Input failed validation; details is a list of {path|field, message} problems."""

    code = "invalid_input"
    status = 422


class InvalidDefinition(InvalidInput):
    """A bundle failed validation; details holds the validator's problems."""

    code = "invalid_definition"

    def __init__(self, problems: list[dict[str, Any]], message: str = "The definition is not valid") -> None:
        super().__init__(message, details=problems)
        self.problems = problems


class Unauthorized(TfaiError):
    """No valid credential was presented."""

    code = "unauthorized"
    status = 401


class Forbidden(TfaiError):
    """The actor is known but their roles do not allow the action."""

    code = "forbidden"
    status = 403


class NotFound(TfaiError):
    """The object does not exist, or belongs to another company (never revealed)."""

    code = "not_found"
    status = 404


class Conflict(TfaiError):
    """The object changed state in between, or a unique value is taken."""

    code = "conflict"
    status = 409


class PayloadTooLarge(TfaiError):
    """The input is bigger than the documented limit."""

    code = "payload_too_large"
    status = 413


class RateLimited(TfaiError):
    """Too many attempts; retry_after says when to try again."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after


class Unavailable(TfaiError):
    """A dependency (database, broker, model endpoint) is not answering."""

    code = "unavailable"
    status = 503
