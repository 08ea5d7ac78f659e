"""Closed months (period locks) and the time-boxed exceptions staff open to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from storage.repositories.base import Repo
from storage.schema import lock_exceptions, period_locks


class SqlLockRepo(Repo):
    async def lock(self, county_id: int, period: str, now: datetime, run_id: int | None) -> None:
        await self.conn.execute(
            self.insert(period_locks)
            .values(county_id=county_id, period=period, locked_at=now, job_run_id=run_id)
            .on_conflict_do_nothing()
        )

    async def locked_at(self, county_id: int, period: str) -> datetime | None:
        query = select(period_locks.c.locked_at).where(
            period_locks.c.county_id == county_id, period_locks.c.period == period
        )
        return (await self.conn.execute(query)).scalar_one_or_none()

    async def open_exception(
        self,
        station_id: int,
        period: str,
        opened_by: int | None,
        now: datetime,
        expires_at: datetime,
        reason: str,
    ) -> int:
        result = await self.conn.execute(
            insert(lock_exceptions)
            .values(
                station_id=station_id,
                period=period,
                opened_by=opened_by,
                opened_at=now,
                expires_at=expires_at,
                reason=reason,
            )
            .returning(lock_exceptions.c.id)
        )
        return result.scalar_one()

    async def exception_open(self, station_id: int, period: str, now: datetime) -> bool:
        query = select(lock_exceptions.c.id).where(
            lock_exceptions.c.station_id == station_id,
            lock_exceptions.c.period == period,
            lock_exceptions.c.opened_at <= now,
            lock_exceptions.c.expires_at > now,
        )
        return (await self.conn.execute(query)).first() is not None
