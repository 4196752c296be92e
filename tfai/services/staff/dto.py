"""Plain DTOs of platform staff, the staff console, access grants and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel


class SecondFactorDTO(BaseModel):
    """A staff member's new TOTP enrolment: the otpauth URI for the app and recovery codes, printed once."""

    totp_uri: str
    recovery_codes: list[str]


class CreatedStaffDTO(BaseModel):
    """A new staff member; set_password_url (without a password) and the second factor are printed once."""

    user_id: int
    set_password_url: str | None = None
    second_factor: SecondFactorDTO


class CompanyStatsDTO(BaseModel):
    """One customer company as the staff console shows it (counts only, no content)."""

    company_id: int
    name: str
    users: int
    tickets: int
    open_tasks: int
    last_activity: datetime | None = None
    staff_write_allowed: bool


class PlatformTotalsDTO(BaseModel):
    companies: int
    users: int
    tickets: int
    open_tasks: int
    active_grants: int


class StaffConsoleDTO(BaseModel):
    companies: list[CompanyStatsDTO]
    totals: PlatformTotalsDTO


class GrantDTO(BaseModel):
    """A staff access grant: who, where, why, how and for how long."""

    grant_id: int
    company_id: int
    company_name: str
    staff_user_id: int
    staff_email: str
    reason: str
    mode: Literal["read", "write"]
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    minutes: int
    status: Literal["pending", "active", "denied", "ended", "expired"]
    actions: int = 0  # changes made under the grant
    views: int = 0  # tickets, files, user lists and audit pages viewed under it


class OwnGrantDTO(BaseModel):
    """One of the staff member's own grants, in any company, as the staff console lists it; can_enter is True only
    for an approved grant that is still live."""

    grant_id: int
    company_id: int
    company_name: str
    reason: str
    mode: Literal["read", "write"]
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    decided_at: datetime | None = None
    minutes: int
    status: Literal["pending", "active", "denied", "ended", "expired"]
    can_enter: bool


class AuditEntryDTO(BaseModel):
    """One audit row; real_actor_* and staff_grant_id name the staff member behind a grant."""

    id: int
    created_at: datetime
    entity: str
    entity_id: str
    action: str
    actor_user_id: int | None = None
    actor_email: str | None = None
    real_actor_user_id: int | None = None
    staff_grant_id: int | None = None
    staff_email: str | None = None
    before: Any = None
    after: Any = None


class StaffAccessSettingsDTO(BaseModel):
    staff_write_allowed: bool
    staff_read_access: Literal["allowed", "approval", "disabled"] = "allowed"
