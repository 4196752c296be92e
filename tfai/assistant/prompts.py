"""Prompt files under prompts/ (versioned names) rendered strictly: a missing or unused variable is an error."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from tfai.domain.errors import TfaiError

ROOT = Path(__file__).resolve().parents[2]
PROMPTS_DIR = ROOT / "prompts"
EXAMPLES_DIR = ROOT / "examples"
# `{{ name }}` with a lower-case identifier; `{{ASK: ...}}` placeholders in the text are left alone.
_VARIABLE = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
SYSTEM_VERSION = 1
REPAIR_VERSION = 1
FEW_SHOT = ("laptop-request", "expense-reimbursement", "parallel-procurement-approval")


class PromptError(TfaiError):
    """A prompt file is missing, or rendering it lacks (or has extra) variables."""

    code = "prompt_error"
    status = 500


def variables(template: str) -> set[str]:
    """The variable names a template uses."""
    return set(_VARIABLE.findall(template))


def render_text(template: str, values: Mapping[str, object], *, name: str = "template") -> str:
    """Substitute every `{{ var }}` in one pass (inserted values are not re-scanned)."""
    needed = variables(template)
    missing = sorted(needed - set(values))
    if missing:
        raise PromptError(f"Prompt {name} needs variable(s) {', '.join(missing)}", details={"missing": missing})
    unused = sorted(set(values) - needed)
    if unused:
        raise PromptError(f"Prompt {name} does not use variable(s) {', '.join(unused)}", details={"unused": unused})
    return _VARIABLE.sub(lambda m: str(values[m.group(1)]), template)


@lru_cache(maxsize=32)
def load(name: str, version: int, *, directory: Path = PROMPTS_DIR) -> str:
    """The text of prompts/<name>.v<version>.md (name may be 'examples/<x>')."""
    parts = name.split("/")
    if not all(_NAME.match(p) for p in parts) or version < 1:
        raise PromptError(f"Not a prompt name: {name!r} v{version}")
    path = directory.joinpath(*parts[:-1], f"{parts[-1]}.v{version}.md")
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"Prompt file {path.name} cannot be read") from exc


def render(name: str, version: int, **values: object) -> str:
    """Load and strictly render one versioned prompt file."""
    return render_text(load(name, version), values, name=f"{name}.v{version}")


@lru_cache(maxsize=8)
def example_bundle(name: str) -> str:
    """A bundle from examples/<name>.json as compact JSON text (few-shot material)."""
    if not _NAME.match(name):
        raise PromptError(f"Not an example name: {name!r}")
    data = json.loads((EXAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def few_shot(names: tuple[str, ...] = FEW_SHOT, version: int = 1) -> str:
    """The few-shot examples: each prompts/examples/<name>.v<n>.md rendered with its example bundle."""
    return "\n\n".join(render(f"examples/{n}", version, bundle=example_bundle(n)) for n in names)


def system_prompt(*, company_context: str, schema_summary: str, cel_rules: str) -> str:
    """The system message for a drafting conversation."""
    return render("system", SYSTEM_VERSION, company_context=company_context, schema_summary=schema_summary,
                  cel_rules=cel_rules, examples=few_shot())


def repair_prompt(*, problems: str, count: int, round_no: int, max_rounds: int) -> str:
    """The tool result sent back when a proposed bundle has problems."""
    return render("repair", REPAIR_VERSION, problems=problems, count=count, round=round_no, max_rounds=max_rounds)
