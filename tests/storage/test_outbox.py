"""The outbox as the delivery worker uses it, on SQLite and PostgreSQL: claims under a
lease, marks, crash recovery, blocked and migrated chats, mutes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.domain.alerts import Alert, AlertCategory
from storage.engine import write_transaction
from storage.repositories.outbox import SqlOutboxRepo
from storage.schema import outbox, people

LEASE = timedelta(minutes=2)


def alert(n: int, chat: str | None = None, person: int | None = None, category="idle") -> Alert:
    return Alert(
        dedup_key=f"test:{n}",
        category=AlertCategory(category),
        chat_id=chat or str(1000 + n),
        text=f"alert {n}",
        person_id=person,
    )


async def enqueue(engine, alerts: list[Alert], now) -> int:
    async with write_transaction(engine) as conn:
        return await SqlOutboxRepo(conn).enqueue(alerts, now)


async def claim(engine, now, limit=100, channel="telegram"):
    async with write_transaction(engine) as conn:
        return await SqlOutboxRepo(conn).claim(channel, now, now + LEASE, limit)


async def act(engine, method: str, *args):
    async with write_transaction(engine) as conn:
        return await getattr(SqlOutboxRepo(conn), method)(*args)


async def rows(engine) -> dict[str, dict]:
    async with engine.connect() as conn:
        found = await conn.execute(select(outbox).order_by(outbox.c.id))
        return {r.dedup_key: dict(r._mapping) for r in found}


async def add_person(engine, person_id: int, now) -> int:
    async with write_transaction(engine) as conn:
        await conn.execute(
            people.insert().values(id=person_id, display_name=f"p{person_id}", created_at=now)
        )
    return person_id


async def test_a_claim_leases_due_rows_until_marked_or_expired(engine, clock):
    now = clock.now()
    assert await enqueue(engine, [alert(n) for n in range(5)], now) == 5
    assert await enqueue(engine, [alert(0)], now) == 0  # the dedup key holds

    first = await claim(engine, now, limit=3)
    assert [r.dedup_key for r in first] == ["test:0", "test:1", "test:2"]
    assert {r.lease for r in first} == {now + LEASE}
    second = await claim(engine, now)
    assert [r.dedup_key for r in second] == ["test:3", "test:4"]
    assert await claim(engine, now) == []  # everything is leased

    assert await act(engine, "mark_sent", [first[0].id], now) == 1
    assert await act(engine, "mark_sent", [first[0].id], now) == 0  # marks once
    later = now + LEASE + timedelta(seconds=1)
    again = await claim(engine, later)
    assert [r.dedup_key for r in again] == ["test:1", "test:2", "test:3", "test:4"]

    stored = await rows(engine)
    assert stored["test:0"]["status"] == "sent"
    assert stored["test:0"]["sent_at"] == now and stored["test:0"]["attempts"] == 1
    assert stored["test:0"]["claimed_until"] is None
    async with engine.connect() as conn:
        counts = await SqlOutboxRepo(conn).counts()
    assert counts == {"pending": 4, "sent": 1, "failed": 0, "blocked": 0, "muted": 0}


async def test_a_retry_waits_for_its_time_and_counts_the_attempt(engine, clock):
    now = clock.now()
    await enqueue(engine, [alert(1)], now)
    (row,) = await claim(engine, now)
    later = now + timedelta(seconds=30)
    # Fenced by the lease: a worker that lost it cannot touch the row.
    assert not await act(engine, "mark_retry", row.id, now, later, "502")
    assert await act(engine, "mark_retry", row.id, row.lease, later, "502 Bad Gateway")
    assert await claim(engine, now + timedelta(seconds=29)) == []
    (again,) = await claim(engine, later)
    assert again.attempts == 1
    assert (await rows(engine))["test:1"]["last_error"] == "502 Bad Gateway"
    assert await act(engine, "mark_failed", again.id, again.lease, "gave up")
    stored = (await rows(engine))["test:1"]
    assert stored["status"] == "failed" and stored["attempts"] == 2
    assert await claim(engine, later + LEASE * 2) == []


async def test_release_gives_rows_back_without_an_attempt(engine, clock):
    now = clock.now()
    await enqueue(engine, [alert(n) for n in range(3)], now)
    claimed = await claim(engine, now)
    leases = [(r.id, r.lease) for r in claimed]
    soon = now + timedelta(seconds=10)
    assert await act(engine, "release", leases[:1]) == 1
    assert await act(engine, "release", leases[1:], soon) == 2
    assert await act(engine, "release", leases, soon) == 0  # no longer theirs
    assert [r.dedup_key for r in await claim(engine, now)] == ["test:0"]
    assert [r.dedup_key for r in await claim(engine, soon)] == ["test:1", "test:2"]
    assert {r["attempts"] for r in (await rows(engine)).values()} == {0}


async def test_two_claimers_never_get_the_same_row(engine, clock):
    now = clock.now()
    await enqueue(engine, [alert(n) for n in range(300)], now)

    async def claimer() -> list[int]:
        got: list[int] = []
        while batch := await claim(engine, now, limit=7):
            got += [r.id for r in batch]
            await asyncio.sleep(0)
        return got

    results = await asyncio.gather(*(claimer() for _ in range(4)))
    everything = [i for got in results for i in got]
    assert len(everything) == len(set(everything)) == 300


@pytest.mark.postgres
async def test_postgres_claimers_skip_rows_locked_by_an_open_claim(engine, clock):
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers instead")
    now = clock.now()
    await enqueue(engine, [alert(n) for n in range(10)], now)
    async with write_transaction(engine) as first:
        held = await SqlOutboxRepo(first).claim("telegram", now, now + LEASE, 4)
        # The first claim is not committed yet: the second neither waits nor overlaps.
        async with asyncio.timeout(5):
            other = await claim(engine, now, limit=10)
    assert {r.id for r in held}.isdisjoint({r.id for r in other})
    assert len(held) + len(other) == 10


async def test_after_a_crash_only_unmarked_rows_are_claimed_again(engine, clock):
    now = clock.now()
    await enqueue(engine, [alert(n) for n in range(10)], now)
    batch = await claim(engine, now)
    delivered = batch[:4]  # sent and marked before the process died
    await act(engine, "mark_sent", [r.id for r in delivered], now)
    # …crash: the other six stay claimed until their lease runs out.
    assert await claim(engine, now + LEASE - timedelta(seconds=1)) == []
    again = await claim(engine, now + LEASE + timedelta(seconds=1))
    assert [r.dedup_key for r in again] == [r.dedup_key for r in batch[4:]]


async def test_blocked_chat_rows_and_state(engine, clock):
    now = clock.now()
    await enqueue(engine, [alert(1, chat="77"), alert(2, chat="77"), alert(3, chat="78")], now)
    claimed = await claim(engine, now)
    mine = [(r.id, r.lease) for r in claimed if r.chat_id == "77"]
    assert await act(engine, "mark_blocked", mine, "telegram", "77", now) == 2
    stored = await rows(engine)
    assert [stored[f"test:{n}"]["status"] for n in (1, 2, 3)] == ["blocked", "blocked", "pending"]
    async with engine.connect() as conn:
        state = await SqlOutboxRepo(conn).chat_state("telegram", "77")
    assert state["blocked_at"] == now and state["migrated_to"] is None
    await act(engine, "clear_blocked", "telegram", "77", now)
    async with engine.connect() as conn:
        assert (await SqlOutboxRepo(conn).chat_state("telegram", "77"))["blocked_at"] is None


async def test_a_migrated_group_is_followed(engine, clock):
    now = clock.now()
    await enqueue(engine, [alert(n, chat="-500") for n in range(3)], now)
    claimed = await claim(engine, now, limit=1)  # one row held by a worker
    await act(engine, "mark_sent", [claimed[0].id], now)
    assert await act(engine, "record_migration", "telegram", "-500", "-100500", now) == 2
    stored = await rows(engine)
    assert stored["test:0"]["chat_id"] == "-500"  # history stays as it was
    assert {stored["test:1"]["chat_id"], stored["test:2"]["chat_id"]} == {"-100500"}
    # An alert enqueued later for the old id is readdressed when claimed.
    await enqueue(engine, [alert(9, chat="-500")], now)
    got = await claim(engine, now)
    assert {r.chat_id for r in got} == {"-100500"}
    assert (await rows(engine))["test:9"]["chat_id"] == "-100500"


async def test_mutes(engine, clock):
    now = clock.now()
    keeper = await add_person(engine, 1, now)
    assert await act(engine, "mute", keeper, "idle", now)
    assert not await act(engine, "mute", keeper, "idle", now)
    assert await act(engine, "mute", keeper, "nudge", now)
    async with engine.connect() as conn:
        assert await SqlOutboxRepo(conn).mutes(keeper) == {"idle", "nudge"}
    assert await act(engine, "unmute", keeper, "nudge")
    assert not await act(engine, "unmute", keeper, "nudge")

    await enqueue(
        engine,
        [
            alert(1, person=keeper, category="idle"),  # muted already: never pending
            alert(2, person=keeper, category="nudge"),
            alert(3, person=keeper, category="verdict"),
        ],
        now,
    )
    # Muting after the alert was written still stops it before it is sent.
    await act(engine, "mute", keeper, "verdict", now)
    got = await claim(engine, now)
    assert [r.dedup_key for r in got] == ["test:2"]
    stored = await rows(engine)
    assert [stored[f"test:{n}"]["status"] for n in (1, 2, 3)] == ["muted", "pending", "muted"]


async def test_claims_are_per_channel(engine, clock):
    now = clock.now()
    other = Alert("wecom:1", AlertCategory.IDLE, "x1", "hi", channel="wecom")
    await enqueue(engine, [alert(1), other], now)
    assert [r.dedup_key for r in await claim(engine, now)] == ["test:1"]
    assert [r.dedup_key for r in await claim(engine, now, channel="wecom")] == ["wecom:1"]
