"""SQL side of the network import: a snapshot by code, then a bulk apply, on one connection.

Works in chunks so that a 10,000-station file is a few dozen statements, not 40,000: codes
are looked up `IN (…)` per chunk, new rows go in by executemany with RETURNING (the ids
the children need), changed rows are updated by primary key by executemany.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.network import StationStatus, Tier
from bot.services.network_import import (
    CountyRecord,
    ImportPlan,
    LevelPlan,
    NetworkCodes,
    NetworkSnapshot,
    StationRecord,
    TownshipRecord,
    VillageRecord,
)
from storage.repositories.base import Repo
from storage.schema import counties, stations, townships, villages

# Rows per statement: bound parameters stay far below SQLite's limit (32,766) and
# PostgreSQL's (32,767), and the progress bar moves once per chunk.
CHUNK = 500

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SqlNetworkImportStore(Repo):
    """Implements `bot.services.network_import.NetworkImportStore` over one connection.

    It remembers the id of every code it has seen (snapshot, then inserts), so that children
    find their parent's id without another query. Use one instance per transaction.
    """

    def __init__(
        self, conn: AsyncConnection, *, commit: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        super().__init__(conn)
        self._commit = commit
        self._ids: dict[str, dict[str, int]] = {
            table.name: {} for table in (counties, townships, villages, stations)
        }

    async def commit(self) -> None:
        if self._commit is not None:
            await self._commit()
        else:
            await self.conn.commit()

    # --- snapshot ---------------------------------------------------------------------

    async def snapshot(self, codes: NetworkCodes) -> NetworkSnapshot:
        snap = NetworkSnapshot()
        query = select(counties.c.id, counties.c.code, counties.c.name, counties.c.timezone)
        for row in await self._by_codes(query, counties, codes.counties):
            snap.counties[row.code] = CountyRecord(row.code, row.name, row.timezone)

        query = select(
            townships.c.id, townships.c.code, townships.c.name, counties.c.code.label("county")
        ).join(counties, counties.c.id == townships.c.county_id)
        for row in await self._by_codes(query, townships, codes.townships):
            snap.townships[row.code] = TownshipRecord(row.code, row.name, row.county)

        query = (
            select(
                villages.c.id,
                villages.c.code,
                villages.c.name,
                townships.c.code.label("township"),
                counties.c.code.label("county"),
            )
            .join(townships, townships.c.id == villages.c.township_id)
            .join(counties, counties.c.id == townships.c.county_id)
        )
        for row in await self._by_codes(query, villages, codes.villages):
            snap.villages[row.code] = VillageRecord(row.code, row.name, row.township)
            snap.village_county[row.code] = row.county

        query = (
            select(
                stations.c.id,
                stations.c.code,
                stations.c.name,
                stations.c.tier,
                stations.c.status,
                stations.c.lat_e6,
                stations.c.lon_e6,
                stations.c.opened_on,
                villages.c.code.label("village"),
                counties.c.code.label("county"),
            )
            .join(villages, villages.c.id == stations.c.village_id)
            .join(townships, townships.c.id == villages.c.township_id)
            .join(counties, counties.c.id == townships.c.county_id)
        )
        for row in await self._by_codes(query, stations, codes.stations):
            snap.stations[row.code] = StationRecord(
                row.code,
                row.name,
                row.village,
                Tier(row.tier),
                StationStatus(row.status),
                row.lat_e6,
                row.lon_e6,
                row.opened_on,
            )
            snap.station_county[row.code] = row.county
        return snap

    async def _by_codes(self, query, table: Table, codes: Iterable[str]) -> list[Any]:
        rows: list[Any] = []
        for chunk in _chunks(sorted(codes)):
            result = await self.conn.execute(query.where(table.c.code.in_(chunk)))
            rows.extend(result.all())
        self._ids[table.name].update((row.code, row.id) for row in rows)
        return rows

    # --- apply ------------------------------------------------------------------------

    async def apply(self, plan: ImportPlan, now: datetime, progress: Callable[[int], None]) -> None:
        county_ids, township_ids = self._ids["counties"], self._ids["townships"]
        village_ids = self._ids["villages"]

        def county(r: CountyRecord) -> dict[str, Any]:
            return {"code": r.code, "name": r.name, "timezone": r.timezone}

        def township(r: TownshipRecord) -> dict[str, Any]:
            return {"code": r.code, "name": r.name, "county_id": county_ids[r.county_code]}

        def village(r: VillageRecord) -> dict[str, Any]:
            return {"code": r.code, "name": r.name, "township_id": township_ids[r.township_code]}

        def station(r: StationRecord) -> dict[str, Any]:
            return {
                "code": r.code,
                "name": r.name,
                "village_id": village_ids[r.village_code],
                "tier": r.tier.value,
                "status": r.status.value,
                "lat_e6": r.lat_e6,
                "lon_e6": r.lon_e6,
                "opened_on": r.opened_on,
            }

        # Parents first: each level's new ids are known before its children are written.
        await self._write(counties, plan.counties, county, now, progress)
        await self._write(townships, plan.townships, township, now, progress)
        await self._write(villages, plan.villages, village, now, progress)
        await self._write(stations, plan.stations, station, now, progress)

    async def _write(
        self,
        table: Table,
        level: LevelPlan[Any],
        values: Callable[[Any], dict[str, Any]],
        now: datetime,
        progress: Callable[[int], None],
    ) -> None:
        ids = self._ids[table.name]
        inserting = insert(table).returning(table.c.code, table.c.id)
        for chunk in _chunks(level.create):
            params = [{**values(r), "created_at": now, "updated_at": now} for r in chunk]
            result = await self.conn.execute(inserting, params)
            ids.update((row.code, row.id) for row in result)
            progress(len(chunk))
        if not level.update:
            return
        # The code is the key and does not change; every other column is rewritten, since
        # the plan holds the full wanted record. "b_" keeps bind names off column names.
        columns = [name for name in values(level.update[0]) if name != "code"]
        updating = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in [*columns, "updated_at"]})
        )
        for chunk in _chunks(level.update):
            params = []
            for r in chunk:
                row = values(r)
                params.append(
                    {"b_id": ids[r.code], "b_updated_at": now}
                    | {f"b_{name}": row[name] for name in columns}
                )
            await self.conn.execute(updating, params)
            progress(len(chunk))


class SqlNetworkImportStores:
    """`stores(write=…)`: a unit of work per import, with a store on its connection.

    Takes any unit-of-work factory whose units have `.connection` and `.commit()` (the
    `SqlUnitOfWorkFactory`), without importing it, so that `storage.uow` may one day
    import this module to offer `uow.network_import`.
    """

    def __init__(self, uow_factory: Callable[..., Any]) -> None:
        self._uow_factory = uow_factory

    @asynccontextmanager
    async def __call__(self, *, write: bool) -> AsyncIterator[SqlNetworkImportStore]:
        async with self._uow_factory(write=write) as uow:
            yield SqlNetworkImportStore(uow.connection, commit=uow.commit)
