"""Validation problems (path, code, message) and the report that collects them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


def pointer(*parts: str | int) -> str:
    """Build an RFC 6901 JSON pointer from path segments ('' is the whole document)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def join_pointer(base: str, *parts: str | int) -> str:
    """Append segments to an existing pointer."""
    return base + pointer(*parts)


def resolve_pointer(document: Any, ptr: str) -> Any:
    """Return the value at `ptr` in `document`; raise KeyError/IndexError/ValueError if absent."""
    if ptr == "":
        return document
    if not ptr.startswith("/"):
        raise ValueError(f"not a JSON pointer: {ptr!r}")
    node = document
    for raw in ptr[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or (len(part) > 1 and part.startswith("0")):
                raise ValueError(f"bad array index {part!r}")
            node = node[int(part)]
        else:
            raise KeyError(part)
    return node


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ' (did you mean 'x'?)' for a close candidate, else ''."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


@dataclass(frozen=True)
class Problem:
    """One finding: where (JSON pointer), what (stable code) and a human message."""

    path: str
    code: str
    message: str

    def at(self, base: str) -> Problem:
        """The same problem re-rooted under `base` (for problems found in a fragment)."""
        return Problem(base + self.path, self.code, self.message)

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message}


@dataclass
class Report:
    """Errors and warnings of one validation run; `valid` means no errors."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def error(self, path: str, code: str, message: str) -> None:
        self.errors.append(Problem(path, code, message))

    def warning(self, path: str, code: str, message: str) -> None:
        self.warnings.append(Problem(path, code, message))

    def extend(self, problems: Iterable[Problem], severity: Severity = "error") -> None:
        (self.errors if severity == "error" else self.warnings).extend(problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
        }
