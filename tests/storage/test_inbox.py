"""The durable inbox of polled updates, and the processor that drains it: per-chat order,
bounded concurrency, retries, and what a restart finds."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from aiogram.types import Update

from handlers.telegram.pipeline import Retryable
from handlers.telegram.pipeline.inbox import InboxProcessor, Item, chat_key
from storage.group_commit import commit_group_for
from storage.repositories.inbox import InboxRow, SqlInbox

BOT = 42


def update(update_id: int, chat: int, text: str = "hi") -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1_700_000_000,
                "chat": {"id": chat, "type": "private", "first_name": "李"},
                "from": {"id": chat, "is_bot": False, "first_name": "李"},
                "text": text,
            },
        }
    )


def row(u: Update) -> InboxRow:
    return InboxRow(u.update_id, chat_key(u), u.model_dump_json(exclude_unset=True, by_alias=True))


@pytest.mark.parametrize("grouped", [False, True], ids=["own transactions", "group commit"])
async def test_rows_are_stored_once_and_pending_until_done(engine, clock, grouped):
    # With group commit (SQLite; PostgreSQL has none) the writes ride the pipeline's
    # shared transaction, and are durable when add/mark_done return.
    inbox = SqlInbox(engine, group=commit_group_for(engine) if grouped else None)
    rows = [row(update(i, chat=7)) for i in (1, 2, 3)]
    assert await inbox.add(BOT, rows, clock.now()) == {1, 2, 3}
    # Fetched again (the process died before confirming): nothing new.
    assert await inbox.add(BOT, [*rows[1:], row(update(4, chat=8))], clock.now()) == {4}
    pending = await inbox.pending(BOT)
    assert [r.update_id for r in pending] == [1, 2, 3, 4]
    assert pending[3].chat_key == 8
    assert json.loads(pending[0].payload)["message"]["from"]["id"] == 7
    await inbox.mark_done(BOT, [1, 3], clock.now())
    assert [r.update_id for r in await inbox.pending(BOT)] == [2, 4]
    assert await inbox.counts(BOT) == (2, 2)
    assert await inbox.pending(BOT + 1) == []
    clock.advance(days=8)
    assert await inbox.prune(clock.now() - timedelta(days=7)) == 2  # done rows only
    assert await inbox.counts(BOT) == (2, 0)


async def test_the_processor_keeps_each_chats_order_and_bounds_concurrency(engine, clock):
    inbox = SqlInbox(engine)
    applied: dict[int, list[int]] = {}
    running: set[int] = set()
    peak = 0
    busy_once = {5}

    async def handle(u: Update) -> None:
        nonlocal peak
        chat = u.message.chat.id
        assert chat not in running, "two updates of one chat at once"
        running.add(chat)
        peak = max(peak, len(running))
        try:
            await asyncio.sleep(0.001 * (u.update_id % 3))
            if u.update_id in busy_once:
                busy_once.discard(u.update_id)
                raise Retryable("database is locked")
            applied.setdefault(chat, []).append(u.update_id)
        finally:
            running.discard(chat)

    updates = [update(i, chat=100 + i % 7) for i in range(1, 141)]
    await inbox.add(BOT, [row(u) for u in updates], clock.now())
    processor = InboxProcessor(handle, inbox, BOT, clock, workers=4, flush_every=0.01)
    processor.start()
    for u in updates:
        processor.submit(Item(u.update_id, chat_key(u), u))
    processor.submit(Item(1, 101, updates[0]))  # the same id again: ignored
    await asyncio.wait_for(processor.wait_idle(), 30)
    await processor.stop()
    assert peak <= 4
    for chat, ids in applied.items():
        assert ids == sorted(ids), chat
    assert sorted(i for ids in applied.values() for i in ids) == list(range(1, 141))
    assert await inbox.counts(BOT) == (0, 140)


async def test_a_stopped_processor_leaves_the_rest_pending(engine, clock):
    """SIGTERM drains what is in flight; queued updates wait in the inbox for the next
    start, where `pending` hands them out again."""
    inbox = SqlInbox(engine)
    gate = asyncio.Event()
    seen: list[int] = []

    async def handle(u: Update) -> None:
        seen.append(u.update_id)
        await gate.wait()

    updates = [update(i, chat=9) for i in range(1, 6)]
    await inbox.add(BOT, [row(u) for u in updates], clock.now())
    processor = InboxProcessor(handle, inbox, BOT, clock, workers=2)
    processor.start()
    for u in updates:
        processor.submit(Item(u.update_id, chat_key(u), u))
    await asyncio.sleep(0.05)
    stopping = asyncio.create_task(processor.stop())
    await asyncio.sleep(0.05)
    gate.set()  # the update in flight finishes
    await stopping
    assert seen == [1]
    assert [r.update_id for r in await inbox.pending(BOT)] == [2, 3, 4, 5]
