"""What cel-python's parse tree of an expression tells the compiled engine: depth, comparisons, additions, reads.

tfai.domain.cel_native decides from these whether the compiled engine may answer for cel-python, and with which
data; they depend on the expression's text only, so they are computed once per distinct text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# An operand of `+` as far as the syntax tells: ("path", name, fields), ("list", "", ()) or ("other", "", ())
Operand = tuple[str, str, tuple[str, ...]]


def tree_depth(tree: Any) -> int:
    """The depth of a cel-python (lark) parse tree, without recursion."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in getattr(node, "children", ()) if hasattr(child, "children"))
    return deepest


_PASS_THROUGH = frozenset({"expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication",
                           "unary", "member", "primary"})


def _operand(node: Any) -> Any:
    """The one meaningful node under a chain of single-child grammar levels."""
    while getattr(node, "data", None) in _PASS_THROUGH and len(node.children) == 1 \
            and hasattr(node.children[0], "children"):
        node = node.children[0]
    return node


def _path_of(node: Any) -> tuple[str, tuple[str, ...]] | None:
    """(name, fields) of `name.a.b`, or None for anything else."""
    fields: list[str] = []
    while getattr(node, "data", None) == "member_dot":
        fields.append(str(node.children[1]))
        node = _operand(node.children[0])
    if getattr(node, "data", None) == "primary":
        node = node.children[0]
    if getattr(node, "data", None) == "ident":
        return str(node.children[0]), tuple(reversed(fields))
    return None


def _literal_kind(node: Any) -> type | tuple[type, ...] | None:
    """The Python type(s) a literal's value must have for both engines to compare it alike; None: not a literal."""
    if getattr(node, "data", None) == "primary":
        node = _operand(node.children[0]) if hasattr(node.children[0], "children") else node
    if getattr(node, "data", None) != "literal":
        return None
    text = str(node.children[0])
    if text in ("true", "false"):
        return bool
    if text == "null":
        return type(None)
    if text[:1] in ("'", '"') or (text[:1] in "rR" and text[1:2] in ("'", '"')):
        return str
    if (text[:1].isdigit() or text[:1] in ".-") and text[-1:] not in "uU":
        return (int, float)
    return None


def _describe(node: Any) -> Operand:
    path = _path_of(node)
    if path is not None:
        return "path", path[0], path[1]
    return ("list", "", ()) if getattr(node, "data", None) == "list_lit" else ("other", "", ())


_TRIPLE = ("'" * 3, '"' * 3)


def _literal_key(node: Any) -> str | None:
    """The text of a map key that is a plain quoted string literal, else None."""
    node = _operand(node)
    if getattr(node, "data", None) == "primary" and node.children and hasattr(node.children[0], "children"):
        node = node.children[0]
    if getattr(node, "data", None) != "literal":
        return None
    text = str(node.children[0])
    quoted = text[:1] in ("'", '"') and text[-1:] == text[:1] and text[:3] not in _TRIPLE and len(text) >= 2
    return text[1:-1] if quoted else None


def checks(tree: Any) -> tuple[tuple[tuple[str, tuple[str, ...], type | tuple[type, ...]], ...],
                                tuple[tuple[Operand, Operand], ...]] | None:
    """What must hold of the data for the engines to agree: every `==` / `!=` as (name, path, literal kind), every
    `+` as its two operands; None when the tree has a comparison that is not field-versus-literal, an `in`, or a map
    literal whose keys are not distinct quoted literals."""
    found = []
    added = []
    stack = [tree]
    while stack:
        node = stack.pop()
        children = [c for c in getattr(node, "children", ()) if hasattr(c, "children")]
        if node.data == "relation" and children and children[0].data in ("relation_eq", "relation_ne"):
            left, right = _operand(children[0].children[0]), _operand(node.children[1])
            path, kind = _path_of(left), _literal_kind(right)
            if path is None or kind is None:
                path, kind = _path_of(right), _literal_kind(left)
            if path is None or kind is None:
                return None
            found.append((path[0], path[1], kind))
        elif node.data == "addition" and children and children[0].data == "addition_add":
            added.append((_describe(_operand(children[0].children[0])), _describe(_operand(node.children[1]))))
        elif node.data == "relation_in":
            return None
        elif node.data == "mapinits":
            keys = [_literal_key(child) for child in children[::2]]
            if None in keys or len(set(keys)) != len(keys):
                return None
        stack.extend(children)
    return tuple(found), tuple(added)


def read_tree(reads: Iterable[tuple[str, tuple[str | int, ...]]]) -> dict[str, Any]:
    """The parts of each name an expression reads, as a tree of field names; None marks a whole value (a name read
    bare, a path ending there, or one that goes on through a list index)."""
    tree: dict[str, Any] = {}
    for name, path in reads:
        fields: list[str] = []
        for segment in path:
            if not isinstance(segment, str):
                break
            fields.append(segment)
        parent, key = tree, name
        for segment in fields:
            if key in parent and parent[key] is None:
                break
            node = parent.setdefault(key, {})
            parent, key = node, segment
        else:
            parent[key] = None
    return tree


_QUOTED = re.compile(r"'((?:[^'\\\n]|\\.)*)'|\"((?:[^\"\\\n]|\\.)*)\"")


def spelled_keys(expr: str) -> dict[str, int]:
    """Each quoted text of `expr` (escapes kept as written) with its rank of first appearance."""
    order: dict[str, int] = {}
    for match in _QUOTED.finditer(expr):
        order.setdefault(match.group(1) if match.group(1) is not None else match.group(2), len(order))
    return order
