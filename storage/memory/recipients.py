"""`RecipientRepo` in memory: people holding a live grant of a role in a county, on any
channel or none (how to reach them is resolved when a notice is sent)."""

from __future__ import annotations

from bot.domain.roles import Role
from bot.services.ports import Recipient
from storage.memory.state import Transaction


class MemoryRecipientRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def _holding(self, role: Role, county_id: int) -> list[Recipient]:
        return [
            Recipient(g.person_id, g.station_id if role is Role.KEEPER else None)
            for g in self.tx.rows("role_grants")
            if g.role == role.value and g.revoked_at is None and g.county_id == county_id
        ]

    async def keepers(self, county_id: int) -> list[Recipient]:
        return self._holding(Role.KEEPER, county_id)

    async def staff(self, county_id: int) -> list[Recipient]:
        return self._holding(Role.COUNTY_STAFF, county_id)
