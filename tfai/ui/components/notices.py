"""Shows AuthState.toast_notice as a sonner toast, in compiled JavaScript (no eval, so the CSP can forbid it)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.constants import Dirs
from reflex.vars.base import VarData
from reflex.vars.function import FunctionStringVar
from reflex_base.utils.imports import ImportVar

from tfai.ui.components.mount_hook import on_new_value
from tfai.ui.state.auth import AuthState

# A tab keeps its state across page loads: remembering the last shown id keeps a reload from repeating a toast.
_SHOW: FunctionStringVar[Any] = FunctionStringVar.create(
    "((n) => { if (!n || !n.id || window.sessionStorage.getItem('tfai-notice') === n.id) { return; }"
    " window.sessionStorage.setItem('tfai-notice', n.id); const t = refs['__toast'];"
    " if (t) { (t[n.level] || t)(n.message); } })",
    _var_data=VarData(imports={f"$/{Dirs.STATE_PATH}": [ImportVar(tag="refs")]}),
)


def notices() -> rx.Component:
    """Runs for every new notice id."""
    return on_new_value(AuthState.toast_notice.to(dict)["id"], _SHOW.call(AuthState.toast_notice), "notice-hook")
