"""The layers keep their direction (docs/architecture.md): each rule is a scan of the source that fails when broken."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "tfai"
DOMAIN_ALLOWED = {"pydantic", "pydantic_core", "jsonschema", "celpy", "cel", "yaml", "tfai", "annotated_types",
                  "lark", "referencing", "re2"}
ADAPTERS = ("tfai.api", "tfai.ui", "tfai.worker", "tfai.clitools", "tfai.cli", "tfai.tfai")
# Modules of services/common that adapters may use: the page DTO of every list answer, and the sandbox's start-up
# and shut-down (the app module registers it as a lifespan task).
COMMON_FOR_ADAPTERS = {"tfai.services.common.pagination", "tfai.services.common.sandbox_lifespan"}
# The one facade: importing tfai.db.tables loads every table into the metadata (Alembic needs them all).
FACADES = {"tfai.db.tables"}


@dataclass(frozen=True)
class Import:
    """One imported module (resolved to a tfai module when it is one), with the names taken from it."""

    module: str
    names: tuple[str, ...]
    line: int


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules(root: Path = ROOT) -> dict[str, str]:
    """Module name -> source, for every module of the package."""
    return {module_name(p, root): p.read_text() for p in sorted(root.rglob("*.py"))}


def imports(source: str, known: Iterable[str] = ()) -> list[Import]:
    """Every import in the source, at any depth (function-level imports count), submodules resolved when known."""
    known = set(known)
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(a.name, (), node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = [a.name for a in node.names if f"{node.module}.{a.name}" in known]
            found += [Import(f"{node.module}.{name}", (), node.lineno) for name in subs]
            rest = tuple(a.name for a in node.names if a.name not in subs)
            if rest or not subs:
                found.append(Import(node.module, rest, node.lineno))
    return found


def graph(modules: Mapping[str, str]) -> dict[str, set[str]]:
    """Module -> the tfai modules it imports (a name imported from a package counts as the package)."""
    edges: dict[str, set[str]] = {}
    for name, source in modules.items():
        deps = set()
        for imp in imports(source, modules):
            target = imp.module
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                deps.add(target)
        edges[name] = deps
    return edges


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def collapse(edges: Mapping[str, set[str]], depth: int) -> dict[str, set[str]]:
    """The same graph between packages: names cut to their first `depth` parts (services: one more)."""
    def cut(m: str) -> str:
        parts = m.split(".")
        n = depth + 1 if parts[:2] == ["tfai", "services"] else depth
        return ".".join(parts[:n])

    out: dict[str, set[str]] = {}
    for m, deps in edges.items():
        out.setdefault(cut(m), set()).update(cut(d) for d in deps if cut(d) != cut(m))
    return out


def private_service_module(module: str) -> bool:
    """An in-transaction helper (a `_` part) or shared infrastructure of services/common."""
    if not module.startswith("tfai.services."):
        return False
    parts = module.split(".")
    if any(p.startswith("_") for p in parts):
        return True
    return parts[2] == "common" and module not in COMMON_FOR_ADAPTERS


def adapter_violations(modules: Mapping[str, str]) -> list[str]:
    out = []
    for name, source in modules.items():
        if not name.startswith(ADAPTERS):
            continue
        for imp in imports(source, modules):
            if imp.module.startswith("tfai.db.tables") or private_service_module(imp.module):
                out.append(f"{name}:{imp.line} imports {imp.module}")
    return out


def reexport_violations(modules: Mapping[str, str]) -> list[str]:
    """`__all__` naming imported names, `import x as x` re-exports, and names reached past a facade."""
    out = []
    facade_names = {f: _imported_names(modules[f]) for f in FACADES if f in modules}
    for name, source in modules.items():
        tree = ast.parse(source)
        imported = _imported_names(source)
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                                    for t in node.targets) and name not in FACADES:
                listed = {e.value for e in ast.walk(node.value) if isinstance(e, ast.Constant)
                          and isinstance(e.value, str)}
                out += [f"{name} re-exports {n} in __all__" for n in sorted(listed & imported)]
        for found in ast.walk(tree):
            if isinstance(found, ast.ImportFrom | ast.Import):
                out += [f"{name}:{found.lineno} re-exports {a.name} (import as itself)"
                        for a in found.names if a.asname is not None and a.asname == a.name.rpartition(".")[2]]
        if "noqa: F401" in source:
            out.append(f"{name} keeps an unused import alive (noqa: F401)")
        for imp in imports(source, modules):
            for facade, names in facade_names.items():
                if imp.module.startswith(facade + ".") and not name.startswith(facade):
                    out += [f"{name}:{imp.line} imports {n} from {imp.module}, not from {facade}"
                            for n in imp.names if n in names]
    return out


def _imported_names(source: str) -> set[str]:
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom | ast.Import):
            names |= {(a.asname or a.name).partition(".")[0] for a in node.names}
    return names


MODULES = all_modules()


# --- the rules -----------------------------------------------------------------------------------------------


def test_domain_imports_only_pure_libraries() -> None:
    stdlib = set(sys.stdlib_module_names)
    offenders = []
    for name, source in MODULES.items():
        if not name.startswith("tfai.domain"):
            continue
        for imp in imports(source):
            top = imp.module.split(".")[0]
            if top == "tfai" and not imp.module.startswith("tfai.domain"):
                offenders.append(f"{name}: {imp.module}")
            elif top not in stdlib and top not in DOMAIN_ALLOWED:
                offenders.append(f"{name}: {imp.module}")
    assert offenders == [], "tfai/domain must stay pure"


def test_ui_never_imports_tables_or_sessions() -> None:
    offenders = [f"{name}: {imp.module}" for name, source in MODULES.items() if name.startswith("tfai.ui")
                 for imp in imports(source) if imp.module.startswith(("tfai.db", "sqlalchemy", "sqlmodel"))]
    assert offenders == []


def test_only_the_assistant_client_imports_openai() -> None:
    offenders = [name for name, source in MODULES.items()
                 if any(imp.module.split(".")[0] == "openai" for imp in imports(source))
                 and name != "tfai.assistant.client"]
    assert offenders == []


def test_every_module_has_a_docstring() -> None:
    missing = [name for name, source in MODULES.items()
               if source.strip() and ast.get_docstring(ast.parse(source)) is None]
    assert missing == []


def test_adapters_import_only_public_use_cases_and_dtos() -> None:
    """api, ui, worker and clitools never reach `_` helpers, services/common internals or tables."""
    assert adapter_violations(MODULES) == []


def test_no_reexports_one_import_path_per_name() -> None:
    assert reexport_violations(MODULES) == []


def test_observability_and_db_never_import_services() -> None:
    offenders = [f"{name}: {dep}" for name, deps in graph(MODULES).items()
                 if name.startswith(("tfai.observability", "tfai.db")) for dep in deps
                 if dep.startswith(("tfai.services", "tfai.api", "tfai.ui", "tfai.worker"))]
    assert offenders == []


def test_no_import_cycles_between_modules_or_packages() -> None:
    """Function-level imports count: a cycle hidden inside a function is still a cycle."""
    edges = graph(MODULES)
    assert cycles(edges) == []
    assert cycles(collapse(edges, 2)) == []


def test_services_depend_only_downwards() -> None:
    """Services never import an adapter; domain never imports services (the pure rule covers the rest)."""
    offenders = [f"{name}: {dep}" for name, deps in graph(MODULES).items() if name.startswith("tfai.services")
                 for dep in deps if dep.startswith(ADAPTERS)]
    assert offenders == []


# --- the scanners can fail ---------------------------------------------------------------------------------------


def test_the_scanners_catch_what_they_forbid() -> None:
    sample = {
        "tfai.api.routes.x": "from tfai.services.tickets import _queries\nfrom tfai.services.common import audit\n"
                             "from tfai.services.common.pagination import Page\n",
        "tfai.services.tickets._queries": "", "tfai.services.common.audit": "", "tfai.services.common.pagination": "",
        "tfai.services.common": "", "tfai.services.tickets": "",
        "tfai.services.a": "from tfai.services.b import f\n__all__ = ['f']\n",
        "tfai.services.b": "def f() -> None:\n    from tfai.services.a import g\n",
        "tfai.db.tables": "from tfai.db.tables.runtime import T\n__all__ = ['T']\n",
        "tfai.db.tables.runtime": "T = 1\n",
        "tfai.services.c": "from tfai.db.tables.runtime import T\n",
    }
    assert adapter_violations(sample) == ["tfai.api.routes.x:1 imports tfai.services.tickets._queries",
                                          "tfai.api.routes.x:2 imports tfai.services.common.audit"]
    assert reexport_violations(sample) == [
        "tfai.services.a re-exports f in __all__",
        "tfai.services.c:1 imports T from tfai.db.tables.runtime, not from tfai.db.tables"]
    assert cycles(graph(sample)) == [["tfai.services.a", "tfai.services.b"]]
