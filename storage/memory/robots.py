"""`RobotRepo` in memory: a county's group robots as the core sees them (office IM, #12)."""

from __future__ import annotations

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

    async def add(self, county_id: int, kind: str, now: datetime, **values) -> int:
        """For tests: a robot as `storage.repositories.robots.SqlRobotRepo.add` makes one."""
        robot_id = self.tx.next_id("office_robots")
        row = {
            "id": robot_id,
            "county_id": county_id,
            "kind": kind,
            "name": values.pop("name", kind),
            "secret": values.pop("secret", "k"),
            "sign_secret": values.pop("sign_secret", None),
            "fingerprint": values.pop("fingerprint", str(robot_id)),
            "language": values.pop("language", "zh"),
            "created_at": now,
            **values,
        }
        self.tx.insert("office_robots", robot_id, build(OfficeRobot, row))
        return robot_id
