"""The durable inbox of Telegram updates fetched by polling.

Polling confirms an update to Telegram (asks for a later offset) only after the update is
a row here, so a process killed at any moment loses nothing: rows not yet marked done are
handed to the pipeline again at the next start. Marking done is a convenience (the
pipeline's own claim makes a second handling a repeat, not a second write), which is why
it may lag behind and be batched.

The table is defined here, beside its only repository, on the shared metadata (migration
0007 creates it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Table, Text, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import write_transaction
from storage.group_commit import CommitGroup
from storage.repositories.base import Repo
from storage.schema import metadata
from storage.types import UTCDateTime

update_inbox = Table(
    "update_inbox",
    metadata,
    Column("bot_id", BigInteger, primary_key=True),
    Column("update_id", BigInteger, primary_key=True),
    # Who the update is from (the chat, else the user): the processor keeps each one's
    # updates in update_id order. 0 for kinds that have neither.
    Column("chat_key", BigInteger, nullable=False),
    Column("payload", Text, nullable=False),  # the update's JSON as Telegram sent it
    Column("received_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime, nullable=True),
    Index("ix_update_inbox_pending", "bot_id", "done_at", "update_id"),
)


@dataclass(frozen=True)
class InboxRow:
    update_id: int
    chat_key: int
    payload: str


class SqlInbox:
    def __init__(self, engine: AsyncEngine, *, group: CommitGroup | None = None) -> None:
        self.engine = engine
        # SQLite: the inbox's writes take their turn in the update pipeline's shared
        # transaction (storage/group_commit.py) instead of competing with it for the
        # write lock, whose busy handler sleeps in steps of up to 100 ms.
        self.group = group

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[Any]:
        """A write transaction, durable when the block is left."""
        if self.group is None:
            async with write_transaction(self.engine) as conn:
                yield conn
            return
        async with self.group.unit() as uow:
            yield uow.connection
            await uow.commit()

    async def add(self, bot_id: int, rows: Sequence[InboxRow], now: datetime) -> set[int]:
        """Store fetched updates in one durable transaction; returns the ids that were new.
        An update fetched again (the process died before confirming it) is already here
        and is left as it is."""
        if not rows:
            return set()
        async with self._writing() as conn:
            result = await conn.execute(
                Repo(conn)
                .insert(update_inbox)
                .on_conflict_do_nothing()
                .returning(update_inbox.c.update_id),
                [
                    {
                        "bot_id": bot_id,
                        "update_id": row.update_id,
                        "chat_key": row.chat_key,
                        "payload": row.payload,
                        "received_at": now,
                    }
                    for row in rows
                ],
            )
            return set(result.scalars())

    async def pending(self, bot_id: int, limit: int = 10_000) -> list[InboxRow]:
        """Rows not yet done, oldest first."""
        t = update_inbox
        async with self.engine.connect() as conn:
            result = await conn.execute(
                select(t.c.update_id, t.c.chat_key, t.c.payload)
                .where(t.c.bot_id == bot_id, t.c.done_at.is_(None))
                .order_by(t.c.update_id)
                .limit(limit)
            )
            return [InboxRow(*row) for row in result]

    async def mark_done(self, bot_id: int, update_ids: Iterable[int], now: datetime) -> None:
        ids = sorted(set(update_ids))
        if not ids:
            return
        t = update_inbox
        async with self._writing() as conn:
            for start in range(0, len(ids), 500):  # stay under bound-parameter limits
                await conn.execute(
                    update(t)
                    .where(t.c.bot_id == bot_id, t.c.update_id.in_(ids[start : start + 500]))
                    .values(done_at=now)
                )

    async def counts(self, bot_id: int) -> tuple[int, int]:
        """(pending, done) rows, for tests and operators."""
        t = update_inbox
        async with self.engine.connect() as conn:
            result = await conn.execute(
                select(t.c.done_at.is_(None), func.count())
                .where(t.c.bot_id == bot_id)
                .group_by(t.c.done_at.is_(None))
            )
            by_state = {bool(pending): n for pending, n in result}
        return by_state.get(True, 0), by_state.get(False, 0)

    async def prune(self, before: datetime) -> int:
        """Forget done rows older than `before` (pending ones are never pruned)."""
        t = update_inbox
        async with write_transaction(self.engine) as conn:
            result = await conn.execute(
                delete(t).where(t.c.done_at.is_not(None), t.c.done_at < before)
            )
        return result.rowcount
