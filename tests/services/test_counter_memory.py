"""The shelf and the county desk as use cases, on the memory backend: pages of a busy
shelf, searches, one person's parcels, the void preview; 300 stations listed, filtered
and paged for county staff."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.domain.commands import (
    CloseParcel,
    FindParcels,
    ListStations,
    PreviewVoid,
    RecordIntake,
    RecordProxyPurchase,
    RecordSale,
    ShowShelf,
    StationDesk,
    VoidEntry,
)
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.network import StationStatus, Tier
from bot.domain.phones import PhoneInput
from bot.domain.quantities import Quantity, Unit
from bot.domain.roles import Role
from bot.services.network_import import (
    CountyRecord,
    ImportPlan,
    StationRecord,
    TownshipRecord,
    VillageRecord,
)
from tests.support.backends import network_import_stores
from tests.support.network import T0
from tests.support.scoring import register


def intake(n: int, name: str, last4: str) -> RecordIntake:
    return RecordIntake(
        tracking_no=f"SF{1000000000 + n}",
        recipient_name=name,
        phone=PhoneInput(last4_only=last4),
        request_key=f"in:{n}",
    )


async def test_a_busy_shelf_pages_oldest_first_and_marks_stranded(world, clock):
    services, keeper = world.services, world.keeper
    await services.run(intake(0, "王五", "5678"), keeper)
    clock.advance(hours=49)  # past the default 48 stranded hours
    for n in range(1, 40):
        await services.run(intake(n, f"村民{n % 7}", f"{1000 + n % 5}"), keeper)
    first = await services.run(ShowShelf(0), keeper)
    assert (first.total, first.pages, len(first.parcels)) == (40, 3, 15)
    assert first.parcels[0].recipient_name == "王五"
    assert first.parcels[0].arrived_at < first.stranded_before < first.parcels[1].arrived_at
    last = await services.run(ShowShelf(99), keeper)  # a stale page number: the last page
    assert (last.page, len(last.parcels)) == (2, 10)
    assert last.parcels[-1].pickup_code == "A-040"


async def test_searches_and_one_persons_parcels(world):
    services, keeper = world.services, world.keeper
    for n, (name, last4) in enumerate(
        [("张三", "1234"), ("张三丰", "9999"), ("张三", "1234"), ("李四", "1234")]
    ):
        await services.run(intake(n, name, last4), keeper)
    by_name = await services.run(FindParcels(name="张三"), keeper)
    assert [p.recipient_name for p in by_name.parcels] == ["张三", "张三丰", "张三"]
    by_phone = await services.run(FindParcels(phone_last4="1234"), keeper)
    [bundle] = by_phone.bundles()
    assert [p.pickup_code for p in bundle] == ["A-001", "A-003"]
    for parcel in bundle:
        await services.run(
            CloseParcel(parcel.entry_id, request_key=f"out:{parcel.entry_id}"), keeper
        )
    gone = await services.run(FindParcels(pickup_code="A-001"), keeper)
    assert gone.parcels == [] and gone.left[0].by == "u3"
    assert gone.left[0].entry.kind.value == "parcel_pickup"


async def test_the_void_preview_refuses_what_the_void_would(world):
    services, keeper = world.services, world.keeper
    saved = await services.run(RecordProxyPurchase("洗衣机", 129_900, request_key="p1"), keeper)
    preview = await services.run(PreviewVoid(saved.entry.id), keeper)
    assert preview.entries[0].item == "洗衣机" and preview.names == {keeper.person_id: "u3"}
    await services.run(VoidEntry(saved.entry.id, "金额输错", request_key="v1"), keeper)
    with pytest.raises(InvalidInput, match="already voided"):
        await services.run(PreviewVoid(saved.entry.id), keeper)
    with pytest.raises(NotAllowed):
        await services.run(PreviewVoid(saved.entry.id), world.staff)


@pytest.fixture
async def county300(uow, services, clock):
    """County C: 20 townships × 15 stations, keepers at the first two stations."""
    plan = ImportPlan()
    plan.counties.create.append(CountyRecord("C", "丙县", "Asia/Shanghai"))
    for t in range(20):
        plan.townships.create.append(TownshipRecord(f"C-T{t:02d}", f"镇{t}", "C"))
        plan.villages.create.append(VillageRecord(f"C-V{t:02d}", f"村{t}", f"C-T{t:02d}"))
        for s in range(15):
            status = StationStatus.WARNED if s == 14 else StationStatus.ACTIVE
            plan.stations.create.append(
                StationRecord(
                    f"C-S{t:02d}{s:02d}", f"站{t}-{s}", f"C-V{t:02d}", Tier.ORDINARY, status,
                    None, None, None,
                )
            )  # fmt: skip
    stores = network_import_stores(uow)
    async with stores(write=True) as store:
        await store.apply(plan, T0, lambda n: None)
        await store.commit()
    staff = await register(services, 50, Role.COUNTY_STAFF, "C")
    busy = await register(services, 51, Role.KEEPER, "C-S0000")
    await services.run(RecordProxyPurchase("冰箱", 300_000, request_key="c1"), busy)
    sale = RecordSale("脆李", Quantity(Decimal(200), Unit.JIN), 120_000, request_key="c3")
    await services.run(sale, busy)  # both directions met: the one station not below
    clock.advance(days=4)
    fresh = await register(services, 52, Role.KEEPER, "C-S0001")
    await services.run(RecordProxyPurchase("电视", 100_000, request_key="c2"), fresh)
    return staff


async def test_three_hundred_stations_filtered_sorted_and_paged(services, county300):
    staff = county300
    everything = await services.run(ListStations(), staff)
    assert (everything.total, everything.pages, len(everything.rows)) == (300, 20, 15)
    last = await services.run(ListStations(page=19), staff)
    assert last.rows[-1].card.code == "C-S1914"
    below = await services.run(ListStations(township="C-T00", below=True), staff)
    assert below.total == 14 and "C-S0000" not in [r.card.code for r in below.rows]
    idle = await services.run(ListStations(township="C-T00", idle=True), staff)
    assert idle.total == 14 and "C-S0001" not in [r.card.code for r in idle.rows]
    warned = await services.run(ListStations(state="warned"), staff)
    assert warned.total == 20
    by_activity = await services.run(ListStations(township="C-T00", sort="activity"), staff)
    assert [r.card.code for r in by_activity.rows][-2:] == ["C-S0000", "C-S0001"]
    by_down = await services.run(ListStations(township="C-T00", sort="downstream"), staff)
    assert [r.card.code for r in by_down.rows][-1] == "C-S0000"


async def test_the_desk_card_uses_the_keepers_month(services, county300, clock):
    card = await services.run(StationDesk("C-S0000"), county300)
    assert card.month.metrics.downstream_fen == 300_000 and card.month.verdict.downstream_ok
    assert card.keepers == ["u51"] and card.waiting == 0
    assert card.now - card.last_activity >= timedelta(days=4)


async def test_back_dating_into_a_closed_month_needs_an_exception(world, clock):
    from bot.domain.commands import OpenLockException
    from bot.domain.days import DayRef

    services, keeper = world.services, world.keeper
    async with world.uow(write=True) as uow:
        await uow.locks.lock(world.net.county_a, "2026-10", clock.now(), None)
        await uow.commit()
    late = RecordProxyPurchase("冰箱", 100_000, request_key="late", on_day=DayRef(month=10, day=30))
    with pytest.raises(NotAllowed, match="closed on"):
        await services.run(late, keeper)
    await services.run(
        OpenLockException("A-S3", "2026-10", 24, "补录", request_key="ex1"), world.staff
    )
    saved = await services.run(late, keeper)
    assert saved.entry.period == "2026-10"
