"""Telegram's sending limits as token buckets, for the outbox worker.

Telegram allows about 30 messages a second overall, 1 a second per chat and 20 a minute
per group; past that it answers 429 with `retry_after`. `RateLimiter` keeps under all
three by itself and honours the pauses a 429 asks for. No I/O here: the worker asks when
a chat may send next and takes the tokens when it does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Telegram's documented limits by default."""

    per_second: float = 30.0  # all chats together
    per_chat_per_second: float = 1.0
    per_group_per_minute: float = 20.0
    # Pace this fraction under every limit: the API counts arrivals, and two requests
    # sent a window apart can arrive a little closer.
    headroom: float = 0.05


TELEGRAM_LIMITS = Limits()
EPSILON = 1e-9


def is_group(chat_id: str) -> bool:
    """Telegram gives groups and channels negative ids, people positive ones."""
    return chat_id.startswith("-")


class TokenBucket:
    """`burst` tokens at most, refilled at `rate` per second; a send takes one."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, now

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def ready_at(self, now: float) -> float:
        self._refill(now)
        if self.tokens >= 1 - EPSILON:
            return now
        return now + (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1

    def full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.burst - EPSILON


class RateLimiter:
    """One bucket for everything and one per chat (a group's bucket runs at the tighter
    of the per-chat and per-group rates), plus pauses ordered by `retry_after`.

    Times are seconds on `clock` (monotonic by default). Buckets hold about one token, so
    sends are evenly spaced: a one-second window that allows N sends sees at most
    `burst + N * (1 - headroom)`, which stays under N + 1 while the burst is under
    `1 + N * headroom`. The little over one token (`LATE` seconds' worth, at most half of
    that margin) lets the pace make up for the event loop waking a millisecond late,
    which would otherwise cost a few percent of the rate."""

    LATE = 0.005

    def __init__(
        self, limits: Limits = TELEGRAM_LIMITS, clock: Callable[[], float] = time.monotonic
    ):
        self.limits, self.clock = limits, clock
        pace = 1 - limits.headroom
        self.global_rate = limits.per_second * pace
        self.chat_rate = limits.per_chat_per_second * pace
        self.group_rate = min(limits.per_chat_per_second, limits.per_group_per_minute / 60) * pace
        self._global = TokenBucket(
            self.global_rate, self._burst(self.global_rate, limits.per_second), clock()
        )
        self._chats: dict[str, TokenBucket] = {}
        self._paused_until = 0.0
        self._chat_paused: dict[str, float] = {}

    def interval(self, chat_id: str) -> float:
        """Seconds between two sends to the chat."""
        return 1 / (self.group_rate if is_group(chat_id) else self.chat_rate)

    def _burst(self, rate: float, per_second: float) -> float:
        return 1 + min(self.LATE * rate, per_second * self.limits.headroom / 2)

    def _bucket(self, chat_id: str, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            rate = self.group_rate if is_group(chat_id) else self.chat_rate
            burst = self._burst(rate, self.limits.per_chat_per_second)
            bucket = self._chats[chat_id] = TokenBucket(rate, burst, now)
        return bucket

    def global_ready_at(self, now: float | None = None) -> float:
        now = self.clock() if now is None else now
        return max(self._global.ready_at(now), self._paused_until)

    def chat_ready_at(self, chat_id: str, now: float | None = None) -> float:
        """When the chat's own limits (not the global one) allow its next send; a chat
        that may send already gets `now`."""
        now = self.clock() if now is None else now
        bucket = self._chats.get(chat_id)
        ready = bucket.ready_at(now) if bucket is not None else now
        return max(ready, self._chat_paused.get(chat_id, 0.0))

    def ready_at(self, chat_id: str, now: float | None = None) -> float:
        now = self.clock() if now is None else now
        return max(self.global_ready_at(now), self.chat_ready_at(chat_id, now))

    def try_acquire(self, chat_id: str) -> float:
        """0.0 and a send is granted (tokens taken), or the seconds to wait first."""
        now = self.clock()
        wait = self.ready_at(chat_id, now) - now
        if wait > 0:
            return wait
        self._global.take(now)
        self._bucket(chat_id, now).take(now)
        return 0.0

    def pause(self, seconds: float, chat_id: str | None = None) -> None:
        """Nothing (or nothing to this chat) for `seconds`."""
        until = self.clock() + seconds
        if chat_id is None:
            self._paused_until = max(self._paused_until, until)
        else:
            self._chat_paused[chat_id] = max(self._chat_paused.get(chat_id, 0.0), until)

    def forget_idle(self) -> None:
        """Drop the state of chats whose bucket is full again (memory stays bounded)."""
        now = self.clock()
        for chat_id in [c for c, b in self._chats.items() if b.full(now)]:
            del self._chats[chat_id]
        for chat_id in [c for c, t in self._chat_paused.items() if t <= now]:
            del self._chat_paused[chat_id]
