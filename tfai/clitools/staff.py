"""`tfai staff create EMAIL --name "First Last" [--password-stdin]`: add Ticketflower staff on the server."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

EXIT_OK, EXIT_INVALID, EXIT_FAILED = 0, 1, 2


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add `staff create` to an argparse subparsers object; returns the `staff` parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser("staff", help="manage Ticketflower platform staff")
    sub = parser.add_subparsers(dest="staff_command", required=True)
    create = sub.add_parser("create", help="create a staff member (prints a one-time set-password link)")
    create.add_argument("email")
    create.add_argument("--name", required=True, help='full name, "First Last"')
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input instead of printing a link")
    create.set_defaults(func=run_create)
    return parser


def _read_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def run_create(args: argparse.Namespace) -> int:
    """Create the staff member (starting embedded services and migrating them when no URLs are set)."""
    from tfai.domain.errors import TfaiError
    from tfai.embedded import ensure_services, export_env
    from tfai.services.staff.setup import create_staff_user
    from tfai.settings import get_settings

    first, _, last = (args.name or "").strip().partition(" ")
    password = _read_password() if args.password_stdin else None
    if args.password_stdin and not password:
        print("error: no password on standard input", file=sys.stderr)
        return EXIT_INVALID
    base = get_settings()
    settings, embedded = ensure_services(base)
    try:
        if embedded.database_url:
            from tfai.db.migrate import migrate

            migrate(settings)
        export_env(settings)
        get_settings.cache_clear()
        created = asyncio.run(create_staff_user(email=args.email, first_name=first, last_name=last.strip(),
                                                password=password, settings=settings))
    except TfaiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for problem in exc.details if isinstance(exc.details, list) else []:
            print(f"  {problem.get('field', '')}: {problem.get('message', '')}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - a command line tool reports and exits
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        embedded.stop()
    print(f"staff member {args.email} created (user id {created.user_id})")
    if created.set_password_url:
        print(f"one-time set-password link (valid 72 hours): {created.set_password_url}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (`python -m tfai.clitools.staff create EMAIL --name ...`)."""
    parser = argparse.ArgumentParser(prog="tfai")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
