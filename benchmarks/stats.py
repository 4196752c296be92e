"""Summary statistics of benchmark samples: median, percentiles and throughput."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks (numpy's default).

    NaN for no samples.
    """
    if not 0 <= q <= 100:
        raise ValueError("q must be within 0..100")
    if not samples:
        return math.nan
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(samples: Sequence[float]) -> float:
    return percentile(samples, 50)


def throughput(count: int, seconds: float) -> float:
    """Operations per second (0 when no time passed)."""
    return count / seconds if seconds > 0 else 0.0


def _r(value: float, digits: int = 1) -> float | None:
    return None if math.isnan(value) else round(value, digits)


def latency(samples_ms: Sequence[float]) -> dict[str, Any]:
    """{"p50_ms", "p95_ms", "samples"} of latency samples in milliseconds."""
    return {"p50_ms": _r(percentile(samples_ms, 50), 2), "p95_ms": _r(percentile(samples_ms, 95), 2),
            "samples": len(samples_ms)}


def load(samples_ms: Sequence[float], seconds: float, errors: int = 0) -> dict[str, Any]:
    """{"throughput_per_s", "p50_ms", "p95_ms", "p99_ms", "samples", "errors"} of a load run."""
    return {"throughput_per_s": _r(throughput(len(samples_ms), seconds)),
            "p50_ms": _r(percentile(samples_ms, 50)), "p95_ms": _r(percentile(samples_ms, 95)),
            "p99_ms": _r(percentile(samples_ms, 99)), "samples": len(samples_ms), "errors": errors}
