"""`tfai definitions validate FILE...`: validate bundle files offline and print one problem per line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tfai.domain.bundle import load_bundle_text
from tfai.domain.errors import InvalidInput
from tfai.domain.limits import MAX_DOCUMENT_BYTES
from tfai.domain.problems import Report
from tfai.domain.validate import validate

EXIT_VALID, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add `definitions validate` to an argparse subparsers object; returns the `definitions` parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser("definitions", help="work with definition bundles")
    sub = parser.add_subparsers(dest="definitions_command", required=True)
    check = sub.add_parser("validate", help="validate bundle files (JSON or YAML)")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--json", action="store_true", help="print a JSON report instead of lines")
    check.add_argument(
        "--allow-private-networks", action="store_true", help="allow http:// and private addresses in action URLs"
    )
    check.set_defaults(func=run_validate)
    return parser


def _check_file(path: str, allow_private: bool) -> tuple[int, Report | None, str | None]:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return EXIT_UNREADABLE, None, f"cannot read: {exc.strerror or exc}"
    if len(raw) > MAX_DOCUMENT_BYTES:
        report = Report()
        report.error("", "limit.document_size", f"The document is larger than {MAX_DOCUMENT_BYTES} bytes")
        return EXIT_ERRORS, report, None
    try:
        document = load_bundle_text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return EXIT_UNREADABLE, None, "not UTF-8 text"
    except InvalidInput as exc:
        return EXIT_UNREADABLE, None, exc.message
    report = validate(document, allow_private_networks=allow_private)
    return (EXIT_VALID if report.valid else EXIT_ERRORS), report, None


def run_validate(args: argparse.Namespace) -> int:
    """Validate every file; exit 0 all valid (warnings allowed), 1 any errors, 2 any unreadable file."""
    status = EXIT_VALID
    results: list[dict[str, Any]] = []
    for path in args.files:
        code, report, failure = _check_file(path, bool(getattr(args, "allow_private_networks", False)))
        status = max(status, code)
        if args.json:
            entry: dict[str, Any] = {"file": path, "readable": failure is None}
            entry.update(report.to_dict() if report else {"valid": False, "errors": [], "warnings": []})
            if failure:
                entry["failure"] = failure
            results.append(entry)
            continue
        if failure is not None:
            print(f"{path}: error: unreadable: {failure}")
            continue
        assert report is not None
        for severity, problems in (("error", report.errors), ("warning", report.warnings)):
            for p in problems:
                print(f"{path}:{p.path}: {severity}: {p.code}: {p.message}")
    if args.json:
        print(json.dumps(results, indent=2))
    return status


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (`python -m tfai.clitools.definitions validate FILE...`)."""
    parser = argparse.ArgumentParser(prog="tfai")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
