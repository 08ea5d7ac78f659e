"""The storage rules of the Foundation, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.engine import safe_url, write_transaction
from storage.migrate import current_revision, head_revision
from storage.schema import counties
from tests.support.network import seed_network


async def test_migrated_to_head(engine):
    assert await current_revision(engine) == head_revision()


async def test_sqlite_pragmas(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    async with engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}")  # noqa: E731
        assert (await pragma("journal_mode")).scalar() == "wal"
        assert (await pragma("foreign_keys")).scalar() == 1
        assert (await pragma("busy_timeout")).scalar() == 10_000
        assert (await pragma("synchronous")).scalar() == 2  # FULL


async def test_write_transaction_begins_immediate(engine):
    """A write transaction takes SQLite's write lock at BEGIN, so a second writer waits
    at BEGIN instead of failing later with SQLITE_BUSY_SNAPSHOT."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    seen: list[str] = []
    from sqlalchemy import event

    def capture(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with write_transaction(engine) as conn:
            await conn.execute(select(counties))
        async with engine.connect() as conn, conn.begin():
            await conn.execute(select(counties))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    assert "BEGIN IMMEDIATE" in seen
    assert "BEGIN" in seen


async def test_times_round_trip_as_utc(engine):
    await seed_network(engine)
    async with engine.connect() as conn:
        created = (await conn.execute(select(counties.c.created_at))).scalars().first()
    assert created == datetime(2026, 1, 1, tzinfo=UTC)
    assert created.tzinfo is not None and created.utcoffset().total_seconds() == 0


async def test_naive_datetime_is_refused(engine):
    with pytest.raises(Exception, match="naive"):
        async with engine.begin() as conn:
            await conn.execute(
                counties.insert().values(
                    code="X",
                    name="x",
                    timezone="Asia/Shanghai",
                    created_at=datetime(2026, 1, 1),
                    updated_at=datetime(2026, 1, 1),
                )
            )


async def test_foreign_keys_enforced(engine):
    from sqlalchemy.exc import IntegrityError

    from storage.schema import townships

    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            now = datetime.now(UTC)
            await conn.execute(
                townships.insert().values(
                    county_id=999, code="T", name="t", created_at=now, updated_at=now
                )
            )


def test_safe_url_hides_password():
    assert "secret" not in safe_url("postgresql+asyncpg://u:secret@h/db")
