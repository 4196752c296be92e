"""Header values and redirects of the shared auth state (pure: no browser, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from tfai.domain.policy import Actor, StaffGrant
from tfai.ui.state.auth import HOME_ROUTE, header_fields, safe_next, session_hop_url


def _actor(*roles: str, staff: StaffGrant | None = None) -> Actor:
    return Actor(user_id=7, company_id=3, system_roles=frozenset(roles), email="kim@example.com", staff=staff)


ME = SimpleNamespace(first_name="Kim", last_name="Lee", email="kim@example.com", company_name="Acme")


def test_requester_sees_only_the_basic_links() -> None:
    h = header_fields(_actor("user"), ME)
    assert h["display_name"] == "Kim Lee" and h["company_name"] == "Acme"
    assert (h["is_admin"], h["is_ticket_admin"], h["is_worker"], h["is_designer"]) == (False, False, False, False)
    assert h["staff_banner"] == ""


def test_role_flags_follow_system_roles() -> None:
    assert header_fields(_actor("user", "task_worker"), ME)["is_worker"] is True
    assert header_fields(_actor("user", "ticket_admin"), ME)["is_ticket_admin"] is True
    assert header_fields(_actor("user", "workflow_creator"), ME)["is_designer"] is True
    admin = header_fields(_actor("user", "admin"), ME)
    assert admin["is_admin"] and admin["is_ticket_admin"] and admin["is_designer"] and not admin["is_worker"]


def test_staff_under_a_read_grant_get_a_banner_and_admin_links() -> None:
    grant = StaffGrant(grant_id=1, company_id=3, mode="read", expires_at=datetime.now(UTC) + timedelta(hours=1),
                       staff_user_id=7)
    h = header_fields(_actor("user", staff=grant), ME)
    assert "read-only" in h["staff_banner"] and "Acme" in h["staff_banner"]
    assert h["is_admin"] is True


def test_missing_profile_falls_back_to_the_email() -> None:
    assert header_fields(_actor("user"), None)["display_name"] == "kim@example.com"


def test_next_paths_stay_on_this_site() -> None:
    assert safe_next("/profile") == "/profile"
    for bad in (None, "", "https://evil.example", "//evil.example", "/\\evil.example", "dashboard", "/" + "a" * 400):
        assert safe_next(bad) == HOME_ROUTE


def test_session_hop_goes_to_the_session_route_and_stays_on_this_site() -> None:
    url = session_hop_url("abc_DEF-123", "//evil.example")
    assert url.startswith("/api/v1/auth/session?code=abc_DEF-123")
    assert "next=%2Fdashboard" in url and "evil" not in url
