"""The benchmark harness: its statistics are right and its command line answers (no timings asserted)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import stats
from benchmarks.__main__ import figures

ROOT = Path(__file__).resolve().parents[1]


def test_percentiles_interpolate_between_ranks() -> None:
    samples = [float(x) for x in range(1, 101)]  # 1..100
    assert stats.percentile(samples, 50) == pytest.approx(50.5)
    assert stats.percentile(samples, 95) == pytest.approx(95.05)
    assert stats.percentile(samples, 99) == pytest.approx(99.01)
    assert stats.percentile(samples, 0) == 1.0
    assert stats.percentile(samples, 100) == 100.0


def test_percentile_ignores_order_and_handles_small_and_empty_inputs() -> None:
    assert stats.percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert stats.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert stats.percentile([7.0], 95) == 7.0
    assert math.isnan(stats.percentile([], 50))
    with pytest.raises(ValueError):
        stats.percentile([1.0], 101)


def test_throughput_and_load_summary() -> None:
    assert stats.throughput(300, 30.0) == 10.0
    assert stats.throughput(5, 0.0) == 0.0
    summary = stats.load([10.0, 20.0, 30.0, 40.0], 2.0, errors=1)
    assert summary == {"throughput_per_s": 2.0, "p50_ms": 25.0, "p95_ms": 38.5, "p99_ms": 39.7,
                       "samples": 4, "errors": 1}
    assert stats.latency([]) == {"p50_ms": None, "p95_ms": None, "samples": 0}


def test_figures_have_exactly_the_issue_shape() -> None:
    raw = {"submit_10": {"throughput_per_s": 1.0, "p50_ms": 2.0, "p95_ms": 3.0, "p99_ms": 4.0, "samples": 9},
           "list_first_page": {"p50_ms": 1.0, "p95_ms": 2.0, "samples": 20},
           "actions": {"c1": {"end_to_end_p50_ms": 5.0, "end_to_end_p95_ms": 6.0}},
           "validator": {"median_ms": 7.0}, "rls_overhead_ratio": 1.05}
    out = figures(raw)
    assert list(out) == ["submit_1", "submit_10", "submit_50", "transition_10", "update_ceiling_per_s",
                         "sync_action_1", "sync_action_10", "list_first_page", "list_page_100", "list_custom_field",
                         "my_tasks", "rls_overhead_ratio", "validator_200_tasks_ms", "ui_next_page",
                         "web_cpu_ms_per_submit", "web_cpu_ms_per_transition", "worker_cpu_ms_per_action",
                         "db_round_trips_per_submit", "action_bursts_10x10"]
    assert out["submit_10"] == {"throughput_per_s": 1.0, "p50_ms": 2.0, "p95_ms": 3.0, "p99_ms": 4.0}
    assert out["list_first_page"] == {"p50_ms": 1.0, "p95_ms": 2.0}
    assert out["sync_action_1"] == {"p50_ms": 5.0, "p95_ms": 6.0}
    assert out["sync_action_10"] is None and out["submit_1"] is None and out["action_bursts_10x10"] is None
    assert out["validator_200_tasks_ms"] == 7.0 and out["rls_overhead_ratio"] == 1.05


def test_help_describes_the_command() -> None:
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "--quick" in proc.stdout and "latest.json" in proc.stdout


def test_cpu_kinds_name_the_processes_of_a_run() -> None:
    import os

    from benchmarks import cpu

    assert cpu.kind(os.getpid(), "python", "python -m benchmarks") == "load generator"
    assert cpu.kind(1, "python", "python -m celery -A tfai.worker.celery_app:celery_app worker") == "worker"
    assert cpu.kind(1, "python", "python -m reflex run --env prod") == "web"
    assert cpu.kind(1, "postgres", "postgres: tfai tfai_bench 127.0.0.1(5000) idle") == "postgres"
    assert cpu.kind(1, "redis-server", "redis-server *:6379") == "redis"
    assert cpu.kind(1, "bash", "bash") == "other"


def test_cpu_split_is_cores_and_milliseconds_per_operation() -> None:
    from benchmarks import cpu

    out = cpu.split({"web": 10.0, "postgres": 2.0}, {"web": 20.0, "postgres": 5.0, "redis": 0.5}, 10.0, 1000)
    assert out["web"] == {"cores": 1.0, "cpu_ms_per_op": 10.0}
    assert out["postgres"] == {"cores": 0.3, "cpu_ms_per_op": 3.0}
    assert out["redis"] == {"cores": 0.05, "cpu_ms_per_op": 0.5}
    assert out["total_cores"] == 1.35


def test_cpu_snapshot_sees_this_process() -> None:
    from benchmarks import cpu

    sum(i * i for i in range(200_000))  # some CPU for this process
    snap = cpu.snapshot()
    assert snap.get("load generator", 0.0) > 0.0
    result = cpu.measured(lambda: {"samples": 4, "throughput_per_s": 1.0})
    assert result["cpu"]["cpus"] and "total_cores" in result["cpu"]


def test_cpu_and_round_trip_figures_come_from_the_loads() -> None:
    raw = {"submit_10": {"cpu": {"web": {"cores": 1.0, "cpu_ms_per_op": 3.1}}},
           "transition_10": {"cpu": {"web": {"cores": 0.9, "cpu_ms_per_op": 3.4}}},
           "actions": {"worker_cpu_ms_per_action": 5.5}, "db_round_trips_per_submit": 9.0}
    out = figures(raw)
    assert (out["web_cpu_ms_per_submit"], out["web_cpu_ms_per_transition"]) == (3.1, 3.4)
    assert out["worker_cpu_ms_per_action"] == 5.5 and out["db_round_trips_per_submit"] == 9.0
    assert figures({})["web_cpu_ms_per_submit"] is None and figures({})["worker_cpu_ms_per_action"] is None


def test_profile_summaries_pick_the_busiest_process_and_our_frames() -> None:
    from benchmarks import profile

    raw = ('process 1:"tfai run";process 2:"python -m reflex run";main (a/site-packages/granian/x.py:1);'
           "submit (/w/tfai/api/routes/tickets.py:88);execute (/v/site-packages/psycopg/c.py:602) 30\n"
           'process 1:"tfai run";process 2:"python -m reflex run";main (a/site-packages/granian/x.py:1);'
           "submit (/w/tfai/api/routes/tickets.py:88);dumps (/py/lib/python3.11/json/encoder.py:9) 10\n"
           'process 1:"tfai run";process 3:"celery worker";loop (/v/site-packages/celery/w.py:5) 5\n')
    process, stacks = profile.busiest(profile.parse(raw))
    assert process.startswith("process 2") and sum(stacks.values()) == 40
    summary = profile.top_frames(stacks)
    assert summary["samples"] == 40
    assert summary["self_packages"][0] == ["psycopg", 75.0]
    assert summary["tfai"] == [["submit (tfai/api/routes/tickets.py:88)", 100.0]]
    assert "75.0%  psycopg" in profile.text_report(summary, "submit_10")


def test_round_trips_count_statements_and_transaction_boundaries() -> None:
    from sqlalchemy import create_engine, text

    from benchmarks.round_trips import counting

    engine = create_engine("sqlite://")
    with counting(engine) as counts, engine.begin() as conn:
        conn.execute(text("SELECT 1"))
        conn.execute(text("SELECT 2"))
    assert (counts.statements, counts.begins, counts.ends, counts.pings) == (2, 1, 1, 0) and counts.total == 4
