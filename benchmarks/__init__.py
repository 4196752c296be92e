"""Benchmarks of tfai: `python -m benchmarks [--quick]` (see docs/performance.md)."""
