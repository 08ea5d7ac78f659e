"""`LockRepo` in memory: closed months, and staff's time-boxed exceptions to them."""

from __future__ import annotations

from datetime import datetime

from storage.memory.rows import build
from storage.memory.scoring_rows import LockException, PeriodLock
from storage.memory.state import Transaction, utc_now


class MemoryLockRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def lock(self, county_id: int, period: str, now: datetime, run_id: int | None) -> None:
        key = (county_id, period)
        if key not in self.tx.read("period_locks"):  # locking again changes nothing
            self.tx.references("counties", county_id, "period_locks.county_id")
            self.tx.references("job_runs", run_id, "period_locks.job_run_id")
            row = build(
                PeriodLock,
                {"county_id": county_id, "period": period, "locked_at": now, "job_run_id": run_id},
            )
            self.tx.insert("period_locks", key, row)

    async def locked_at(self, county_id: int, period: str) -> datetime | None:
        row = self.tx.get("period_locks", (county_id, period))
        return row.locked_at if row else None

    async def open_exception(
        self,
        station_id: int,
        period: str,
        opened_by: int | None,
        now: datetime,
        expires_at: datetime,
        reason: str,
    ) -> int:
        self.tx.references("stations", station_id, "lock_exceptions.station_id")
        self.tx.references("people", opened_by, "lock_exceptions.opened_by")
        exception_id = self.tx.next_id("lock_exceptions")
        row = build(
            LockException,
            {
                "id": exception_id,
                "station_id": station_id,
                "period": period,
                "opened_by": opened_by,
                "opened_at": now,
                "expires_at": expires_at,
                "reason": reason,
            },
        )
        self.tx.insert("lock_exceptions", exception_id, row)
        return exception_id

    async def exception_open(self, station_id: int, period: str, now: datetime) -> bool:
        now = utc_now(now)
        return any(
            (e.station_id, e.period) == (station_id, period) and e.opened_at <= now < e.expires_at
            for e in self.tx.rows("lock_exceptions")
        )
