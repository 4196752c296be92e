"""Benchmark: in Chromium (Playwright), click "next page" on /admin/tickets 50 times; click → new rows rendered."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT
from benchmarks.stats import latency
from benchmarks.tenant import PASSWORD, Company

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CLICKS = 50
PAGE_SIZE = 25

# Measured inside the page: performance.now() at the click, then a MutationObserver until the pager text
# and the first row both changed (the new page is on screen).
_CLICK_NEXT = """
async () => {
  const info = () => document.querySelector('#page-info')?.textContent;
  const first = () => document.querySelector('#tickets-table tbody tr')?.textContent;
  const infoBefore = info(), rowBefore = first();
  const t0 = performance.now();
  document.querySelector('#page-next').click();
  await new Promise((resolve, reject) => {
    const done = () => info() !== infoBefore && first() && first() !== rowBefore;
    const obs = new MutationObserver(() => { if (done()) { obs.disconnect(); resolve(); } });
    obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(() => { obs.disconnect(); reject(new Error('no new rows within 15 s')); }, 15000);
  });
  return performance.now() - t0;
}
"""


def unavailable() -> str | None:
    """Why the UI benchmark cannot run here (None when it can)."""
    if not CHROMIUM.exists():
        return "skipped: /usr/bin/chromium is missing (apt-get install chromium)"
    if not (ROOT / "tfai" / "ui" / "pages" / "admin_tickets.py").exists():
        return "skipped: the /admin/tickets page is not in this tree yet"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "skipped: playwright is not installed"
    return None


def tickets_needed() -> int:
    """Active tickets the company needs so that 50 clicks on "next" each land on a full new page."""
    return (CLICKS + 2) * PAGE_SIZE + 1


def _open_login(page: Any, console: list[str], attempts: int = 3) -> None:
    """Open /login until its form is on screen (reloading: a page served while the shared .web build was being
    replaced never hydrates); on failure save a screenshot and raise with the browser console's last lines."""
    for attempt in range(attempts):
        page.goto("/login/", wait_until="load")
        try:
            page.wait_for_selector("#login-form input[name=email]", state="visible", timeout=20_000)
            return
        except Exception:  # noqa: BLE001 - a Playwright timeout; retried, then reported with the evidence
            if attempt == attempts - 1:
                shot = ROOT / ".tfai" / "bench" / "ui-login-failure.png"
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot), full_page=True)
                raise RuntimeError(f"the login form did not appear after {attempts} loads of {page.url} "
                                   f"(screenshot {shot}); console: {' | '.join(console[-8:])}") from None


def run(base_url: str, company: Company) -> dict[str, Any]:
    """Log in as the ticket admin, open /admin/tickets, click next 50 times; {"ui_next_page": p50/p95}."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(base_url=base_url.replace("127.0.0.1", "localhost"),
                                          viewport={"width": 1280, "height": 900})
            context.set_default_timeout(60_000)
            page = context.new_page()
            console: list[str] = []
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"[:300]))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"[:300]))
            _open_login(page, console)
            form = page.locator("#login-form")
            form.locator("input[name=email]").fill(company.ticket_admin.email)
            form.locator("input[name=password]").fill(PASSWORD)
            form.get_by_role("button", name="Log in").click()
            page.wait_for_url(re.compile(r".*/dashboard/?$"))
            page.goto("/admin/tickets/")
            if page.locator("#tickets-table").count() == 0:
                page.wait_for_selector("#tickets-table tbody tr", timeout=60_000)
            page.wait_for_selector("#page-next:not([disabled])")
            page.evaluate(_CLICK_NEXT)  # warm-up click (not counted)
            samples: list[float] = []
            for _ in range(CLICKS):
                page.wait_for_selector("#page-next:not([disabled])")
                samples.append(float(page.evaluate(_CLICK_NEXT)))
            return {"ui_next_page": latency(samples)}
        finally:
            browser.close()
