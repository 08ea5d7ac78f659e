"""Notice delivery end to end: the outbox worker and the Telegram sender (aiogram over real
HTTP) against the Bot API double with flood control enforced and faults injected. Notices
are rendered at send time; their actions arrive as the ladder's callback data.

What is scaled to keep the run short: the double's overall limit (and the worker's) is
300 messages/s instead of 30; the per-chat limit (1/s) and the per-group limit (20/min)
are Telegram's own. Retry backoff starts at 0.2 s instead of 2 s, and the restart tests
use short leases (8 s instead of 2 min).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.notices import Address, Intent, Notice, NoticeAction, NoticeKind
from bot.domain.text import N_, Text
from bot.services.notice_texts import render
from devtools.harness import DEMO_TOKEN
from devtools.telegram_double.flood import FakeGroup, FloodFakeTelegram
from handlers.telegram.outbox_sender import TelegramSender, message_text
from handlers.telegram.runner import make_bot
from jobs.outbox_worker import Limits, OutboxWorker, Tuning
from storage.engine import create_engine, write_transaction
from storage.migrate import upgrade
from storage.repositories.outbox import SqlOutboxRepo
from storage.schema import identities, outbox, people

SCALED = Limits(per_second=300, per_chat_per_second=1, per_group_per_minute=20)
FAST = Tuning(
    batch_size=200,
    poll_interval=0.2,
    backoff_base=0.2,
    backoff_cap=2.0,
    pause_base=0.2,
    pause_cap=1.0,
    send_timeout=5.0,
    lease_margin=5.0,
)


@dataclass
class World:
    fake: FloodFakeTelegram
    engine: AsyncEngine
    sender: TelegramSender
    users: list  # private chats (the first one blocked the bot)
    groups: list[FakeGroup]  # the first one is migrated to `supergroup`
    supergroup: FakeGroup


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/alerts.db")
    await upgrade(engine)
    async with FloodFakeTelegram() as fake:
        fake.enforce_limits(global_per_s=300, per_chat_per_s=1, group_per_min=20)
        users = [fake.create_user(f"keeper {n}") for n in range(294)]
        users[0].blocked = True
        groups = [fake.create_group(f"township {n}") for n in range(6)]
        supergroup = fake.migrate_group(groups[0])
        bot = make_bot(DEMO_TOKEN, fake.base_url)
        try:
            yield World(fake, engine, TelegramSender(bot), users, groups, supergroup)
        finally:
            await bot.session.close()
    await engine.dispose()


def decide(n: int) -> NoticeAction:
    return NoticeAction(
        Text(N_("Decide: {code}"), {"code": f"S{n}"}),
        Intent.DECIDE_REMOVAL,
        {"station_id": n, "period": "2026-10"},
    )


def idle_notice(n: int, chat: str, language: str = "en") -> Notice:
    """Notice `n` to a chat: unique words once rendered, every tenth with an action."""
    return Notice(
        dedup_key=f"e2e:{n}",
        kind=NoticeKind.IDLE,
        params={"station": f"station {n:05d}", "days": 3},
        address=Address("telegram", chat, language),
        actions=(decide(n),) if n % 10 == 0 else (),
    )


def text_of(notice: Notice) -> str:
    """What the chat should read: rendered in the address's language, the command hint."""
    language = notice.address.language if notice.address else "zh"
    return message_text(render(notice.kind, notice.params, notice.actions, language or "zh"))


def make_alerts(world: World, count: int, chats: int, groups: bool = True) -> list[Notice]:
    """`count` notices round robin over the first `chats` chats: groups first (20 a minute
    is slow), then people, the first of whom blocked the bot."""
    targets = ([g.id for g in world.groups] if groups else []) + [u.id for u in world.users]
    return [idle_notice(n, str(targets[n % chats])) for n in range(count)]


async def enqueue(engine, alerts: list[Notice]) -> None:
    async with write_transaction(engine) as conn:
        await SqlOutboxRepo(conn).enqueue(alerts, datetime.now(UTC))


async def statuses(engine) -> dict[str, tuple[str, str]]:
    """By dedup key: (status, the chat it is addressed to)."""
    async with engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.dedup_key, outbox.c.status, outbox.c.chat_id))
        return {key: (status, chat) for key, status, chat in rows}


def received(fake: FloodFakeTelegram) -> Counter:
    return Counter(m.text for m in fake.sent if m.method == "sendMessage")


async def inject_faults(fake: FloodFakeTelegram, every: int, rounds: int) -> None:
    """Every `every` accepted messages, the next sendMessage fails: 429s (retry_after 1)
    and 502s in turn, some of them twice in a row."""
    for n in range(rounds):
        await fake.wait_for(lambda n=n: len(fake.sent) >= (n + 1) * every, timeout=60)
        if n % 2 == 0:
            fake.fail_next("sendMessage", error_code=429, retry_after=1)
        else:
            fake.fail_next("sendMessage", times=1 + n % 3 // 2, error_code=502)


def deliverable(world: World, alerts: list[Notice]) -> set[str]:
    blocked = str(world.users[0].id)
    return {text_of(a) for a in alerts if a.address.chat_id != blocked}


async def wait_delivered(world: World, texts: set[str], timeout: float) -> None:  # noqa: ASYNC109
    await world.fake.wait_for(lambda: texts <= set(received(world.fake)), timeout=timeout)


async def test_two_thousand_alerts_arrive_once_within_the_limits(world: World):
    fake = world.fake
    alerts = make_alerts(world, 2000, chats=300)
    await enqueue(world.engine, alerts)
    expected = deliverable(world, alerts)
    nowhere = idle_notice(99_999, "424242")  # a chat that does not exist
    await enqueue(world.engine, [nowhere])
    faults = asyncio.create_task(inject_faults(fake, every=150, rounds=12))
    worker = OutboxWorker(world.engine, world.sender, limits=SCALED, tuning=FAST)
    worker.start()
    try:
        await wait_delivered(world, expected, timeout=50)
    finally:
        await worker.stop()
        faults.cancel()

    # Exactly once: every deliverable alert, nothing else, nothing twice.
    got = received(fake)
    assert set(got) == expected
    assert max(got.values()) == 1, [t for t, n in got.items() if n > 1][:10]
    # The faults really happened and were ridden out.
    assert worker.stats.rate_limited >= 6 and worker.stats.retried >= 6, worker.stats
    # The migrated group's alerts went to the supergroup; the blocked chat got nothing.
    old, new = world.groups[0], world.supergroup
    to_group = {text_of(a) for a in alerts if a.address.chat_id == str(old.id)}
    assert len(to_group) >= 6
    assert {m.text for m in fake.messages_to(new.id)} == to_group
    assert fake.messages_to(old.id) == [] and fake.messages_to(world.users[0].id) == []

    # Actions went along, as the ladder's callback data.
    with_buttons = [m for m in fake.sent if m.buttons]
    assert len(with_buttons) == sum(1 for a in alerts if a.actions and text_of(a) in expected)
    for m in with_buttons:
        n = int(m.text.split("station ")[1][:5])
        assert (m.buttons[0].text, m.buttons[0].callback_data) == (
            f"Decide: S{n}",
            f"dc:{n}:2026-10",
        )

    stored = await statuses(world.engine)
    assert Counter(status for status, _ in stored.values()) == {
        "sent": len(expected),
        "blocked": len(alerts) - len(expected),
        "failed": 1,  # 400 chat not found: refused for good, not retried
    }
    assert stored[nowhere.dedup_key][0] == "failed"
    group_keys = {a.dedup_key for a in alerts if a.address.chat_id == str(old.id)}
    assert {stored[key][1] for key in group_keys} == {str(new.id)}
    async with world.engine.connect() as conn:
        repo = SqlOutboxRepo(conn)
        assert (await repo.chat_state("telegram", str(old.id)))["migrated_to"] == str(new.id)
        assert (await repo.chat_state("telegram", str(world.users[0].id)))["blocked_at"]
    # The worker kept to the limits by itself: the double's flood control (limits applied
    # to arrivals, stricter than Telegram's) had little or nothing to refuse.
    assert len(fake.flood.violations) <= 3, fake.flood.violations


async def test_a_restart_midway_sends_nothing_twice(world: World):
    fake = world.fake
    alerts = make_alerts(world, 600, chats=100, groups=False)
    await enqueue(world.engine, alerts)
    expected = deliverable(world, alerts)
    first = OutboxWorker(world.engine, world.sender, limits=SCALED, tuning=FAST)
    first.start()
    await fake.wait_for(lambda: len(fake.sent) >= 250, timeout=20)
    await first.stop()  # a deploy: in-flight sends finish, marks are written, rest released
    half = received(fake)
    assert 250 <= sum(half.values()) < len(expected)

    second = OutboxWorker(world.engine, world.sender, limits=SCALED, tuning=FAST)
    second.start()
    try:
        await wait_delivered(world, expected, timeout=30)
    finally:
        await second.stop()
    got = received(fake)
    assert set(got) == expected and max(got.values()) == 1


class CrashAfter:
    """A Sender that kills the worker right after its `n`th message went out: the crash
    lands between the API's "ok" and the mark."""

    def __init__(self, sender: TelegramSender, n: int) -> None:
        self.sender, self.n, self.count = sender, n, 0
        self.task: asyncio.Task | None = None

    async def send(self, chat_id, notice) -> None:
        await self.sender.send(chat_id, notice)
        self.count += 1
        if self.count == self.n and self.task is not None:
            self.task.cancel()


async def test_after_a_crash_only_the_crash_window_repeats(world: World):
    """A crash (nothing more written) loses nothing; the only repeats are alerts the API
    accepted but whose mark was not committed."""
    fake = world.fake
    alerts = make_alerts(world, 600, chats=100, groups=False)
    await enqueue(world.engine, alerts)
    expected = deliverable(world, alerts)
    # One send at a time, so nothing is still on the wire when the worker dies.
    short = Tuning(
        **{**FAST.__dict__, "lease": timedelta(seconds=8), "horizon": 2.0, "max_in_flight": 1}
    )
    crasher = CrashAfter(world.sender, 250)
    first = OutboxWorker(world.engine, crasher, limits=SCALED, tuning=short)
    crasher.task = task = first.start()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    before = received(fake)
    assert sum(before.values()) == 250
    stored = await statuses(world.engine)
    key_of = {text_of(a): a.dedup_key for a in alerts}
    window = {t for t in before if stored[key_of[t]][0] == "pending"}  # sent, not marked
    assert 1 <= len(window) <= 20, window

    second = OutboxWorker(world.engine, world.sender, limits=SCALED, tuning=short)
    second.start()
    try:
        # The crashed worker's rows come back when its lease is over (8 s).
        await wait_delivered(world, expected, timeout=40)
        await fake.wait_for(lambda: all(received(fake)[t] == 2 for t in window), timeout=20)
    finally:
        await second.stop()
    got = received(fake)
    assert set(got) == expected
    assert {t for t, n in got.items() if n > 1} == window
    assert max(got.values()) == 2
    assert Counter(s for s, _ in (await statuses(world.engine)).values())["pending"] == 0


async def test_the_running_bot_delivers_alerts(live):
    """handlers.telegram.runner starts the worker beside polling: a notice written by any
    use case reaches the person's chat, in their language as it is when sent."""
    user = live.fake.create_user("Li", language_code="en")
    now = live.app.clock.now()
    async with write_transaction(live.app.engine) as conn:
        person = (
            await conn.execute(
                people.insert().values(display_name="Li", language="en", created_at=now)
            )
        ).inserted_primary_key[0]
        await conn.execute(
            identities.insert().values(
                person_id=person,
                channel="telegram",
                external_id=str(user.id),
                chat_id=str(user.id),
                created_at=now,
            )
        )
    async with live.app.uow(write=True) as uow:
        notice = Notice("wired:1", NoticeKind.IDLE, {"station": "Li's shop", "days": 4}, person)
        await uow.outbox.enqueue([notice], live.app.clock.now())
        await uow.commit()
    message = await live.fake.wait_for_message(user.id, timeout=10)
    assert message.text.startswith("Nothing has been logged at Li's shop for 4 days.")
    assert message.text.endswith("\n/menu")
