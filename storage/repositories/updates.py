"""Which Telegram updates committed, the replies they answered with, and poison updates.

A `processed_updates` row is written inside the update's own transaction (see
handlers/telegram/pipeline/transaction.py), so it exists only if the update's work
committed: there is no lease and nothing to release. Its `replies` are sent after the
commit; `replies_sent_at` stays empty until they went out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.engine import write_transaction
from storage.repositories.base import Repo, per_dialect, prebuilt
from storage.schema import poison_updates as poison
from storage.schema import processed_updates as pu

# Three statements every update runs, built once (storage/repositories/base.py says why).
_CLAIM = per_dialect(lambda insert: insert(pu).on_conflict_do_nothing())
_STORE_REPLIES = prebuilt(
    update(pu)
    .where(pu.c.bot_id == bindparam("key_bot"), pu.c.update_id == bindparam("key_update"))
    .values(replies=bindparam("new_replies"))
)
# One row per parameter set, run as an executemany: the marks are usually one key (the
# previous update's), and a fixed statement takes the fast path where an expanding IN
# cannot (storage/fast_sqlite.py).
_MARK_SENT = prebuilt(
    update(pu)
    .where(
        pu.c.bot_id == bindparam("key_bot"),
        pu.c.update_id == bindparam("key_update"),
        pu.c.replies_sent_at.is_(None),
    )
    .values(replies_sent_at=bindparam("sent_at"))
)


@dataclass(frozen=True)
class Unsent:
    bot_id: int
    update_id: int
    replies: str


@dataclass(frozen=True)
class Poison:
    id: int
    bot_id: int
    update_id: int | None
    payload: str
    error: str
    created_at: datetime


class SqlUpdateRepo:
    """Statements on the caller's connection: the update's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def claim(self, bot_id: int, update_id: int, now: datetime) -> bool:
        """False if the update committed before (or a concurrent transaction holding it
        committed: PostgreSQL waits on the key, then sees it)."""
        inserted = await self.conn.execute(
            Repo(self.conn).prepared(_CLAIM),
            {"bot_id": bot_id, "update_id": update_id, "claimed_at": now, "finished_at": now},
        )
        return inserted.rowcount == 1

    async def store_replies(self, bot_id: int, update_id: int, replies: str) -> None:
        await self.conn.execute(
            _STORE_REPLIES, {"key_bot": bot_id, "key_update": update_id, "new_replies": replies}
        )

    async def replies(self, bot_id: int, update_id: int) -> str:
        query = select(pu.c.replies).where(pu.c.bot_id == bot_id, pu.c.update_id == update_id)
        return (await self.conn.execute(query)).scalar_one_or_none() or "[]"

    async def mark_sent(self, keys: list[tuple[int, int]], now: datetime) -> None:
        if keys:
            marks = [{"key_bot": bot, "key_update": upd, "sent_at": now} for bot, upd in keys]
            await self.conn.execute(_MARK_SENT, marks)

    async def unsent(self, bot_id: int, limit: int = 500) -> list[Unsent]:
        query = (
            select(pu.c.update_id, pu.c.replies)
            .where(pu.c.bot_id == bot_id, pu.c.replies_sent_at.is_(None))
            .order_by(pu.c.update_id)
            .limit(limit)
        )
        rows = (await self.conn.execute(query)).all()
        return [Unsent(bot_id, row.update_id, row.replies) for row in rows]

    async def record_poison(
        self, bot_id: int, update_id: int | None, payload: str, error: str, now: datetime
    ) -> None:
        await self.conn.execute(
            poison.insert().values(
                bot_id=bot_id, update_id=update_id, payload=payload, error=error, created_at=now
            )
        )

    async def poison(self, limit: int = 100) -> list[Poison]:
        query = select(poison).order_by(poison.c.id.desc()).limit(limit)
        return [Poison(**row._mapping) for row in (await self.conn.execute(query)).all()]


class SqlUpdateLedger:
    """Housekeeping outside any update: pruning old rows."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def prune(self, before: datetime) -> int:
        async with write_transaction(self.engine) as conn:
            result = await conn.execute(
                delete(pu).where(pu.c.claimed_at < before, pu.c.replies_sent_at.is_not(None))
            )
        return result.rowcount
