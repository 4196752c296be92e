"""The compiled CEL engine (the Rust `cel` package) for the expressions and data where it agrees with cel-python.

cel-python stays the reference: tfai.domain.expressions parses, checks and reports errors with it. An expression is
handed to the compiled engine only when its answer cannot differ from cel-python's (measured differences, see
docs/performance.md "CEL"):
- no macros (map, filter, all, exists, exists_one): the compiled engine iterates a map in a random order;
- a shallow syntax tree (MAX_NATIVE_DEPTH): its parser and evaluator recurse on the thread's stack, which is small
  in some threads, while cel-python's RecursionError is caught;
- only the operators and functions in SAFE_FUNCTIONS: `string()` formats doubles differently, `matches` uses
  another regex dialect, timestamps and bytes come back as other types;
- `size` only over ASCII text (the compiled engine counts UTF-8 bytes, CEL counts code points);
- no unary minus on data (`-true` is false there, an error in cel-python; negative literals are literals), map
  literals only with distinct literal keys (the compiled engine keeps the last of duplicates), and `+` with a list on
  one side only when the other is a list too (list + map appends the map's keys there);
- `==` and `!=` only between a name's field and a literal, and only when the field holds a value of the literal's
  kind (the compiled engine answers false for `1 == 'a'` where cel-python fails; cel-python finds `true == 1`);
  no `in` (the compiled engine finds `1 in [1.0]`, cel-python fails);
- data without integers outside the signed 64-bit range but the lowest (cel-python makes them doubles, the
  compiled engine unsigned or wraps its negation).
The compiled engine returns maps in a random order (a Rust HashMap): result maps are put in a stable order, the keys
the expression spells first (as cel-python returns a map literal), then the others sorted. Any error, and any result
that is not plain JSON data, raises Unsupported: the caller evaluates again with
cel-python, so error texts ("no such member") and cel-python's coercions (int + double) stay as they were.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import math
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from tfai.domain.cel_shape import Operand, checks, read_tree, spelled_keys, tree_depth
from tfai.domain.limits import MAX_DATA_NESTING, MAX_NESTING, MAX_RESULT_BYTES


def _load_engine() -> ModuleType:
    """The package's compiled module alone: `import cel` also imports its command line (typer, rich, prompt_toolkit:
    0.2 s and 25 MiB per process, measured). Registered as cel.cel, so a later `import cel` reuses it."""
    loaded = sys.modules.get("cel.cel")
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec("cel")
    for location in (spec.submodule_search_locations or []) if spec else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(location, "cel" + suffix)
            module_spec = importlib.util.spec_from_file_location("cel.cel", path)
            if os.path.exists(path) and module_spec is not None and module_spec.loader is not None:
                module = importlib.util.module_from_spec(module_spec)
                module_spec.loader.exec_module(module)
                sys.modules["cel.cel"] = module
                return module
    import cel  # another layout: the whole package

    return cel


cel = _load_engine()

MAX_NATIVE_DEPTH = 128  # lark levels; a 128 KiB thread stack runs such trees (measured), the examples reach 36

SAFE_FUNCTIONS = frozenset({
    "!_", "_&&_", "_||_", "_?_:_", "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_", "_+_", "_-_", "_*_", "_/_",
    "_%_", "_[_]", "size", "contains", "startsWith", "endsWith",
})

_LOW, _HIGH = -(2**63), 2**63


class Unsupported(Exception):
    """This evaluation is left to cel-python (an error, a type or a value the engines disagree on)."""


@dataclass(frozen=True)
class NativeProgram:
    """A compiled expression with what it reads: the names, whether it counts characters (size), and the fields it
    compares with literals: (name, path, kind of the literal)."""

    program: Any
    names: frozenset[str]
    counts_text: bool
    ascii: bool
    compared: tuple[tuple[str, tuple[str, ...], type | tuple[type, ...]], ...] = ()
    key_order: Mapping[str, int] = field(default_factory=dict)
    reads: Mapping[str, Any] = field(default_factory=dict)
    added: tuple[tuple[Operand, Operand], ...] = ()


def _value_at(names: Mapping[str, Any], name: str, path: tuple[str, ...]) -> Any:
    """The value at name.path, or a sentinel when it is absent (the evaluation then fails in both engines)."""
    node = names.get(name, _ABSENT)
    for segment in path:
        if not isinstance(node, dict) or segment not in node:
            return _ABSENT
        node = node[segment]
    return node


_ABSENT = object()


def compile_native(expr: str, tree: Any, reads: Iterable[tuple[str, tuple[str | int, ...]]]) -> NativeProgram | None:
    """The compiled program for `expr` (parsed by cel-python into `tree`, reading `reads`: cel_static's summary), or
    None when it is not eligible."""
    if tree_depth(tree) > MAX_NATIVE_DEPTH:
        return None
    conditions = checks(tree)
    if conditions is None:
        return None
    compared, added = conditions
    try:
        program = cel.compile(expr)
        functions = set(program.functions())
        names = frozenset(program.variables())
    except Exception:  # noqa: BLE001 - the compiled parser refuses some texts cel-python takes
        return None
    if not functions <= SAFE_FUNCTIONS:
        return None
    reading = read_tree(reads)
    if not names <= set(reading):
        return None  # a name cel_static did not see read: no pruning to trust
    return NativeProgram(program, names, "size" in functions, expr.isascii(), compared, spelled_keys(expr), reading,
                         added)


def _plain(value: Any) -> bool:
    """Whether `value` passes to the compiled engine unchanged: JSON types, integers in its range, at most
    MAX_DATA_NESTING deep. Data cel-python refuses (too deep, other types) is not plain: it reports its own error."""
    level = [value]
    depth = 0
    while level:
        if depth > MAX_DATA_NESTING:
            return False
        below: list[Any] = []
        for node in level:
            kind = type(node)
            if kind is dict:
                if not all(type(key) is str for key in node):
                    return False
                below.extend(node.values())
            elif kind is list:
                below.extend(node)
            elif kind is int:
                if not _LOW < node < _HIGH:
                    return False
            elif not (kind is str or kind is bool or kind is float or node is None):
                return False
        level = below
        depth += 1
    return True


def _ascii(value: Any) -> bool:
    """Whether every text in `value` (keys too) is ASCII."""
    stack = [value]
    while stack:
        node = stack.pop()
        if type(node) is str:
            if not node.isascii():
                return False
        elif type(node) is dict:
            if not all(key.isascii() for key in node):
                return False
            stack.extend(node.values())
        elif type(node) is list:
            stack.extend(node)
    return True


def _pruned(value: Any, reads: Any) -> Any:
    """The parts of `value` the read tree names (all of it for None); absent fields stay absent."""
    if reads is None or type(value) is not dict:
        return value
    return {key: _pruned(value[key], below) for key, below in reads.items() if key in value}


class NativeScope:
    """The CEL names of one batch for the compiled engine: the whole scope is checked once (cel-python converts it
    all, so data it refuses anywhere leaves the batch to it); each expression then gets only the fields it reads, as
    the compiled engine converts Python data slowly (microseconds per text or map entry, measured)."""

    def __init__(self, names: Mapping[str, Any]) -> None:
        self._names = names
        self._plain: bool | None = None

    def _is_list(self, operand: Operand) -> bool:
        kind, name, path = operand
        return kind == "list" or (kind == "path" and isinstance(_value_at(self._names, name, path), list))

    def run(self, native: NativeProgram) -> Any:
        """The JSON result of `native` over this scope; Unsupported when cel-python must answer instead."""
        if self._plain is None:
            self._plain = all(_plain(value) for value in self._names.values())
        if not self._plain:
            raise Unsupported("data")
        variables: dict[str, Any] = {}
        for name, reads in native.reads.items():
            if name not in self._names:
                raise Unsupported(name)  # cel-python reports the undeclared name
            variables[name] = _pruned(self._names[name], reads)
        if native.counts_text and not (native.ascii and _ascii(variables)):
            raise Unsupported("size")
        for name, path, kind in native.compared:
            value = _value_at(self._names, name, path)
            if value is not _ABSENT and (not isinstance(value, kind) or (kind is not bool and isinstance(value, bool))):
                raise Unsupported("==")
        for pair in native.added:
            lists = [self._is_list(operand) for operand in pair]
            if any(lists) and not all(lists):
                raise Unsupported("+")
        try:
            result = native.program.execute(variables)
        except MemoryError:
            raise
        except BaseException as exc:  # a pyo3 panic is a BaseException
            if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
                raise
            raise Unsupported(type(exc).__name__) from None
        return _json(result, native.key_order)


def _json(value: Any, key_order: Mapping[str, int]) -> Any:
    """The compiled engine's result as JSON data within the result limits; Unsupported otherwise (cel-python then
    reports the limit in its own words, or converts the types it knows)."""
    budget = MAX_RESULT_BYTES
    out: list[Any] = []
    # (value, depth, container, key): containers are filled in place, the stack keeps the recursion off the C stack
    stack: list[tuple[Any, int, Any, Any]] = [(value, 0, out, None)]
    while stack:
        node, depth, parent, key = stack.pop()
        item: Any
        budget -= 8
        if depth > MAX_NESTING or budget < 0:
            raise Unsupported("limits")
        if node is None or isinstance(node, bool | int | str):
            if isinstance(node, str):
                budget -= len(node)
            item = node
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise Unsupported("not finite")
            item = node
        elif isinstance(node, dict):
            item = {}
            unranked = len(key_order)
            for k in sorted(node, key=lambda k: (key_order.get(k, unranked), k) if isinstance(k, str) else (-1, "")):
                v = node[k]
                if not isinstance(k, str):
                    raise Unsupported("key")
                budget -= len(k)
                item[k] = None
                stack.append((v, depth + 1, item, k))
        elif isinstance(node, list):
            item = [None] * len(node)
            stack.extend((v, depth + 1, item, i) for i, v in enumerate(node))
        else:
            raise Unsupported(type(node).__name__)
        if parent is out:
            out.append(item)
        else:
            parent[key] = item
    if budget < 0:
        raise Unsupported("limits")
    return out[0]
