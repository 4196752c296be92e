"""`tfai staff create EMAIL --name "First Last" [--password-stdin]` and `tfai staff enrol-totp EMAIL` (server side)."""

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
    enrol = sub.add_parser("enrol-totp", help="give a staff member a new TOTP secret and recovery codes "
                                              "(for staff created before the second factor)")
    enrol.add_argument("email")
    enrol.set_defaults(func=run_enrol_totp)
    return parser


def _read_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def _print_second_factor(factor: Any) -> None:
    print(f"second factor (add to an authenticator app, shown once): {factor.totp_uri}")
    print("recovery codes (each works once instead of an app code; keep them offline):")
    for code in factor.recovery_codes:
        print(f"  {code}")


def run_create(args: argparse.Namespace) -> int:
    """Create the staff member (starting embedded services and migrating them when no URLs are set)."""
    from tfai.services.staff.setup import create_staff_user

    first, _, last = (args.name or "").strip().partition(" ")
    password = _read_password() if args.password_stdin else None
    if args.password_stdin and not password:
        print("error: no password on standard input", file=sys.stderr)
        return EXIT_INVALID
    code, created = _with_database(lambda settings: create_staff_user(
        email=args.email, first_name=first, last_name=last.strip(), password=password, settings=settings))
    if created is None:
        return code
    print(f"staff member {args.email} created (user id {created.user_id})")
    if created.set_password_url:
        print(f"one-time set-password link (valid 72 hours): {created.set_password_url}")
    _print_second_factor(created.second_factor)
    return EXIT_OK


def run_enrol_totp(args: argparse.Namespace) -> int:
    """Replace a staff member's TOTP secret and recovery codes; prints the new ones once."""
    from tfai.services.staff.setup import enrol_totp

    code, factor = _with_database(lambda settings: enrol_totp(email=args.email, settings=settings))
    if factor is None:
        return code
    print(f"staff member {args.email}: new second factor enrolled (earlier codes no longer work)")
    _print_second_factor(factor)
    return EXIT_OK


def _with_database(call: Any) -> tuple[int, Any]:
    """Run call(settings) against the configured database (embedded services started and migrated when no URLs
    are set); (EXIT_OK, result), or an exit code and None after printing the error."""
    from tfai.domain.errors import TfaiError
    from tfai.embedded import ensure_services, export_env
    from tfai.settings import get_settings

    base = get_settings()
    settings, embedded = ensure_services(base)
    try:
        if embedded.database_url:
            from tfai.db.migrate import migrate

            migrate(settings)
        export_env(settings)
        get_settings.cache_clear()
        return EXIT_OK, asyncio.run(call(settings))
    except TfaiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for problem in exc.details if isinstance(exc.details, list) else []:
            print(f"  {problem.get('field', '')}: {problem.get('message', '')}", file=sys.stderr)
        return EXIT_INVALID, None
    except Exception as exc:  # noqa: BLE001 - a command line tool reports and exits
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED, None
    finally:
        embedded.stop()


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (`python -m tfai.clitools.staff create EMAIL --name ...`)."""
    parser = argparse.ArgumentParser(prog="tfai")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
