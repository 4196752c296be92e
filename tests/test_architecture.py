"""The layers keep their direction: domain is pure, UI never touches tables, only client.py imports openai."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "tfai"
DOMAIN_ALLOWED = {"pydantic", "pydantic_core", "jsonschema", "celpy", "yaml", "tfai", "annotated_types",
                  "lark", "referencing"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _top(name: str) -> str:
    return name.split(".")[0]


def test_domain_imports_only_pure_libraries() -> None:
    import sys

    stdlib = set(sys.stdlib_module_names)
    offenders = []
    for path in sorted((ROOT / "domain").rglob("*.py")):
        for name in _imports(path):
            top = _top(name)
            if top in stdlib or top in DOMAIN_ALLOWED:
                if top == "tfai" and not name.startswith("tfai.domain"):
                    offenders.append(f"{path.name}: {name}")
                continue
            offenders.append(f"{path.name}: {name}")
    assert offenders == [], "tfai/domain must stay pure"


def test_ui_never_imports_tables_or_sessions() -> None:
    offenders = [f"{p.relative_to(ROOT)}: {n}" for p in sorted((ROOT / "ui").rglob("*.py"))
                 for n in _imports(p) if n.startswith(("tfai.db", "sqlalchemy", "sqlmodel"))]
    assert offenders == []


def test_only_the_assistant_client_imports_openai() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in sorted(ROOT.rglob("*.py"))
                 if any(_top(n) == "openai" for n in _imports(p)) and p != ROOT / "assistant" / "client.py"]
    assert offenders == []


def test_every_module_has_a_docstring() -> None:
    missing = [str(p.relative_to(ROOT)) for p in sorted(ROOT.rglob("*.py"))
               if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text())) is None]
    assert missing == []
