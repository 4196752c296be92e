"""The only importer of openai: a streamed Chat Completions call yielding typed events, errors mapped."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import openai
from openai import AsyncOpenAI

from tfai.domain.bundle import published_schema
from tfai.domain.errors import TfaiError
from tfai.settings import Settings, get_settings

TOOL_NAME = "propose_bundle"


class AssistantUnavailable(TfaiError):
    """The model endpoint did not answer usefully; the conversation is kept and the user may retry."""

    code = "assistant_unavailable"
    status = 503

    def __init__(self, message: str, *, reason: str, status_code: int | None = None) -> None:
        super().__init__(message, details={"reason": reason, "retry": True, "status_code": status_code})
        self.reason = reason
        self.usage = Usage()


@dataclass(frozen=True)
class TextDelta:
    """A piece of the model's visible text answer."""

    text: str


@dataclass(frozen=True)
class ToolCallDelta:
    """A piece of a tool call: id and name arrive first, arguments in fragments."""

    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True)
class Finish:
    """The model ended its answer ('stop', 'tool_calls', 'length', ...)."""

    reason: str


@dataclass
class Usage:
    """Tokens used by one call (or summed over several)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens


StreamEvent = TextDelta | ToolCallDelta | Finish | Usage


def propose_bundle_tool() -> dict[str, Any]:
    """The one function tool: {summary, bundle}; the bundle schema's $defs are hoisted to the parameters root."""
    schema = copy.deepcopy(published_schema("bundle"))
    defs = schema.pop("$defs", {})
    for meta in ("$schema", "$id"):
        schema.pop(meta, None)
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "summary": {"type": "string", "description": "One or two sentences: what the bundle does or changes."},
            "bundle": schema,
        },
        "required": ["summary", "bundle"],
        "additionalProperties": False,
        "$defs": defs,
    }
    return {"type": "function", "function": {
        "name": TOOL_NAME,
        "description": "Propose a complete tfai.bundle/v1 document for the designer to review. Nothing is saved.",
        "parameters": parameters,
    }}


def unavailable_from(exc: Exception) -> AssistantUnavailable:
    """A clear, human message for each way the endpoint can fail."""
    if isinstance(exc, openai.RateLimitError):
        return AssistantUnavailable("The model endpoint is busy or over its quota (429). Try again in a moment.",
                                    reason="rate_limited", status_code=429)
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return AssistantUnavailable("The model endpoint refused the API key; check TFAI_LLM_API_KEY.",
                                    reason="auth", status_code=exc.status_code)
    if isinstance(exc, openai.APITimeoutError):
        return AssistantUnavailable("The model took too long to answer. Try again, or raise "
                                    "TFAI_LLM_TIMEOUT_SECONDS.", reason="timeout")
    if isinstance(exc, openai.APIConnectionError):
        return AssistantUnavailable("The connection to the model endpoint broke off before the answer was "
                                    "complete. Your conversation is kept; send the message again.",
                                    reason="connection")
    if isinstance(exc, openai.APIStatusError):
        code = exc.status_code
        if code >= 500:
            return AssistantUnavailable(f"The model endpoint had an internal error ({code}). Try again in a "
                                        "moment.", reason="server_error", status_code=code)
        return AssistantUnavailable(f"The model endpoint rejected the request ({code}). Check TFAI_LLM_MODEL "
                                    "and that the endpoint supports tool calls.", reason="rejected",
                                    status_code=code)
    return AssistantUnavailable("The model endpoint failed unexpectedly. Try again.", reason="unknown")


class LLMClient:
    """A streamed Chat Completions client for one OpenAI-compatible endpoint."""

    def __init__(self, *, base_url: str, api_key: str | None, model: str, timeout: float) -> None:
        self.model = model
        self._client = AsyncOpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout,
                                   max_retries=0)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> LLMClient:
        settings = settings or get_settings()
        if not settings.llm_base_url:
            raise AssistantUnavailable("The assistant is not configured: set TFAI_LLM_BASE_URL (and "
                                       "TFAI_LLM_API_KEY, TFAI_LLM_MODEL).", reason="not_configured")
        return cls(base_url=settings.llm_base_url, api_key=settings.llm_api_key, model=settings.llm_model,
                   timeout=settings.llm_timeout_seconds)

    async def close(self) -> None:
        await self._client.close()

    async def stream(self, messages: list[dict[str, Any]], *,
                     tools: list[dict[str, Any]] | None = None) -> AsyncIterator[StreamEvent]:
        """Yield text and tool-call deltas, then Finish and Usage; raise AssistantUnavailable on failure."""
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "stream": True,
                                  "stream_options": {"include_usage": True}}
        if tools:
            kwargs["tools"] = tools
        finished = False
        try:
            response = await self._client.chat.completions.create(**kwargs)
            async with response:
                async for chunk in response:
                    if chunk.usage is not None:
                        yield Usage(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0)
                    for choice in chunk.choices or []:
                        delta = choice.delta
                        if delta is not None and delta.content:
                            yield TextDelta(delta.content)
                        for call in (delta.tool_calls or []) if delta is not None else []:
                            fn = call.function
                            yield ToolCallDelta(call.index, call.id, fn.name if fn else None,
                                                (fn.arguments or "") if fn else "")
                        if choice.finish_reason:
                            finished = True
                            yield Finish(str(choice.finish_reason))
        except openai.OpenAIError as exc:
            raise unavailable_from(exc) from exc
        if not finished:
            raise AssistantUnavailable("The model's answer was cut off before it finished. Your conversation is "
                                       "kept; send the message again.", reason="incomplete")
