"""Every SQLModel table of tfai; import from here."""

from sqlmodel import SQLModel

from tfai.db.tables.accounts import (
    ApiToken,
    Company,
    CompanyRole,
    PasswordToken,
    Session,
    User,
    UserCompanyRole,
    UserSystemRole,
)
from tfai.db.tables.definitions import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from tfai.db.tables.enums import SystemRole, TaskStatus, TaskType, WorkflowStatus
from tfai.db.tables.platform import (
    ActionAttempt,
    AssistantConversation,
    AssistantMessage,
    AssistantProposal,
    AssistantUsage,
    AuditLog,
    CallbackToken,
    Outbox,
    StaffGrant,
)
from tfai.db.tables.runtime import Comment, FileUpload, TaskInstance, TicketInstance, Timer, WorkflowInstance

metadata = SQLModel.metadata

__all__ = [
    "ActionAttempt", "ApiToken", "AssistantConversation", "AssistantMessage", "AssistantProposal",
    "AssistantUsage", "AuditLog", "CallbackToken", "Comment", "Company", "CompanyRole", "FileUpload",
    "Outbox", "PasswordToken", "Session", "StaffGrant", "SystemRole", "TaskDefinition", "TaskInstance",
    "TaskStatus", "TaskType", "TicketDefinition", "TicketInstance", "Timer", "User", "UserCompanyRole",
    "UserSystemRole", "WorkflowDefinition", "WorkflowInstance", "WorkflowStatus", "WorkflowTransition",
    "metadata",
]
