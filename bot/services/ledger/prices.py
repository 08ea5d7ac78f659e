"""What a product usually sells for (the plausibility check of a sale's price per unit).

The station's own last sales of the product first; when it has sold it too seldom, the
county's; when the county has too little as well, None, and the fixed ceilings of
`bot.domain.unit_prices` decide. Asked before a sale is confirmed, by the one-line form
and the step-by-step one alike.
"""

from __future__ import annotations

from bot.domain.commands import UsualUnitPrice
from bot.domain.quantities import Unit
from bot.domain.unit_prices import HISTORY_LIMIT, PriceSource, UsualPrice, usual_price
from bot.services.authz import Action, Actor
from bot.services.env import Env
from bot.services.ledger.common import own_station
from bot.services.ports import UnitOfWork


async def usual_unit_price(
    query: UsualUnitPrice, actor: Actor, uow: UnitOfWork, env: Env
) -> UsualPrice | None:
    station = await own_station(uow, actor, Action.RECORD_LEDGER)
    product_id = await uow.ledger.product_id(station.county_id, query.product)
    if product_id is None:
        return None  # a new product: nothing sold yet anywhere in the county
    unit = Unit(query.unit)
    here = await uow.ledger.past_sales(product_id, station_id=station.id, limit=HISTORY_LIMIT)
    found = usual_price(query.product, unit, here, PriceSource.STATION)
    if found is not None:
        return found
    county = await uow.ledger.past_sales(product_id, limit=HISTORY_LIMIT)
    return usual_price(query.product, unit, county, PriceSource.COUNTY)
