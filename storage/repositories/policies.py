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
        # The version is computed by the database, not read first: two loads racing on
        # PostgreSQL each get their own version (the second's DO UPDATE sees the first's row).
        values = {"policy": policy_json, "updated_at": now, "updated_by": by}
        statement = (
            self.insert(county_policies)
            .values(county_id=county_id, version=1, **values)
            .on_conflict_do_update(
                index_elements=["county_id"],
                set_={**values, "version": county_policies.c.version + 1},
            )
            .returning(county_policies.c.version)
        )
        return (await self.conn.execute(statement)).scalar_one()

    async def county_created_at(self, county_id: int) -> datetime:
        query = select(counties.c.created_at).where(counties.c.id == county_id)
        return (await self.conn.execute(query)).scalar_one()
