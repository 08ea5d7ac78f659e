"""The outbox worker's token buckets, on a clock the tests move by hand."""

from __future__ import annotations

from itertools import pairwise

import pytest

from jobs.outbox_worker import backoff_delay
from jobs.rate_limit import Limits, RateLimiter, TokenBucket, is_group

EXACT = Limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20, headroom=0)


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def send_all(limiter: RateLimiter, clock: Ticks, chats: list[str], until: float) -> list:
    """Each chat in turn: wait until it may send, send. Returns (time, chat) pairs."""
    sent: list[tuple[float, str]] = []
    queue = list(chats)
    while queue:
        chat = min(queue, key=limiter.ready_at)
        ready = limiter.ready_at(chat)
        if ready > until:
            break
        clock.now = max(clock.now, ready)
        assert limiter.try_acquire(chat) == 0
        sent.append((clock.now, chat))
    return sent


def max_in_window(times: list[float], span: float) -> int:
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - span:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_a_bucket_paces_one_token_at_its_rate():
    bucket = TokenBucket(rate=2, burst=1, now=0)
    assert bucket.ready_at(0) == 0
    bucket.take(0)
    assert bucket.ready_at(0) == pytest.approx(0.5)
    assert bucket.ready_at(0.25) == pytest.approx(0.5)
    assert not bucket.full(0.5 - 1e-3)
    assert bucket.ready_at(0.5) == 0.5
    assert bucket.full(10)


def test_global_limit_paces_sends_evenly():
    clock = Ticks()
    limiter = RateLimiter(EXACT, clock)
    chats = [str(n) for n in range(1, 200)]  # distinct private chats: only the global limit
    sent = send_all(limiter, clock, chats, until=clock.now + 2.0 + 1e-6)
    times = [t for t, _ in sent]
    assert len(sent) == 61  # t=0 and then every 1/30 s for 2 s
    assert max_in_window(times, 1.0) == 30
    gaps = {round(b - a, 9) for a, b in pairwise(times)}
    assert gaps == {round(1 / 30, 9)}


def test_one_message_per_second_per_chat():
    clock = Ticks()
    limiter = RateLimiter(EXACT, clock)
    assert limiter.try_acquire("7") == 0
    assert limiter.try_acquire("7") == pytest.approx(1.0)
    clock.now += 0.4
    assert limiter.try_acquire("7") == pytest.approx(0.6)
    assert limiter.try_acquire("8") == 0  # another chat is not held up (global allows it)
    clock.now += 0.6
    assert limiter.try_acquire("7") == 0


def test_groups_get_twenty_per_minute():
    clock = Ticks()
    limiter = RateLimiter(EXACT, clock)
    assert is_group("-100123") and not is_group("123")
    sent = send_all(limiter, clock, ["-42"], until=clock.now + 120)
    times = [t for t, _ in sent]
    assert max_in_window(times, 60.0) == 20
    assert limiter.interval("-42") == pytest.approx(3.0)
    assert limiter.interval("42") == pytest.approx(1.0)


def test_headroom_paces_under_every_limit():
    clock = Ticks()
    limiter = RateLimiter(Limits(headroom=0.05), clock)
    chats = [str(n) for n in range(1, 400)]
    sent = send_all(limiter, clock, chats, until=clock.now + 10)
    times = [t for t, _ in sent]
    assert max_in_window(times, 1.0) == 29  # 28.5/s: never a full 30 in any second
    assert len(sent) == pytest.approx(285, abs=2)
    assert limiter.interval("1") == pytest.approx(1 / 0.95)


def test_waking_late_costs_no_rate_and_breaks_no_limit():
    """An event loop wakes a millisecond or so after the instant asked for; the buckets
    make that up without ever letting a window hold more than the limit."""
    clock = Ticks()
    limiter = RateLimiter(Limits(headroom=0.05), clock)
    chats = [str(n) for n in range(1, 400)]
    sent: list[float] = []
    for n in range(600):
        chat = chats[n % len(chats)]
        while (wait := limiter.try_acquire(chat)) > 0:
            clock.now += wait + 0.001 * (n % 3)  # 0–2 ms late
        sent.append(clock.now)
    assert max_in_window(sent, 1.0) <= 29
    rate = (len(sent) - 1) / (sent[-1] - sent[0])
    assert rate == pytest.approx(28.5, rel=0.005)


def test_retry_after_pauses_the_chat_or_everything():
    clock = Ticks()
    limiter = RateLimiter(EXACT, clock)
    limiter.pause(5, "7")
    assert limiter.try_acquire("7") == pytest.approx(5)
    assert limiter.try_acquire("8") == 0
    limiter.pause(2)
    assert limiter.try_acquire("9") == pytest.approx(2)
    clock.now += 2
    assert limiter.try_acquire("9") == 0
    clock.now += 3
    assert limiter.try_acquire("7") == 0


def test_idle_chats_are_forgotten():
    clock = Ticks()
    limiter = RateLimiter(EXACT, clock)
    for chat in ("1", "2", "-3"):
        limiter.try_acquire(chat)
        clock.now += 0.1
    limiter.pause(10, "4")
    clock.now += 1.0
    limiter.forget_idle()
    assert set(limiter._chats) == {"-3"}  # the group's 3 s are not over
    assert set(limiter._chat_paused) == {"4"}


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    assert backoff_delay(1, 2, 900, lambda: 0.0) == 1
    assert backoff_delay(1, 2, 900, lambda: 1.0) == 2
    assert backoff_delay(4, 2, 900, lambda: 1.0) == 16
    assert backoff_delay(30, 2, 900, lambda: 0.5) == 675
