"""`tfai definitions validate`: output lines, JSON output and exit codes 0/1/2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.bundles import EXAMPLE_FILES, laptop
from tfai.clitools.definitions import main


def test_examples_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["definitions", "validate", *map(str, EXAMPLE_FILES)]) == 0
    assert capsys.readouterr().out == ""


def test_errors_exit_1_with_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = laptop()
    doc["workflow"]["start"] = "aprove"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    assert main(["definitions", "validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:/workflow/start: error: workflow.unknown_start: No task 'aprove'" in out


def test_warnings_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = laptop()
    doc["workflow"]["transitions"][1]["condition"] = "!output.approved"
    path = tmp_path / "warn.yaml"
    path.write_text(json.dumps(doc))
    assert main(["definitions", "validate", str(path)]) == 0
    assert ": warning: graph.conditions_incomplete:" in capsys.readouterr().out


def test_unreadable_and_unparsable_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [\n")
    assert main(["definitions", "validate", str(bad)]) == 2
    assert main(["definitions", "validate", str(tmp_path / "missing.json")]) == 2
    not_object = tmp_path / "list.json"
    not_object.write_text("[1, 2]")
    assert main(["definitions", "validate", str(not_object), str(EXAMPLE_FILES[0])]) == 2
    assert "unreadable" in capsys.readouterr().out


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = laptop()
    doc["workflow"]["tasks"][1]["action_url"] = "http://vendor.example.com/x"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(doc))
    assert main(["definitions", "validate", "--json", str(path)]) == 1
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["valid"] is False
    assert entry["errors"][0]["path"] == "/workflow/tasks/1/action_url"
    assert main(["definitions", "validate", "--allow-private-networks", str(path)]) == 0


def test_subprocess_entry_point() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tfai.clitools.definitions", "definitions", "validate", str(EXAMPLE_FILES[0])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
