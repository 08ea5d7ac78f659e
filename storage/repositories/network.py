from __future__ import annotations

from decimal import Decimal

from sqlalchemy import bindparam, func, select

from bot.domain.network import StationCard, StationStatus, Tier
from bot.services.ports import CountyRef, TownshipRef
from storage.repositories.base import Repo, prebuilt
from storage.schema import counties, stations, townships, villages

_MICRO = Decimal("0.000001")


def micro_to_text(value: int | None) -> str | None:
    if value is None:
        return None
    return str((Decimal(value) * _MICRO).quantize(_MICRO))


_card_columns = (
    stations.c.id,
    stations.c.code,
    stations.c.name,
    stations.c.tier,
    stations.c.status,
    stations.c.lat_e6,
    stations.c.lon_e6,
    stations.c.opened_on,
    villages.c.id.label("village_id"),
    villages.c.name.label("village_name"),
    townships.c.id.label("township_id"),
    townships.c.name.label("township_name"),
    counties.c.id.label("county_id"),
    counties.c.code.label("county_code"),
    counties.c.name.label("county_name"),
    counties.c.timezone.label("county_timezone"),
)
_card_from = (
    stations.join(villages, villages.c.id == stations.c.village_id)
    .join(townships, townships.c.id == villages.c.township_id)
    .join(counties, counties.c.id == townships.c.county_id)
)

# The keeper's own station, read by every ledger update: built once (repositories/base.py).
_STATION_BY_ID = prebuilt(
    select(*_card_columns).select_from(_card_from).where(stations.c.id == bindparam("key_id"))
)


def _card(row) -> StationCard:
    return StationCard(
        id=row.id,
        code=row.code,
        name=row.name,
        tier=Tier(row.tier),
        status=StationStatus(row.status),
        village_id=row.village_id,
        village_name=row.village_name,
        township_id=row.township_id,
        township_name=row.township_name,
        county_id=row.county_id,
        county_code=row.county_code,
        county_name=row.county_name,
        county_timezone=row.county_timezone,
        latitude=micro_to_text(row.lat_e6),
        longitude=micro_to_text(row.lon_e6),
        opened_on=row.opened_on,
    )


class SqlNetworkRepo(Repo):
    async def county_by_code(self, code: str) -> CountyRef | None:
        row = (await self.conn.execute(select(counties).where(counties.c.code == code))).first()
        return CountyRef(row.id, row.code, row.name, row.timezone) if row else None

    async def county_by_id(self, county_id: int) -> CountyRef | None:
        row = (await self.conn.execute(select(counties).where(counties.c.id == county_id))).first()
        return CountyRef(row.id, row.code, row.name, row.timezone) if row else None

    async def counties(self) -> list[CountyRef]:
        rows = (await self.conn.execute(select(counties).order_by(counties.c.code))).all()
        return [CountyRef(row.id, row.code, row.name, row.timezone) for row in rows]

    async def township_by_code(self, code: str) -> TownshipRef | None:
        query = select(townships).where(townships.c.code == code)
        row = (await self.conn.execute(query)).first()
        return TownshipRef(row.id, row.code, row.name, row.county_id) if row else None

    async def township_by_id(self, township_id: int) -> TownshipRef | None:
        query = select(townships).where(townships.c.id == township_id)
        row = (await self.conn.execute(query)).first()
        return TownshipRef(row.id, row.code, row.name, row.county_id) if row else None

    async def station_by_code(self, code: str) -> StationCard | None:
        query = select(*_card_columns).select_from(_card_from).where(stations.c.code == code)
        row = (await self.conn.execute(query)).first()
        return _card(row) if row else None

    async def station_by_id(self, station_id: int) -> StationCard | None:
        row = (await self.conn.execute(_STATION_BY_ID, {"key_id": station_id})).first()
        return _card(row) if row else None

    async def stations(
        self,
        *,
        county_id: int | None = None,
        township_id: int | None = None,
        station_id: int | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[StationCard], int]:
        conditions = []
        if county_id is not None:
            conditions.append(counties.c.id == county_id)
        if township_id is not None:
            conditions.append(townships.c.id == township_id)
        if station_id is not None:
            conditions.append(stations.c.id == station_id)
        query = (
            select(*_card_columns)
            .select_from(_card_from)
            .where(*conditions)
            .order_by(stations.c.code)
            .limit(limit)
            .offset(offset)
        )
        total_query = select(func.count()).select_from(_card_from).where(*conditions)
        rows = (await self.conn.execute(query)).all()
        total = (await self.conn.execute(total_query)).scalar_one()
        return [_card(row) for row in rows], total
