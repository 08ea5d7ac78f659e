"""`NetworkImportStores` in memory: the network import's snapshot and apply, over a
`MemoryUnitOfWorkFactory`; also how tests seed a network on every backend alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

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
from storage.memory.rows import County, Station, Township, Village, build
from storage.memory.state import IntegrityError, Transaction
from storage.memory.uow import MemoryUnitOfWork, MemoryUnitOfWorkFactory


class MemoryNetworkImportStore:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self.tx: Transaction = uow.transaction

    async def commit(self) -> None:
        await self._uow.commit()

    def _by_code(self, table: str) -> dict[str, Any]:
        return {row.code: row for row in self.tx.rows(table)}

    async def snapshot(self, codes: NetworkCodes) -> NetworkSnapshot:
        tx, snap = self.tx, NetworkSnapshot()
        for row in self._by_code("counties").values():
            if row.code in codes.counties:
                snap.counties[row.code] = CountyRecord(row.code, row.name, row.timezone)
        for row in self._by_code("townships").values():
            if row.code in codes.townships:
                county = tx.get("counties", row.county_id)
                snap.townships[row.code] = TownshipRecord(row.code, row.name, county.code)
        for row in self._by_code("villages").values():
            if row.code in codes.villages:
                township = tx.get("townships", row.township_id)
                snap.villages[row.code] = VillageRecord(row.code, row.name, township.code)
                snap.village_county[row.code] = tx.get("counties", township.county_id).code
        for row in self._by_code("stations").values():
            if row.code in codes.stations:
                village = tx.get("villages", row.village_id)
                township = tx.get("townships", village.township_id)
                snap.stations[row.code] = StationRecord(
                    row.code,
                    row.name,
                    village.code,
                    Tier(row.tier),
                    StationStatus(row.status),
                    row.lat_e6,
                    row.lon_e6,
                    row.opened_on,
                )
                snap.station_county[row.code] = tx.get("counties", township.county_id).code
        return snap

    async def apply(self, plan: ImportPlan, now: datetime, progress: Callable[[int], None]) -> None:
        # Parents first: each level's ids are known before its children are written.
        self._write(
            "counties",
            County,
            plan.counties,
            now,
            progress,
            lambda r: {"code": r.code, "name": r.name, "timezone": r.timezone},
        )
        county_ids = self._ids("counties")
        self._write(
            "townships",
            Township,
            plan.townships,
            now,
            progress,
            lambda r: {"code": r.code, "name": r.name, "county_id": county_ids[r.county_code]},
        )
        township_ids = self._ids("townships")
        self._write(
            "villages",
            Village,
            plan.villages,
            now,
            progress,
            lambda r: {
                "code": r.code,
                "name": r.name,
                "township_id": township_ids[r.township_code],
            },
        )
        village_ids = self._ids("villages")
        self._write(
            "stations",
            Station,
            plan.stations,
            now,
            progress,
            lambda r: {
                "code": r.code,
                "name": r.name,
                "village_id": village_ids[r.village_code],
                "tier": r.tier.value,
                "status": r.status.value,
                "lat_e6": r.lat_e6,
                "lon_e6": r.lon_e6,
                "opened_on": r.opened_on,
            },
        )

    def _ids(self, table: str) -> dict[str, int]:
        return {row.code: row.id for row in self.tx.rows(table)}

    def _write(
        self,
        table: str,
        row_type: type,
        level: LevelPlan[Any],
        now: datetime,
        progress: Callable[[int], None],
        values: Callable[[Any], dict[str, Any]],
    ) -> None:
        taken = set(self._ids(table))
        for record in level.create:
            if record.code in taken:  # the code column is unique
                raise IntegrityError(f"{table}: code {record.code} is already taken")
            taken.add(record.code)
            row_id = self.tx.next_id(table)
            stamp = {"id": row_id, "created_at": now, "updated_at": now}
            self.tx.insert(table, row_id, build(row_type, {**values(record), **stamp}))
        if level.create:
            progress(len(level.create))
        stored = self._by_code(table)
        for record in level.update:
            row = stored[record.code]
            self.tx.write(table)[row.id] = replace(row, **values(record), updated_at=now)
        if level.update:
            progress(len(level.update))


class MemoryNetworkImportStores:
    """`stores(write=…)`: one memory unit of work per import, as `SqlNetworkImportStores`."""

    def __init__(self, uow_factory: MemoryUnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    @asynccontextmanager
    async def __call__(self, *, write: bool) -> AsyncIterator[MemoryNetworkImportStore]:
        async with self._uow_factory(write=write) as uow:
            yield MemoryNetworkImportStore(uow)
