"""Who hears about a county's results: its keepers and its staff."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.roles import Role
from bot.services.ports import Recipient
from storage.repositories.base import Repo
from storage.schema import role_grants


class SqlRecipientRepo(Repo):
    async def _holding(self, role: Role, county_id: int, *columns) -> list[Recipient]:
        """People holding a live `role` grant in the county, on whatever channel (or none:
        a notice to them is then recorded undeliverable when it is sent)."""
        query = select(role_grants.c.person_id, *columns).where(
            role_grants.c.role == role.value,
            role_grants.c.revoked_at.is_(None),
            role_grants.c.county_id == county_id,
        )
        return [Recipient(*row) for row in (await self.conn.execute(query)).all()]

    async def keepers(self, county_id: int) -> list[Recipient]:
        return await self._holding(Role.KEEPER, county_id, role_grants.c.station_id)

    async def staff(self, county_id: int) -> list[Recipient]:
        return await self._holding(Role.COUNTY_STAFF, county_id)
