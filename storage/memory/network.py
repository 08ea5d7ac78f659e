"""`NetworkRepo` in memory: the same look-ups as `SqlNetworkRepo`, ordered by code."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.network import StationCard, StationStatus, Tier
from bot.services.ports import CountyRef, TownshipRef
from storage.memory.rows import County, Station, Township
from storage.memory.state import Transaction

_MICRO = Decimal("0.000001")


def micro_to_text(value: int | None) -> str | None:
    if value is None:
        return None
    return str((Decimal(value) * _MICRO).quantize(_MICRO))


def county_ref(row: County) -> CountyRef:
    return CountyRef(row.id, row.code, row.name, row.timezone)


def township_ref(row: Township) -> TownshipRef:
    return TownshipRef(row.id, row.code, row.name, row.county_id)


def station_card(tx: Transaction, row: Station) -> StationCard:
    village = tx.get("villages", row.village_id)
    township = tx.get("townships", village.township_id)
    county = tx.get("counties", township.county_id)
    return StationCard(
        id=row.id,
        code=row.code,
        name=row.name,
        tier=Tier(row.tier),
        status=StationStatus(row.status),
        village_id=village.id,
        village_name=village.name,
        township_id=township.id,
        township_name=township.name,
        county_id=county.id,
        county_code=county.code,
        county_name=county.name,
        county_timezone=county.timezone,
        latitude=micro_to_text(row.lat_e6),
        longitude=micro_to_text(row.lon_e6),
        opened_on=row.opened_on,
    )


def county_of_station(tx: Transaction, station: Station) -> int:
    village = tx.get("villages", station.village_id)
    return tx.get("townships", village.township_id).county_id


def county_station_ids(tx: Transaction, county_id: int) -> set[int]:
    return {s.id for s in tx.rows("stations") if county_of_station(tx, s) == county_id}


class MemoryNetworkRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def counties(self) -> list[CountyRef]:
        return [county_ref(c) for c in sorted(self.tx.rows("counties"), key=lambda c: c.code)]

    async def county_by_code(self, code: str) -> CountyRef | None:
        row = self.tx.first("counties", lambda c: c.code == code)
        return county_ref(row) if row else None

    async def county_by_id(self, county_id: int) -> CountyRef | None:
        row = self.tx.get("counties", county_id)
        return county_ref(row) if row else None

    async def township_by_code(self, code: str) -> TownshipRef | None:
        row = self.tx.first("townships", lambda t: t.code == code)
        return township_ref(row) if row else None

    async def township_by_id(self, township_id: int) -> TownshipRef | None:
        row = self.tx.get("townships", township_id)
        return township_ref(row) if row else None

    async def station_by_code(self, code: str) -> StationCard | None:
        row = self.tx.first("stations", lambda s: s.code == code)
        return station_card(self.tx, row) if row else None

    async def station_by_id(self, station_id: int) -> StationCard | None:
        row = self.tx.get("stations", station_id)
        return station_card(self.tx, row) if row else None

    async def stations(
        self,
        *,
        county_id: int | None = None,
        township_id: int | None = None,
        station_id: int | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[StationCard], int]:
        cards = [station_card(self.tx, s) for s in self.tx.rows("stations")]
        found = [
            card
            for card in cards
            if county_id in (None, card.county_id)
            and township_id in (None, card.township_id)
            and station_id in (None, card.id)
        ]
        found.sort(key=lambda card: card.code)
        return found[offset : offset + limit], len(found)
