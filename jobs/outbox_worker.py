"""Notice delivery: a worker that drains the outbox within the messenger's rate limits.

Every notice is first a row in `outbox` (written in the same transaction as the decision
that caused it). This worker, one per bot process and channel, loops:

    claim (a lease on due rows, committed) → render → send (no transaction open) → mark

A notice to a person is resolved when claimed: to their address on this channel and their
language as they are then. It is rendered here, at send time, by the core's
`bot.services.notice_texts`; the `Sender` turns its actions into the channel's own form
(Telegram: buttons with callback data).

Delivery guarantees
-------------------
* **Nothing lost.** A row leaves `pending` only when it was sent, its chat blocked the
  bot, its category was muted, its person has no address on any channel
  (`undeliverable`), or it was given up on (refused for good by the API, a notice that
  cannot be rendered, or `max_attempts` failed tries). A worker that dies leaves its
  rows claimed; the lease (`claimed_until`) runs out and any worker, this process
  restarted or another one, claims them again. A graceful stop (the `stop` event)
  releases unsent rows at once.
* **Nothing sent twice, with one unavoidable window.** A row is sent only by the worker
  holding its lease, and marked `sent` right after the API said so. If the process dies
  *between the API's "ok" and the commit of the mark*, the row is still `pending`, and
  after the lease it is sent again: a duplicate. No ordering removes that window; the
  Bot API has no idempotency key. Marks of successful sends are group-committed by one
  writer task within milliseconds, so the window holds at most the sends of those
  milliseconds plus those in flight (`max_in_flight`). The same goes for a send whose
  answer is lost (a timeout or a dropped connection after Telegram accepted it): it is
  retried, and may arrive twice.
* Cancelling the task running `run()` is treated as that crash (nothing more is written);
  stop with the event to finish cleanly.

Limits (Telegram: ~30 messages/s overall, 1/s per chat, 20/min per group) are kept by
token buckets (`jobs.rate_limit`), paced `headroom` under each limit so that request jitter
does not push a window over it. Groups are chats with negative ids. Sends to one chat go
out one at a time, in claim order.

Failures, from the `Sender`'s neutral exceptions:
* `RetryAfter(s)`: Telegram's flood control. The chat *and the whole sender* pause for
  `s` seconds (the API does not say which limit was hit; pausing everything is the safe
  reading), and the row is kept and sent after the pause. It is not an attempt.
* `Transient` (5xx, timeouts, network errors, anything unexpected): the row is retried
  after an exponential backoff with jitter; after `max_attempts` it is `failed`. Two or
  more in a row also pause the whole sender, growing, so an API outage is not hammered.
* `Blocked` (403): the row, and the chat's other rows this worker holds, become
  `blocked`; the chat is noted in `chat_states`.
* `Migrated(new_id)`: the group became a supergroup. `chat_states` remembers it, every
  pending row is readdressed, and the row is sent to the new chat.
* `Rejected` (400: chat not found, text too long…): `failed` at once; retrying cannot help.

This module knows no messenger: the Telegram `Sender` lives in handlers/telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import heapq
import logging
import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import Clock, SystemClock
from bot.i18n import pick_language
from bot.services.notice_texts import RenderedNotice, render
from jobs.rate_limit import EPSILON, TELEGRAM_LIMITS, Limits, RateLimiter
from storage.engine import write_transaction
from storage.repositories.outbox import UNDELIVERABLE, ClaimedNotice, SqlOutboxRepo

log = logging.getLogger(__name__)


# --- the sender port -----------------------------------------------------------------


class DeliveryError(Exception):
    """Base of what a Sender raises; the message ends up in `outbox.last_error`."""


class RetryAfter(DeliveryError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited: retry after {seconds} s")
        self.seconds = float(seconds)


class Blocked(DeliveryError):
    """The chat blocked the bot, or removed it from the group."""


class Migrated(DeliveryError):
    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"chat migrated to {new_chat_id}")
        self.new_chat_id = str(new_chat_id)


class Transient(DeliveryError):
    """May work later: server errors, timeouts, network trouble."""


class Rejected(DeliveryError):
    """Will never work as it is: the API refused this message for good."""


class Unreachable(Rejected):
    """The person cannot be reached on this channel at all now (WeChat: outside the
    48-hour window with no template message configured): recorded `undeliverable` with
    the reason, not failed and not lost silently. (WeChat, issue 12.)"""


class Sender(Protocol):
    async def send(self, chat_id: str, notice: RenderedNotice) -> None:
        """Deliver one rendered notice (its text, its actions in the channel's own form)
        or raise one of the DeliveryErrors above."""


# --- the worker ----------------------------------------------------------------------


@dataclass
class WorkerStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    migrated: int = 0
    rate_limited: int = 0  # 429s received
    deferred: int = 0  # released unsent because the chat could not be served in the lease


def backoff_delay(attempts: int, base: float, cap: float, rng: Callable[[], float]) -> float:
    """Exponential, capped, with equal jitter: half fixed, half random."""
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return delay / 2 + delay / 2 * rng()


@dataclass(frozen=True)
class Tuning:
    batch_size: int = 100  # rows per claim
    lease: timedelta = timedelta(minutes=2)  # how long a claim holds its rows
    horizon: float = 30.0  # claimed rows this worker cannot reach sooner go back (s)
    poll_interval: float = 1.0  # look for due rows this often when idle (s)
    send_timeout: float = 30.0  # one API call, at most (s)
    lease_margin: float = 40.0  # a row is sent only with this much of its lease left (s)
    max_attempts: int = 12  # failed tries before a row is `failed` (25–47 min of backoff)
    backoff_base: float = 2.0  # first retry after 1–2 s, doubling…
    backoff_cap: float = 900.0  # …up to 7.5–15 min
    pause_base: float = 0.5  # consecutive transient errors pause all sends, doubling…
    pause_cap: float = 30.0  # …up to this (s)
    max_in_flight: int = 16  # concurrent API calls


class OutboxWorker:
    """Delivers one channel's outbox through `sender`. `await worker.run(stop)` until
    `stop` is set, or `worker.start()` / `await worker.stop()`."""

    def __init__(
        self,
        engine: AsyncEngine,
        sender: Sender,
        *,
        channel: str = "telegram",
        clock: Clock | None = None,
        limits: Limits = TELEGRAM_LIMITS,
        tuning: Tuning = Tuning(),
        monotonic: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.engine, self.sender, self.channel = engine, sender, channel
        self.clock = clock or SystemClock()
        self.limiter = RateLimiter(limits, monotonic)
        self.tuning, self.monotonic, self.rng = tuning, monotonic, rng
        # A send and its mark must fit in what is left of the lease.
        self.lease_margin = timedelta(seconds=max(tuning.lease_margin, tuning.send_timeout))
        self.stats = WorkerStats()
        self._queues: dict[str, deque[ClaimedNotice]] = {}  # per chat, in claim order
        self._queued = 0
        self._busy: set[str] = set()  # chats with a send in flight
        self._heap: list[tuple[float, int, str]] = []  # (chat ready at, seq, chat)
        self._in_heap: set[str] = set()
        self._seq = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._marks: asyncio.Queue[int | None] = asyncio.Queue()
        self._changed = asyncio.Event()
        self._claim_now = True
        self._next_claim = 0.0  # monotonic time of the next poll for due rows
        self._idle_for = math.inf  # until the next send could start, as last seen
        self._transient_streak = 0
        self._stop_event: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        self._stop_event = asyncio.Event()
        self._task = asyncio.create_task(self.run(self._stop_event), name="outbox-worker")
        return self._task

    async def stop(self) -> None:
        """Finish the sends in flight, write their marks, release the rest; idempotent."""
        if self._stop_event is not None:
            self._stop_event.set()
        if self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    def wake(self) -> None:
        """New notices were enqueued: claim now rather than at the next poll."""
        self._claim_now = True
        self._changed.set()

    async def run(self, stop: asyncio.Event) -> None:
        marker = asyncio.create_task(self._mark_sent_loop(), name="outbox-marks")
        watcher = asyncio.create_task(self._watch(stop), name="outbox-stop")
        try:
            while not stop.is_set():
                self._changed.clear()
                try:
                    wait = await self._turn()
                except Exception:  # a bug must not silence every notice after it
                    log.exception("outbox worker: unexpected error, carrying on")
                    wait = self.tuning.poll_interval
                if wait > 0 and not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(None if math.isinf(wait) else wait):
                            await self._changed.wait()  # a send ended, a wake(), the stop
        except asyncio.CancelledError:
            # A crash, as far as the outbox knows: leases expire, unmarked rows go again.
            for task in (*self._tasks, marker, watcher):
                task.cancel()
            raise
        watcher.cancel()
        await self._finish(marker)

    async def _turn(self) -> float:
        """Claim if the local queue needs it, start what may be sent; how long to wait."""
        tuning = self.tuning
        # Claim when the local queue runs low, or when nothing it holds can go out soon
        # (only slow chats left), but never hoard more than four batches.
        hungry = (
            self._queued < tuning.batch_size // 2 or self._idle_for > tuning.poll_interval
        ) and self._queued < 4 * tuning.batch_size
        now = self.monotonic()
        if self._claim_now or (hungry and now >= self._next_claim):
            self._claim_now = False
            wanted = min(tuning.batch_size, 4 * tuning.batch_size - self._queued)
            got = await self._claim(wanted) if wanted > 0 else 0
            # A short claim means nothing more is due: poll again later.
            self._next_claim = now if got == wanted else now + tuning.poll_interval
            if got:
                self.limiter.forget_idle()
        self._idle_for = wait = self._dispatch()
        if hungry:
            wait = min(wait, max(self._next_claim - self.monotonic(), 0.0))
        return wait

    async def _watch(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._changed.set()

    async def _finish(self, marker: asyncio.Task[None]) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._marks.put_nowait(None)
        await marker
        leftovers = [(row.id, row.lease) for q in self._queues.values() for row in q]
        self._queues.clear()
        self._queued = 0
        if leftovers:
            await self._write(lambda repo: repo.release(leftovers), "release")
        log.info("outbox worker stopped: %s", self.stats)

    # -- claiming ---------------------------------------------------------------------

    async def _claim(self, limit: int) -> int:
        now = self.clock.now()
        try:
            async with write_transaction(self.engine) as conn:
                rows = await SqlOutboxRepo(conn).claim(
                    self.channel, now, now + self.tuning.lease, limit
                )
        except Exception:
            log.exception("claiming notices failed; trying again shortly")
            return 0
        self.stats.claimed += len(rows)
        # Keep what can be sent well inside the lease; give the rest back, due when this
        # worker expects to reach it, so one busy group cannot hold the queue.
        mono = self.monotonic()
        later: dict[datetime, list[tuple[int, datetime]]] = {}
        given_back: dict[str, int] = {}
        for row in rows:
            chat = row.chat_id
            ahead = len(self._queues.get(chat, ())) + (chat in self._busy) + given_back.get(chat, 0)
            eta = max(
                self.limiter.chat_ready_at(chat) + ahead * self.limiter.interval(chat),
                mono + self._queued / self.limiter.global_rate,
            )
            if eta - mono > self.tuning.horizon:
                due = (now + timedelta(seconds=math.ceil(eta - mono))).replace(microsecond=0)
                later.setdefault(due, []).append((row.id, row.lease))
                given_back[chat] = given_back.get(chat, 0) + 1
                continue
            self._enqueue(row)
        for due, leases in later.items():
            self.stats.deferred += len(leases)
            await self._write(lambda repo, d=due, ls=leases: repo.release(ls, d), "defer")
        return len(rows)

    def _enqueue(self, row: ClaimedNotice, *, front: bool = False) -> None:
        queue = self._queues.setdefault(row.chat_id, deque())
        queue.appendleft(row) if front else queue.append(row)
        self._queued += 1
        self._schedule(row.chat_id)

    def _schedule(self, chat: str) -> None:
        if chat in self._in_heap or chat in self._busy or not self._queues.get(chat):
            return
        self._seq += 1
        heapq.heappush(self._heap, (self.limiter.chat_ready_at(chat), self._seq, chat))
        self._in_heap.add(chat)

    # -- dispatching ------------------------------------------------------------------

    def _next_chat(self) -> tuple[str, float] | None:
        """The chat whose next send is allowed soonest (lazy heap: stale keys move up)."""
        now = self.monotonic()
        while self._heap:
            ready, seq, chat = self._heap[0]
            if chat in self._busy or not self._queues.get(chat):
                heapq.heappop(self._heap)
                self._in_heap.discard(chat)
                continue
            actual = self.limiter.chat_ready_at(chat, now)
            if actual > now and actual > ready + EPSILON:
                heapq.heapreplace(self._heap, (actual, seq, chat))
                continue
            return chat, actual
        return None

    def _dispatch(self) -> float:
        """Start every send the limits allow now; the seconds until the next may start."""
        while len(self._tasks) < self.tuning.max_in_flight:
            found = self._next_chat()
            if found is None:
                return math.inf  # woken by a claim, a finished send or the poll
            chat, _ready = found
            queue = self._queues[chat]
            if queue[0].lease - self.clock.now() < self.lease_margin:
                # Too little lease left to send and mark safely: give the chat's rows back.
                heapq.heappop(self._heap)
                self._in_heap.discard(chat)
                rows = list(queue)
                del self._queues[chat]
                self._queued -= len(rows)
                self.stats.deferred += len(rows)
                self._spawn(self._give_back(rows))
                continue
            wait = self.limiter.try_acquire(chat)
            if wait > 0:
                return wait
            heapq.heappop(self._heap)
            self._in_heap.discard(chat)
            self._busy.add(chat)
            self._start(chat, queue)
        return math.inf

    def _start(self, chat: str, queue: deque[ClaimedNotice]) -> None:
        """Start the chat's next send (the chat is marked busy; its tokens are taken).
        A worker that folds several notices into one message overrides this."""
        row = queue.popleft()
        self._queued -= 1
        self._spawn(self._deliver(row))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._changed.set()  # a slot is free

    async def _give_back(self, rows: list[ClaimedNotice]) -> None:
        await self._write(lambda repo: repo.release([(r.id, r.lease) for r in rows]), "release")
        self._claim_now = True
        self._changed.set()

    # -- one send ---------------------------------------------------------------------

    async def _deliver(self, row: ClaimedNotice) -> None:
        chat = row.chat_id
        try:
            try:
                message = self._render(row)
                async with asyncio.timeout(self.tuning.send_timeout):
                    await self.sender.send(chat, message)
            except RetryAfter as error:
                self.stats.rate_limited += 1
                log.warning("rate limited by the API: pausing %ss", error.seconds)
                self.limiter.pause(error.seconds, chat)
                self.limiter.pause(error.seconds)
                self._enqueue(row, front=True)  # not an attempt; same lease
            except Migrated as error:
                await self._migrated(row, error.new_chat_id)
            except Blocked as error:
                await self._blocked(row, str(error))
            except Unreachable as error:
                self.stats.failed += 1
                log.warning("notice %s undeliverable: %s", row.dedup_key, error)
                reason = f"unreachable: {error}"
                await self._write(
                    lambda repo: repo.mark_failed(row.id, row.lease, reason, UNDELIVERABLE),
                    "mark undeliverable",
                )
            except Rejected as error:
                self.stats.failed += 1
                log.warning("notice %s refused: %s", row.dedup_key, error)
                reason = f"rejected: {error}"
                await self._write(
                    lambda repo: repo.mark_failed(row.id, row.lease, reason), "mark failed"
                )
            except Exception as error:  # Transient, a timeout, or a bug
                await self._transient(row, error)
            else:
                self._transient_streak = 0
                self.stats.sent += 1
                self._marks.put_nowait(row.id)
        finally:
            self._busy.discard(chat)
            self._schedule(chat)
            self._changed.set()

    @staticmethod
    def _render(row: ClaimedNotice) -> RenderedNotice:
        """The notice in its reader's language, as resolved at claim time."""
        try:
            return render(row.kind, row.params, row.actions, pick_language(row.language))
        except Exception as error:  # a bug, or a row newer code wrote: retrying won't help
            log.exception("notice %s cannot be rendered", row.dedup_key)
            raise Rejected(f"cannot render: {type(error).__name__}: {error}") from error

    async def _transient(self, row: ClaimedNotice, error: BaseException) -> None:
        if not isinstance(error, Transient | TimeoutError):
            log.error("unexpected error sending notice %s", row.dedup_key, exc_info=error)
        text = f"{type(error).__name__}: {error}"
        self._transient_streak += 1
        if self._transient_streak >= 2:  # the API, not this message, is in trouble
            self.limiter.pause(
                min(
                    self.tuning.pause_cap,
                    self.tuning.pause_base * 2 ** (self._transient_streak - 2),
                )
            )
        attempts = row.attempts + 1
        if attempts >= self.tuning.max_attempts:
            self.stats.failed += 1
            log.warning("notice %s failed after %s attempts: %s", row.dedup_key, attempts, text)
            await self._write(lambda repo: repo.mark_failed(row.id, row.lease, text), "mark failed")
            return
        self.stats.retried += 1
        delay = backoff_delay(attempts, self.tuning.backoff_base, self.tuning.backoff_cap, self.rng)
        due = self.clock.now() + timedelta(seconds=delay)
        await self._write(lambda repo: repo.mark_retry(row.id, row.lease, due, text), "retry")

    async def _blocked(self, row: ClaimedNotice, reason: str) -> None:
        chat = row.chat_id
        queue = self._queues.pop(chat, deque())
        self._queued -= len(queue)
        rows = [row, *queue]
        self.stats.blocked += len(rows)
        log.info("chat %s blocked the bot (%s); %s notice(s) dropped", chat, reason, len(rows))
        now = self.clock.now()
        await self._write(
            lambda repo: repo.mark_blocked(
                [(r.id, r.lease) for r in rows], self.channel, chat, now
            ),
            "mark blocked",
        )

    async def _migrated(self, row: ClaimedNotice, new_chat: str) -> None:
        old = row.chat_id
        if new_chat == old:
            await self._transient(row, Transient("migrated to the same chat"))
            return
        self.stats.migrated += 1
        log.info("chat %s migrated to %s", old, new_chat)
        now = self.clock.now()
        await self._write(
            lambda repo: repo.record_migration(self.channel, old, new_chat, now), "migration"
        )
        queue = self._queues.pop(old, deque())
        self._queued -= len(queue)
        for moved in reversed([row, *queue]):
            self._enqueue(dataclasses.replace(moved, chat_id=new_chat), front=True)

    # -- writing ----------------------------------------------------------------------

    async def _write(self, action: Callable[[SqlOutboxRepo], Any], what: str) -> bool:
        """One short write transaction, retried a few times: a lost write only means the
        row is tried again once its lease is over."""
        for attempt in range(4):
            try:
                async with write_transaction(self.engine) as conn:
                    await action(SqlOutboxRepo(conn))
                return True
            except Exception:
                if attempt == 3:
                    log.exception("outbox write failed (%s)", what)
                    return False
                await asyncio.sleep(0.2 * 2**attempt)
        return False

    async def _mark_sent_loop(self) -> None:
        """The one writer of `sent` marks: everything that finished since the last commit
        goes in one transaction (the crash window is this queue plus sends in flight)."""
        done = False
        while not done:
            first = await self._marks.get()
            ids = [] if first is None else [first]
            done = first is None
            while not self._marks.empty() and len(ids) < 500:
                more = self._marks.get_nowait()
                if more is None:
                    done = True
                else:
                    ids.append(more)
            if ids:
                now = self.clock.now()
                marked = await self._write(
                    lambda repo, i=ids, n=now: repo.mark_sent(i, n), "mark sent"
                )
                if not marked:
                    log.error("notices %s were sent but not marked; they may go again", ids)
