"""Group commit on SQLite (storage/group_commit.py): units of work handled together share
one durable COMMIT, each in its own SAVEPOINT; a failing one rolls back alone; nobody
leaves before the COMMIT covering their work; a lost shared transaction fails them all
as retryable. Checked from a second connection, as another process would see it."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.engine import WEBHOOK_MAX_CONNECTIONS, create_engine
from storage.group_commit import CommitGroup, GroupRolledBack, commit_group_for
from storage.migrate import upgrade


@pytest.fixture
async def db(tmp_path) -> tuple[Path, CommitGroup]:
    path = tmp_path / "group.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE marks (name TEXT PRIMARY KEY)")
    yield path, CommitGroup(engine)
    await engine.dispose()


def committed(path: Path) -> set[str]:
    """What another connection sees: only committed rows."""
    with sqlite3.connect(path) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM marks")}


async def unit(group: CommitGroup, path: Path, name: str, fail: bool = False) -> set[str]:
    async with group.unit() as uow:
        await uow.connection.execute(text("INSERT INTO marks VALUES (:n)"), {"n": name})
        await asyncio.sleep(0)  # let the others queue up for the shared transaction
        if fail:
            raise ValueError(name)
        await uow.commit()
    return await asyncio.to_thread(committed, path)  # the moment it is let go


async def test_units_handled_together_share_one_commit_and_fail_alone(db):
    path, group = db
    names = [f"u{n}" for n in range(8)]
    results = await asyncio.gather(
        *(unit(group, path, name, fail=name == "u3") for name in names), return_exceptions=True
    )
    assert isinstance(results[3], ValueError)
    for name, seen in zip(names, results, strict=True):
        if name != "u3":
            assert name in seen, f"{name} was let go before its commit was durable"
    assert committed(path) == set(names) - {"u3"}
    assert group.commits == 1 and group.committed_units == 7


async def test_a_lone_unit_commits_at_once(db):
    path, group = db
    assert "solo" in await unit(group, path, "solo")
    assert "next" in await unit(group, path, "next")
    assert group.commits == 2


async def test_a_lost_shared_transaction_fails_every_unit_in_it_as_retryable(db):
    path, group = db

    async def ends_the_transaction() -> None:
        async with group.unit() as uow:
            await asyncio.sleep(0)
            raw = await uow.connection.get_raw_connection()
            ended = raw.driver_connection.execute("ROLLBACK")  # as SQLite does on I/O errors
            if inspect.isawaitable(ended):
                await ended
            raise OSError("disk I/O error")

    results = await asyncio.gather(
        unit(group, path, "before"),
        ends_the_transaction(),
        unit(group, path, "after"),
        return_exceptions=True,
    )
    assert isinstance(results[0], GroupRolledBack)  # its work was in the lost transaction
    assert isinstance(results[1], OSError)
    assert "after" in results[2]  # a new transaction
    assert committed(path) == {"after"}


async def test_a_cancelled_waiter_does_not_strand_the_open_transaction(db):
    path, group = db
    first = asyncio.create_task(unit(group, path, "first"))
    waiter = asyncio.create_task(unit(group, path, "gone"))
    await asyncio.sleep(0)
    waiter.cancel()  # a webhook request past its deadline, still waiting for its turn
    assert "first" in await asyncio.wait_for(first, 5)
    assert committed(path) == {"first"}


async def test_postgresql_units_keep_a_connection_each_from_a_pool_sized_for_them():
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    try:
        assert commit_group_for(engine) is None
        assert engine.pool.size() >= WEBHOOK_MAX_CONNECTIONS + 8  # + the inbox's workers
    finally:
        await engine.dispose()


async def test_an_in_memory_sqlite_database_has_no_group():
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        assert commit_group_for(engine) is None  # a second connection is another database
    finally:
        await engine.dispose()


async def test_a_repository_can_stream_inside_a_grouped_unit(db):
    """Streaming repositories (the claims statement, sent from the chat) run inside an
    update's unit too: the inline connection streams a partition at a time."""
    _path, group = db
    async with group.unit() as uow:
        for n in range(7):
            await uow.connection.execute(text("INSERT INTO marks VALUES (:n)"), {"n": f"m{n}"})
        result = await uow.connection.stream(
            text("SELECT name FROM marks ORDER BY name").execution_options(yield_per=3)
        )
        partitions = [[row[0] for row in rows] async for rows in result.partitions()]
        await uow.commit()
    assert [name for rows in partitions for name in rows] == [f"m{n}" for n in range(7)]
