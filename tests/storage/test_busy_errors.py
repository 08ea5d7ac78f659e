"""What the update pipeline retries: a locked SQLite file and PostgreSQL's lock timeouts
are "busy"; a constraint violation or a typo in SQL is not."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from handlers.telegram.pipeline.busy import is_busy
from storage.engine import write_transaction


async def test_a_held_write_lock_is_busy_and_a_bug_is_not(engine):
    async with write_transaction(engine) as holder:
        await holder.execute(text("DELETE FROM processed_updates WHERE update_id = -1"))
        if engine.dialect.name == "postgresql":
            await holder.execute(text("LOCK TABLE processed_updates IN EXCLUSIVE MODE"))
        with pytest.raises(Exception) as caught:
            async with engine.connect() as other:
                if engine.dialect.name == "sqlite":
                    await other.exec_driver_sql("PRAGMA busy_timeout = 50")
                    await other.exec_driver_sql("BEGIN IMMEDIATE")
                else:
                    await other.begin()
                    await other.exec_driver_sql("SET LOCAL lock_timeout = '100ms'")
                    await other.exec_driver_sql(
                        "INSERT INTO processed_updates (bot_id, update_id, claimed_at)"
                        " VALUES (1, 1, now())"
                    )
        assert is_busy(caught.value), repr(caught.value)
    async with engine.connect() as conn:
        with pytest.raises(Exception) as typo:
            await conn.exec_driver_sql("SELEC 1")
        assert not is_busy(typo.value)
    assert not is_busy(IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")))
