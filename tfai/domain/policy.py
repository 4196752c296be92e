"""The one authorization policy: actor x action x resource -> allow, forbid, or not found."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tfai.domain.errors import Conflict, Forbidden, NotFound, TfaiError

ADMIN = "admin"
USER = "user"
TICKET_ADMIN = "ticket_admin"
TASK_WORKER = "task_worker"
WORKFLOW_CREATOR = "workflow_creator"
SYSTEM_ROLES = (ADMIN, USER, TICKET_ADMIN, TASK_WORKER, WORKFLOW_CREATOR)


class Action(StrEnum):
    """Everything an actor can ask to do."""

    TICKET_SUBMIT = "ticket.submit"
    TICKET_READ = "ticket.read"
    TICKET_COMMENT = "ticket.comment"
    TICKET_LIST_COMPANY = "ticket.list_company"
    TICKET_STEER = "ticket.steer"
    TICKET_EDIT = "ticket.edit"
    TICKET_WITHDRAW = "ticket.withdraw"
    TASK_READ = "task.read"
    TASK_COMPLETE = "task.complete"
    TASK_LIST_COMPANY = "task.list_company"
    TASK_STEER = "task.steer"
    AVAILABILITY_SET = "availability.set"
    DEFINITION_READ = "definition.read"
    DEFINITION_MANAGE = "definition.manage"
    ASSISTANT_USE = "assistant.use"
    USER_LIST = "user.list"
    USER_MANAGE = "user.manage"
    ROLE_MANAGE = "role.manage"
    AUDIT_READ = "audit.read"
    COMPANY_SETTINGS = "company.settings"
    PROFILE_EDIT = "profile.edit"
    TOKEN_MANAGE = "token.manage"
    WEBHOOK_SECRET = "webhook.secret"
    STAFF_CONSOLE = "staff.console"


WRITE_ACTIONS = frozenset(
    {
        Action.TICKET_SUBMIT,
        Action.TICKET_COMMENT,
        Action.TICKET_STEER,
        Action.TICKET_EDIT,
        Action.TICKET_WITHDRAW,
        Action.TASK_COMPLETE,
        Action.TASK_STEER,
        Action.AVAILABILITY_SET,
        Action.DEFINITION_MANAGE,
        Action.ASSISTANT_USE,
        Action.USER_MANAGE,
        Action.ROLE_MANAGE,
        Action.COMPANY_SETTINGS,
        Action.PROFILE_EDIT,
        Action.TOKEN_MANAGE,
        Action.WEBHOOK_SECRET,
    }
)

# Credentials and authority that would outlive a staff grant: refused to staff under any grant.
CREDENTIAL_ACTIONS = frozenset({Action.USER_MANAGE, Action.ROLE_MANAGE, Action.TOKEN_MANAGE, Action.WEBHOOK_SECRET})

# API token scopes. A token without scopes carries its user's authority; with scopes, an action must be in
# one of them (and still be allowed by the user's roles). `read` allows every action that changes nothing.
TOKEN_SCOPES = ("read", "tickets", "tasks", "definitions", "admin")
ACTION_SCOPE: dict[Action, str] = {
    Action.TICKET_SUBMIT: "tickets",
    Action.TICKET_READ: "tickets",
    Action.TICKET_COMMENT: "tickets",
    Action.TICKET_LIST_COMPANY: "tickets",
    Action.TICKET_STEER: "tickets",
    Action.TICKET_EDIT: "tickets",
    Action.TICKET_WITHDRAW: "tickets",
    Action.TASK_READ: "tasks",
    Action.TASK_COMPLETE: "tasks",
    Action.TASK_LIST_COMPANY: "tasks",
    Action.TASK_STEER: "tasks",
    Action.AVAILABILITY_SET: "tasks",
    Action.DEFINITION_READ: "definitions",
    Action.DEFINITION_MANAGE: "definitions",
    Action.ASSISTANT_USE: "definitions",
    Action.USER_LIST: "admin",
    Action.USER_MANAGE: "admin",
    Action.ROLE_MANAGE: "admin",
    Action.AUDIT_READ: "admin",
    Action.COMPANY_SETTINGS: "admin",
    Action.PROFILE_EDIT: "admin",
    Action.TOKEN_MANAGE: "admin",
    Action.WEBHOOK_SECRET: "admin",
    Action.STAFF_CONSOLE: "admin",
}


def scope_allows(scopes: frozenset[str], action: Action) -> bool:
    """True when a token with these scopes may ask for the action (its roles are checked separately)."""
    return ACTION_SCOPE[action] in scopes or ("read" in scopes and action not in WRITE_ACTIONS)


_ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    # TICKET_EDIT and TICKET_WITHDRAW: on their own tickets only (ticket_edit_denial, ticket_withdraw_denial).
    USER: frozenset({Action.TICKET_SUBMIT, Action.TICKET_READ, Action.TICKET_COMMENT, Action.TICKET_EDIT,
                     Action.TICKET_WITHDRAW, Action.PROFILE_EDIT}),
    TASK_WORKER: frozenset(
        {
            Action.TASK_READ,
            Action.TASK_COMPLETE,
            Action.AVAILABILITY_SET,
            Action.TICKET_READ,
            Action.TICKET_COMMENT,
        }
    ),
    TICKET_ADMIN: frozenset(
        {
            Action.TICKET_READ,
            Action.TICKET_COMMENT,
            Action.TICKET_LIST_COMPANY,
            Action.TICKET_STEER,
            Action.TICKET_EDIT,
            Action.TASK_READ,
            Action.TASK_COMPLETE,
            Action.TASK_LIST_COMPANY,
            Action.TASK_STEER,
            Action.USER_LIST,
        }
    ),
    WORKFLOW_CREATOR: frozenset({Action.DEFINITION_READ, Action.DEFINITION_MANAGE, Action.ASSISTANT_USE}),
}
# Everyone manages their own API tokens, whatever their roles.
_ROLE_ACTIONS = {role: actions | {Action.TOKEN_MANAGE} for role, actions in _ROLE_ACTIONS.items()}
_ROLE_ACTIONS[ADMIN] = frozenset(Action) - {Action.STAFF_CONSOLE}

# Actions a role may take on any object of the company; without these, only on the actor's own objects.
_COMPANY_WIDE: dict[Action, frozenset[str]] = {
    Action.TICKET_READ: frozenset({ADMIN, TICKET_ADMIN}),
    Action.TICKET_COMMENT: frozenset({ADMIN, TICKET_ADMIN}),
    Action.TASK_READ: frozenset({ADMIN, TICKET_ADMIN}),
    Action.TASK_COMPLETE: frozenset({ADMIN, TICKET_ADMIN}),
}


@dataclass(frozen=True)
class StaffGrant:
    """A Ticketflower staff member acting inside a customer company."""

    grant_id: int
    company_id: int
    mode: str  # "read" | "write"
    expires_at: datetime
    staff_user_id: int


@dataclass(frozen=True)
class Actor:
    """Who is acting: the effective user and company, their roles, and any staff grant."""

    user_id: int
    company_id: int
    system_roles: frozenset[str]
    company_roles: frozenset[str] = field(default_factory=frozenset)
    email: str = ""
    is_platform_staff: bool = False
    staff: StaffGrant | None = None
    scopes: frozenset[str] | None = None  # an API token's scopes; None: the user's whole authority

    @property
    def real_user_id(self) -> int:
        return self.staff.staff_user_id if self.staff else self.user_id

    @property
    def read_only(self) -> bool:
        return self.staff is not None and self.staff.mode == "read"

    def has(self, role: str) -> bool:
        return role in self.system_roles


@dataclass(frozen=True)
class Resource:
    """What the action touches: its company and the people it belongs to."""

    company_id: int
    owner_id: int | None = None
    assignee_ids: frozenset[int] = field(default_factory=frozenset)


def effective_roles(actor: Actor) -> frozenset[str]:
    """Staff under a grant act as an admin of the company (read-only grants cannot write)."""
    if actor.staff is not None:
        return frozenset({ADMIN, USER})
    return actor.system_roles


def allowed(actor: Actor, action: Action, resource: Resource | None = None) -> bool:
    """True when the actor may take the action (on the resource, when given)."""
    if actor.scopes is not None and not scope_allows(actor.scopes, action):
        return False
    if action is Action.STAFF_CONSOLE:
        return actor.is_platform_staff and actor.staff is None
    if actor.is_platform_staff and actor.staff is None:
        return action is Action.TOKEN_MANAGE  # outside a grant: the console and their own API tokens only
    if actor.read_only and action in WRITE_ACTIONS:
        return False
    if actor.staff is not None and action in CREDENTIAL_ACTIONS:
        return False
    if resource is not None and resource.company_id != actor.company_id:
        return False
    roles = effective_roles(actor)
    if not any(action in _ROLE_ACTIONS.get(role, frozenset()) for role in roles):
        return False
    if resource is None or action not in _COMPANY_WIDE or roles & _COMPANY_WIDE[action]:
        return True
    return actor.user_id == resource.owner_id or actor.user_id in resource.assignee_ids


def require(actor: Actor, action: Action, resource: Resource | None = None, *, what: str = "object") -> None:
    """Raise NotFound for another company's (or an unseen) object, Forbidden for a role denial."""
    if resource is not None and resource.company_id != actor.company_id:
        raise NotFound(f"{what.capitalize()} not found")
    if allowed(actor, action, resource):
        return
    if resource is not None and action in _COMPANY_WIDE and allowed(actor, action, None):
        # The role may do this in general, but this object is not theirs: do not reveal it.
        raise NotFound(f"{what.capitalize()} not found")
    if actor.staff is not None and action in CREDENTIAL_ACTIONS:
        raise Forbidden("Staff under a grant cannot manage users, roles, API tokens or the webhook secret; "
                        "the company's own admins do", code="staff_credentials")
    if actor.read_only and action in WRITE_ACTIONS:
        raise Forbidden("Read-only staff access cannot change anything", code="read_only")
    if actor.scopes is not None and not scope_allows(actor.scopes, action):
        raise Forbidden(f"This API token's scopes ({', '.join(sorted(actor.scopes)) or 'none'}) "
                        f"do not allow {action.value}", code="token_scope")
    raise Forbidden(f"Your roles do not allow {action.value}")


def can_submit(actor: Actor, company_role_access: list[str]) -> bool:
    """A user may submit a ticket type when one of their company roles is in its access list."""
    if not allowed(actor, Action.TICKET_SUBMIT):
        return False
    if actor.staff is not None or ADMIN in actor.system_roles:
        return True
    return bool(set(company_role_access) & actor.company_roles)


def _role_denial(actor: Actor, action: Action) -> TfaiError | None:
    try:
        require(actor, action)
    except TfaiError as exc:
        return exc
    return None


def ticket_edit_denial(actor: Actor, ticket: Resource, *, editable_by: str, task_completed: bool,
                       active: bool) -> TfaiError | None:
    """Why the actor may not change this ticket's fields, or None when they may.

    The caller has shown the actor may read the ticket. Its type's `editable_by` decides: "requester" lets the
    requester edit until a task of the ticket completes (after that the work has moved on from the old values),
    and ticket admins and admins while it is active; "admins" only the latter; "nobody" no one.
    """
    if ticket.company_id != actor.company_id:
        return NotFound("Ticket not found")
    denied = _role_denial(actor, Action.TICKET_EDIT)
    if denied is not None:
        return denied
    if editable_by == "nobody":
        return Forbidden("Tickets of this type cannot be changed after they are submitted", code="not_editable")
    admin = bool(effective_roles(actor) & {ADMIN, TICKET_ADMIN})
    if not admin and actor.user_id != ticket.owner_id:
        return Forbidden("Only the requester, ticket admins and admins change a ticket's fields")
    if not admin and editable_by != "requester":
        return Forbidden("Only ticket admins and admins change the fields of this type of ticket")
    if not active:
        return Conflict("The ticket is closed; its fields can no longer be changed")
    if not admin and task_completed:
        return Conflict("A task of this ticket is already done; ask a ticket admin to change its fields")
    return None


def ticket_withdraw_denial(actor: Actor, ticket: Resource) -> TfaiError | None:
    """Why the actor may not withdraw (cancel) this ticket as its requester, or None when they may.

    The caller has shown the actor may read the ticket; ticket admins and admins cancel any ticket (TICKET_STEER).
    """
    if ticket.company_id != actor.company_id:
        return NotFound("Ticket not found")
    denied = _role_denial(actor, Action.TICKET_WITHDRAW)
    if denied is not None:
        return denied
    if actor.user_id != ticket.owner_id:
        return Forbidden("Only the requester withdraws a ticket; ticket admins and admins cancel it")
    return None
