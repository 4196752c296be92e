"""The tfai command: seed-demo creates a usable company once; the parser knows every subcommand."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.fixtures.stack import Stack
from tfai.cli import build_parser
from tfai.clitools.demo import DEMO_ADMIN, ROOT, seed
from tfai.domain.errors import Conflict


def test_parser_has_every_command() -> None:
    parser = build_parser()
    for argv in (["run", "--port", "3001"], ["worker"], ["migrate"], ["doctor"], ["seed-demo"],
                 ["definitions", "validate", "x.json"], ["staff", "create", "a@b.c", "--name", "A B"],
                 ["assistant", "eval", "--cases", "x.yaml"], ["backup"], ["restore", "x.tar.gz"]):
        assert parser.parse_args(argv).command == argv[0]


async def test_seed_demo_creates_people_and_definitions_once(stack: Stack, db_engine: None) -> None:
    logins = dict(await seed())
    assert logins[DEMO_ADMIN] == "admin" and len(logins) == 5
    with psycopg.connect(stack.database_url) as conn:
        company = conn.execute("SELECT company_id FROM users WHERE email = %s", (DEMO_ADMIN,)).fetchone()
        assert company is not None
        workflows = conn.execute("SELECT count(DISTINCT key) FROM workflow_definitions WHERE company_id = %s",
                                 company).fetchone()
        workers = conn.execute("SELECT count(*) FROM user_system_roles WHERE company_id = %s "
                               "AND role = 'task_worker'", company).fetchone()
    examples = [p for p in (ROOT / "examples").glob("*.*") if p.suffix in (".json", ".yaml", ".yml")]
    assert workflows == (len(examples),) and len(examples) >= 7 and workers == (2,)
    with pytest.raises(Conflict):
        await seed()


def test_doctor_reports_each_check_and_fails_without_a_worker(stack: Stack, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tfai.embedded import start_redis

    # A private Redis that no worker of other tests heartbeats into.
    redis_url, proc = start_redis(tmp_path)
    try:
        out = subprocess.run([sys.executable, "-m", "tfai.cli", "doctor"],
                             env={**os.environ, "TFAI_REDIS_URL": redis_url}, capture_output=True, text=True,
                             timeout=120)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
    assert "✓ database reachable" in out.stdout
    assert "✓ migrations at head" in out.stdout
    assert "✓ redis reachable" in out.stdout
    assert "✗ action workers alive (0)" in out.stdout and "tfai worker" in out.stdout
    assert out.returncode == 1
