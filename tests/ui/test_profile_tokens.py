"""The profile page's token form: expiry and scopes as the service takes them, its refusals under their fields,
the token list's columns, and the password form's "sign out my API tokens too"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex.state import State
from reflex_base.utils.form import FormData

from tests.fixtures.tenants import PASSWORD, World
from tfai.domain.errors import InvalidInput, NotFound, Unauthorized
from tfai.domain.limits import API_TOKEN_DEFAULT_DAYS, API_TOKEN_MAX_DAYS
from tfai.services.auth import api_tokens
from tfai.services.common import throttle
from tfai.ui.pages import load_all

load_all()

from tfai.ui.state.profile import FULL_AUTHORITY, ProfileState, ticked, token_options, token_row  # noqa: E402


async def _profile_state() -> Any:
    manager: Any = StateManagerMemory()  # type: ignore[abstract]  # mypy misreads its overloads as abstract
    async with manager.modify_state(BaseStateToken(ident="tab", cls=State)) as root:
        return await root.get_state(ProfileState)


def test_an_empty_form_asks_for_the_default_expiry_and_full_authority() -> None:
    options, errors = token_options(FormData([("name", "ci"), ("expires_in_days", "")]))
    assert errors == {}
    assert options == {"expires_in_days": API_TOKEN_DEFAULT_DAYS, "scopes": None, "second_factor": ""}


def test_ticked_scopes_narrow_the_token() -> None:
    form = FormData([("expires_in_days", " 30 "), ("scopes", "tickets"), ("scopes", "read"), ("scopes", "read"),
                     ("second_factor", "123 456")])
    options, errors = token_options(form)
    assert errors == {}
    assert options == {"expires_in_days": 30, "scopes": ["read", "tickets"], "second_factor": "123 456"}


@pytest.mark.parametrize("days", ["ten", "1.5", "-3", "9" * 20])
def test_days_that_are_no_whole_number_are_refused_under_the_field(days: str) -> None:
    options, errors = token_options({"expires_in_days": days})
    assert errors == {"expires_in_days": "Enter a whole number of days"} and "expires_in_days" not in options


@pytest.mark.parametrize("days", ["0", str(API_TOKEN_MAX_DAYS + 1)])
async def test_days_out_of_range_come_back_from_the_service_under_the_form_field(days: str) -> None:
    """The range is the service's rule; its problem names the form's own input, so the page shows it there."""
    options, errors = token_options({"expires_in_days": days})
    assert errors == {} and options["expires_in_days"] == int(days)
    with pytest.raises(InvalidInput) as refused:
        await api_tokens.create_api_token("nobody@example.com", "x", name="ci", ip="10.7.0.1", **options)
    state = await _profile_state()
    state._fail("token", refused.value)
    assert state.errors["token.expires_in_days"] == f"A token lives 1 to {API_TOKEN_MAX_DAYS} days"


async def test_an_unknown_scope_is_refused_under_the_scopes_field() -> None:
    options, _ = token_options(FormData([("scopes", "read"), ("scopes", "root")]))
    with pytest.raises(InvalidInput) as refused:
        await api_tokens.create_api_token("nobody@example.com", "x", name="ci", ip="10.7.0.1", **options)
    state = await _profile_state()
    state._fail("token", refused.value)
    assert "Unknown scopes: root" in state.errors["token.scopes"]


async def test_a_missing_second_factor_shows_under_the_code_field() -> None:
    state = await _profile_state()
    state._fail("token", Unauthorized("Enter the code from your authenticator app, or a recovery code",
                                      code="second_factor_required"))
    assert state.errors["token.second_factor"] == "Enter the code from your authenticator app, or a recovery code"
    assert state.errors["token"] and state.notices == {}


def test_the_revoke_tokens_box_counts_only_when_ticked() -> None:
    assert ticked({"revoke_tokens": "on"}, "revoke_tokens") is True
    assert ticked({}, "revoke_tokens") is False  # an unticked checkbox is not submitted
    assert ticked({"revoke_tokens": "off"}, "revoke_tokens") is False


def test_the_password_form_ticks_sign_out_my_tokens_by_default() -> None:
    from tfai.ui.pages.profile import profile

    rendered = str(profile()).replace(" ", "")
    assert 'RadixThemesCheckbox,{defaultChecked:true,id:"revoke-tokens",name:"revoke_tokens"' in rendered
    assert "SignoutmyAPItokenstoo" in rendered


@pytest.fixture
async def _clean_throttle(db_engine: None) -> AsyncIterator[None]:
    await throttle.clear_all()
    yield
    await throttle.clear_all()


@pytest.mark.usefixtures("_clean_throttle")
async def test_a_scoped_token_from_the_form_lists_its_scopes_and_expiry(world: World) -> None:
    member = world.a.worker1
    options, _ = token_options(FormData([("expires_in_days", "7"), ("scopes", "tasks")]))
    await api_tokens.create_api_token(member.email, PASSWORD, name="ci", ip="10.7.0.2", **options)
    full, _ = token_options({})
    await api_tokens.create_api_token(member.email, PASSWORD, name="all", ip="10.7.0.2", **full)
    rows = [token_row(t) for t in await api_tokens.list_api_tokens(member.actor)]
    assert [(r["name"], r["scopes"], r["last_used"]) for r in rows] == [("all", FULL_AUTHORITY, "never"),
                                                                        ("ci", "tasks", "never")]
    expires = datetime.strptime(rows[1]["expires"], "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    assert abs(expires - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=2)
    # Another company's admin neither sees nor revokes it.
    assert await api_tokens.list_api_tokens(world.b.admin.actor) == []
    with pytest.raises(NotFound):
        await api_tokens.revoke_api_token(world.b.admin.actor, int(rows[1]["id"]))
