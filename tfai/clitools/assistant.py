"""`tfai assistant eval --cases FILE [--runs N]`: measure drafting quality against the configured endpoint."""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tfai.assistant import drafting
from tfai.assistant.client import AssistantUnavailable, LLMClient, Usage
from tfai.assistant.context import CEL_RULES, SCHEMA_SUMMARY, CompanyDefinitions, render_company_context
from tfai.assistant.drafting import Checked, Draft
from tfai.assistant.prompts import system_prompt
from tfai.domain.validate import validate

EXIT_OK, EXIT_USAGE = 0, 2


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add `assistant eval` to an argparse subparsers object; returns the `assistant` parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser("assistant", help="the drafting assistant")
    sub = parser.add_subparsers(dest="assistant_command", required=True)
    ev = sub.add_parser("eval", help="run evaluation cases against the configured model endpoint")
    ev.add_argument("--cases", required=True, metavar="FILE", help="YAML file with a `cases` list")
    ev.add_argument("--runs", type=int, default=3, help="runs per case (default 3)")
    ev.add_argument("--only", default=None, metavar="ID", help="run only the case with this id")
    ev.set_defaults(func=run_eval)
    return parser


@dataclass
class Outcome:
    """One run of one case."""

    case: str
    seconds: float
    usage: Usage
    draft: Draft | None = None
    error: str | None = None
    checklist: bool = False
    failed_checks: list[str] = field(default_factory=list)


def _alternatives(spec: str) -> list[str]:
    return [a.strip().lower() for a in str(spec).split("|") if a.strip()]


def _task_has(task: dict[str, Any], spec: str) -> bool:
    """Whether a task has the property at a dotted path (`remind.every`), with the value after `=` if given."""
    path, _, wanted = spec.partition("=")
    value: Any = task
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return False
    return not wanted or str(value).lower() == wanted


def checklist(bundle: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    """The checks a draft fails: task count range, task types, branch conditions, task properties, ticket fields."""
    failed: list[str] = []
    raw = bundle.get("workflow")
    workflow: dict[str, Any] = raw if isinstance(raw, dict) else {}
    tasks = [t for t in workflow.get("tasks") or [] if isinstance(t, dict)]
    low, high = (expect.get("tasks") or [1, 200])[:2]
    if not low <= len(tasks) <= high:
        failed.append(f"tasks {len(tasks)} not in [{low}, {high}]")
    types = {t.get("type") for t in tasks}
    failed += [f"no {spec} task" for spec in expect.get("task_types") or []
               if not any(alt.upper() in types for alt in _alternatives(spec))]
    conditions = [str(t.get("condition") or "").lower() for t in workflow.get("transitions") or []
                  if isinstance(t, dict)]
    for spec in expect.get("conditions") or []:
        if not any(alt in cond for alt in _alternatives(spec) for cond in conditions):
            failed.append(f"no condition mentioning {spec}")
    for spec in expect.get("task_props") or []:
        if not any(_task_has(t, alt) for alt in _alternatives(spec) for t in tasks):
            failed.append(f"no task with {spec}")
    names = [str(n).lower() for tt in bundle.get("ticket_types") or [] if isinstance(tt, dict)
             for n in ((tt.get("fields") or {}).get("properties") or {})]
    for spec in expect.get("ticket_fields") or []:
        if not any(alt in name for alt in _alternatives(spec) for name in names):
            failed.append(f"no ticket field like {spec}")
    return failed


def load_cases(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, list) or not all(isinstance(c, dict) and c.get("id") and c.get("prompt")
                                              for c in cases):
        raise ValueError("the file needs a `cases` list of {id, prompt, expect}")
    return cases


async def _check(bundle: dict[str, Any]) -> Checked:
    report = await asyncio.to_thread(validate, bundle, None)
    data = report.to_dict()
    return Checked(valid=report.valid, errors=data["errors"], warnings=data["warnings"])


async def _run_case(client: LLMClient, case: dict[str, Any], system: str) -> Outcome:
    started = time.perf_counter()
    messages = [{"role": "system", "content": system}, {"role": "user", "content": str(case["prompt"])}]
    try:
        result = await drafting.draft(client, messages, validate=_check)
    except AssistantUnavailable as exc:
        return Outcome(str(case["id"]), time.perf_counter() - started, exc.usage, error=exc.message)
    out = Outcome(str(case["id"]), time.perf_counter() - started, result.usage, draft=result.draft)
    if result.draft is not None and result.draft.valid:
        out.failed_checks = checklist(result.draft.bundle, case.get("expect") or {})
        out.checklist = not out.failed_checks
    return out


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def report(outcomes: list[Outcome]) -> str:
    """The summary figures, one per line, after a line per run."""
    lines = []
    for o in outcomes:
        state = o.error or ("no draft" if o.draft is None else
                            f"valid={o.draft.valid} repairs={o.draft.repair_rounds} "
                            f"checklist={'pass' if o.checklist else 'fail: ' + '; '.join(o.failed_checks)}")
        lines.append(f"{o.case:<32} {o.seconds:6.1f}s  {o.usage.total:>7} tok  {state}")
    n = len(outcomes)
    drafts = [o.draft for o in outcomes if o.draft is not None]
    first = sum(1 for d in drafts if d.valid and d.repair_rounds == 0)
    valid = sum(1 for d in drafts if d.valid)
    rounds = sum(d.repair_rounds for d in drafts) / len(drafts) if drafts else 0.0
    seconds = [o.seconds for o in outcomes]
    prompt = sum(o.usage.prompt_tokens for o in outcomes)
    completion = sum(o.usage.completion_tokens for o in outcomes)
    lines += [
        "",
        f"runs:                       {n} ({sum(1 for o in outcomes if o.error)} failed to answer)",
        f"schema-valid on first try:  {_pct(first, n)}",
        f"valid after <=3 repairs:    {_pct(valid, n)}",
        f"checklist pass:             {_pct(sum(1 for o in outcomes if o.checklist), n)}",
        f"mean repair rounds:         {rounds:.2f}",
        f"latency p50 / p95:          {percentile(seconds, 50):.2f}s / {percentile(seconds, 95):.2f}s",
        f"tokens:                     prompt {prompt}, completion {completion}, "
        f"mean {(prompt + completion) // n if n else 0} per run",
    ]
    return "\n".join(lines)


async def evaluate(cases: list[dict[str, Any]], runs: int) -> list[Outcome]:
    """Every case `runs` times, one after another (no database: validated without saved definitions)."""
    client = LLMClient.from_settings()
    system = system_prompt(company_context=render_company_context(CompanyDefinitions(roles=["user"])),
                           schema_summary=SCHEMA_SUMMARY, cel_rules=CEL_RULES)
    try:
        return [await _run_case(client, case, system) for case in cases for _ in range(runs)]
    finally:
        await client.close()


def run_eval(args: argparse.Namespace) -> int:
    try:
        cases = load_cases(Path(args.cases))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"{args.cases}: cannot use the cases file: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.only:
        cases = [c for c in cases if c["id"] == args.only]
    if args.runs < 1 or not cases:
        print("nothing to run (check --runs and --only)", file=sys.stderr)
        return EXIT_USAGE
    try:
        outcomes = asyncio.run(evaluate(cases, args.runs))
    except AssistantUnavailable as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_USAGE
    print(report(outcomes))
    return EXIT_OK
