"""The keeper's ledger through the services' commands, on SQLite, PostgreSQL and memory."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.domain.commands import (
    CloseParcel,
    EntryHistory,
    FindParcels,
    RecordIntake,
    RecordProxyPurchase,
    RecordSale,
    RecordService,
    RecordShipment,
    ShowMonth,
    VoidEntry,
)
from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.ledger import EntryKind, SaleChannel, ServiceKind
from bot.domain.periods import Period
from bot.domain.phones import PhoneInput
from bot.domain.privacy import phone_hash
from bot.domain.quantities import Quantity, Unit
from bot.domain.roles import Role, Scope
from bot.services.authz import Actor
from bot.services.bus import Services
from bot.services.env import Env
from bot.services.ledger import DuplicateTracking
from tests.support.backends import count, seed_network, table_rows

KEY = b"test-key"


@pytest.fixture
async def setup(uow_factory, clock):
    net = await seed_network(uow_factory)
    keeper = Actor(
        "telegram",
        "1",
        person_id=None,
        role=Role.KEEPER,
        scope=Scope(net.county_a, net.township_a1, net.station_a1),
    )
    other = Actor(
        "telegram",
        "2",
        person_id=None,
        role=Role.KEEPER,
        scope=Scope(net.county_a, net.township_a1, net.station_a2),
    )
    return Services(uow_factory, Env(clock, KEY)), keeper, other, uow_factory


async def intake(ledger, actor, key, tracking="SF1234567890", **extra):
    command = RecordIntake(
        tracking, "张三", PhoneInput(last4_only="1234"), carrier="SF", request_key=key, **extra
    )
    return await ledger.run(command, actor)


async def find(ledger, actor, **query):
    return (await ledger.run(FindParcels(**query), actor)).parcels


async def close(ledger, actor, entry_id, key, **extra):
    return await ledger.run(CloseParcel(entry_id, request_key=key, **extra), actor)


async def void(ledger, actor, entry_id, reason, key):
    return await ledger.run(VoidEntry(entry_id, reason, request_key=key), actor)


async def month_of(ledger, actor):
    return await ledger.run(ShowMonth(), actor)


async def proxy(ledger, actor, key, amount_fen, item="洗衣机", **extra):
    return await ledger.run(RecordProxyPurchase(item, amount_fen, request_key=key, **extra), actor)


def shipment(key, tracking="YT9876543210123"):
    return RecordShipment(tracking, "脆李", 5000, 8_500, carrier="YTO", request_key=key)


async def test_intake_gives_pickup_codes_and_refuses_duplicates(setup):
    ledger, keeper, other, _ = setup
    first = await intake(ledger, keeper, "k1")
    second = await intake(ledger, keeper, "k2", tracking="YT1234567890123")
    assert (first.entry.pickup_code, second.entry.pickup_code) == ("A-001", "A-002")
    with pytest.raises(DuplicateTracking) as dup:
        await intake(ledger, keeper, "k3")
    assert dup.value.existing.id == first.entry.id
    # Another station may log the same number (a parcel can be re-routed).
    assert (await intake(ledger, other, "k4")).entry.pickup_code == "A-001"
    # A retry of the same request finds the first result.
    again = await intake(ledger, keeper, "k1")
    assert again.replay and again.entry.id == first.entry.id


async def test_full_phone_is_kept_only_as_keyed_hash(setup):
    ledger, keeper, _, db = setup
    command = RecordIntake("SF1111111111", "李四", PhoneInput(full="13812345678"), request_key="k")
    recorded = await ledger.run(command, keeper)
    assert recorded.entry.phone_last4 == "5678"
    dump = str(await table_rows(db, "ledger_entries"))
    assert "13812345678" not in dump and phone_hash(KEY, "13812345678") in dump


async def test_pickup_by_code_or_last_four_once(setup):
    ledger, keeper, _, _ = setup
    parcel = (await intake(ledger, keeper, "k1")).entry
    await intake(ledger, keeper, "k2", tracking="YT1234567890123")
    assert len(await find(ledger, keeper, phone_last4="1234")) == 2
    [found] = await find(ledger, keeper, pickup_code="A-001")
    done = await close(ledger, keeper, found.entry_id, "p1")
    assert done.entry.kind is EntryKind.PARCEL_PICKUP and done.entry.refers_to_id == parcel.id
    assert (await close(ledger, keeper, found.entry_id, "p1")).replay
    with pytest.raises(InvalidInput, match="no longer waiting"):
        await close(ledger, keeper, found.entry_id, "p2")
    assert len(await find(ledger, keeper, phone_last4="1234")) == 1


async def test_return_needs_a_reason(setup):
    ledger, keeper, _, _ = setup
    parcel = (await intake(ledger, keeper, "k1")).entry
    with pytest.raises(InvalidInput, match="why"):
        await close(ledger, keeper, parcel.id, "r", returned=True, reason=" ")
    done = await close(ledger, keeper, parcel.id, "r", returned=True, reason="无人认领")
    assert done.entry.kind is EntryKind.PARCEL_RETURN and done.entry.reason == "无人认领"


async def test_foreign_station_parcel_is_not_found(setup):
    ledger, keeper, other, _ = setup
    parcel = (await intake(ledger, keeper, "k1")).entry
    with pytest.raises(NotFound):
        await close(ledger, other, parcel.id, "x")
    with pytest.raises(NotFound):
        await void(ledger, other, parcel.id, "wrong", "v")


async def test_void_is_a_reversal_and_frees_the_tracking_number(setup):
    ledger, keeper, _, db = setup
    sale = (
        await ledger.run(
            RecordSale(
                "脆李",
                Quantity(Decimal("20"), Unit.JIN),
                40_000,
                SaleChannel.LIVESTREAM,
                request_key="s1",
            ),
            keeper,
        )
    ).entry
    ship = (await ledger.run(shipment("u1"), keeper)).entry
    month = await month_of(ledger, keeper)
    assert (month.metrics.upstream_fen, month.metrics.upstream_parcels) == (40_000, 1)
    reversal = (await void(ledger, keeper, ship.id, "单号输错", "v1")).entry
    assert reversal.reverses_id == ship.id and reversal.parcel_count == -1
    with pytest.raises(InvalidInput, match="already voided"):
        await void(ledger, keeper, ship.id, "again", "v2")
    month = await month_of(ledger, keeper)
    assert (month.metrics.upstream_fen, month.metrics.upstream_parcels) == (40_000, 0)
    # The number can be logged again now, correctly this time.
    await ledger.run(shipment("u2"), keeper)
    history = (await ledger.run(EntryHistory(ship.id), keeper)).entries
    assert [e.id for e in history] == [ship.id, reversal.id]
    assert history[1].reason == "单号输错"
    assert await count(db, "ledger_entries") == 4 and sale.id  # nothing deleted or edited


async def test_void_of_pickup_puts_the_parcel_back(setup):
    ledger, keeper, _, _ = setup
    parcel = (await intake(ledger, keeper, "k1")).entry
    pickup = (await close(ledger, keeper, parcel.id, "p1")).entry
    with pytest.raises(InvalidInput, match="void that first"):
        await void(ledger, keeper, parcel.id, "mistake", "v0")
    await void(ledger, keeper, pickup.id, "picked up by mistake", "v1")
    assert [p.pickup_code for p in await find(ledger, keeper, pickup_code="A-001")] == ["A-001"]
    month = await month_of(ledger, keeper)
    assert (month.metrics.parcels_in, month.metrics.parcels_out) == (1, 0)


async def test_closed_month_cannot_be_voided(setup, clock):
    ledger, keeper, _, _ = setup
    entry = (await proxy(ledger, keeper, "p", 129_900)).entry
    clock.advance(days=40)
    with pytest.raises(NotAllowed, match="closed"):
        await void(ledger, keeper, entry.id, "late", "v")


async def test_month_summary_against_thresholds(setup, clock):
    ledger, keeper, _, _ = setup
    await proxy(ledger, keeper, "p1", 129_900)
    await ledger.run(RecordService(ServiceKind.ELECTRICITY, 20_000, 200, request_key="s1"), keeper)
    month = await month_of(ledger, keeper)
    assert month.period == Period(2026, 11)
    assert month.metrics.downstream_fen == 129_900 and month.metrics.services == 1
    assert month.verdict.missing_downstream_fen == 200_000 - 129_900
    assert month.verdict.missing_upstream_parcels == 100 and not month.verdict.passes
    assert month.days_left == 30 - 24  # 24 Nov 10:00 Beijing


async def test_month_boundary_is_in_beijing_time(setup, clock):
    ledger, keeper, _, _ = setup
    clock._now = datetime(2026, 10, 31, 15, 30, tzinfo=UTC)  # 23:30 on 31 Oct in Beijing
    entry = (await proxy(ledger, keeper, "p", 100, item="x")).entry
    assert entry.period == "2026-10"
    clock._now = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 00:00 on 1 Nov in Beijing
    entry = (await proxy(ledger, keeper, "q", 100, item="x")).entry
    assert entry.period == "2026-11"


async def test_staff_cannot_write_a_ledger(setup):
    ledger, keeper, _, _ = setup
    staff = Actor(
        "telegram", "9", person_id=None, role=Role.COUNTY_STAFF, scope=Scope(keeper.scope.county_id)
    )
    with pytest.raises(NotAllowed):
        await proxy(ledger, staff, "x", 100, item="x")


async def test_concurrent_intakes_get_distinct_codes(setup):
    ledger, keeper, _, _ = setup
    results = await asyncio.gather(
        *(intake(ledger, keeper, f"c{i}", tracking=f"SF{i:012d}") for i in range(20))
    )
    codes = [r.entry.pickup_code for r in results]
    assert len(set(codes)) == 20


async def test_concurrent_same_tracking_logs_once(setup):
    ledger, keeper, _, _ = setup
    results = await asyncio.gather(
        *(intake(ledger, keeper, f"d{i}") for i in range(8)), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, DuplicateTracking) for r in results if isinstance(r, BaseException))


async def test_an_entry_counts_in_the_month_it_was_sent(setup, clock):
    """A keeper's 23:30 message on the last day of the month, handled after midnight (the
    bot was down, the phone offline), belongs to that month; both times are kept."""
    ledger, keeper, _, _ = setup
    sent = datetime(2026, 10, 31, 15, 30, tzinfo=UTC)  # 23:30 on 31 Oct in Beijing
    clock._now = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)  # handled 01:00 on 1 Nov
    entry = (await proxy(ledger, keeper, "late", 100, occurred_at=sent)).entry
    assert (entry.period, entry.occurred_at) == ("2026-10", sent)


async def test_an_unbelievable_sent_time_is_replaced_by_now(setup, clock):
    ledger, keeper, _, _ = setup
    clock._now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    future = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # a phone clock a day ahead
    ancient = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)  # far past what Telegram keeps
    for key, sent in (("f", future), ("a", ancient)):
        entry = (await proxy(ledger, keeper, key, 100, occurred_at=sent)).entry
        assert (entry.period, entry.occurred_at) == ("2026-11", clock.now())


async def test_use_cases_join_the_callers_transaction(setup):
    """Given a unit of work, a use case writes in it and the caller decides: the update
    pipeline commits an update's claim, dialog and writes together, or none of them."""
    ledger, keeper, _, db = setup
    async with db(write=True) as uow:
        await ledger.run(RecordProxyPurchase("洗衣机", 100, request_key="j1"), keeper, uow)
        await ledger.run(RecordProxyPurchase("冰箱", 200, request_key="j2"), keeper, uow)
        # Not committed: rolled back on leaving.
    assert await count(db, "ledger_entries") == 0
    async with db(write=True) as uow:
        await ledger.run(RecordProxyPurchase("洗衣机", 100, request_key="j1"), keeper, uow)
        await ledger.run(RecordProxyPurchase("冰箱", 200, request_key="j2"), keeper, uow)
        await uow.commit()
    month = await month_of(ledger, keeper)
    assert month.metrics.downstream_fen == 300


async def test_a_write_without_a_request_key_is_a_programming_error(setup):
    ledger, keeper, _, _ = setup
    with pytest.raises(ValueError, match="request_key"):
        await ledger.run(RecordProxyPurchase("洗衣机", 100), keeper)
