"""The policy's token scopes and its refusal of credential management to staff under a grant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tfai.domain.errors import Forbidden
from tfai.domain.policy import (
    ACTION_SCOPE,
    ADMIN,
    CREDENTIAL_ACTIONS,
    TOKEN_SCOPES,
    USER,
    WRITE_ACTIONS,
    Action,
    Actor,
    StaffGrant,
    allowed,
    require,
)

ADMIN_ACTOR = Actor(user_id=1, company_id=7, system_roles=frozenset({ADMIN, USER}))


def _scoped(*scopes: str) -> Actor:
    return Actor(user_id=1, company_id=7, system_roles=frozenset({ADMIN, USER}), scopes=frozenset(scopes))


def _staff(mode: str) -> Actor:
    grant = StaffGrant(grant_id=3, company_id=7, mode=mode, expires_at=datetime.now(UTC) + timedelta(hours=1),
                       staff_user_id=99)
    return Actor(user_id=99, company_id=7, system_roles=frozenset({ADMIN, USER}), is_platform_staff=True,
                 staff=grant)


def test_every_action_belongs_to_a_known_scope() -> None:
    assert set(ACTION_SCOPE) == set(Action)
    assert set(ACTION_SCOPE.values()) <= set(TOKEN_SCOPES)


def test_a_token_without_scopes_carries_the_users_authority() -> None:
    assert all(allowed(ADMIN_ACTOR, a) for a in Action if a is not Action.STAFF_CONSOLE)


def test_read_scope_allows_only_reading() -> None:
    reader = _scoped("read")
    for action in Action:
        if action is Action.STAFF_CONSOLE:
            continue
        assert allowed(reader, action) is (action not in WRITE_ACTIONS), action
    with pytest.raises(Forbidden) as refused:
        require(reader, Action.TICKET_SUBMIT)
    assert refused.value.code == "token_scope" and "read" in refused.value.message


@pytest.mark.parametrize("scope", ["tickets", "tasks", "definitions", "admin"])
def test_each_scope_allows_its_own_actions_only(scope: str) -> None:
    actor = _scoped(scope)
    for action, owner in ACTION_SCOPE.items():
        if action is Action.STAFF_CONSOLE:
            continue
        assert allowed(actor, action) is (owner == scope), (scope, action)


def test_scopes_narrow_and_never_widen_the_roles() -> None:
    requester = Actor(user_id=2, company_id=7, system_roles=frozenset({USER}), scopes=frozenset(TOKEN_SCOPES))
    assert allowed(requester, Action.TICKET_SUBMIT)
    assert not allowed(requester, Action.USER_MANAGE)
    assert not allowed(requester, Action.DEFINITION_MANAGE)
    both = _scoped("tickets", "tasks")
    assert allowed(both, Action.TICKET_STEER) and allowed(both, Action.TASK_COMPLETE)
    assert not allowed(both, Action.DEFINITION_READ)


@pytest.mark.parametrize("mode", ["read", "write"])
def test_staff_under_any_grant_never_manage_credentials_or_roles(mode: str) -> None:
    actor = _staff(mode)
    assert CREDENTIAL_ACTIONS == {Action.USER_MANAGE, Action.ROLE_MANAGE, Action.TOKEN_MANAGE,
                                  Action.WEBHOOK_SECRET}
    for action in CREDENTIAL_ACTIONS:
        assert not allowed(actor, action)
        with pytest.raises(Forbidden) as refused:
            require(actor, action)
        assert refused.value.code == "staff_credentials", action
    assert allowed(actor, Action.USER_LIST) and allowed(actor, Action.AUDIT_READ)
    assert allowed(actor, Action.DEFINITION_MANAGE) is (mode == "write")


def test_every_role_manages_its_own_tokens() -> None:
    for role in ("user", "task_worker", "ticket_admin", "workflow_creator", "admin"):
        assert allowed(Actor(user_id=1, company_id=7, system_roles=frozenset({role})), Action.TOKEN_MANAGE)
