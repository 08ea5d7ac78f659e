"""The in-memory unit of work: the same contract as `storage.uow.SqlUnitOfWork`.

Each unit of work sees a snapshot taken when it starts and changes a private copy; only
`commit()` makes the changes visible, and leaving without it throws them away (rolled back
unless committed). `write=True` units of work take one lock for their whole life, as
`BEGIN IMMEDIATE` does on SQLite, so read-then-write use cases cannot interleave.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from storage.memory.activity import MemoryActivityRepo
from storage.memory.audit import MemoryAuditRepo
from storage.memory.board import MemoryBoardRepo

# subsidy claims (issue 10)
from storage.memory.claims import MemoryClaimRepo
from storage.memory.decisions import MemoryDecisionRepo
from storage.memory.invites import MemoryInviteRepo
from storage.memory.job_runs import MemoryJobRunRepo
from storage.memory.ledger import MemoryLedgerRepo
from storage.memory.links import MemoryLinkCodeRepo
from storage.memory.locks import MemoryLockRepo
from storage.memory.network import MemoryNetworkRepo
from storage.memory.outbox import MemoryOutboxRepo
from storage.memory.people import MemoryPeopleRepo
from storage.memory.policies import MemoryPolicyRepo
from storage.memory.recipients import MemoryRecipientRepo

# office IM (#12)
from storage.memory.robots import MemoryRobotRepo
from storage.memory.scores import MemoryScoreRepo
from storage.memory.state import MemoryState, Transaction, WriteConflict


class MemoryUnitOfWork:
    def __init__(self, state: MemoryState, *, write: bool) -> None:
        self._state = state
        self._write = write
        self._tx: Transaction | None = None
        self._committed = False

    async def __aenter__(self) -> MemoryUnitOfWork:
        if self._write:
            state, me = self._state, asyncio.current_task()
            if me is not None and state.writer is me:
                # SQLite would wait out busy_timeout and fail; failing now says where.
                raise RuntimeError("a write unit of work opened inside another one deadlocks")
            await state.write_lock.acquire()
            state.writer = me
        tx = self._tx = Transaction(self._state)
        self.network = MemoryNetworkRepo(tx)
        self.people = MemoryPeopleRepo(tx)
        self.invites = MemoryInviteRepo(tx)
        self.audit = MemoryAuditRepo(tx)
        self.ledger = MemoryLedgerRepo(tx)
        self.outbox = MemoryOutboxRepo(tx)
        self.policies = MemoryPolicyRepo(tx)
        self.job_runs = MemoryJobRunRepo(tx)
        self.scores = MemoryScoreRepo(tx)
        self.locks = MemoryLockRepo(tx)
        self.decisions = MemoryDecisionRepo(tx)
        self.recipients = MemoryRecipientRepo(tx)
        self.activity = MemoryActivityRepo(tx)
        # office IM (#12)
        self.robots = MemoryRobotRepo(tx)
        # subsidy claims (issue 10)
        self.claims = MemoryClaimRepo(tx)
        self.board = MemoryBoardRepo(tx)  # the notice board (issue 11)
        self.links = MemoryLinkCodeRepo(tx)  # one person, several channels (WeChat, issue 12)
        return self

    @property
    def transaction(self) -> Transaction:
        assert self._tx is not None, "unit of work not entered"
        return self._tx

    async def commit(self) -> None:
        tx = self.transaction
        if tx.changed:
            if not self._write and (
                self._state.write_lock.locked() or self._state.version != tx.version
            ):
                raise WriteConflict("a read unit of work wrote after another one committed")
            tx.apply()
        tx.begin()  # like a connection after COMMIT: the next statement sees the new data
        self._committed = True

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._tx is None:
            return
        self._tx = None  # uncommitted changes go with it
        if self._write:
            self._state.writer = None
            self._state.write_lock.release()


class MemoryUnitOfWorkFactory:
    """`uow(write=True)` waits for the other writers; `state` is the database."""

    def __init__(self, state: MemoryState | None = None) -> None:
        self.state = state or MemoryState()

    def __call__(self, *, write: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.state, write=write)
