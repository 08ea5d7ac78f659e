"""Long polling that never loses an update.

Telegram forgets an update once the bot asks for a later offset. aiogram's own polling
asks for it with the next getUpdates while the update is still only a task in memory, so a
killed process loses every update it had fetched. Here the order is:

1. fetch a batch with getUpdates(offset);
2. store the batch in the durable inbox, in one transaction;
3. only then ask for offset = last + 1 (the next getUpdates confirms the batch);

and the processor (inbox.py) hands stored updates to the pipeline, in order per chat, a
bounded number at a time. Fetching pauses while the backlog is above `high_water`, so a
burst waits at Telegram, not in memory. A failing Bot API or database is retried with
backoff, logged, forever: nothing is confirmed until it is stored.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TypeVar

from aiogram import Bot
from aiogram.methods import GetUpdates
from aiogram.types import Update

from bot.domain.clock import Clock
from handlers.telegram.pipeline.inbox import Backoff, InboxProcessor, Item, chat_key
from storage.repositories.inbox import InboxRow, SqlInbox

log = logging.getLogger(__name__)

T = TypeVar("T")


async def retrying(
    what: str,
    call: Callable[[], Awaitable[T]],
    stop: asyncio.Event,
    *,
    most: float = 30.0,
) -> T | None:
    """`call()` until it succeeds, with backoff and a log line per failure; None if `stop`
    is set first. For start-up and any call that must not give up (an outage of the Bot
    API or the database is waited out, never a reason to exit)."""
    backoff = Backoff(first=0.5, most=most)
    failed = 0
    while not stop.is_set():
        try:
            result = await call()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            failed += 1
            delay = backoff.next()
            log.warning(
                "%s failed (%s: %s); try %s again in %.1fs",
                what,
                type(error).__name__,
                error,
                failed,
                delay,
            )
            with suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await stop.wait()
            continue
        if failed:
            log.info("%s succeeded after %s failures", what, failed)
        return result
    return None


class InboxPoller:
    def __init__(
        self,
        bot: Bot,
        inbox: SqlInbox,
        processor: InboxProcessor,
        clock: Clock,
        *,
        polling_timeout: int = 10,
        allowed_updates: list[str] | None = None,
        high_water: int = 1000,
        batch: int = 100,
    ) -> None:
        self.bot = bot
        self.inbox = inbox
        self.processor = processor
        self.clock = clock
        self.polling_timeout = polling_timeout
        self.allowed_updates = allowed_updates
        self.high_water = high_water
        self.batch = batch
        self.offset: int | None = None

    async def recover(self, stop: asyncio.Event) -> int:
        """Submit what a previous process stored but did not finish, oldest first."""
        rows = await retrying(
            "reading the update inbox", lambda: self.inbox.pending(self.bot.id), stop
        )
        for row in rows or []:
            update = Update.model_validate_json(row.payload, context={"bot": self.bot})
            self.processor.submit(Item(row.update_id, row.chat_key, update))
        if rows:
            log.info("%s stored updates from before the restart to handle", len(rows))
        return len(rows or [])

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await _until(self.processor.wait_below(self.high_water), stop)
            if stop.is_set():
                break
            updates = await _until(retrying("getUpdates", self._fetch, stop, most=10.0), stop)
            if not updates:
                continue
            rows = [
                InboxRow(
                    u.update_id,
                    chat_key(u),
                    u.model_dump_json(exclude_unset=True, by_alias=True),
                )
                for u in updates
            ]
            # Not cut short by `stop`: a batch fetched is stored before we stop (it is not
            # confirmed either way, so stopping here would also be safe, only slower).
            stored = await retrying(
                "storing updates in the inbox",
                functools.partial(self._store, rows),
                asyncio.Event(),
            )
            assert stored is not None
            for update, row in zip(updates, rows, strict=True):
                if row.update_id in stored:
                    self.processor.submit(Item(row.update_id, row.chat_key, update))
            self.offset = updates[-1].update_id + 1
        await self._confirm()

    async def _fetch(self) -> list[Update]:
        method = GetUpdates(
            offset=self.offset,
            timeout=self.polling_timeout,
            limit=self.batch,
            allowed_updates=self.allowed_updates,
        )
        return await self.bot(method, request_timeout=self.polling_timeout + 15)

    async def _store(self, rows: list[InboxRow]) -> set[int]:
        # Which ids were new decides what is submitted: an id stored by a process that
        # died before confirming it was submitted at recovery already, or is done.
        return await self.inbox.add(self.bot.id, rows, self.clock.now())

    async def _confirm(self) -> None:
        """Tell Telegram the stored updates arrived, so a restart does not fetch them
        again (harmless if it did: the inbox ignores known ids)."""
        if self.offset is None:
            return
        with suppress(Exception):
            await self.bot(GetUpdates(offset=self.offset, timeout=0, limit=1), request_timeout=5)


async def _until(awaitable: Awaitable[T], stop: asyncio.Event) -> T | None:
    """The awaitable's result, or None once `stop` is set (the awaitable is cancelled)."""
    task = asyncio.ensure_future(awaitable)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task in done:
        return task.result()
    task.cancel()
    with suppress(asyncio.CancelledError, Exception):
        await task
    return None


__all__ = ["InboxPoller", "retrying"]
