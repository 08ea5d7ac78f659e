"""What a product usually sells for, from the station's and the county's own sales, on
SQLite, PostgreSQL and memory: the station first, the county next, nothing (the fixed
ceilings decide) when too few sales compare; voided sales never count."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.commands import RecordSale, UsualUnitPrice, VoidEntry
from bot.domain.quantities import Quantity, Unit
from bot.domain.roles import Role, Scope
from bot.domain.unit_prices import PastSale, PriceSource
from bot.services.authz import Actor
from bot.services.bus import Services
from bot.services.env import Env
from tests.support.backends import seed_network


@pytest.fixture
async def setup(uow_factory, clock):
    net = await seed_network(uow_factory)

    def keeper(external_id: str, station: int) -> Actor:
        scope = Scope(net.county_a, net.township_a1, station)
        return Actor("telegram", external_id, person_id=None, role=Role.KEEPER, scope=scope)

    services = Services(uow_factory, Env(clock, b"k"))
    return services, keeper("1", net.station_a1), keeper("2", net.station_a2), uow_factory


async def sell(services, actor, key, product, amount, unit=Unit.JIN, fen=100):
    command = RecordSale(
        product, Quantity(Decimal(amount), unit), fen, request_key=f"{actor.external_id}:{key}"
    )
    return await services.run(command, actor)


async def usual(services, actor, product="脆李", unit=Unit.JIN):
    return await services.run(UsualUnitPrice(product, unit.value), actor)


async def test_the_station_first_the_county_next_nothing_without_history(setup):
    services, here, there, _ = setup
    assert await usual(services, here) is None  # not even a product yet
    # The other station has sold 脆李 six times at 3–6 yuan a jin (20 jin each).
    for n, yuan in enumerate([3, 4, 4, 5, 5, 6]):
        await sell(services, there, n, "脆李", 20, fen=yuan * 20 * 100)
    county = await usual(services, here)
    assert county.source == PriceSource.COUNTY and county.sales == 6
    assert (county.low_fen, county.high_fen) == (300, 600)
    # Four sales here are not yet enough: still the county's range.
    for n in range(4):
        await sell(services, here, n, "脆李", 10, fen=80_00)  # 8 yuan a jin
    assert (await usual(services, here)).source == PriceSource.COUNTY
    assert (await usual(services, here)).sales == 10
    # A fifth makes the station's own history the measure.
    await sell(services, here, 5, "脆李", 10, fen=80_00)
    station = await usual(services, here)
    assert station.source == PriceSource.STATION and station.sales == 5
    assert (station.low_fen, station.high_fen) == (800, 800)


async def test_weights_convert_other_units_do_not_and_voids_do_not_count(setup):
    services, here, _, uow_factory = setup
    for n in range(5):  # 5 公斤 for 60 yuan: 12 yuan a 公斤, 6 yuan a 斤
        await sell(services, here, n, "核桃", 5, Unit.KG, fen=60_00)
    by_jin = await usual(services, here, "核桃", Unit.JIN)
    assert (by_jin.low_fen, by_jin.high_fen, by_jin.sales) == (600, 600, 5)
    assert await usual(services, here, "核桃", Unit.BOX) is None  # boxes say nothing of jin
    # A typo saved, then voided: while it stands it widens the range; voided, it is gone.
    typo = await sell(services, here, "typo", "核桃", 5, Unit.KG, fen=60_000_00)
    assert (await usual(services, here, "核桃", Unit.KG)).high_fen == 12_000_00
    await services.run(VoidEntry(typo.entry.id, "金额输错", request_key="v1"), here)
    assert (await usual(services, here, "核桃", Unit.KG)).high_fen == 12_00
    async with uow_factory() as uow:
        product = await uow.ledger.product_id(here.scope.county_id, "核桃")
        sales = await uow.ledger.past_sales(product, station_id=here.scope.station_id)
        assert sales[0] == PastSale(60_00, 5000, "kg") and len(sales) == 5
        assert len(await uow.ledger.past_sales(product, limit=3)) == 3


async def test_the_range_is_the_middle_of_the_last_sales(setup):
    services, here, _, _ = setup
    # Ten sales at 5 yuan a jin and one confirmed odd one at 200: the range stays 5–5.
    for n in range(10):
        await sell(services, here, n, "蜂蜜", 2, fen=10_00)
    await sell(services, here, "odd", "蜂蜜", 1, fen=200_00)
    found = await usual(services, here, "蜂蜜")
    assert (found.low_fen, found.high_fen, found.sales) == (500, 500, 11)
