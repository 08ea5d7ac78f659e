"""`PolicyRepo` in memory: one versioned policy per county, replaced by an upsert."""

from __future__ import annotations

from datetime import datetime

from storage.memory.rows import build
from storage.memory.scoring_rows import CountyPolicy
from storage.memory.state import IntegrityError, Transaction


class MemoryPolicyRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def get(self, county_id: int) -> tuple[int, str] | None:
        row = self.tx.get("county_policies", county_id)
        return (row.version, row.policy) if row else None

    async def put(self, county_id: int, policy_json: str, by: str, now: datetime) -> int:
        current = await self.get(county_id)
        version = (current[0] if current else 0) + 1
        values = {"version": version, "policy": policy_json, "updated_at": now, "updated_by": by}
        row = build(CountyPolicy, {"county_id": county_id, **values})
        self.tx.write("county_policies")[county_id] = row
        return version

    async def county_created_at(self, county_id: int) -> datetime:
        county = self.tx.get("counties", county_id)
        if county is None:  # scalar_one() of no row
            raise IntegrityError(f"counties: no county {county_id}")
        return county.created_at
