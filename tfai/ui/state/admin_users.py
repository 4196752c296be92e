"""State of the users page: a searched, paginated list; create, edit roles, (de)activate, availability."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.utils.form import FormData

from tfai.domain import policy
from tfai.domain.errors import TfaiError
from tfai.domain.policy import SYSTEM_ROLES, USER, Action, Actor
from tfai.services.accounts import company_roles, users
from tfai.ui.state import toast
from tfai.ui.state.auth import AuthState
from tfai.ui.state.form_values import error_message, field_errors
from tfai.ui.state.guard import guarded

PAGE_SIZE = 20


def user_row(u: Any) -> dict[str, Any]:
    """The plain values a row shows (a UserDTO has no secrets; copy only what is displayed)."""
    return {"id": str(u.id), "name": f"{u.first_name} {u.last_name}".strip(), "email": u.email,
            "system_roles": list(u.system_roles), "company_roles": list(u.company_roles),
            "is_active": bool(u.is_active), "available": bool(u.available), "open_tasks": int(u.open_tasks)}


def _form_list(form_data: FormData | dict[str, Any], name: str) -> list[str]:
    data = form_data if isinstance(form_data, FormData) else FormData(form_data)
    return [str(v)[:100] for v in data.getlist(name) if str(v)]


class AdminUsersState(AuthState):
    """Rows are plain dicts; the edited user's id is kept as a string and re-checked by the service."""

    rows: list[dict[str, Any]] = []
    total: int = 0
    page: int = 1
    search: str = ""
    all_system_roles: list[str] = list(SYSTEM_ROLES)
    all_company_roles: list[str] = []
    error: str = ""
    notice: str = ""
    create_errors: dict[str, str] = {}
    create_error: str = ""
    created_link: str = ""
    create_key: int = 0
    busy: bool = False
    edit_open: bool = False
    edit_id: str = ""
    edit_name: str = ""
    edit_system: list[str] = []
    edit_company: list[str] = []
    edit_error: str = ""
    edit_key: int = 0
    can_manage: bool = False  # staff under a grant and non-admins see the list only

    @rx.var
    def page_count(self) -> int:
        return max(1, (self.total + PAGE_SIZE - 1) // PAGE_SIZE)

    async def _refresh(self, actor: Actor) -> None:
        result = await users.list_users(actor, search=self.search, page=self.page, page_size=PAGE_SIZE)
        self.rows, self.total, self.page = [user_row(u) for u in result.items], result.total, result.page
        self.all_company_roles = [r.role_name for r in await company_roles.list_company_roles(actor)]

    @rx.event
    @guarded()
    async def load(self, actor: Actor) -> Any:
        self.error, self.notice, self.created_link, self.edit_open = "", "", "", False
        self.can_manage = policy.allowed(actor, Action.USER_MANAGE)
        try:
            await self._refresh(actor)
        except TfaiError as exc:
            self.rows, self.error = [], error_message(exc)
        return None

    @guarded()
    async def _change(self, actor: Actor, call: Any, notice: str) -> Any:
        try:
            await call(actor)
            await self._refresh(actor)
        except TfaiError as exc:
            self.error, self.notice = error_message(exc), ""
            return toast.error("Not changed: " + self.error) if notice else None
        self.error, self.notice = "", notice
        return toast.success("Saved") if notice else None

    @rx.event
    async def do_search(self, form_data: dict[str, Any]) -> Any:
        self.search, self.page = str(form_data.get("search", ""))[:200], 1
        return await self._change(lambda a: _noop(), "")

    @rx.event
    async def go_page(self, delta: int) -> Any:
        self.page = min(max(1, self.page + int(delta)), self.page_count)
        return await self._change(lambda a: _noop(), "")

    @rx.event
    async def set_active(self, user_id: str, active: bool) -> Any:
        uid = int(user_id) if str(user_id).isdigit() else 0
        return await self._change(lambda a: users.update_user(a, uid, is_active=bool(active)),
                                  "The user is active again." if active else "The user is deactivated.")

    @rx.event
    async def set_available(self, user_id: str, available: bool) -> Any:
        uid = int(user_id) if str(user_id).isdigit() else 0
        return await self._change(lambda a: users.update_user(a, uid, available=bool(available)),
                                  "Availability saved.")

    @rx.event
    @guarded()
    async def create(self, actor: Actor, form_data: FormData) -> Any:
        self.busy, self.create_error, self.create_errors, self.created_link = True, "", {}, ""
        yield
        password = str(form_data.get("password", ""))[:1024]
        try:
            created = await users.create_user(
                actor, email=str(form_data.get("email", ""))[:300],
                first_name=str(form_data.get("first_name", ""))[:200],
                last_name=str(form_data.get("last_name", ""))[:200],
                system_roles=_form_list(form_data, "system_roles"),
                company_roles=_form_list(form_data, "company_roles"), password=password or None)
            await self._refresh(actor)
        except TfaiError as exc:
            self.create_error, self.create_errors = error_message(exc), field_errors(exc)
        else:
            self.created_link = created.set_password_url or ""
            self.notice, self.error = "The user is created.", ""
            self.create_key += 1
        finally:
            self.busy = False

    @rx.event
    def open_edit(self, user_id: str) -> None:
        row = next((r for r in self.rows if r["id"] == str(user_id)), None)
        if row is None:
            return
        self.edit_id, self.edit_name = row["id"], row["name"]
        self.edit_system, self.edit_company = list(row["system_roles"]), list(row["company_roles"])
        self.edit_error, self.edit_open = "", True
        self.edit_key += 1

    @rx.event
    def hide_link(self) -> None:
        """Forget the shown set-password link (the page's 'copied' button and leaving the page)."""
        self.created_link = ""

    @rx.event
    def set_edit_open(self, value: bool) -> None:
        self.edit_open = bool(value)

    @rx.event
    @guarded()
    async def save_edit(self, actor: Actor, form_data: FormData) -> Any:
        uid = int(self.edit_id) if self.edit_id.isdigit() else 0
        company = sorted(set(_form_list(form_data, "company_roles")) | {USER})
        try:
            await users.update_user(actor, uid, system_roles=_form_list(form_data, "system_roles"),
                                       company_roles=company)
            await self._refresh(actor)
        except TfaiError as exc:
            self.edit_error = error_message(exc)
            return None
        self.edit_open, self.notice, self.error = False, "Roles saved.", ""
        return None


async def _noop() -> None:
    return None
