"""Engine construction with the connection rules the platform demands.

SQLite: WAL, foreign keys, a busy timeout and synchronous=FULL on every connection; the
driver's own transaction handling is switched off so that we emit BEGIN ourselves, and
write transactions say BEGIN IMMEDIATE (a deferred transaction that reads and then writes
can fail with SQLITE_BUSY_SNAPSHOT, which no busy timeout cures).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

WRITE_OPTION = "cunzhan_write"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# PostgreSQL commits units of work in parallel, one connection each, so the pool is sized
# for the updates handled at once: a webhook's concurrent requests (at most
# WEBHOOK_MAX_CONNECTIONS, what the bot asks Telegram for) or the inbox's 8 workers, plus
# the outbox worker, the scheduler and reads beside them. SQLAlchemy's default (5 + 10
# overflow) made the 9th concurrent update wait for a connection.
WEBHOOK_MAX_CONNECTIONS = 40
POSTGRES_POOL_SIZE = WEBHOOK_MAX_CONNECTIONS + 10


def safe_url(url: str) -> str:
    """The URL with any password masked, for log lines."""
    return make_url(url).render_as_string(hide_password=True)


def create_engine(url: str, *, echo: bool = False, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, **kwargs)
        _install_sqlite_rules(engine)
        return engine
    kwargs.setdefault("pool_size", POSTGRES_POOL_SIZE)
    return create_async_engine(url, echo=echo, pool_pre_ping=True, **kwargs)


def sqlite_inline_engine(engine: AsyncEngine) -> Engine:
    """The same SQLite file through the plain sqlite3 driver, with the same connection
    rules, for work run on the event loop's own thread (storage/group_commit.py): a
    statement is tens of microseconds there, where aiosqlite hands every one to its
    thread and back. May be used from a worker thread too (for BEGIN and COMMIT)."""
    url = engine.url.set(drivername="sqlite")
    sync_engine = sa_create_engine(
        url, connect_args={"check_same_thread": False}, pool_size=1, max_overflow=4
    )
    _install_sqlite_rules(sync_engine)
    _driver_savepoints(sync_engine)
    # Its connections go when the async engine's do (App.close, a changed busy timeout).
    event.listen(engine.sync_engine, "engine_disposed", lambda _engine: sync_engine.dispose())
    return sync_engine


def _driver_savepoints(engine: Engine) -> None:
    """SAVEPOINT, RELEASE and ROLLBACK TO as driver SQL. SQLAlchemy compiles these clauses
    afresh every time (they have no cache key): 90 µs for a savepoint and its release
    against 30 µs this way, and an intake update makes three (measured on this machine)."""
    dialect = engine.dialect
    quote = dialect.identifier_preparer.quote

    def do_savepoint(conn, name: str) -> None:
        conn.exec_driver_sql(f"SAVEPOINT {quote(name)}")

    def do_release_savepoint(conn, name: str) -> None:
        conn.exec_driver_sql(f"RELEASE SAVEPOINT {quote(name)}")

    def do_rollback_to_savepoint(conn, name: str) -> None:
        conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {quote(name)}")

    # On this engine's own dialect object only (one per engine), not on the class.
    dialect.do_savepoint = do_savepoint
    dialect.do_release_savepoint = do_release_savepoint
    dialect.do_rollback_to_savepoint = do_rollback_to_savepoint


def _install_sqlite_rules(engine: AsyncEngine | Engine) -> None:
    sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        # Let SQLAlchemy emit BEGIN (see module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised by every test
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A short write transaction outside any unit of work (BEGIN IMMEDIATE on SQLite)."""
    async with engine.connect() as raw:
        conn = await raw.execution_options(**{WRITE_OPTION: True})
        async with conn.begin():
            yield conn
