"""Definitions use cases: validate, save (versioned), export and dry-run bundles; reads re-exported here."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from tfai.domain import policy
from tfai.domain.bundle import load_bundle_text
from tfai.domain.dry_run import DryRunResult
from tfai.domain.errors import InvalidDefinition, InvalidInput, NotFound
from tfai.domain.limits import MAX_TICKET_TYPES
from tfai.domain.policy import Action, Actor
from tfai.domain.problems import Report
from tfai.domain.validate import ExistingDefinitions
from tfai.services.common import concurrency, tenant_code
from tfai.services.common.tx import actor_tx
from tfai.services.definitions._cache import definitions_saved
from tfai.services.definitions._store import (
    bundle_document,
    current_ticket_types_for,
    current_workflow,
    existing_definitions,
    lock_keys,
    store_bundle,
    workflow_version,
)
from tfai.services.definitions.catalog import (
    ticket_type_section_ordered,
    workflow_section,
)
from tfai.services.definitions.dto import (
    ConditionDTO,
    DryRunDTO,
    DryRunStepDTO,
    ProblemDTO,
    SavedBundleDTO,
    ValidationDTO,
)
from tfai.settings import get_settings

EXPORT_FORMATS = ("json", "yaml")


def _problems(report: Report) -> tuple[list[ProblemDTO], list[ProblemDTO]]:
    return ([ProblemDTO(**p.to_dict()) for p in report.errors], [ProblemDTO(**p.to_dict()) for p in report.warnings])


async def _check(bundle: Any, existing: ExistingDefinitions, *, company_id: int) -> Report:
    """The validator's report, run in the sandbox on the company's share of it."""
    allow_private = get_settings().actions_allow_private_networks
    return await tenant_code.validate_bundle(bundle, existing, allow_private_networks=allow_private,
                                             company_id=company_id)


async def validate_bundle(actor: Actor, bundle: dict[str, Any]) -> ValidationDTO:
    """Every error and warning of a bundle, judged against the company's saved definitions; writes nothing."""
    policy.require(actor, Action.DEFINITION_READ)
    async with actor_tx(actor) as session:
        existing = await existing_definitions(session)
    report = await _check(bundle, existing, company_id=actor.company_id)
    errors, warnings = _problems(report)
    return ValidationDTO(valid=report.valid, errors=errors, warnings=warnings)


def _parse(text: str | bytes) -> dict[str, Any]:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput("The document is not UTF-8 text") from exc
    return load_bundle_text(text)


async def validate_bundle_text(actor: Actor, text: str | bytes) -> ValidationDTO:
    """Like validate_bundle for JSON or YAML text; a syntax error is reported as an error at the root."""
    policy.require(actor, Action.DEFINITION_READ)
    try:
        bundle = _parse(text)
    except InvalidInput as exc:
        return ValidationDTO(valid=False, errors=[ProblemDTO(path="", code="document.syntax", message=exc.message)])
    return await validate_bundle(actor, bundle)


async def save_bundle_text(actor: Actor, text: str | bytes) -> SavedBundleDTO:
    """Like save_bundle for JSON or YAML text; a syntax error raises InvalidDefinition with one root problem."""
    policy.require(actor, Action.DEFINITION_MANAGE)
    try:
        bundle = _parse(text)
    except InvalidInput as exc:
        raise InvalidDefinition([{"path": "", "code": "document.syntax", "message": exc.message}]) from exc
    return await save_bundle(actor, bundle)


def _lock_names(bundle: Any) -> list[str]:
    if not isinstance(bundle, dict):
        return []
    names: list[str] = []
    wf = bundle.get("workflow")
    if isinstance(wf, dict) and isinstance(wf.get("key"), str):
        names.append("wf:" + wf["key"][:64])
    tts = bundle.get("ticket_types")
    for tt in tts[:MAX_TICKET_TYPES] if isinstance(tts, list) else []:  # more are refused by the validator
        if isinstance(tt, dict) and isinstance(tt.get("key"), str):
            names.append("tt:" + tt["key"][:64])
    return names


async def save_bundle(actor: Actor, bundle: dict[str, Any]) -> SavedBundleDTO:
    """Validate and store a bundle: a changed workflow or ticket type gets version n+1, an unchanged one keeps its.

    Raises InvalidDefinition(problems) when the validator finds errors; nothing is written then.
    """
    policy.require(actor, Action.DEFINITION_MANAGE)
    async with actor_tx(actor) as session:
        await lock_keys(session, actor.company_id, _lock_names(bundle))
        report = await _check(bundle, await existing_definitions(session), company_id=actor.company_id)
        if not report.valid:
            raise InvalidDefinition([p.to_dict() for p in report.errors])
        result = await store_bundle(session, actor, bundle)
    await definitions_saved(actor.company_id)
    result.warnings = _problems(report)[1]
    return result


async def export_document(actor: Actor, workflow_key: str) -> dict[str, Any]:
    """The newest version of a workflow and every current ticket type starting it, as a bundle document."""
    policy.require(actor, Action.DEFINITION_READ)
    async with actor_tx(actor) as session:
        wf = await current_workflow(session, workflow_key)
        if wf is None:
            raise NotFound("Workflow not found")
        tts = await current_ticket_types_for(session, workflow_key)
    return bundle_document(workflow_section(wf), [ticket_type_section_ordered(t) for t in tts])


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def render_bundle(document: dict[str, Any], fmt: str) -> str:
    """A bundle document as JSON or YAML text."""
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return str(yaml.dump(document, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=120))
    raise InvalidInput("Unknown export format", details=[{"field": "format", "message": "use json or yaml"}])


async def export_bundle(actor: Actor, workflow_key: str, *, fmt: str = "json") -> str:
    """A workflow with its tasks and current ticket types as tfai.bundle/v1 text (json or yaml)."""
    policy.require(actor, Action.DEFINITION_READ)
    if fmt not in EXPORT_FORMATS:
        render_bundle({}, fmt)
    return render_bundle(await export_document(actor, workflow_key), fmt)


def _dry_run_dto(key: str, result: DryRunResult) -> DryRunDTO:
    steps = []
    for step in result.steps:
        d = step.decision
        steps.append(DryRunStepDTO(
            task=step.task, input=step.input, output=step.output, decision=d.kind if d else None,
            next_task=d.to if d else None, reason=d.reason if d else None,
            conditions=[ConditionDTO(index=c.index, to=c.to, condition=c.condition, value=c.value, error=c.error)
                        for c in (d.evaluated if d else ())],
        ))
    return DryRunDTO(workflow_key=key, outcome=result.outcome, path=result.path, steps=steps,
                     stopped_at=result.stopped_at, reason=result.reason, workflow_data=result.workflow_data,
                     timers_fired=[dict(t) for t in result.timers_fired])


async def dry_run(actor: Actor, *, workflow_key: str | None = None, bundle: dict[str, Any] | None = None,
                  version: int | None = None, ticket: Mapping[str, Any] | None = None,
                  outputs: Mapping[str, Any] | None = None, responses: Mapping[str, Any] | None = None,
                  workflow_data: Mapping[str, Any] | None = None, clock: Sequence[str] = ()) -> DryRunDTO:
    """Walk a saved workflow (by key, newest or given version) or a raw bundle's workflow; writes nothing.
    `clock`: durations the dry run's clock moves on by once it can go no further (its timers fire)."""
    policy.require(actor, Action.DEFINITION_READ)
    async with concurrency.company_slot(actor.company_id):
        return await _dry_run(actor, workflow_key, bundle, version, ticket, outputs, responses, workflow_data,
                              list(clock))


async def _dry_run(actor: Actor, workflow_key: str | None, bundle: dict[str, Any] | None, version: int | None,
                   ticket: Mapping[str, Any] | None, outputs: Mapping[str, Any] | None,
                   responses: Mapping[str, Any] | None, workflow_data: Mapping[str, Any] | None,
                   clock: list[str]) -> DryRunDTO:
    async with actor_tx(actor) as session:
        if bundle is not None:
            report = await _check(bundle, await existing_definitions(session), company_id=actor.company_id)
            if not report.valid:
                raise InvalidDefinition([p.to_dict() for p in report.errors])
            wf = bundle.get("workflow")
            key = workflow_key or (wf.get("key") if isinstance(wf, dict) else None)
            if not isinstance(key, str):
                raise InvalidInput("The bundle has no workflow to run",
                                   details=[{"field": "bundle.workflow", "message": "required for a dry run"}])
            document = bundle
        elif workflow_key is not None:
            row = (await current_workflow(session, workflow_key) if version is None
                   else await workflow_version(session, workflow_key, version))
            if row is None:
                raise NotFound("Workflow not found")
            key, document = workflow_key, bundle_document(row.bundle, [])
        else:
            raise InvalidInput("Give a workflow_key or a bundle",
                               details=[{"field": "workflow_key", "message": "a workflow_key or a bundle is required"}])
    result = await tenant_code.dry_run(document, key, dict(ticket or {}), dict(outputs or {}), dict(responses or {}),
                                       workflow=dict(workflow_data or {}), clock=clock)
    return _dry_run_dto(key, result)
