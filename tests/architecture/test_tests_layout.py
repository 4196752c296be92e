"""The tests' own layout: shared support only from tests/fixtures, and a test directory for every services package."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures"
SUPPORT = "tests.fixtures"


def _imported_modules(path: Path, source: str | None = None) -> list[str]:
    """Every module a file imports (function-level imports included), as absolute dotted names."""
    found: list[str] = []
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                package = path.relative_to(ROOT).with_suffix("").parts[:-node.level]
                found.append(".".join((*package, node.module or "")).rstrip("."))
            elif node.module:
                found.append(node.module)
    return found


def _test_code() -> list[Path]:
    """Test modules and conftest files: everything under tests/ but the support package."""
    return [p for p in sorted(TESTS.rglob("*.py")) if FIXTURES not in p.parents]


def _reaches_outside_fixtures(module: str) -> bool:
    return (module == "tests" or module.startswith("tests.")) and not (
        module == SUPPORT or module.startswith(SUPPORT + "."))


def test_test_code_imports_only_the_support_package_from_tests() -> None:
    offenders = [f"{p.relative_to(ROOT)} imports {m}" for p in _test_code() for m in _imported_modules(p)
                 if _reaches_outside_fixtures(m)]
    assert not offenders, ("share helpers through tests/fixtures (a fixture where natural), never by importing "
                           "another test module or conftest:\n" + "\n".join(offenders))


def test_the_support_package_holds_no_tests_and_imports_nothing_else_from_tests() -> None:
    files = sorted(FIXTURES.rglob("*.py"))
    assert files, "tests/fixtures is missing"
    assert not [p for p in files if p.name.startswith("test_") or p.name == "conftest.py"]
    offenders = [f"{p.relative_to(ROOT)} imports {m}" for p in files for m in _imported_modules(p)
                 if _reaches_outside_fixtures(m)]
    assert not offenders, "\n".join(offenders)


def test_the_scan_sees_every_kind_of_import() -> None:
    source = ("import tests.api.conftest\nfrom tests.fixtures.bundles import laptop\n"
              "def f():\n    from tests.worker import helpers\n    from .conftest import x\n")
    modules = _imported_modules(TESTS / "api" / "test_sample.py", source)
    assert [m for m in modules if _reaches_outside_fixtures(m)] == ["tests.api.conftest", "tests.worker",
                                                                    "tests.api.conftest"]


def _packages(root: Path) -> set[str]:
    return {p.name for p in root.iterdir() if (p / "__init__.py").is_file() and not p.name.startswith("_")}


def test_every_services_package_has_its_test_directory() -> None:
    missing = sorted(name for name in _packages(ROOT / "tfai" / "services")
                     if not list((TESTS / "services" / name).glob("test_*.py")))
    assert not missing, f"tfai/services packages without tests in tests/services/<package>/: {missing}"


def test_the_worker_has_its_test_directory() -> None:
    assert list((TESTS / "worker").glob("test_*.py")), "tfai/worker needs tests in tests/worker/"


# Importing these builds the Celery app, which reads its broker URL once: at collection time that is not yet the
# test stack's Redis, and every message the test process publishes afterwards goes to the wrong broker.
_BUILDS_CELERY = ("tfai.worker.celery_app", "tfai.worker.tasks")


def module_level_celery_imports(source: str) -> list[str]:
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            found += [n for n in names if n in _BUILDS_CELERY]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name in _BUILDS_CELERY]
    return found


def test_no_test_module_builds_the_celery_app_at_collection() -> None:
    offenders = [f"{p.relative_to(ROOT)}: {m}" for p in sorted(TESTS.rglob("*.py"))
                 for m in module_level_celery_imports(p.read_text())]
    assert offenders == []
    assert module_level_celery_imports("from tfai.worker import tasks\n") == ["tfai.worker.tasks"]
    assert module_level_celery_imports("def f():\n    from tfai.worker import tasks\n") == []
