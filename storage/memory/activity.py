"""`ActivityRepo` in memory: each station's latest entry, parcels left on the shelf."""

from __future__ import annotations

from datetime import datetime

from bot.services.ports import StrandedParcel
from storage.memory.network import county_station_ids
from storage.memory.state import Transaction, utc_now


class MemoryActivityRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def last_entry_at(self, county_id: int) -> dict[int, datetime]:
        ids = county_station_ids(self.tx, county_id)
        latest: dict[int, datetime] = {}
        for e in self.tx.rows("ledger_entries"):
            if e.station_id in ids and (
                e.station_id not in latest or latest[e.station_id] < e.recorded_at
            ):
                latest[e.station_id] = e.recorded_at
        return latest

    async def stranded(self, county_id: int, before: datetime) -> dict[int, list[StrandedParcel]]:
        before = utc_now(before)
        ids = county_station_ids(self.tx, county_id)
        waiting = [
            p
            for p in self.tx.rows("parcels")
            if p.status == "waiting" and p.arrived_at < before and p.station_id in ids
        ]
        waiting.sort(key=lambda p: (p.station_id, p.arrived_at))
        found: dict[int, list[StrandedParcel]] = {}
        for p in waiting:
            entry = self.tx.get("ledger_entries", p.entry_id)
            found.setdefault(p.station_id, []).append(
                StrandedParcel(
                    station_id=p.station_id,
                    entry_id=p.entry_id,
                    pickup_code=p.pickup_code,
                    arrived_at=p.arrived_at,
                    recipient_name=entry.recipient_name,
                    tracking_no=entry.tracking_no,
                )
            )
        return found
