"""docs/limits.md and tfai/domain/limits.py are the same table: every value stated there is the one in the code."""

from __future__ import annotations

import ast
import operator
import re
from pathlib import Path

import pytest

from tfai.domain import limits
from tfai.settings import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "limits.md"
_ENTRY = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*) = ([^`]+)`")
_OPS = {ast.Add: operator.add, ast.Mult: operator.mul, ast.Sub: operator.sub}


def _value(text: str) -> int | float:
    """An integer expression as the table writes it ('1024 * 1024', '30 * 24 * 3600', '10_000')."""
    def walk(node: ast.expr) -> int | float:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        raise ValueError(f"not a number: {text!r}")
    return walk(ast.parse(text, mode="eval").body)


def _where_cells() -> list[str]:
    rows = [line.split("|") for line in DOC.read_text().splitlines() if line.startswith("| ") and "---" not in line]
    return [cells[3] for cells in rows if len(cells) > 4]


def _entries() -> tuple[dict[str, int | float], dict[str, int | float]]:
    """(constants of limits.py, settings defaults) named in the Where column."""
    constants: dict[str, int | float] = {}
    settings: dict[str, int | float] = {}
    for cell in _where_cells():
        for match in _ENTRY.finditer(cell):
            name, value = match.group(1), _value(match.group(2))
            target = settings if name.islower() else constants
            assert target.get(name, value) == value, f"{name} is stated twice with different values"
            target[name] = value
    return constants, settings


def test_every_limit_in_the_table_has_the_stated_value_in_domain_limits() -> None:
    constants, _ = _entries()
    assert constants, "the table names no constants"
    for name, value in constants.items():
        assert hasattr(limits, name), f"docs/limits.md names {name}, which tfai/domain/limits.py does not define"
        assert getattr(limits, name) == value, f"{name}: the table says {value}, the code {getattr(limits, name)}"


def test_every_setting_in_the_table_has_the_stated_default() -> None:
    _, settings = _entries()
    assert "max_body_bytes" in settings and "max_upload_bytes" in settings
    for name, value in settings.items():
        assert name in Settings.model_fields, f"docs/limits.md names setting {name}, which does not exist"
        assert Settings.model_fields[name].default == value, f"setting {name}: the table says {value}"


def test_every_public_constant_of_domain_limits_is_in_the_table() -> None:
    constants, _ = _entries()
    public = {n for n, v in vars(limits).items() if n.isupper() and isinstance(v, int | float)}
    assert public - set(constants) == set(), "add these to docs/limits.md"


@pytest.mark.parametrize(("text", "value"), [("10_000", 10_000), ("1024 * 1024", 1 << 20), ("30 * 24 * 3600", 2592000)])
def test_table_values_are_read_as_numbers(text: str, value: int) -> None:
    assert _value(text) == value
