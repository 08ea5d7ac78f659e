"""County staff's decisions on the retention ladder, one row per button press."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.ports import DecisionRow, StoredDecision
from storage.repositories.base import Repo
from storage.schema import station_decisions


class SqlDecisionRepo(Repo):
    async def record(self, values: DecisionRow) -> bool:
        result = await self.conn.execute(
            self.insert(station_decisions)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["request_key"])
        )
        return result.rowcount == 1

    async def of_station(self, station_id: int) -> list[StoredDecision]:
        query = (
            select(station_decisions)
            .where(station_decisions.c.station_id == station_id)
            .order_by(station_decisions.c.id)
        )
        return [StoredDecision(**row) for row in (await self.conn.execute(query)).mappings().all()]
