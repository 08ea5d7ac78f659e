"""Which Telegram updates have been handled (redelivery protection)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import write_transaction
from storage.repositories.base import Repo
from storage.schema import processed_updates as pu


class SqlUpdateLedger:
    """Claims Telegram update ids so that a redelivered update is handled once.

    claim → handle → finish. A claim whose handler died (no `finished_at`) may be taken
    again once it is older than `stale_before`, so a crash mid-handler is retried rather
    than lost; the handlers' writes are idempotent by natural keys, so the retry is safe.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def claim(
        self, bot_id: int, update_id: int, now: datetime, stale_before: datetime
    ) -> bool:
        async with write_transaction(self.engine) as conn:
            inserted = await conn.execute(
                Repo(conn)
                .insert(pu)
                .values(bot_id=bot_id, update_id=update_id, claimed_at=now)
                .on_conflict_do_nothing()
            )
            if inserted.rowcount == 1:
                return True
            retaken = await conn.execute(
                update(pu)
                .where(
                    pu.c.bot_id == bot_id,
                    pu.c.update_id == update_id,
                    pu.c.finished_at.is_(None),
                    pu.c.claimed_at < stale_before,
                )
                .values(claimed_at=now)
            )
            return retaken.rowcount == 1

    async def finish(self, bot_id: int, update_id: int, now: datetime) -> None:
        async with write_transaction(self.engine) as conn:
            await conn.execute(
                update(pu)
                .where(pu.c.bot_id == bot_id, pu.c.update_id == update_id)
                .values(finished_at=now)
            )

    async def release(self, bot_id: int, update_id: int) -> None:
        """Forget an unfinished claim whose handler failed, so a redelivery runs it again."""
        async with write_transaction(self.engine) as conn:
            await conn.execute(
                delete(pu).where(
                    pu.c.bot_id == bot_id, pu.c.update_id == update_id, pu.c.finished_at.is_(None)
                )
            )

    async def prune(self, before: datetime) -> int:
        async with write_transaction(self.engine) as conn:
            result = await conn.execute(delete(pu).where(pu.c.claimed_at < before))
        return result.rowcount
