"""Signs of life for the daily reminders: each station's latest entry, parcels left
waiting on the shelf."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.services.ports import StrandedParcel
from storage.repositories._county import county_station_ids
from storage.repositories.base import Repo
from storage.schema import ledger_entries, parcels


class SqlActivityRepo(Repo):
    async def last_entry_at(self, county_id: int) -> dict[int, datetime]:
        le = ledger_entries
        query = (
            select(le.c.station_id, func.max(le.c.recorded_at))
            .where(le.c.station_id.in_(county_station_ids(county_id)))
            .group_by(le.c.station_id)
        )
        # max() keeps the column's type, so the instants come back aware UTC.
        return dict((await self.conn.execute(query)).all())

    async def stranded(self, county_id: int, before: datetime) -> dict[int, list[StrandedParcel]]:
        query = (
            select(
                parcels.c.station_id,
                parcels.c.entry_id,
                parcels.c.pickup_code,
                parcels.c.arrived_at,
                ledger_entries.c.recipient_name,
                ledger_entries.c.tracking_no,
            )
            .join(ledger_entries, ledger_entries.c.id == parcels.c.entry_id)
            .where(
                parcels.c.status == "waiting",
                parcels.c.arrived_at < before,
                parcels.c.station_id.in_(county_station_ids(county_id)),
            )
            .order_by(parcels.c.station_id, parcels.c.arrived_at)
        )
        found: dict[int, list[StrandedParcel]] = {}
        for row in (await self.conn.execute(query)).mappings().all():
            found.setdefault(row["station_id"], []).append(StrandedParcel(**row))
        return found
