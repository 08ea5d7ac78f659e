"""A county's office-IM group robots (WeCom, DingTalk): the operator's configuration
(`python -m bot channels …`), the delivery worker's look-up, the core's routes (#12).

Secrets (the WeCom key, the DingTalk access token and signing secret) are stored so that
robots can be added while the bot runs; `RobotRow` never shows them in its repr, and
`masked` is what the CLI prints.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.services.ports import RobotRoute
from storage.repositories.base import Repo
from storage.repositories.network import SqlNetworkRepo
from storage.schema import office_robots

KINDS = ("wecom", "dingtalk")


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def masked(secret: str | None) -> str:
    """Enough to tell two robots apart, not enough to use one: the last 4 characters."""
    if not secret:
        return "-"
    return "…" + secret[-4:] if len(secret) > 8 else "…"


@dataclass(frozen=True)
class RobotRow:
    id: int
    county_id: int
    county_code: str
    kind: str
    name: str
    language: str
    replaces_staff_chats: bool
    created_at: datetime
    removed_at: datetime | None
    secret: str = field(repr=False)
    sign_secret: str | None = field(repr=False, default=None)

    @property
    def chat_id(self) -> str:
        return f"robot:{self.id}"


class RobotExists(Exception):
    def __init__(self, robot_id: int) -> None:
        super().__init__(f"this robot is already configured as #{robot_id}")
        self.robot_id = robot_id


class SqlRobotRepo(Repo):
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
        """A new robot; `RobotExists` if its key/token is already configured (removed
        robots come back: the row is revived with the new settings)."""
        if kind not in KINDS:
            raise ValueError(f"unknown robot kind {kind!r}")
        print_ = fingerprint(secret)
        found = (
            await self.conn.execute(
                select(office_robots.c.id, office_robots.c.removed_at).where(
                    office_robots.c.kind == kind, office_robots.c.fingerprint == print_
                )
            )
        ).first()
        values = {
            "county_id": county_id,
            "name": name[:100],
            "secret": secret,
            "sign_secret": sign_secret,
            "language": language,
            "replaces_staff_chats": replaces_staff_chats,
        }
        if found is not None:
            if found.removed_at is None:
                raise RobotExists(found.id)
            await self.conn.execute(
                update(office_robots)
                .where(office_robots.c.id == found.id)
                .values(**values, removed_at=None)
            )
            return found.id
        result = await self.conn.execute(
            office_robots.insert()
            .values(kind=kind, fingerprint=print_, created_at=now, **values)
            .returning(office_robots.c.id)
        )
        return result.scalar_one()

    async def remove(self, robot_id: int, now: datetime) -> bool:
        result = await self.conn.execute(
            update(office_robots)
            .where(office_robots.c.id == robot_id, office_robots.c.removed_at.is_(None))
            .values(removed_at=now)
        )
        return result.rowcount == 1

    async def robots(
        self,
        county_id: int | None = None,
        *,
        kind: str | None = None,
        removed: bool = False,
        robot_id: int | None = None,
    ) -> list[RobotRow]:
        query = select(office_robots).order_by(office_robots.c.id)
        if robot_id is not None:
            query = query.where(office_robots.c.id == robot_id)
        if county_id is not None:
            query = query.where(office_robots.c.county_id == county_id)
        if kind is not None:
            query = query.where(office_robots.c.kind == kind)
        if not removed:
            query = query.where(office_robots.c.removed_at.is_(None))
        rows = (await self.conn.execute(query)).all()
        network = SqlNetworkRepo(self.conn)
        codes: dict[int, str] = {}
        for r in rows:
            if r.county_id not in codes:
                county = await network.county_by_id(r.county_id)
                codes[r.county_id] = county.code if county else "?"
        return [
            RobotRow(
                id=r.id,
                county_id=r.county_id,
                county_code=codes[r.county_id],
                kind=r.kind,
                name=r.name,
                language=r.language,
                replaces_staff_chats=r.replaces_staff_chats,
                created_at=r.created_at,
                removed_at=r.removed_at,
                secret=r.secret,
                sign_secret=r.sign_secret,
            )
            for r in rows
        ]

    async def robot(self, robot_id: int) -> RobotRow | None:
        """Any robot by id, removed or not (the sender refuses removed ones)."""
        rows = await self.robots(removed=True, robot_id=robot_id)
        return rows[0] if rows else None

    async def routes(self, county_id: int) -> list[RobotRoute]:
        rows = (
            await self.conn.execute(
                select(
                    office_robots.c.id,
                    office_robots.c.kind,
                    office_robots.c.language,
                    office_robots.c.replaces_staff_chats,
                )
                .where(office_robots.c.county_id == county_id, office_robots.c.removed_at.is_(None))
                .order_by(office_robots.c.id)
            )
        ).all()
        return [RobotRoute(r.id, r.kind, r.language, bool(r.replaces_staff_chats)) for r in rows]

    async def take_slot(self, robot_id: int, now: datetime, interval: float) -> float:
        """Claim the robot's next send slot for a message now: 0.0 if taken (the next one
        is `interval` seconds later), else the seconds until it is free. A compare-and-set,
        so several bot processes sending to one robot keep its pace together."""
        taken = await self.conn.execute(
            update(office_robots)
            .where(
                office_robots.c.id == robot_id,
                office_robots.c.next_send_at.is_(None) | (office_robots.c.next_send_at <= now),
            )
            .values(next_send_at=now + timedelta(seconds=interval))
        )
        if taken.rowcount == 1:
            return 0.0
        free = (
            await self.conn.execute(
                select(office_robots.c.next_send_at).where(office_robots.c.id == robot_id)
            )
        ).scalar_one_or_none()
        return max((free - now).total_seconds(), 0.01) if free is not None else 0.0
