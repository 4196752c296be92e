"""The CEL micro-benchmark measures every example expression on data where it succeeds, for both engines."""

from __future__ import annotations

from benchmarks import bench_cel


def test_every_example_expression_gets_data_it_succeeds_on() -> None:
    exprs = bench_cel.example_expressions()
    for kind in ("condition", "transform"):
        flat = [e for bundle in exprs[kind] for e in bundle]
        assert flat, kind
        assert [e for e in flat if bench_cel.scope_for(e, kind) is None] == []


def test_run_reports_median_and_p95_per_kind_and_engine() -> None:
    out = bench_cel.run(quick=True)
    for kind in ("transform", "condition", "condition_batch"):
        for engine in ("cel_python", "compiled"):
            assert set(out[f"{kind}_{engine}"]) == {"median_us", "p95_us"}
        assert out[f"{kind}_speedup"] is not None
    assert out["transform_count"] >= 20 and out["condition_count"] >= 10
