"""Notice delivery to group robots (WeCom, DingTalk): the outbox worker, folding.

A group robot takes **20 messages a minute** (DingTalk mutes one that sends more for ten
minutes). This is `OutboxWorker` (jobs/outbox_worker.py) with three differences:

* **Folding.** When several notices are due for one robot, they go as *one* message: the
  sender's `send_many` puts as many as fit its size limit into one Markdown message and
  says how many that was; those rows are marked `sent` together, the rest stay first in
  the robot's queue for the next message. So a backlog (a county's digests after an
  outage, many counties sharing one robot) arrives within a few messages instead of
  queueing for an hour at 20 a minute. If a robot refuses a folded message as such
  (`Rejected`), its notices are tried again one by one.
* **The robot's limit, also across a restart and across processes.** Each robot is a
  chat paced at 20 a minute (`ROBOT_LIMITS`, 5 % headroom: one message every 3.16 s, so
  no 60-second window sees more than 20). A new worker waits one such interval before its
  first message, so the spacing holds across a restart; and with a `gate` (the robot's
  send slot in the database, taken by compare-and-set before every message) several bot
  processes sending to one robot keep that pace together.
* **A rate-limit answer pauses that robot only** (`RetryAfter`): one muted robot does not
  hold up the others.

Delivery guarantees (the same as `OutboxWorker`'s, per row):

* **Nothing lost.** A row leaves `pending` only when the message carrying it was accepted,
  the robot is gone or removed (`blocked`), or it was given up on (refused for good, or
  `max_attempts` failed tries). A worker that dies leaves its rows under a lease that runs
  out (2 minutes); any worker, this one restarted or another, then claims them again. A
  graceful stop (the `stop` event) finishes the message in flight, commits its marks and
  releases the rest at once.
* **Nothing sent twice, with the one window no webhook can close.** A row is sent only by
  the worker holding its lease and is marked `sent` (group-committed within milliseconds)
  once the robot answered `errcode 0`. A process that dies between that answer and the
  commit leaves the rows of that message `pending`, and they are sent again after the
  lease: neither WeCom nor DingTalk has an idempotency key. The window holds the notices
  of the messages in flight (at most one per robot) and the marks not yet committed. A
  message whose answer is lost (a timeout after the robot accepted it) is likewise tried
  again and may arrive twice. Cancelling the task running `run()` is that crash.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.notice_texts import RenderedNotice
from jobs.outbox_worker import Blocked, OutboxWorker, Rejected, RetryAfter, Sender, Tuning
from jobs.rate_limit import Limits
from storage.repositories.outbox import ClaimedNotice

log = logging.getLogger(__name__)

ROBOT_LIMITS = Limits(per_second=20.0, per_chat_per_second=20 / 60, per_group_per_minute=20)
# No row is deferred at claim time for being far down a robot's queue: folding drains a
# queue many rows per message, and rows the lease cannot cover are given back anyway.
ROBOT_TUNING = Tuning(horizon=math.inf, poll_interval=2.0)
MAX_FOLD = 50  # rows offered to one message (the sender keeps what fits)


# Before a message to a robot: the seconds to wait for its shared send slot (0.0: taken).
Gate = Callable[[str, float], Awaitable[float]]


class FoldingSender(Sender, Protocol):
    async def send_many(self, chat_id: str, notices: Sequence[RenderedNotice]) -> int:
        """Send the first of `notices` that fit one message (at least one); how many."""


class FoldingOutboxWorker(OutboxWorker):
    def __init__(
        self,
        engine: AsyncEngine,
        sender: FoldingSender,
        *,
        channel: str,
        limits: Limits = ROBOT_LIMITS,
        tuning: Tuning = ROBOT_TUNING,
        max_fold: int = MAX_FOLD,
        gate: Gate | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(engine, sender, channel=channel, limits=limits, tuning=tuning, **kwargs)
        self.sender: FoldingSender = sender
        self.max_fold = max_fold
        self.gate = gate
        self.messages = 0  # messages accepted by the robots
        self._solo: set[int] = set()  # rows whose folded message was refused
        # The predecessor may have sent a moment ago: keep the spacing across a restart.
        self.limiter.pause(1 / self.limiter.chat_rate)

    def _start(self, chat: str, queue: deque[ClaimedNotice]) -> None:
        rows = [queue.popleft()]
        while queue and len(rows) < self.max_fold and rows[0].id not in self._solo:
            if queue[0].id in self._solo:
                break
            rows.append(queue.popleft())
        self._queued -= len(rows)
        self._spawn(self._deliver_many(chat, rows))

    def _requeue(self, rows: list[ClaimedNotice]) -> None:
        for row in reversed(rows):
            self._enqueue(row, front=True)

    async def _deliver_many(self, chat: str, rows: list[ClaimedNotice]) -> None:
        try:
            ready: list[ClaimedNotice] = []
            notices: list[RenderedNotice] = []
            for row in rows:
                try:
                    notices.append(self._render(row))
                    ready.append(row)
                except Rejected as error:
                    await self._refused(row, error)
            if not ready:
                return
            if self.gate is not None and await self._gated(chat, ready):
                return
            try:
                async with asyncio.timeout(self.tuning.send_timeout):
                    count = await self.sender.send_many(chat, notices)
            except RetryAfter as error:
                self.stats.rate_limited += 1
                log.warning("robot %s rate limited: pausing it %ss", chat, error.seconds)
                self.limiter.pause(error.seconds, chat)
                self._requeue(ready)  # not an attempt; same lease
            except Blocked as error:
                self._requeue(ready[1:])  # _blocked takes the chat's whole queue
                await self._blocked(ready[0], str(error))
            except Rejected as error:
                if len(ready) > 1:
                    log.warning("robot %s refused a folded message (%s): one by one", chat, error)
                    self._solo.update(r.id for r in ready)
                    self._requeue(ready)
                else:
                    await self._refused(ready[0], error)
            except Exception as error:  # Transient, a timeout, or a bug
                streak = self._transient_streak
                for row in ready:  # one failure of one message: the streak grows once
                    self._transient_streak = streak
                    await self._transient(row, error)
            else:
                self._transient_streak = 0
                self.messages += 1
                count = max(1, min(count, len(ready)))
                for row in ready[:count]:
                    self._solo.discard(row.id)
                    self._marks.put_nowait(row.id)
                self.stats.sent += count
                self._requeue(ready[count:])
        finally:
            self._busy.discard(chat)
            self._schedule(chat)
            self._changed.set()

    async def _gated(self, chat: str, rows: list[ClaimedNotice]) -> bool:
        """True if the robot's shared slot is not free yet: the rows wait for it."""
        assert self.gate is not None
        try:
            wait = await self.gate(chat, 1 / self.limiter.chat_rate)
        except Exception:  # the database is busy or gone: try again shortly
            log.exception("robot %s: taking a send slot failed", chat)
            wait = 1.0
        if wait <= 0:
            return False
        self.limiter.pause(wait, chat)
        self._requeue(rows)
        return True

    async def _refused(self, row: ClaimedNotice, error: Exception) -> None:
        self.stats.failed += 1
        self._solo.discard(row.id)
        log.warning("notice %s refused: %s", row.dedup_key, error)
        reason = f"rejected: {error}"
        await self._write(lambda repo: repo.mark_failed(row.id, row.lease, reason), "mark failed")
