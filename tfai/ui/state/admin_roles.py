"""State of the company roles page: list, create, rename, describe, delete (`user` is protected)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain import policy
from tfai.domain.errors import TfaiError
from tfai.domain.policy import USER, Action, Actor
from tfai.services.accounts import company_roles
from tfai.ui.state import toast
from tfai.ui.state.auth import AuthState
from tfai.ui.state.form_values import error_message, field_errors
from tfai.ui.state.guard import guarded


class AdminRolesState(AuthState):
    """Roles as plain dicts; every change goes through the company-role services."""

    roles: list[dict[str, Any]] = []
    error: str = ""
    notice: str = ""
    errors: dict[str, str] = {}
    create_key: int = 0
    edit_open: bool = False
    edit_name: str = ""
    edit_description: str = ""
    edit_error: str = ""
    edit_errors: dict[str, str] = {}
    can_manage: bool = False  # staff under a grant see the roles but change none
    edit_key: int = 0

    async def _refresh(self, actor: Actor) -> None:
        self.roles = [{"name": r.role_name, "description": r.description, "members": r.members,
                       "protected": r.role_name == USER} for r in await company_roles.list_company_roles(actor)]

    @rx.event
    @guarded()
    async def load(self, actor: Actor) -> Any:
        self.error, self.notice, self.errors, self.edit_open = "", "", {}, False
        self.can_manage = policy.allowed(actor, Action.ROLE_MANAGE)
        try:
            await self._refresh(actor)
        except TfaiError as exc:
            self.roles, self.error = [], error_message(exc)
        return None

    @rx.event
    @guarded()
    async def create(self, actor: Actor, form_data: dict[str, Any]) -> Any:
        try:
            await company_roles.create_company_role(actor, role_name=str(form_data.get("role_name", ""))[:100],
                                               description=str(form_data.get("description", ""))[:2100])
            await self._refresh(actor)
        except TfaiError as exc:
            self.error, self.errors, self.notice = error_message(exc), field_errors(exc), ""
            return None
        self.error, self.errors, self.notice = "", {}, "The role is created."
        self.create_key += 1
        return None

    @rx.event
    def open_edit(self, name: str) -> None:
        row = next((r for r in self.roles if r["name"] == str(name)), None)
        if row is None:
            return
        self.edit_name, self.edit_description = row["name"], row["description"]
        self.edit_error, self.edit_errors, self.edit_open = "", {}, True
        self.edit_key += 1

    @rx.event
    def set_edit_open(self, value: bool) -> None:
        self.edit_open = bool(value)

    @rx.event
    @guarded()
    async def save_edit(self, actor: Actor, form_data: dict[str, Any]) -> Any:
        new_name = str(form_data.get("new_name", ""))[:100].strip()
        try:
            await company_roles.update_company_role(
                actor, self.edit_name, new_name=new_name if new_name and new_name != self.edit_name else None,
                description=str(form_data.get("description", ""))[:2100])
            await self._refresh(actor)
        except TfaiError as exc:
            self.edit_error, self.edit_errors = error_message(exc), field_errors(exc)
            return None
        self.edit_open, self.notice, self.error = False, "The role is saved.", ""
        return None

    @rx.event
    @guarded()
    async def delete(self, actor: Actor, name: str) -> Any:
        try:
            await company_roles.delete_company_role(actor, str(name)[:100])
            await self._refresh(actor)
        except TfaiError as exc:
            self.error, self.notice = error_message(exc), ""
            return toast.error("Not deleted: " + self.error)
        self.error, self.notice = "", "The role is deleted."
        return toast.success(f"Role {str(name)[:100]} deleted")
