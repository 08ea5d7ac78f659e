"""Group commit on SQLite: updates handled together share one durable COMMIT.

SQLite has one writer at a time and every durable COMMIT costs an fsync, so N updates
written one transaction each cost N fsyncs, and the workers handling them queue on the
write lock (each waiting in SQLite's own sleeping busy handler). Here the updates being
handled at the same moment (the inbox processor's workers, the webhook's concurrent
requests) take turns on ONE shared write transaction (BEGIN IMMEDIATE):

- each update's unit of work is a SAVEPOINT in it, so a failing update rolls back alone
  (ROLLBACK TO) and the others' work stays;
- after an update's savepoint is released, the transaction stays open while others are
  waiting for their turn (up to `most` updates), otherwise it is committed at once: no
  timer, so a lone update is not slowed down;
- nobody leaves `unit()` before the COMMIT covering their work is durable: their replies
  (sent after it), the webhook's 200 and the inbox's done mark all come after;
- if the shared transaction is lost (the COMMIT fails, or an error ends the whole
  transaction), every update in it gets `GroupRolledBack`, a failure a retry fixes: none
  of them was claimed, so each is applied as new when tried again.

The unit of work is the ordinary `SqlUnitOfWork`, opened over the shared connection
through `_Savepoints`, so repositories (and those other features add) work unchanged.

The shared connection is the plain sqlite3 driver run on the event loop's own thread
(`_Inline`, the repositories' async calls answered at once), not aiosqlite: aiosqlite
hands every statement to its thread and back, some 60 hops per update, which was most of
an update's cost. Only what may wait goes to a worker thread: BEGIN IMMEDIATE (another
process may hold the lock) and the durable COMMIT (the fsync). A statement blocks the
loop for its few microseconds; the other updates wait for their turn on the shared
transaction anyway. Everything else (jobs, reads outside updates) stays on aiosqlite.

On PostgreSQL units of work keep a connection each: the server commits them in parallel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, NestedTransaction
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import WRITE_OPTION, sqlite_inline_engine
from storage.fast_sqlite import FastSqlite
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


class GroupRolledBack(Exception):
    """The shared transaction was rolled back: nothing of this update committed; retry."""


class _InlineTransaction:
    def __init__(self, sync: NestedTransaction) -> None:
        self.sync = sync

    @property
    def is_active(self) -> bool:
        return self.sync.is_active

    async def commit(self) -> None:
        self.sync.commit()

    async def rollback(self) -> None:
        self.sync.rollback()


class _RawSavepoint:
    """A SAVEPOINT sent straight to sqlite3 (when the fast path is on): SQLAlchemy's
    NestedTransaction bookkeeping cost 3–4× the statements themselves, and an update
    makes two or three of them. SQLAlchemy's own transaction (the shared BEGIN) does not
    need to know: COMMIT and ROLLBACK end savepoints with it."""

    def __init__(self, conn: _Inline, name: str) -> None:
        self.conn, self.name = conn, name
        self.is_active = True
        conn.driver(f"SAVEPOINT {name}")

    async def commit(self) -> None:
        if self.is_active:
            self.is_active = False
            self.conn.driver(f"RELEASE SAVEPOINT {self.name}")

    async def rollback(self) -> None:
        if self.is_active:
            self.is_active = False
            self.conn.driver(f"ROLLBACK TO SAVEPOINT {self.name}")
            self.conn.driver(f"RELEASE SAVEPOINT {self.name}")


class _Inline:
    """The part of AsyncConnection the repositories use, over a sync connection, run
    where it is awaited (no thread hop)."""

    def __init__(self, sync: Connection, fast: FastSqlite | None = None) -> None:
        self.sync = sync
        # The prebuilt statements straight on the sqlite3 cursor (storage/fast_sqlite.py),
        # unless something listens to statements on this engine (then SQLAlchemy runs all).
        dispatch = sync.dispatch
        listened = dispatch.before_execute or dispatch.before_cursor_execute
        self._fast = None if listened else fast
        self._cursor = None
        self._savepoints = 0

    @property
    def dialect(self):
        return self.sync.dialect

    async def execute(self, statement, parameters=None, *, execution_options=None):
        fast = self._fast
        if fast is not None and not execution_options:
            plan = fast.plan(statement, parameters)
            if plan is not None and self.sync.in_transaction():
                return fast.run(self._raw_cursor(), plan, parameters)
        return self.sync.execute(statement, parameters, execution_options=execution_options)

    async def exec_driver_sql(self, statement, parameters=None, execution_options=None):
        return self.sync.exec_driver_sql(statement, parameters, execution_options)

    async def scalar(self, statement, parameters=None, *, execution_options=None):
        return self.sync.scalar(statement, parameters, execution_options=execution_options)

    async def scalars(self, statement, parameters=None, *, execution_options=None):
        return self.sync.scalars(statement, parameters, execution_options=execution_options)

    async def stream(self, statement, parameters=None, *, execution_options=None):
        # A repository that streams (the claims statement) inside a grouped update: the
        # rows are read where they are awaited, a partition at a time.
        return _InlineStream(
            self.sync.execute(statement, parameters, execution_options=execution_options)
        )

    async def begin_nested(self) -> _InlineTransaction | _RawSavepoint:
        if self._fast is not None and self.sync.in_transaction():
            self._savepoints += 1
            return _RawSavepoint(self, f"cz_{self._savepoints}")
        return _InlineTransaction(self.sync.begin_nested())

    def driver(self, sql: str) -> None:
        """Driver SQL on this connection's cursor (SAVEPOINT and friends)."""
        assert self._fast is not None
        self._fast.driver(self._raw_cursor(), sql)

    def _raw_cursor(self):
        if self._cursor is None:
            self._cursor = self.sync.connection.dbapi_connection.cursor()
        return self._cursor

    def in_transaction(self) -> bool:
        return self.sync.in_transaction()

    async def get_raw_connection(self):
        return self.sync.connection


class _InlineStream:
    """The part of AsyncResult that streaming repositories use, over a sync result."""

    def __init__(self, result) -> None:
        self.result = result

    async def partitions(self, size: int | None = None):
        for partition in self.result.partitions(size):
            yield partition

    def __aiter__(self):
        return self._rows()

    async def _rows(self):
        for row in self.result:
            yield row


class _Savepoints:
    """What SqlUnitOfWork opens its transaction through, made to mean a SAVEPOINT on the
    group's connection: `connect()` hands out the shared connection, `begin()` is
    SAVEPOINT, `commit()` RELEASE, `rollback()` ROLLBACK TO, `close()` nothing (the
    group owns the connection). Everything else is the connection itself."""

    def __init__(self, conn: _Inline) -> None:
        self._conn = conn
        self._nested: _InlineTransaction | _RawSavepoint | None = None

    async def connect(self) -> _Savepoints:  # the "engine" side
        return self

    async def execution_options(self, **_options: Any) -> _Savepoints:
        return self  # the shared transaction is a write transaction already

    async def begin(self) -> _InlineTransaction | _RawSavepoint:
        self._nested = await self._conn.begin_nested()
        return self._nested

    def in_transaction(self) -> bool:
        return self._nested is not None and self._nested.is_active

    async def commit(self) -> None:
        assert self._nested is not None
        await self._nested.commit()

    async def rollback(self) -> None:
        if self._nested is None or not self._nested.is_active:
            return
        if not await _driver_in_transaction(self._conn):
            # SQLite already ended the whole transaction (an I/O error, a full disk): no
            # savepoint is left to roll back to; the group fails everyone in it.
            return
        await self._nested.rollback()

    async def close(self) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class CommitGroup:
    def __init__(self, engine: AsyncEngine, *, most: int = 64) -> None:
        self.engine = engine
        self.inline = sqlite_inline_engine(engine)
        self.fast = FastSqlite(self.inline.dialect)
        self.most = most
        self._lock = asyncio.Lock()
        self._waiting = 0  # updates waiting for their turn on the shared transaction
        self._conn: _Inline | None = None
        self._members: list[asyncio.Future[None]] = []
        self.commits = 0  # durable COMMITs made (the benchmark prints updates per commit)
        self.committed_units = 0
        self._tasks: set[asyncio.Task[None]] = set()  # commits under way (kept referenced)

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[SqlUnitOfWork]:
        """A write unit of work inside the shared transaction; on a normal exit its work
        (if it committed its unit) is durable."""
        self._waiting += 1
        try:
            await self._lock.acquire()
        except BaseException:
            # Cancelled while waiting (a webhook past its deadline): whoever handed the
            # transaction on expecting this update must not be left uncommitted.
            self._spawn(self._commit_when_free())
            raise
        finally:
            self._waiting -= 1
        handed_over = False
        try:
            conn = await self._open()
            uow = SqlUnitOfWork(_Savepoints(conn), write=True)  # type: ignore[arg-type]
            try:
                async with uow:
                    yield uow
            except BaseException:
                if not await self._intact():
                    await self._abort("a failing update ended the shared transaction")
                raise
            durable = asyncio.get_running_loop().create_future()
            self._members.append(durable)
            handed_over = True
            self._hand_over()
            await durable
        finally:
            if not handed_over:
                self._hand_over()

    def _hand_over(self) -> None:
        """With the lock held, after an update's turn: let the next waiting update join the
        open transaction, or commit it. The commit runs as its own task and releases the
        lock when done, so a cancelled caller cannot leave the others waiting or the
        transaction half-committed."""
        if self._conn is not None and (not self._waiting or len(self._members) >= self.most):
            self._spawn(self._commit_and_release())
        else:
            self._lock.release()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _commit_when_free(self) -> None:
        await self._lock.acquire()
        if self._conn is not None:
            await self._commit_and_release()
        else:
            self._lock.release()

    async def _open(self) -> _Inline:
        if self._conn is None:
            sync = self.inline.connect().execution_options(**{WRITE_OPTION: True})
            try:
                begun_here = _begin_at_once(sync)
            except BaseException:
                sync.close()  # an error other than a held lock: give the connection back
                raise
            if begun_here:
                self._conn = _Inline(sync, self.fast)
                return self._conn
            # BEGIN IMMEDIATE (storage/engine.py) waits in a worker thread while another
            # process holds the write lock (SQLite's busy timeout).
            begun = asyncio.ensure_future(asyncio.to_thread(sync.begin))
            try:
                await asyncio.shield(begun)
            except BaseException:
                begun.add_done_callback(lambda _done: sync.close())  # once the thread is done
                raise
            self._conn = _Inline(sync, self.fast)
        return self._conn

    async def _intact(self) -> bool:
        """After an update's savepoint rolled back: is the shared transaction still open?
        (SQLite ends the whole transaction itself on some errors: I/O, full disk.)"""
        conn = self._conn
        return conn is not None and conn.in_transaction() and await _driver_in_transaction(conn)

    async def _commit_and_release(self) -> None:
        members, self._members = self._members, []
        conn, self._conn = self._conn, None
        try:
            assert conn is not None
            try:
                await asyncio.to_thread(conn.sync.commit)  # the fsync, off the loop
            except BaseException as error:
                log.warning("group commit of %d updates failed: %s", len(members), error)
                _fail(members, error)
                await _discard(conn)
                return
            self.commits += 1
            self.committed_units += len(members)
            for member in members:
                if not member.done():
                    member.set_result(None)
            conn.sync.close()
        finally:
            self._lock.release()

    async def _abort(self, why: str) -> None:
        members, self._members = self._members, []
        conn, self._conn = self._conn, None
        log.warning("%s: %d updates in it are retried", why, len(members))
        _fail(members, None)
        if conn is not None:
            await _discard(conn)


def _begin_at_once(sync: Connection) -> bool:
    """BEGIN IMMEDIATE here on the loop's thread if the write lock is free right now
    (busy timeout 0 for this one statement): the usual case, and it saves the worker
    thread's round trip (benchmarks/ledger_intake, one keeper after another).
    False if the lock is held: the caller waits for it in a worker thread as before."""
    raw = sync.connection.driver_connection
    (timeout,) = raw.execute("PRAGMA busy_timeout").fetchone()
    raw.execute("PRAGMA busy_timeout=0")
    try:
        sync.begin()
        return True
    except OperationalError as error:
        if not _is_locked(error):
            raise
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(timeout)}")


def _is_locked(error: OperationalError) -> bool:
    text = str(error.orig if error.orig is not None else error).lower()
    return "locked" in text or "busy" in text


async def _driver_in_transaction(conn: _Inline) -> bool:
    """Whether SQLite itself still has the transaction open (SQLAlchemy may not know)."""
    try:
        raw = await conn.get_raw_connection()
        return bool(raw.driver_connection.in_transaction)
    except Exception:
        return False


def _fail(members: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for member in members:
        if not member.done():
            failure = GroupRolledBack("the shared transaction was rolled back")
            failure.__cause__ = error
            member.set_exception(failure)


async def _discard(conn: _Inline) -> None:
    try:
        if conn.in_transaction():
            await asyncio.to_thread(conn.sync.rollback)
    except Exception as error:
        log.warning("rolling back the shared transaction failed: %s", error)
    finally:
        try:
            conn.sync.close()
        except Exception as error:
            log.warning("closing the shared connection failed: %s", error)


def commit_group_for(engine: AsyncEngine) -> CommitGroup | None:
    """A commit group on SQLite; None on PostgreSQL (a connection per unit of work) and
    for an in-memory SQLite database (a second connection would see another database)."""
    database = engine.url.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in database
    return CommitGroup(engine) if engine.dialect.name == "sqlite" and not in_memory else None
