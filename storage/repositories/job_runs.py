"""Exactly-once claims of scheduled work: one row per (job, county, period, run number)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from bot.services.ports import JobRun
from storage.repositories.base import Repo
from storage.schema import job_runs


class SqlJobRunRepo(Repo):
    async def claim(
        self,
        *,
        job: str,
        county_id: int,
        period: str,
        run_no: int,
        trigger: str,
        claimer: str,
        now: datetime,
        stale_before: datetime,
        reason: str | None = None,
    ) -> int | None:
        inserted = await self.conn.execute(
            self.insert(job_runs)
            .values(
                job=job,
                county_id=county_id,
                period=period,
                run_no=run_no,
                trigger=trigger,
                claimed_at=now,
                claimed_by=claimer,
                reason=reason,
            )
            .on_conflict_do_nothing()
            .returning(job_runs.c.id)
        )
        run_id = inserted.scalar_one_or_none()
        if run_id is not None:
            return run_id
        # A claim whose process died before finishing may be taken over after its lease.
        taken = await self.conn.execute(
            update(job_runs)
            .where(
                job_runs.c.job == job,
                job_runs.c.county_id == county_id,
                job_runs.c.period == period,
                job_runs.c.run_no == run_no,
                job_runs.c.finished_at.is_(None),
                job_runs.c.claimed_at < stale_before,
            )
            .values(claimed_at=now, claimed_by=claimer, trigger=trigger)
            .returning(job_runs.c.id)
        )
        return taken.scalar_one_or_none()

    async def last_run_no(self, job: str, county_id: int, period: str) -> int:
        query = select(func.coalesce(func.max(job_runs.c.run_no), 0)).where(
            job_runs.c.job == job, job_runs.c.county_id == county_id, job_runs.c.period == period
        )
        return (await self.conn.execute(query)).scalar_one()

    async def finished(self, job: str, county_id: int, period: str) -> bool:
        query = select(job_runs.c.id).where(
            job_runs.c.job == job,
            job_runs.c.county_id == county_id,
            job_runs.c.period == period,
            job_runs.c.finished_at.is_not(None),
        )
        return (await self.conn.execute(query)).first() is not None

    async def finish(self, run_id: int, now: datetime, summary: dict[str, Any]) -> None:
        await self.conn.execute(
            update(job_runs)
            .where(job_runs.c.id == run_id)
            .values(finished_at=now, summary=json.dumps(summary, ensure_ascii=False))
        )

    async def runs(self, job: str, county_id: int, period: str) -> list[JobRun]:
        query = (
            select(job_runs)
            .where(
                job_runs.c.job == job,
                job_runs.c.county_id == county_id,
                job_runs.c.period == period,
            )
            .order_by(job_runs.c.run_no)
        )
        return [JobRun(**row) for row in (await self.conn.execute(query)).mappings().all()]

    # --- update pipeline (#8) ------------------------------------------------------------
    async def hold(self, run_id: int, claimer: str) -> bool:
        # An UPDATE, not a SELECT: on PostgreSQL it locks the row, so a takeover waits for
        # this transaction and then finds the run finished; on SQLite the write
        # transaction (BEGIN IMMEDIATE) already excludes it.
        held = await self.conn.execute(
            update(job_runs)
            .where(
                job_runs.c.id == run_id,
                job_runs.c.claimed_by == claimer,
                job_runs.c.finished_at.is_(None),
            )
            .values(claimed_by=claimer)
            .returning(job_runs.c.id)
        )
        return held.scalar_one_or_none() is not None
