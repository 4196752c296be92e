"""The CEL micro-benchmark measures every example expression on data where it succeeds, for both engines."""

from __future__ import annotations

from benchmarks import bench_cel
from tfai.domain import expressions
from tfai.domain.cel_native import NativeScope


def test_every_example_expression_gets_data_it_succeeds_on() -> None:
    exprs = bench_cel.example_expressions()
    for kind in ("condition", "transform"):
        flat = [e for bundle in exprs[kind] for e in bundle]
        assert flat, kind
        assert [e for e in flat if bench_cel.scope_for(e, kind) is None] == []


def test_the_compiled_figures_measure_the_compiled_engine() -> None:
    exprs = bench_cel.example_expressions()
    for kind in ("condition", "transform"):
        for expr in (e for bundle in exprs[kind] for e in bundle):
            native = expressions._native_program(expr)
            scope = bench_cel.scope_for(expr, kind)
            assert native is not None and scope is not None
            NativeScope(scope).run(native)  # raises Unsupported where cel-python would answer instead


def test_run_reports_median_and_p95_per_kind_and_engine() -> None:
    out = bench_cel.run(quick=True)
    for kind in ("transform", "condition", "condition_batch"):
        for engine in ("cel_python", "compiled"):
            assert set(out[f"{kind}_{engine}"]) == {"median_us", "p95_us"}
        assert out[f"{kind}_speedup"] is not None
    assert set(out["fallback_compiled"]) == {"median_us", "p95_us"}
    assert out["transform_count"] >= 20 and out["condition_count"] >= 10
