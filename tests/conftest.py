"""Shared fixtures. Storage fixtures run every test on SQLite and on PostgreSQL, and on the
in-memory unit of work when the test needs nothing but the unit of work.

A test asking for `uow_factory` runs on three backends: sqlite, postgresql, memory
(`storage.memory`). A test that asks for `engine` (raw SQL, PRAGMAs, dialect rules), or is
marked `@pytest.mark.sql`, runs on the two SQL engines only. So the storage contract tests
hold the fake to exactly what the databases do.

PostgreSQL comes from CUNZHAN_TEST_POSTGRES_URL (default: the local server on
127.0.0.1:5432, database `test`). Each test gets a fresh schema there. When the server is
unreachable the PostgreSQL cases are skipped, unless CUNZHAN_REQUIRE_POSTGRES=1 (CI sets
it), in which case they fail: CI must prove both engines.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.memory import MemoryUnitOfWorkFactory
from storage.migrate import upgrade
from storage.scratch import reachable, scratch_schema
from storage.uow import SqlUnitOfWorkFactory

PG_URL = os.environ.get(
    "CUNZHAN_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRE_PG = os.environ.get("CUNZHAN_REQUIRE_POSTGRES") == "1"
_pg_ok: bool | None = None


async def _postgres_reachable() -> bool:
    global _pg_ok
    if _pg_ok is None:
        _pg_ok = await reachable(PG_URL)
    return _pg_ok


SQL_BACKENDS = ("sqlite", "postgresql")
MEMORY = "memory"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise `backend` once per test: memory joins unless the test needs SQL."""
    if "backend" not in metafunc.fixturenames:
        return
    backends = list(SQL_BACKENDS)
    needs_sql = "engine" in metafunc.fixturenames or metafunc.definition.get_closest_marker("sql")
    if not needs_sql:
        backends.append(MEMORY)
    metafunc.parametrize("backend", backends)


@pytest.fixture
async def engine(backend, tmp_path) -> AsyncIterator[AsyncEngine]:
    """A freshly migrated, empty database on each engine."""
    assert backend != MEMORY, "a test that uses the engine never runs on memory"
    if backend == "sqlite":
        eng = create_engine(f"sqlite+aiosqlite:///{tmp_path}/test.db")
        await upgrade(eng)
        yield eng
        await eng.dispose()
        return
    if not await _postgres_reachable():
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL required but unreachable at {PG_URL}")
        pytest.skip("PostgreSQL unreachable")
    async with scratch_schema(PG_URL, "t") as eng:
        yield eng


@pytest.fixture
def uow_factory(backend, request) -> SqlUnitOfWorkFactory | MemoryUnitOfWorkFactory:
    """A unit-of-work factory over an empty database on each backend."""
    if backend == MEMORY:
        return MemoryUnitOfWorkFactory()
    # Looked up only for SQL backends, so that memory cases never open a database.
    return SqlUnitOfWorkFactory(request.getfixturevalue("engine"))


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 11, 24, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
