"""The keeper's ledger through LedgerService, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.ledger import EntryKind
from bot.domain.periods import Period
from bot.domain.privacy import phone_hash
from bot.domain.roles import Role, Scope
from bot.services.authz import Actor
from bot.services.ledger import DuplicateTracking, LedgerService
from tests.support.network import seed_network

KEY = b"test-key"


@pytest.fixture
async def setup(engine, uow_factory, clock):
    net = await seed_network(engine)
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
    return LedgerService(uow_factory, clock, KEY), keeper, other, engine


async def intake(ledger, actor, key, tracking="SF1234567890", **extra):
    return await ledger.intake(
        actor,
        request_key=key,
        tracking_no=tracking,
        carrier="SF",
        recipient_name="张三",
        phone_last4="1234",
        **extra,
    )


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
    ledger, keeper, _, engine = setup
    recorded = await ledger.intake(
        keeper,
        request_key="k",
        tracking_no="SF1111111111",
        carrier=None,
        recipient_name="李四",
        phone_last4=None,
        phone_full="13812345678",
    )
    assert recorded.entry.phone_last4 == "5678"
    async with engine.connect() as conn:
        dump = str((await conn.exec_driver_sql("SELECT * FROM ledger_entries")).all())
    assert "13812345678" not in dump and phone_hash(KEY, "13812345678") in dump


async def test_pickup_by_code_or_last_four_once(setup):
    ledger, keeper, _, _ = setup
    parcel = (await intake(ledger, keeper, "k1")).entry
    await intake(ledger, keeper, "k2", tracking="YT1234567890123")
    assert len(await ledger.find_waiting(keeper, phone_last4="1234")) == 2
    [found] = await ledger.find_waiting(keeper, code="A-001")
    done = await ledger.close_parcel(keeper, found.entry_id, request_key="p1")
    assert done.entry.kind is EntryKind.PARCEL_PICKUP and done.entry.refers_to_id == parcel.id
    assert (await ledger.close_parcel(keeper, found.entry_id, request_key="p1")).replay
    with pytest.raises(InvalidInput, match="no longer waiting"):
        await ledger.close_parcel(keeper, found.entry_id, request_key="p2")
    assert len(await ledger.find_waiting(keeper, phone_last4="1234")) == 1


async def test_return_needs_a_reason(setup):
    ledger, keeper, _, _ = setup
    parcel = (await intake(ledger, keeper, "k1")).entry
    with pytest.raises(InvalidInput, match="why"):
        await ledger.close_parcel(keeper, parcel.id, request_key="r", returned=True, reason=" ")
    done = await ledger.close_parcel(
        keeper, parcel.id, request_key="r", returned=True, reason="无人认领"
    )
    assert done.entry.kind is EntryKind.PARCEL_RETURN and done.entry.reason == "无人认领"


async def test_foreign_station_parcel_is_not_found(setup):
    ledger, keeper, other, _ = setup
    parcel = (await intake(ledger, keeper, "k1")).entry
    with pytest.raises(NotFound):
        await ledger.close_parcel(other, parcel.id, request_key="x")
    with pytest.raises(NotFound):
        await ledger.void(other, parcel.id, reason="wrong", request_key="v")


async def test_void_is_a_reversal_and_frees_the_tracking_number(setup):
    ledger, keeper, _, engine = setup
    sale = (
        await ledger.sale(
            keeper,
            request_key="s1",
            product="脆李",
            quantity=Decimal("20"),
            unit="jin",
            amount_fen=40_000,
            channel="livestream",
        )
    ).entry
    ship = (
        await ledger.shipment(
            keeper,
            request_key="u1",
            tracking_no="YT9876543210123",
            carrier="YTO",
            product="脆李",
            weight_g=5000,
            declared_value_fen=8_500,
        )
    ).entry
    month = await ledger.month(keeper)
    assert (month.metrics.upstream_fen, month.metrics.upstream_parcels) == (40_000, 1)
    reversal = (await ledger.void(keeper, ship.id, reason="单号输错", request_key="v1")).entry
    assert reversal.reverses_id == ship.id and reversal.parcel_count == -1
    with pytest.raises(InvalidInput, match="already voided"):
        await ledger.void(keeper, ship.id, reason="again", request_key="v2")
    month = await ledger.month(keeper)
    assert (month.metrics.upstream_fen, month.metrics.upstream_parcels) == (40_000, 0)
    # The number can be logged again now, correctly this time.
    await ledger.shipment(
        keeper,
        request_key="u2",
        tracking_no="YT9876543210123",
        carrier="YTO",
        product="脆李",
        weight_g=5000,
        declared_value_fen=8_500,
    )
    history = await ledger.history(keeper, ship.id)
    assert [e.id for e in history] == [ship.id, reversal.id]
    assert history[1].reason == "单号输错"
    async with engine.connect() as conn:  # nothing was deleted or edited
        rows = (await conn.exec_driver_sql("SELECT count(*) FROM ledger_entries")).scalar()
    assert rows == 4 and sale.id


async def test_void_of_pickup_puts_the_parcel_back(setup):
    ledger, keeper, _, _ = setup
    parcel = (await intake(ledger, keeper, "k1")).entry
    pickup = (await ledger.close_parcel(keeper, parcel.id, request_key="p1")).entry
    with pytest.raises(InvalidInput, match="void that first"):
        await ledger.void(keeper, parcel.id, reason="mistake", request_key="v0")
    await ledger.void(keeper, pickup.id, reason="picked up by mistake", request_key="v1")
    assert [p.pickup_code for p in await ledger.find_waiting(keeper, code="A-001")] == ["A-001"]
    month = await ledger.month(keeper)
    assert (month.metrics.parcels_in, month.metrics.parcels_out) == (1, 0)


async def test_closed_month_cannot_be_voided(setup, clock):
    ledger, keeper, _, _ = setup
    entry = (
        await ledger.proxy_purchase(keeper, request_key="p", item="洗衣机", amount_fen=129_900)
    ).entry
    clock.advance(days=40)
    with pytest.raises(NotAllowed, match="closed"):
        await ledger.void(keeper, entry.id, reason="late", request_key="v")


async def test_month_summary_against_thresholds(setup, clock):
    ledger, keeper, _, _ = setup
    await ledger.proxy_purchase(keeper, request_key="p1", item="洗衣机", amount_fen=129_900)
    await ledger.service(
        keeper, request_key="s1", service_kind="electricity", amount_fen=20_000, fee_fen=200
    )
    month = await ledger.month(keeper)
    assert month.period == Period(2026, 11)
    assert month.metrics.downstream_fen == 129_900 and month.metrics.services == 1
    assert month.verdict.missing_downstream_fen == 200_000 - 129_900
    assert month.verdict.missing_upstream_parcels == 100 and not month.verdict.passes
    assert month.days_left == 30 - 24  # 24 Nov 10:00 Beijing


async def test_month_boundary_is_in_beijing_time(setup, clock):
    ledger, keeper, _, _ = setup
    clock._now = datetime(2026, 10, 31, 15, 30, tzinfo=UTC)  # 23:30 on 31 Oct in Beijing
    entry = (await ledger.proxy_purchase(keeper, request_key="p", item="x", amount_fen=100)).entry
    assert entry.period == "2026-10"
    clock._now = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 00:00 on 1 Nov in Beijing
    entry = (await ledger.proxy_purchase(keeper, request_key="q", item="x", amount_fen=100)).entry
    assert entry.period == "2026-11"


async def test_staff_cannot_write_a_ledger(setup, engine):
    ledger, keeper, _, _ = setup
    staff = Actor(
        "telegram", "9", person_id=None, role=Role.COUNTY_STAFF, scope=Scope(keeper.scope.county_id)
    )
    with pytest.raises(NotAllowed):
        await ledger.proxy_purchase(staff, request_key="x", item="x", amount_fen=100)


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
