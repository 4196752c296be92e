"""Publish an action task's run_action message right after the transaction that made its outbox row commits.

Why a session event and not a return value or session.info: the outbox row is written deep in the engine's helpers
(`_runtime.enqueue_action`), several calls below the use case that owns the transaction, and a "to publish" list
threaded up through every return value would touch every caller of advance/start/steer. "When this transaction
commits" is what SQLAlchemy's session events are for, so one pair of listeners on the Session class does it in one
place. The messages waiting for a commit are kept here, in a WeakKeyDictionary keyed by the session (no value is
smuggled through session.info), and dropped when the outermost transaction ends without committing: a rolled-back
transaction publishes nothing. A savepoint's release is not the commit, so it publishes nothing either.

The publish itself runs in dispatch's background threads (kombu's publish is blocking) and never delays the
caller; a failed or skipped publish leaves the outbox row unpublished for the sweeper (tfai/worker/outbox.py).
Acting once holds either way: the worker's claim is a conditional UPDATE, so a duplicate message does nothing.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from tfai.services.outbox import dispatch

_waiting: WeakKeyDictionary[Session, list[tuple[int, int]]] = WeakKeyDictionary()


def publish_after_commit(session: AsyncSession, company_id: int, task_id: int) -> None:
    """Send the task's run_action message once this session's transaction has committed (nothing on rollback)."""
    _waiting.setdefault(session.sync_session, []).append((company_id, task_id))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint was released; the outer commit decides
        return
    for company_id, task_id in _waiting.pop(session, ()):
        dispatch.publish_soon(company_id, task_id)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: committed (already sent) or rolled back
        _waiting.pop(session, None)
