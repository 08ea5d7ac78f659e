"""The SQL unit of work: one short transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.engine import WRITE_OPTION
from storage.repositories.activity import SqlActivityRepo
from storage.repositories.audit import SqlAuditRepo
from storage.repositories.board import SqlBoardRepo

# subsidy claims (issue 10)
from storage.repositories.claims import SqlClaimRepo
from storage.repositories.decisions import SqlDecisionRepo
from storage.repositories.invites import SqlInviteRepo
from storage.repositories.job_runs import SqlJobRunRepo
from storage.repositories.ledger import SqlLedgerRepo
from storage.repositories.links import SqlLinkCodeRepo
from storage.repositories.locks import SqlLockRepo
from storage.repositories.network import SqlNetworkRepo
from storage.repositories.outbox import SqlOutboxRepo
from storage.repositories.people import SqlPeopleRepo
from storage.repositories.policies import SqlPolicyRepo
from storage.repositories.recipients import SqlRecipientRepo

# office IM (#12)
from storage.repositories.robots import SqlRobotRepo
from storage.repositories.scores import SqlScoreRepo


class SqlUnitOfWork:
    def __init__(self, engine: AsyncEngine, *, write: bool) -> None:
        self._engine = engine
        self._write = write
        self._conn: AsyncConnection | None = None
        self._committed = False

    @property
    def connection(self) -> AsyncConnection:
        assert self._conn is not None, "unit of work not entered"
        return self._conn

    async def __aenter__(self) -> SqlUnitOfWork:
        conn = await self._engine.connect()
        try:
            if self._write:
                conn = await conn.execution_options(**{WRITE_OPTION: True})
            await conn.begin()
        except BaseException:
            # BEGIN IMMEDIATE on a locked database: give the connection back, or it leaks.
            await conn.close()
            raise
        self._conn = conn
        self.network = SqlNetworkRepo(conn)
        self.people = SqlPeopleRepo(conn)
        self.invites = SqlInviteRepo(conn)
        self.audit = SqlAuditRepo(conn)
        self.ledger = SqlLedgerRepo(conn)
        self.outbox = SqlOutboxRepo(conn)
        self.policies = SqlPolicyRepo(conn)
        self.job_runs = SqlJobRunRepo(conn)
        self.scores = SqlScoreRepo(conn)
        self.locks = SqlLockRepo(conn)
        self.decisions = SqlDecisionRepo(conn)
        self.recipients = SqlRecipientRepo(conn)
        self.activity = SqlActivityRepo(conn)
        # office IM (#12)
        self.robots = SqlRobotRepo(conn)
        # subsidy claims (issue 10)
        self.claims = SqlClaimRepo(conn)
        self.board = SqlBoardRepo(conn)  # the notice board (issue 11)
        self.links = SqlLinkCodeRepo(conn)  # one person, several channels (WeChat, issue 12)
        return self

    async def commit(self) -> None:
        await self.connection.commit()
        self._committed = True

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if not self._committed and conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()


class SqlUnitOfWorkFactory:
    """`uow(write=True)` opens a write transaction (BEGIN IMMEDIATE on SQLite)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self, *, write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write=write)
