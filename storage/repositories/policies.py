"""County policies (考核办法), stored as versioned JSON."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.repositories.base import Repo
from storage.schema import counties, county_policies


class SqlPolicyRepo(Repo):
    async def get(self, county_id: int) -> tuple[int, str] | None:
        query = select(county_policies.c.version, county_policies.c.policy).where(
            county_policies.c.county_id == county_id
        )
        row = (await self.conn.execute(query)).first()
        return (row.version, row.policy) if row else None

    async def put(self, county_id: int, policy_json: str, by: str, now: datetime) -> int:
        current = await self.get(county_id)
        version = (current[0] if current else 0) + 1
        values = {"version": version, "policy": policy_json, "updated_at": now, "updated_by": by}
        statement = (
            self.insert(county_policies)
            .values(county_id=county_id, **values)
            .on_conflict_do_update(index_elements=["county_id"], set_=values)
        )
        await self.conn.execute(statement)
        return version

    async def county_created_at(self, county_id: int) -> datetime:
        query = select(counties.c.created_at).where(counties.c.id == county_id)
        return (await self.conn.execute(query)).scalar_one()
