"""`JobRunRepo` in memory: (job, county, period, run number) is unique; a claim not
finished before its lease ran out is taken over."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from bot.services.ports import JobRun
from storage.memory.rows import build
from storage.memory.scoring_rows import JobRunRow
from storage.memory.state import Transaction, utc_now


class MemoryJobRunRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def _of(self, job: str, county_id: int, period: str) -> list[JobRunRow]:
        return [
            r
            for r in self.tx.rows("job_runs")
            if (r.job, r.county_id, r.period) == (job, county_id, period)
        ]

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
        now, stale_before = utc_now(now), utc_now(stale_before)
        taken = [r for r in self._of(job, county_id, period) if r.run_no == run_no]
        if not taken:
            self.tx.references("counties", county_id, "job_runs.county_id")
            run_id = self.tx.next_id("job_runs")
            row = build(
                JobRunRow,
                {
                    "id": run_id,
                    "job": job,
                    "county_id": county_id,
                    "period": period,
                    "run_no": run_no,
                    "trigger": trigger,
                    "claimed_at": now,
                    "claimed_by": claimer,
                    "reason": reason,
                },
            )
            self.tx.insert("job_runs", run_id, row)
            return run_id
        [row] = taken
        # A claim whose process died before finishing may be taken over after its lease.
        if row.finished_at is not None or not row.claimed_at < stale_before:
            return None
        self.tx.write("job_runs")[row.id] = replace(
            row, claimed_at=now, claimed_by=claimer, trigger=trigger
        )
        return row.id

    async def last_run_no(self, job: str, county_id: int, period: str) -> int:
        return max((r.run_no for r in self._of(job, county_id, period)), default=0)

    async def finished(self, job: str, county_id: int, period: str) -> bool:
        return any(r.finished_at is not None for r in self._of(job, county_id, period))

    async def finish(self, run_id: int, now: datetime, summary: dict[str, Any]) -> None:
        row = self.tx.get("job_runs", run_id)
        if row is not None:
            self.tx.write("job_runs")[run_id] = replace(
                row, finished_at=utc_now(now), summary=json.dumps(summary, ensure_ascii=False)
            )

    async def runs(self, job: str, county_id: int, period: str) -> list[JobRun]:
        found = sorted(self._of(job, county_id, period), key=lambda r: r.run_no)
        return [JobRun(**asdict(r)) for r in found]

    # --- update pipeline (#8) ------------------------------------------------------------
    async def hold(self, run_id: int, claimer: str) -> bool:
        row = self.tx.get("job_runs", run_id)
        return row is not None and row.claimed_by == claimer and row.finished_at is None
