"""Per-company action slots in one worker process, so one company's stalled endpoints cannot take every thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CompanySlots:
    """At most `limit` actions of one company run at once in this process; the rest are told to wait."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._running: dict[int, int] = {}

    @contextmanager
    def hold(self, company_id: int, *, limit: int, wait: float = 0.0) -> Iterator[bool]:
        """Yield True with one of the company's slots taken (freed on exit), or False when all stayed busy for
        `wait` seconds."""
        with self._lock:
            took = self._lock.wait_for(lambda: self._running.get(company_id, 0) < limit, timeout=wait)
            if took:
                self._running[company_id] = self._running.get(company_id, 0) + 1
        try:
            yield took
        finally:
            if took:
                with self._lock:
                    left = self._running[company_id] - 1
                    if left:
                        self._running[company_id] = left
                    else:
                        del self._running[company_id]
                    self._lock.notify_all()

    def running(self, company_id: int) -> int:
        with self._lock:
            return self._running.get(company_id, 0)


SLOTS = CompanySlots()
