"""Plain DTOs of accounts, users and company roles (never hashes, never table objects)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class SignupResult(BaseModel):
    company_id: int
    user_id: int


class StaffInfoDTO(BaseModel):
    """The staff grant the current session acts under."""

    grant_id: int
    mode: str
    expires_at: datetime
    staff_user_id: int


class MeDTO(BaseModel):
    """The current user as they may see themselves; allowed_actions drives which links the UI shows."""

    id: int
    email: str
    first_name: str
    last_name: str
    company_id: int
    company_name: str
    system_roles: list[str]
    company_roles: list[str]
    available: bool
    is_platform_staff: bool = False
    staff: StaffInfoDTO | None = None
    allowed_actions: list[str] = []


class DashboardDTO(BaseModel):
    """The dashboard: who I am and what is waiting (company counts only for ticket admins and admins)."""

    me: MeDTO
    my_open_tickets: int
    my_open_tasks: int
    company_open_tickets: int | None = None
    company_open_tasks: int | None = None


class UserDTO(BaseModel):
    id: int
    email: str
    first_name: str
    last_name: str
    system_roles: list[str]
    company_roles: list[str]
    is_active: bool
    available: bool
    open_tasks: int


class CreatedUserDTO(BaseModel):
    """A new user; set_password_url is shown once to the admin when no password was given."""

    id: int
    set_password_url: str | None = None


class CompanyRoleDTO(BaseModel):
    id: int
    role_name: str
    description: str
    members: int
