"""Login, logout and staff switch reset every app state of the tab; shown one-time secrets leave with their page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex.state import State

from tfai.ui.pages import load_all

load_all()

from tfai.ui.pages.login import LoginState  # noqa: E402 - pages register their states in load_all
from tfai.ui.state.admin_settings import AdminSettingsState  # noqa: E402
from tfai.ui.state.admin_users import AdminUsersState  # noqa: E402
from tfai.ui.state.auth import AuthState  # noqa: E402
from tfai.ui.state.profile import ProfileState  # noqa: E402


def _manager() -> Any:
    return StateManagerMemory()  # type: ignore[abstract]  # mypy misreads its overloads as abstract


async def _tab_with_secrets(manager: Any) -> tuple[Any, Any, Any, Any]:
    async with manager.modify_state(BaseStateToken(ident="tab", cls=State)) as root:
        profile, users = await root.get_state(ProfileState), await root.get_state(AdminUsersState)
        settings, auth = await root.get_state(AdminSettingsState), await root.get_state(AuthState)
        profile.new_token, users.created_link = "tfai_plaintext_token", "http://x/set-password?t=secret"
        settings.secret, settings.revealed = "whsec_secret", True
        auth.display_name, auth.is_admin, auth._user_id = "Previous User", True, 7
        return profile, users, settings, auth


def _assert_forgotten(profile: Any, users: Any, settings: Any, auth: Any) -> None:
    assert profile.new_token == users.created_link == settings.secret == auth.display_name == ""
    assert settings.revealed is False and auth.is_admin is False and auth._user_id == 0


async def test_a_login_hop_resets_every_state_of_the_tab_first() -> None:
    profile, users, settings, auth = await _tab_with_secrets(_manager())
    login = await auth.get_state(LoginState)
    await login._start_session_hop("code-1", "/tickets")
    _assert_forgotten(profile, users, settings, auth)
    assert login.hop_url == "/api/v1/auth/session?code=code-1&next=%2Ftickets"


async def test_logout_resets_the_tab() -> None:
    profile, users, settings, auth = await _tab_with_secrets(_manager())
    await auth.forget_tab()
    _assert_forgotten(profile, users, settings, auth)


def _unmount_handlers(component: Any) -> Iterator[str]:
    trigger = component.event_triggers.get("on_unmount")
    if trigger is not None:
        yield str(trigger)
    for child in component.children:
        yield from _unmount_handlers(child)


@pytest.mark.parametrize(("page", "handler"), [("tfai.ui.pages.profile:profile", "hide_token"),
                                               ("tfai.ui.pages.admin_users:admin_users", "hide_link"),
                                               ("tfai.ui.pages.admin_settings:admin_settings", "hide_secret")])
def test_shown_secrets_leave_state_with_their_page(page: str, handler: str) -> None:
    import importlib

    module, name = page.split(":")
    component = getattr(importlib.import_module(module), name)()
    assert any(handler in text for text in _unmount_handlers(component))
