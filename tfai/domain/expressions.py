"""CEL expressions: cached compilation, bounded evaluation, JSON conversion and static checks."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Literal

import celpy
from celpy import celtypes
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError, base_functions

from tfai.domain.cel_native import NativeProgram, NativeScope, Unsupported, compile_native
from tfai.domain.cel_static import Summary, check_summary, summarize
from tfai.domain.errors import TfaiError
from tfai.domain.limits import MAX_DATA_NESTING, MAX_EXPRESSION_BYTES, MAX_NESTING, MAX_RESULT_BYTES
from tfai.domain.problems import Problem

Kind = Literal["condition", "transform", "any"]


class ExpressionError(TfaiError):
    """A CEL expression could not be compiled or evaluated; `reason` is a stable sub-code."""

    code = "expression_error"
    status = 422

    def __init__(self, message: str, *, reason: str, expression: str = "") -> None:
        super().__init__(message, details={"reason": reason, "expression": expression[:200]})
        self.reason = reason
        self.expression = expression


# --- numbers: CEL refuses int vs double; users expect 6000 > 5000.0 to hold -------------------------

_NUMERIC = (celtypes.IntType, celtypes.UintType, celtypes.DoubleType)


def _mixed(a: Any, b: Any) -> bool:
    return (
        isinstance(a, _NUMERIC)
        and isinstance(b, _NUMERIC)
        and not isinstance(a, celtypes.BoolType)
        and not isinstance(b, celtypes.BoolType)
        and type(a) is not type(b)
    )


def _heterogeneous(op: str) -> Callable[[Any, Any], Any]:
    """Wrap a CEL operator so mixed int/uint/double operands are compared or combined as doubles."""
    original = base_functions[op]

    def apply(a: Any, b: Any) -> Any:
        if _mixed(a, b):
            return original(celtypes.DoubleType(float(a)), celtypes.DoubleType(float(b)))
        return original(a, b)

    apply.__name__ = getattr(original, "__name__", op)
    return apply


_FUNCTIONS: dict[str, Any] = {
    op: _heterogeneous(op) for op in ("_<_", "_<=_", "_>_", "_>=_", "_==_", "_!=_", "_+_", "_-_", "_*_", "_/_")
}


@lru_cache(maxsize=1)
def _environment() -> celpy.Environment:
    return celpy.Environment()


def _nesting(expr: str) -> int:
    """Deepest bracket nesting outside string literals (a cheap guard before parsing)."""
    depth = deepest = 0
    quote = ""
    escaped = False
    for ch in expr:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth = max(0, depth - 1)
    return deepest


def _precheck(expr: str) -> ExpressionError | None:
    if not isinstance(expr, str) or not expr.strip():
        return ExpressionError("The expression is empty", reason="empty", expression=str(expr))
    if len(expr.encode("utf-8", errors="replace")) > MAX_EXPRESSION_BYTES:
        return ExpressionError(
            f"The expression is longer than {MAX_EXPRESSION_BYTES} bytes", reason="too_long", expression=expr
        )
    if _nesting(expr) > MAX_NESTING:
        return ExpressionError(
            f"The expression nests deeper than {MAX_NESTING} levels", reason="too_deep", expression=expr
        )
    return None


@lru_cache(maxsize=8192)
def _parse(expr: str) -> Any:
    """Parse once per distinct text; the error, too, is remembered."""
    problem = _precheck(expr)
    if problem is not None:
        return problem
    try:
        return _environment().compile(expr)
    except CELParseError as exc:
        detail = " ".join(str(exc).split())
        line, col = getattr(exc, "line", None), getattr(exc, "column", None)
        where = f" at line {line}, column {col}" if line is not None else ""
        return ExpressionError(f"CEL syntax error{where}: {detail[:300]}", reason="syntax", expression=expr)
    except RecursionError:
        return ExpressionError("The expression nests too deeply", reason="too_deep", expression=expr)
    except Exception as exc:  # lark raises assorted errors on odd input
        return ExpressionError(f"CEL syntax error: {exc!s:.300}", reason="syntax", expression=expr)


@lru_cache(maxsize=4096)
def _program(expr: str) -> celpy.Runner:
    tree = _parse(expr)
    if isinstance(tree, ExpressionError):
        raise tree
    return _environment().program(tree, functions=_FUNCTIONS)


def compile_expression(expr: str) -> celpy.Runner:
    """The compiled program for `expr` (cached); raise ExpressionError if it does not parse."""
    return _program(expr)


def to_cel(value: Any, _depth: int = 0) -> Any:
    """Convert JSON-like Python data to CEL values (ints stay ints; mixed comparisons are handled)."""
    if _depth > MAX_DATA_NESTING:
        raise ExpressionError(f"Data nests deeper than {MAX_DATA_NESTING} levels", reason="data_too_deep")
    if value is None:
        return None
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        if -(2**63) <= value < 2**63:
            return celtypes.IntType(value)
        return celtypes.DoubleType(float(value))
    if isinstance(value, float):
        return celtypes.DoubleType(value)
    if isinstance(value, str):
        return celtypes.StringType(value)
    if isinstance(value, Mapping):
        return celtypes.MapType({celtypes.StringType(str(k)): to_cel(v, _depth + 1) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return celtypes.ListType([to_cel(v, _depth + 1) for v in value])
    raise ExpressionError(f"Unsupported value of type {type(value).__name__}", reason="bad_data")


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_RESULT_BYTES

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise ExpressionError(f"The result is larger than {MAX_RESULT_BYTES} bytes", reason="too_large")


def from_cel(value: Any, _depth: int = 0, _budget: _Budget | None = None) -> Any:
    """Convert a CEL result to JSON-able Python data, enforcing size and nesting limits."""
    budget = _budget or _Budget()
    budget.spend(8)
    if _depth > MAX_NESTING:
        raise ExpressionError(f"The result nests deeper than {MAX_NESTING} levels", reason="too_deep")
    if isinstance(value, CELEvalError):
        raise ExpressionError(f"Evaluation failed: {value.args[0] if value.args else value}", reason="eval")
    if value is None or isinstance(value, celtypes.BoolType | bool):
        return None if value is None else bool(value)
    if isinstance(value, celtypes.DoubleType | float):
        if not math.isfinite(float(value)):
            raise ExpressionError("The result is not a finite number", reason="not_finite")
        return float(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        budget.spend(len(value))
        return str(value)
    if isinstance(value, celtypes.BytesType | bytes):
        budget.spend(len(value))
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, celtypes.TimestampType | celtypes.DurationType):
        return str(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ExpressionError("Map keys in a result must be strings", reason="bad_key")
            budget.spend(len(k))
            out[str(k)] = from_cel(v, _depth + 1, budget)
        return out
    if isinstance(value, list | tuple):
        return [from_cel(v, _depth + 1, budget) for v in value]
    raise ExpressionError(f"Unsupported result of type {type(value).__name__}", reason="bad_result")


class Scope:
    """The CEL names of one evaluation batch, converted once per engine and shared by every expression run on it.

    Build it once where several conditions or transforms read the same names (engine.next_step, engine.apply_set);
    `compiled=False` keeps every evaluation on cel-python (the reference engine; the benchmark compares both).
    """

    def __init__(self, names: Mapping[str, Any], *, compiled: bool = True) -> None:
        self.names = names
        self._compiled = compiled
        self._activation: dict[str, Any] | None = None
        self._native: NativeScope | None = None

    def _cel_activation(self) -> dict[str, Any]:
        if self._activation is None:
            self._activation = {name: to_cel(value) for name, value in self.names.items()}
        return self._activation

    def evaluate(self, expr: str) -> Any:
        """Evaluate `expr` over these names; return JSON-able data or raise ExpressionError."""
        program = compile_expression(expr)
        native = _native_program(expr) if self._compiled else None
        if native is not None:
            if self._native is None:
                self._native = NativeScope(self.names)
            try:
                return self._native.run(native)
            except Unsupported:
                pass  # cel-python answers: its error text, its coercions
        try:
            return from_cel(program.evaluate(self._cel_activation()))
        except ExpressionError as exc:
            exc.expression = expr
            raise
        except CELEvalError as exc:
            msg = exc.args[0] if exc.args else str(exc)
            raise ExpressionError(f"Evaluation failed: {msg!s:.300}", reason="eval", expression=expr) from exc
        except RecursionError as exc:
            raise ExpressionError("Evaluation nested too deeply", reason="too_deep", expression=expr) from exc
        except Exception as exc:  # celpy surfaces Python errors from its operators
            raise ExpressionError(f"Evaluation failed: {exc!s:.300}", reason="eval", expression=expr) from exc

    def condition(self, expr: str) -> bool:
        """Evaluate a condition; anything but a bool is an ExpressionError."""
        result = self.evaluate(expr)
        if not isinstance(result, bool):
            raise ExpressionError(
                f"A condition must yield a bool, got {type(result).__name__}", reason="not_bool", expression=expr
            )
        return result

    def transform(self, expr: str) -> dict[str, Any]:
        """Evaluate a transform; anything but a map is an ExpressionError."""
        result = self.evaluate(expr)
        if not isinstance(result, dict):
            raise ExpressionError(
                f"A transform must yield a map, got {type(result).__name__}", reason="not_map", expression=expr
            )
        return result


@lru_cache(maxsize=4096)
def _native_program(expr: str) -> NativeProgram | None:
    """The compiled engine's program for `expr` when it may answer for cel-python (no macros, see cel_native)."""
    summary = _summary(expr)
    if not isinstance(summary, Summary) or summary.comprehensions:
        return None
    return compile_native(expr, _parse(expr), summary.reads)


def evaluate(expr: str, scope: Mapping[str, Any] | Scope) -> Any:
    """Evaluate `expr` with the names in `scope` (JSON-like data, or a Scope shared by a batch); return JSON data."""
    return (scope if isinstance(scope, Scope) else Scope(scope)).evaluate(expr)


def evaluate_condition(expr: str, scope: Mapping[str, Any] | Scope) -> bool:
    """Evaluate a condition; anything but a bool is an ExpressionError."""
    return (scope if isinstance(scope, Scope) else Scope(scope)).condition(expr)


def evaluate_transform(expr: str, scope: Mapping[str, Any] | Scope) -> dict[str, Any]:
    """Evaluate a transform; anything but a map is an ExpressionError."""
    return (scope if isinstance(scope, Scope) else Scope(scope)).transform(expr)


def macro_free(expr: str) -> bool:
    """True when `expr` parses and uses no macro (map, filter, all, exists, exists_one): its work is then bounded by
    its own size and its data's, so a small one over small data may run without the sandbox."""
    summary = _summary(expr) if isinstance(expr, str) else None
    return isinstance(summary, Summary) and summary.comprehensions == 0


def check_expression(
    expr: str, names_in_scope: Mapping[str, dict[str, Any] | None], kind: Kind = "any"
) -> list[Problem]:
    """Statically check `expr`: it parses, uses only names in scope, reads fields the schemas declare.

    `names_in_scope` maps each name to the JSON Schema of its value (None: not checked further).
    Problems have path '' (the expression itself); callers re-root them with Problem.at().
    """
    summary = _summary(expr) if isinstance(expr, str) else _precheck(expr)
    if isinstance(summary, ExpressionError):
        return [Problem("", f"expression.{summary.reason}", summary.message)]
    if summary is None:
        return [Problem("", "expression.empty", "The expression is empty")]
    return check_summary(summary, names_in_scope, kind)


def summary_of(expr: str) -> Summary | None:
    """What a parsed expression reads and obviously yields (cached); None when it does not parse."""
    summary = _summary(expr)
    return summary if isinstance(summary, Summary) else None


@lru_cache(maxsize=8192)
def _summary(expr: str) -> Summary | ExpressionError:
    tree = _parse(expr)
    if isinstance(tree, ExpressionError):
        return tree
    try:
        return summarize(tree)
    except RecursionError:
        return ExpressionError("The expression nests too deeply", reason="too_deep", expression=expr)
