"""Only tfai/services/workflow changes a task or workflow status: an AST scan of assignments, keyword arguments,
constructors and SQL strings (UPDATE ... SET t_status / w_status) over every other module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "tfai"
WRITER = ROOT / "services" / "workflow"
STATUS_FIELDS = {"t_status", "w_status"}
STATUS_TABLES = {"TaskInstance", "WorkflowInstance"}
# The SET list of an UPDATE (up to FROM, WHERE or RETURNING) naming a status column; a WHERE that only reads one
# (`WHERE t_status = 'IN_PROGRESS'`) is fine.
_SET_STATUS = re.compile(r"\bUPDATE\b.*?\bSET\b(?:(?!\bFROM\b|\bWHERE\b|\bRETURNING\b).)*?\b[tw]_status\s*=",
                         re.IGNORECASE | re.DOTALL)


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string constant, and every f-string with its placeholders as {} (so SQL split by them still reads)."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
                     for v in node.values]
            out.append((node.lineno, "".join(parts)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value))
    return out


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return [t for target in node.targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def status_writes(source: str, name: str = "<source>") -> list[str]:
    """Where `source` changes a task or workflow status, as "name:line what"."""
    tree = ast.parse(source, filename=name)
    found: list[str] = []
    for node in ast.walk(tree):
        for target in _targets(node):
            if isinstance(target, ast.Attribute) and target.attr in STATUS_FIELDS:
                found.append(f"{name}:{target.lineno} assigns .{target.attr}")
        if isinstance(node, ast.Call):
            func = node.func
            callee = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            for kw in node.keywords:
                if kw.arg in STATUS_FIELDS:
                    what = f"constructs {callee} with" if callee in STATUS_TABLES else "passes"
                    found.append(f"{name}:{node.lineno} {what} {kw.arg}=")
            if callee == "setattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                    and node.args[1].value in STATUS_FIELDS:
                found.append(f"{name}:{node.lineno} setattr {node.args[1].value}")
    for line, text in _strings(tree):
        if _SET_STATUS.search(text):
            found.append(f"{name}:{line} SQL sets a status")
    return sorted(set(found))


def test_the_scanner_finds_every_kind_of_write() -> None:
    sample = '''
task.t_status = TaskStatus.OPEN
wi.hold_reason, wi.w_status = "x", WorkflowStatus.ON_HOLD
TaskInstance(company_id=1, t_status=TaskStatus.PENDING)
stmt = update(WorkflowInstance).values(w_status="CANCELLED")
setattr(task, "t_status", "OPEN")
SQL = "UPDATE task_instances SET t_status = 'OPEN' WHERE id = :id"
SQL2 = f"UPDATE task_instances t SET attempts = 1, t_status = {value} FROM x WHERE t.id = :id"
'''
    assert status_writes(sample) == [
        "<source>:2 assigns .t_status", "<source>:3 assigns .w_status",
        "<source>:4 constructs TaskInstance with t_status=", "<source>:5 passes w_status=",
        "<source>:6 setattr t_status", "<source>:7 SQL sets a status", "<source>:8 SQL sets a status",
    ]


def test_the_scanner_leaves_reads_alone() -> None:
    sample = '''
if task.t_status == TaskStatus.OPEN:
    status = wi.w_status.value
SQL = "UPDATE task_instances SET attempts = attempts + 1 WHERE id = :tid AND t_status = 'IN_PROGRESS'"
COUNT = "SELECT count(*) FROM task_instances WHERE t_status IN ('OPEN', 'IN_PROGRESS')"
dto = TaskSummaryDTO(status=task.t_status.value)
'''
    assert status_writes(sample) == []


def test_only_the_workflow_package_changes_a_status() -> None:
    offenders = [hit for path in sorted(ROOT.rglob("*.py")) if WRITER not in path.parents
                 for hit in status_writes(path.read_text(), str(path.relative_to(ROOT)))]
    assert offenders == []


def test_the_workflow_package_is_scanned_and_does_write() -> None:
    # Guards the scan itself: the real writers are found where they belong.
    hits = [hit for path in sorted(WRITER.rglob("*.py")) for hit in status_writes(path.read_text(), path.name)]
    assert any(h.startswith("_runtime.py") for h in hits) and any(h.startswith("_actions.py") for h in hits)
