"""The frontend never evaluates code sent by the server, so the CSP can forbid 'unsafe-eval'."""

from __future__ import annotations

import re
from pathlib import Path

from tfai.api.security_headers import content_security_policy
from tfai.ui.components.session_hop import go_logout, session_hop

ROOT = Path(__file__).resolve().parents[2] / "tfai"
# Reflex eval()s these events' payloads in the browser (state.js): they would need 'unsafe-eval'.
EVAL_EVENTS = re.compile(r"\b(call_script|run_script)\s*\(|\brx\.toast\b")


def test_no_module_sends_code_for_the_browser_to_eval() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py") if EVAL_EVENTS.search(p.read_text())]
    assert offenders == []


def test_the_policy_forbids_eval() -> None:
    policy = content_security_policy("http://localhost:3000")
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src "))
    assert "'unsafe-eval'" not in script_src and "'self'" in script_src


def test_hand_offs_are_compiled_functions_not_strings() -> None:
    reset, logout = go_logout()
    assert reset.handler.fn.__name__ == "forget_tab"  # the tab's state is reset first, on the server
    rendered = {str(k): str(v) for k, v in dict(logout.args).items()}
    assert "fetch('/api/v1/auth/logout', {method: 'POST'" in rendered["function"]
    assert "removeItem('token')" in rendered["function"] and "window.location.assign('/login')" in rendered["function"]
    assert not rendered["function"].startswith('"')  # a string would be eval'd by state.js
    hooks = " ".join(session_hop()._get_all_hooks())
    assert '"_call_function", ({ ["function"] : (() =>' in hooks  # a function literal in the bundle
    assert "tfai-hop" in hooks and "hop_url" in hooks and "window.location.replace(url)" in hooks
    assert "fetch('/api/v1/auth/nonce', {method: 'POST'" in hooks  # the code is bound to this browser first


def test_toasts_are_state_shown_by_a_compiled_hook() -> None:
    from tfai.ui.components.notices import notices
    from tfai.ui.state import toast

    spec = toast.error("Not saved")
    assert spec.handler.fn.__name__ == "notify"
    assert [str(v) for _, v in spec.args] == ['"error"', '"Not saved"']
    hooks = " ".join(notices()._get_all_hooks())
    assert '"_call_function", ({ ["function"] : (() =>' in hooks
    assert "tfai-notice" in hooks and "refs['__toast']" in hooks and "toast_notice" in hooks
