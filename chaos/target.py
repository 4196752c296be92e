"""The external system the laptop workflow calls: /orders answers at once, /deliveries calls back later."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ORDER_DELAY = 1.0  # seconds: long enough that orders are in flight when a fault hits
CALLBACK_GIVE_UP = 180.0


class Target:
    """A real HTTP server on 127.0.0.1; counts deliveries per webhook-id and retries callbacks until answered."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.orders: Counter[str] = Counter()
        self.deliveries: Counter[str] = Counter()
        self.callbacks_pending = 0
        self.callback_outcomes: Counter[str] = Counter()
        self.pool = ThreadPoolExecutor(4, thread_name_prefix="chaos-callback")
        self.closed = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True, name="chaos-target").start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.closed.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _callback(self, url: str) -> None:
        """POST the delivery result; retry transport errors and 5xx (the web app may be down), stop on 2xx/4xx."""
        body = json.dumps({"delivered_at": "2025-01-01T12:00:00Z"}).encode()
        deadline = time.monotonic() + CALLBACK_GIVE_UP
        outcome, ambiguous = "gave_up", False
        while time.monotonic() < deadline and not self.closed.is_set():
            req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310 - our own app
                    outcome = f"{resp.status}"
                    break
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    # 409 after an earlier attempt whose answer was lost: the callback did land.
                    outcome = f"{exc.code}{' after retry' if ambiguous else ''}"
                    break
                ambiguous = ambiguous or exc.code != 503
            except OSError:
                ambiguous = True
            time.sleep(1.0)
        with self.lock:
            self.callbacks_pending -= 1
            self.callback_outcomes[outcome] += 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        target = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802 - http.server's spelling
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                msg_id = self.headers.get("webhook-id", "")
                if self.path.endswith("/orders"):
                    with target.lock:
                        target.orders[msg_id] += 1
                    time.sleep(ORDER_DELAY)
                    reply: dict[str, Any] = {"id": f"O-{msg_id[-12:]}"}
                else:
                    with target.lock:
                        target.deliveries[msg_id] += 1
                        target.callbacks_pending += 1
                    target.pool.submit(target._callback, json.loads(raw)["callback_url"])
                    reply = {"accepted": True}
                data = json.dumps(reply).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the caller (a worker killed by the run) is gone
                    return

        return Handler
