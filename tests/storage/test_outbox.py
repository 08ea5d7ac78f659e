"""The outbox as the delivery worker uses it, on SQLite and PostgreSQL: claims under a
lease, marks, crash recovery, blocked and migrated chats, mutes, and notices to people
resolved to an address and a language when claimed (or recorded undeliverable)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.domain.notices import Address, Intent, Notice, NoticeAction, NoticeKind
from bot.domain.text import Text
from storage.engine import write_transaction
from storage.repositories.outbox import SqlOutboxRepo
from storage.schema import identities, outbox, people

LEASE = timedelta(minutes=2)
KINDS = {"idle": NoticeKind.IDLE, "nudge": NoticeKind.NUDGE, "verdict": NoticeKind.VERDICT}


def alert(n: int, chat: str | None = None, person: int | None = None, category="idle") -> Notice:
    """A notice to a chat (`chat`, or a made-up one) or, with `person`, to a person."""
    return Notice(
        dedup_key=f"test:{n}",
        kind=KINDS[category],
        params={"station": f"S{n}", "days": n},
        person_id=person,
        address=None if person else Address("telegram", chat or str(1000 + n)),
    )


async def enqueue(engine, alerts: list[Notice], now) -> int:
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


async def add_person(engine, person_id: int, now, language: str | None = None, **chats) -> int:
    """A person, with a chat on each channel named (`telegram="55"`)."""
    async with write_transaction(engine) as conn:
        await conn.execute(
            people.insert().values(
                id=person_id, display_name=f"p{person_id}", language=language, created_at=now
            )
        )
        for channel, chat in chats.items():
            await conn.execute(
                identities.insert().values(
                    person_id=person_id,
                    channel=channel,
                    external_id=f"{channel}-{person_id}-{chat}",
                    chat_id=chat,
                    created_at=now,
                )
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
    assert counts == {
        "pending": 4,
        "sent": 1,
        "failed": 0,
        "blocked": 0,
        "muted": 0,
        "undeliverable": 0,
    }


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
    keeper = await add_person(engine, 1, now, telegram="501")
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
    other = Notice(
        "wecom:1", NoticeKind.IDLE, {"station": "S", "days": 1}, address=Address("wecom", "x1")
    )
    await enqueue(engine, [alert(1), other], now)
    assert [r.dedup_key for r in await claim(engine, now)] == ["test:1"]
    assert [r.dedup_key for r in await claim(engine, now, channel="wecom")] == ["wecom:1"]


async def test_a_notice_to_a_person_is_addressed_when_claimed(engine, clock):
    """The address and the language are the person's as they are at send time."""
    now = clock.now()
    keeper = await add_person(engine, 7, now, language="en", telegram="7007")
    decide = NoticeAction(
        Text("Decide: {code}", {"code": "A-S1"}),
        Intent.DECIDE_REMOVAL,
        {"station_id": 3, "period": "2026-10"},
    )
    digest = Notice(
        "test:digest",
        NoticeKind.DIGEST,
        {"county": "A", "n": 1},
        person_id=keeper,
        actions=(decide,),
    )
    await enqueue(engine, [digest], now)
    stored = (await rows(engine))["test:digest"]
    assert stored["chat_id"] is None and stored["channel"] is None and "text" not in stored
    async with write_transaction(engine) as conn:  # the person switches language meanwhile
        await conn.execute(people.update().where(people.c.id == keeper).values(language="zh"))

    (row,) = await claim(engine, now)
    assert (row.chat_id, row.language, row.person_id) == ("7007", "zh", keeper)
    assert row.kind is NoticeKind.DIGEST and row.params == {"county": "A", "n": 1}
    assert row.actions == (decide,)
    assert (await rows(engine))["test:digest"]["chat_id"] == "7007"  # where it was tried


async def test_a_person_without_any_address_is_recorded_undeliverable(engine, clock):
    now = clock.now()
    nowhere = await add_person(engine, 8, now)  # registered, but no chat anywhere
    elsewhere = await add_person(engine, 9, now, wecom="w9")  # reachable on another channel
    await enqueue(engine, [alert(1, person=nowhere), alert(2, person=elsewhere), alert(3)], now)

    assert [r.dedup_key for r in await claim(engine, now)] == ["test:3"]
    stored = await rows(engine)
    assert stored["test:1"]["status"] == "undeliverable"
    assert stored["test:1"]["last_error"] == "no address on any channel"
    assert stored["test:2"]["status"] == "pending"  # waits for the WeCom worker
    (got,) = await claim(engine, now, channel="wecom")
    assert (got.dedup_key, got.chat_id) == ("test:2", "w9")
    async with engine.connect() as conn:
        assert (await SqlOutboxRepo(conn).counts())["undeliverable"] == 1


async def test_a_notice_goes_to_a_person_or_to_a_chat(engine, clock):
    with pytest.raises(ValueError):
        Notice("x", NoticeKind.IDLE, {})
    with pytest.raises(ValueError):
        Notice("x", NoticeKind.IDLE, {}, person_id=1, address=Address("telegram", "1"))
