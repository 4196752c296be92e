"""Static analysis of parsed CEL: names in scope, field paths against JSON Schemas, obvious result kinds."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from celpy.evaluation import base_functions

from tfai.domain.layout import schema_types
from tfai.domain.limits import MAX_COMPREHENSION_DEPTH
from tfai.domain.problems import Problem, did_you_mean

Tree = Any  # a lark parse tree from celpy; duck-typed so the domain imports only celpy
MACROS = frozenset({"map", "filter", "all", "exists", "exists_one"})
FUNCTIONS = frozenset(k for k in base_functions if k[:1] != "_" and k[-1:] != "_") | {"has", "dyn"} | MACROS
TYPE_NAMES = frozenset({"int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type"})
BOOL_METHODS = frozenset({"all", "exists", "exists_one", "startsWith", "endsWith", "contains", "matches"})


def _is_tree(node: Any) -> bool:
    return hasattr(node, "data") and hasattr(node, "children")


def _is_token(node: Any) -> bool:
    return isinstance(node, str) and hasattr(node, "type")


def _first_tree(node: Tree) -> Tree | None:
    for child in node.children:
        if _is_tree(child):
            return child
    return None


def _unwrap(node: Tree) -> Tree:
    """Descend through single-child precedence levels to the node that does the work."""
    while node.data in ("expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication"):
        if len(node.children) != 1 or not _is_tree(node.children[0]):
            return node
        node = node.children[0]
    if node.data == "unary" and len(node.children) == 1 and _is_tree(node.children[0]):
        node = node.children[0]
    if node.data == "member" and _is_tree(node.children[0]):
        node = node.children[0]
    if node.data == "primary" and _is_tree(node.children[0]):
        inner = node.children[0]
        return _unwrap(inner.children[0]) if inner.data == "paren_expr" else inner
    return node


def shape(node: Tree) -> str:
    """The obvious kind of value an expression yields: bool, map, list, number, string, null or unknown."""
    node = _unwrap(node)
    data = node.data
    if data == "expr":
        branches = {shape(node.children[1]), shape(node.children[2])} if len(node.children) == 3 else set()
        return branches.pop() if len(branches) == 1 else "unknown"
    if data in ("conditionalor", "conditionaland", "relation"):
        return "bool"
    if data == "addition":
        return "value"
    if data == "multiplication":
        return "number"
    if data == "unary":
        first = _first_tree(node)
        return "bool" if first is not None and first.data == "unary_not" else "number"
    if data == "literal":
        kind = str(node.children[0].type) if _is_token(node.children[0]) else ""
        return {"BOOL_LIT": "bool", "NULL_LIT": "null", "INT_LIT": "number", "UINT_LIT": "number"}.get(
            kind, "number" if kind == "FLOAT_LIT" else "string"
        )
    if data in ("list_lit", "map_lit"):
        return str(data)[:-4]
    if data == "ident_arg":
        name = str(node.children[0])
        return {"has": "bool", "size": "number", "int": "number", "double": "number", "string": "string"}.get(
            name, "unknown"
        )
    if data == "member_dot_arg":
        method = str(node.children[1])
        if method in BOOL_METHODS:
            return "bool"
        return "list" if method in ("map", "filter") else "number" if method == "size" else "unknown"
    return "unknown"


def _literal_key(node: Tree) -> str | int | None:
    """The value of an index expression that is a plain string or int literal, else None."""
    inner = _unwrap(node)
    if inner.data != "literal" or not _is_token(inner.children[0]):
        return None
    token = inner.children[0]
    try:
        if token.type == "STRING_LIT":
            value = ast.literal_eval(str(token))
            return value if isinstance(value, str) else None
        if token.type == "INT_LIT":
            return int(str(token), 0)
    except (ValueError, SyntaxError):
        return None
    return None


def _bound_name(exprlist: Tree | None) -> str | None:
    if exprlist is None or not exprlist.children or not _is_tree(exprlist.children[0]):
        return None
    inner = _unwrap(exprlist.children[0])
    return str(inner.children[0]) if inner.data == "ident" else None


class _Analyzer:
    def __init__(self, names: Mapping[str, dict[str, Any] | None]) -> None:
        self.names = names
        self.problems: list[Problem] = []
        self._seen: set[tuple[str, str]] = set()
        self.reads: list[tuple[str, tuple[str | int, ...]]] = []
        self.comprehensions = 0  # the deepest nesting of macros (map, filter, all, ...) seen
        self._depth = 0

    def add(self, code: str, message: str) -> None:
        if (code, message) not in self._seen:
            self._seen.add((code, message))
            self.problems.append(Problem("", code, message))

    def visit(self, node: Tree, bound: frozenset[str]) -> None:
        data = node.data
        if data in ("member_dot", "member_index") or data == "ident":
            self.chain(node, bound)
            return
        if data in ("dot_ident", "dot_ident_arg"):
            self.add("expression.unsupported", "Leading-dot names are not supported")
        if data == "ident_arg":
            name = str(node.children[0])
            if name not in FUNCTIONS:
                self.add("expression.unknown_function", f"Unknown function {name!r}{did_you_mean(name, FUNCTIONS)}")
        if data == "member_object":
            self.add("expression.unsupported", "Message construction is not supported")
        if data == "member_dot_arg":
            method = str(node.children[1])
            receiver = node.children[0]
            args = node.children[2] if len(node.children) > 2 and _is_tree(node.children[2]) else None
            if method not in FUNCTIONS:
                self.add(
                    "expression.unknown_function",
                    f"Unknown method {method!r}{did_you_mean(method, FUNCTIONS)}",
                )
            if _is_tree(receiver):
                self.visit(receiver, bound)
            var = _bound_name(args) if method in MACROS else None
            nested = method in MACROS
            self._depth += nested
            self.comprehensions = max(self.comprehensions, self._depth)
            if args is not None:
                items = [c for c in args.children if _is_tree(c)]
                for i, item in enumerate(items):
                    if not (var is not None and i == 0):
                        self.visit(item, bound | {var} if var else bound)
            self._depth -= nested
            return
        for child in node.children:
            if _is_tree(child):
                self.visit(child, bound)

    def chain(self, node: Tree, bound: frozenset[str]) -> None:
        """Check a member chain such as ticket.a['b'].c: its root name, then its static field path."""
        segments: list[str | int] = []
        while True:
            if node.data == "member" or node.data == "primary":
                child = node.children[0]
                if not _is_tree(child):
                    return
                node = child
                continue
            if node.data == "member_dot":
                segments.append(str(node.children[1]))
                node = node.children[0]
                continue
            if node.data == "member_index":
                index = node.children[1]
                key = _literal_key(index) if _is_tree(index) else None
                if key is None:
                    segments.clear()
                    if _is_tree(index):
                        self.visit(index, bound)
                else:
                    segments.append(key)
                node = node.children[0]
                continue
            if node.data == "ident":
                self.root(str(node.children[0]), list(reversed(segments)), bound)
            else:
                self.visit(node, bound)
            return

    def root(self, name: str, path: list[str | int], bound: frozenset[str]) -> None:
        if name in bound or (name in TYPE_NAMES and not path):
            return
        self.reads.append((name, tuple(path)))

    def check_read(self, name: str, path: tuple[str | int, ...]) -> None:
        if name not in self.names:
            scope = ", ".join(sorted(self.names)) or "none"
            self.add(
                "expression.unknown_name",
                f"{name!r} is not available here{did_you_mean(name, self.names)}; names in scope: {scope}",
            )
            return
        self.walk(name, path, self.names[name])

    def walk(self, name: str, path: tuple[str | int, ...], schema: Any) -> None:
        walked = name
        node = schema
        for seg in path:
            if not isinstance(node, dict):
                return
            types = schema_types(node)
            if isinstance(seg, int):
                items = node.get("items")
                if types and "array" not in types:
                    self.add("expression.not_a_list", f"{walked} is not a list")
                    return
                node, walked = items, f"{walked}[{seg}]"
                continue
            if types and "object" not in types:
                self.add(
                    "expression.not_an_object",
                    f"{walked} is a {'/'.join(sorted(types))}, it has no field {seg!r}",
                )
                return
            props = node.get("properties")
            extra = node.get("additionalProperties")
            if isinstance(props, dict) and seg in props:
                node = props[seg]
            elif isinstance(extra, dict) and extra:
                node = extra
            elif isinstance(props, dict):
                self.add(
                    "expression.unknown_field",
                    f"{walked} has no field {seg!r}{did_you_mean(seg, props)}",
                )
                return
            else:
                return
            walked = f"{walked}.{seg}"


@dataclass(frozen=True)
class Summary:
    """What an expression does, independent of any scope: problems of its own, names read, result kind, and how
    deeply its macros (comprehensions) nest: 0 means its work is bounded by its size and its data's."""

    problems: tuple[Problem, ...]
    reads: tuple[tuple[str, tuple[str | int, ...]], ...]
    shape: str
    comprehensions: int = 0


def summarize(tree: Tree) -> Summary:
    """Walk a parsed expression once; the result can be cached per expression text."""
    analyzer = _Analyzer({})
    analyzer.visit(tree, frozenset())
    if analyzer.comprehensions > MAX_COMPREHENSION_DEPTH:
        analyzer.add("expression.comprehension_depth",
                     f"Macros (map, filter, all, exists, exists_one) nest {analyzer.comprehensions} deep; "
                     f"at most {MAX_COMPREHENSION_DEPTH}")
    return Summary(tuple(analyzer.problems), tuple(dict.fromkeys(analyzer.reads)), shape(tree),
                   analyzer.comprehensions)


def check_summary(summary: Summary, names: Mapping[str, dict[str, Any] | None], kind: str) -> list[Problem]:
    """Problems of a summarized expression used as `kind` with these names (name -> schema or None)."""
    analyzer = _Analyzer(names)
    for problem in summary.problems:
        analyzer.add(problem.code, problem.message)
    for name, path in summary.reads:
        analyzer.check_read(name, path)
    result = summary.shape
    described = "number, string or list" if result == "value" else result
    if kind == "condition" and result not in ("bool", "unknown"):
        analyzer.add("expression.not_bool", f"A condition must yield a bool, this yields a {described}")
    if kind == "transform" and result not in ("map", "unknown"):
        analyzer.add("expression.not_map", f"A transform must yield a map, this yields a {described}")
    return analyzer.problems
