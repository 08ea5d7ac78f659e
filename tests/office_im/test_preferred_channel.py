"""A person reachable on several channels gets each notice once, on their preferred one:
the channel they chose, else the one they wrote on last. Proven with two channel workers
(Telegram and WeChat senders that record) running at once on SQLite and PostgreSQL; the
"wrote on last" is noted by the core when a front end resolves who is talking."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.domain.notices import Notice, NoticeKind
from bot.services.bus import Services
from bot.services.env import Env
from jobs.outbox_worker import OutboxWorker, Tuning
from jobs.rate_limit import Limits
from storage.engine import write_transaction
from storage.repositories.outbox import SqlOutboxRepo
from storage.schema import identities, outbox, people
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.test_outbox import add_person
from tests.support.backends import table_rows

FAST = Tuning(
    batch_size=7, poll_interval=0.05, lease=timedelta(seconds=30), lease_margin=5, send_timeout=5
)
UNLIMITED = Limits(per_second=1000, per_chat_per_second=1000, per_group_per_minute=1000)


class Recorder:
    """A channel's Sender that keeps what it was asked to send, slowly enough that the
    two workers' claims interleave."""

    def __init__(self, channel: str, log: list) -> None:
        self.channel, self.log = channel, log

    async def send(self, chat_id, notice) -> None:
        await asyncio.sleep(0.002)
        self.log.append((self.channel, chat_id, notice.text))


async def seen(services: Services, engine, channel: str, external_id: str) -> None:
    """The person writes on `channel`: the front end resolves them in its transaction."""
    async with SqlUnitOfWorkFactory(engine)(write=True) as uow:
        await services.who(channel, external_id, uow)
        await uow.commit()


def notices(person: int, n: int) -> list[Notice]:
    return [
        Notice(
            f"p{person}:{i}",
            NoticeKind.IDLE,
            {"station": f"P{person}-N{i:03d}", "days": 3},
            person_id=person,
        )
        for i in range(n)
    ]


@pytest.mark.sql
async def test_each_notice_once_on_the_preferred_channel_with_two_workers(engine, clock):
    now = clock.now()
    services = Services(SqlUnitOfWorkFactory(engine), Env(clock, b"k"))
    # 1 wrote on WeChat last; 2 on Telegram last; 3 wrote on WeChat last but chose Telegram;
    # 4 chose WeChat but has no WeChat address (a follower who left); 5 never wrote.
    for person in (1, 2, 3, 4, 5):
        await add_person(engine, person, now, telegram=f"t{person}", wechat=f"w{person}")
    async with write_transaction(engine) as conn:
        await conn.execute(
            update(identities)
            .where(identities.c.person_id == 4, identities.c.channel == "wechat")
            .values(chat_id=None)
        )
        await conn.execute(update(people).where(people.c.id == 3).values(notice_channel="telegram"))
        await conn.execute(update(people).where(people.c.id == 4).values(notice_channel="wechat"))
    order = [(2, "wechat"), (1, "telegram"), (2, "telegram"), (3, "telegram"), (4, "telegram")]
    for person, channel in [*order, (1, "wechat"), (3, "wechat")]:
        clock._now += timedelta(minutes=11)
        await seen(services, engine, channel, f"{channel}-{person}-{channel[0]}{person}")

    batch = [n for person in (1, 2, 3, 4, 5) for n in notices(person, 40)]
    async with write_transaction(engine) as conn:
        await SqlOutboxRepo(conn).enqueue(batch, clock.now())
    log: list = []
    workers = [
        OutboxWorker(engine, Recorder(ch, log), channel=ch, limits=UNLIMITED, tuning=FAST)
        for ch in ("telegram", "wechat")
    ]
    for worker in workers:
        worker.start()
    try:
        async with asyncio.timeout(30):
            while len(log) < len(batch):  # noqa: ASYNC110 (the recorder has no event)
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # anything doubled would show now
    finally:
        for worker in workers:
            await worker.stop()

    assert len(log) == len(batch)
    assert max(Counter(text for _, _, text in log).values()) == 1
    where = {(channel, chat) for channel, chat, _ in log}
    assert where == {
        ("wechat", "w1"),  # wrote on WeChat last
        ("telegram", "t2"),  # wrote on Telegram last
        ("telegram", "t3"),  # chose Telegram
        ("telegram", "t4"),  # chose WeChat, but has no address there
        ("wechat", "w5"),  # never wrote: the newest identity
    }
    assert all(w.stats.claimed > 0 for w in workers)  # both really worked
    async with engine.connect() as conn:
        statuses = Counter((await conn.execute(select(outbox.c.status))).scalars())
    assert statuses == {"sent": len(batch)}


async def test_the_channel_last_used_is_noted_at_most_every_ten_minutes(uow_factory, clock, county):
    """On SQLite, PostgreSQL and memory: the keeper of A-S1 is Telegram user "1"."""
    services = county[3]

    async def write_on_telegram():
        async with uow_factory(write=True) as uow:
            await services.who("telegram", "1", uow)
            await uow.commit()

    async def last_seen():
        [row] = await table_rows(uow_factory, "identities", external_id="1")
        return row["last_seen_at"]

    assert await last_seen() is None
    await write_on_telegram()
    first = await last_seen()
    assert first == clock.now()
    clock._now += timedelta(minutes=5)
    await write_on_telegram()
    assert await last_seen() == first  # within the step: no write
    clock._now += timedelta(minutes=6)
    await write_on_telegram()
    assert await last_seen() == clock.now()
    # Resolving outside a front end's transaction (a query) writes nothing.
    clock._now += timedelta(minutes=30)
    await services.who("telegram", "1")
    assert await last_seen() != clock.now()
