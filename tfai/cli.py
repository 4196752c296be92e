"""The `tfai` command: run, worker, migrate, doctor, definitions, staff, assistant, seed-demo, backup."""

from __future__ import annotations

import argparse
import logging
import sys

from tfai.clitools import assistant as assistant_cli
from tfai.clitools import backup as backup_cli
from tfai.clitools import definitions as definitions_cli
from tfai.clitools import demo as demo_cli
from tfai.clitools import staff as staff_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tfai", description="Ticketflower tfai")
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="start the whole product (embedded services when no URLs are set)")
    run_p.add_argument("--port", type=int, default=3000)
    run_p.add_argument("--workers", type=int, default=None,
                       help="action worker processes (default: one per CPU core, at most 4)")
    worker_p = sub.add_parser("worker", help="run an action worker")
    worker_p.add_argument("--concurrency", type=int, default=16, help="actions in flight at once (threads)")
    sub.add_parser("migrate", help="upgrade the database to the newest schema and update the app role")
    sub.add_parser("doctor", help="check the installation and say how to fix each problem")
    definitions_cli.register(sub)
    staff_cli.register(sub)
    assistant_cli.register(sub)
    demo_cli.register(sub)
    backup_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    if args.command == "run":
        from tfai.clitools.run import run

        return run(args.port, args.workers)
    if args.command == "worker":
        from tfai.clitools.run import worker

        return worker(args.concurrency)
    if args.command == "migrate":
        from tfai.db.migrate import migrate
        from tfai.embedded import ensure_services
        from tfai.settings import get_settings

        settings, embedded = ensure_services(get_settings())
        try:
            migrate(settings)
        finally:
            embedded.stop()
        print("database migrated to head; app role up to date")
        return 0
    if args.command == "doctor":
        from tfai.clitools.doctor import doctor

        return doctor()
    if args.command in ("definitions", "staff", "assistant", "seed-demo", "backup", "restore"):
        return int(args.func(args))
    return 2


if __name__ == "__main__":
    sys.exit(main())
