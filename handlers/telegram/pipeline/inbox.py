"""The inbox processor: stored updates handed to the pipeline, in order per chat, a bounded
number at a time.

Every update the poller stored (and, at start, every row a previous process left pending)
is submitted here. Updates are grouped by chat: a chat's updates go to the pipeline one
after another in update_id order, never two at once, while different chats proceed in
parallel on a fixed number of workers. So a keeper's five parcels get their pickup codes
in the order sent, and a busy chat cannot hold up the others.

An update whose transaction committed (`handle` returned) is marked done in the inbox,
in batches: a crash before the mark only means it is handed in again, and the pipeline
answers a committed update again instead of applying it twice. `Retryable` is retried
with backoff, in place, so the chat's later updates wait behind it (order holds).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass

from aiogram.types import Update

from bot.domain.clock import Clock
from handlers.telegram.pipeline import Retryable
from storage.repositories.inbox import SqlInbox

log = logging.getLogger(__name__)

Handle = Callable[[Update], Awaitable[object]]

# An update that raised something other than Retryable this many times in a row is given
# up (logged as an error with its id); the pipeline itself keeps such updates as poison.
MAX_UNEXPECTED_FAILURES = 5


@dataclass
class Item:
    update_id: int
    chat_key: int
    update: Update


def chat_key(update: Update) -> int:
    """Whose updates must stay in order: the chat's, else the sender's; 0 for the rest."""
    event = update.event if update.event_type else None
    chat = getattr(event, "chat", None)
    if chat is None:
        message = getattr(event, "message", None)  # a callback query's message
        chat = getattr(message, "chat", None)
    if chat is not None:
        return int(chat.id)
    user = getattr(event, "from_user", None) or getattr(event, "user", None)
    return int(user.id) if user is not None else 0


class Backoff:
    """Exponential delays with jitter, reset after a success."""

    def __init__(self, first: float = 0.2, most: float = 10.0) -> None:
        self.first, self.most = first, most
        self.delay = first

    def next(self) -> float:
        delay = self.delay
        self.delay = min(self.delay * 2, self.most)
        return delay * random.uniform(0.8, 1.2)

    def reset(self) -> None:
        self.delay = self.first


class InboxProcessor:
    def __init__(
        self,
        handle: Handle,
        inbox: SqlInbox,
        bot_id: int,
        clock: Clock,
        *,
        workers: int = 8,
        flush_every: float = 0.05,
        on_handled: Callable[[int], None] | None = None,
    ) -> None:
        self.handle = handle
        self.inbox = inbox
        self.bot_id = bot_id
        self.clock = clock
        self.workers = workers
        self.flush_every = flush_every
        self.on_handled = on_handled
        self._chats: dict[int, deque[Item]] = {}
        self._ready: asyncio.Queue[int] = asyncio.Queue()
        self._scheduled: set[int] = set()  # chats in the ready queue or being worked on
        self._known: set[int] = set()  # update ids submitted by this process
        self._outstanding = 0  # submitted, not yet handled
        self._done: list[int] = []
        self._changed = asyncio.Condition()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self.handled = 0

    # -- intake ---------------------------------------------------------------------------

    def submit(self, item: Item) -> None:
        """Queue a stored update (its row exists). An id seen before is ignored."""
        if item.update_id in self._known:
            return
        self._known.add(item.update_id)
        self._outstanding += 1
        self._chats.setdefault(item.chat_key, deque()).append(item)
        if item.chat_key not in self._scheduled:
            self._scheduled.add(item.chat_key)
            self._ready.put_nowait(item.chat_key)

    @property
    def outstanding(self) -> int:
        return self._outstanding

    async def wait_below(self, limit: int) -> None:
        """Backpressure: until fewer than `limit` updates wait or run."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._outstanding < limit or self._stopping)

    async def wait_idle(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self._outstanding == 0 and not self._done)

    # -- running --------------------------------------------------------------------------

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._work(), name=f"inbox-worker-{n}") for n in range(self.workers)
        ]
        self._tasks.append(asyncio.create_task(self._flush_loop(), name="inbox-flush"))

    async def stop(self, grace: float = 10.0) -> None:
        """Drain: the updates being handled finish (up to `grace` seconds), their done
        marks are written; queued ones stay pending in the inbox for the next start."""
        self._stopping = True
        async with self._changed:
            self._changed.notify_all()
        for _ in range(self.workers):
            self._ready.put_nowait(-1)  # wake idle workers
        workers = self._tasks[:-1]
        if workers:
            _, late = await asyncio.wait(workers, timeout=grace)
            for task in late:
                log.warning("an update was still being handled after %ss; cancelled", grace)
                task.cancel()
            for task in late:
                with suppress(asyncio.CancelledError):
                    await task
        if self._tasks:
            self._tasks[-1].cancel()
            with suppress(asyncio.CancelledError):
                await self._tasks[-1]
        await self._flush(final=True)
        self._tasks = []

    async def _work(self) -> None:
        while not self._stopping:
            key = await self._ready.get()
            if self._stopping or key == -1:
                return
            queue = self._chats[key]
            item = queue[0]
            finished = await self._handle(item)
            if not finished:  # stopping while it was still retried: leave it pending
                return
            queue.popleft()
            if queue:
                self._ready.put_nowait(key)  # fairness: other chats go first
            else:
                del self._chats[key]
                self._scheduled.discard(key)

    async def _handle(self, item: Item) -> bool:
        backoff = Backoff()
        failures = 0
        while True:
            try:
                await self.handle(item.update)
                break
            except Retryable as error:
                if self._stopping:
                    return False
                delay = backoff.next()
                log.warning("update %s: %s; retrying in %.1fs", item.update_id, error, delay)
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                if failures >= MAX_UNEXPECTED_FAILURES:
                    log.exception("update %s failed %s times; given up", item.update_id, failures)
                    break
                if self._stopping:
                    return False
                delay = backoff.next()
                log.exception("update %s failed; retrying in %.1fs", item.update_id, delay)
            await asyncio.sleep(delay)
        self.handled += 1
        if self.on_handled is not None:
            self.on_handled(item.update_id)
        self._done.append(item.update_id)
        self._outstanding -= 1
        async with self._changed:
            self._changed.notify_all()
        return True

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_every)
            await self._flush()

    async def _flush(self, final: bool = False) -> None:
        if not self._done:
            return
        batch, self._done = self._done, []
        try:
            await self.inbox.mark_done(self.bot_id, batch, self.clock.now())
        except asyncio.CancelledError:
            self._done = batch + self._done
            raise
        except Exception as error:
            # Harmless to leave them pending: a repeat is answered, not applied again.
            self._done = batch + self._done
            log.warning("could not mark %s inbox rows done: %s", len(batch), error)
            if final:
                return
        async with self._changed:
            self._changed.notify_all()
