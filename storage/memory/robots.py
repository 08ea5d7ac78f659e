"""`RobotRepo` in memory: a county's group robots as the core sees them (office IM, #12)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from bot.services.ports import RobotRoute
from storage.memory.rows import OfficeRobot, build
from storage.memory.state import Transaction


class MemoryRobotRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def routes(self, county_id: int) -> list[RobotRoute]:
        return [
            RobotRoute(r.id, r.kind, r.language, r.replaces_staff_chats)
            for r in sorted(self.tx.rows("office_robots"), key=lambda r: r.id)
            if r.county_id == county_id and r.removed_at is None
        ]

    async def add(
        self,
        county_id: int,
        kind: str,
        name: str,
        secret: str,
        sign_secret: str | None,
        language: str,
        replaces_staff_chats: bool,
        now: datetime,
    ) -> int:
        """As `storage.repositories.robots.SqlRobotRepo.add`, without its re-adding rules."""
        self.tx.references("counties", county_id, "office_robots")
        robot_id = self.tx.next_id("office_robots")
        row = {
            "id": robot_id,
            "county_id": county_id,
            "kind": kind,
            "name": name[:100],
            "secret": secret,
            "sign_secret": sign_secret,
            "fingerprint": hashlib.sha256(secret.encode()).hexdigest(),
            "language": language,
            "replaces_staff_chats": replaces_staff_chats,
            "created_at": now,
        }
        self.tx.insert("office_robots", robot_id, build(OfficeRobot, row))
        return robot_id
