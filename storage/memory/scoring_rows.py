"""Rows of the monthly-scoring tables (policies, job runs, scores, locks, decisions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CountyPolicy:
    county_id: int
    version: int
    policy: str  # JSON
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class JobRunRow:
    id: int
    job: str
    county_id: int
    period: str
    run_no: int
    trigger: str
    claimed_at: datetime
    claimed_by: str
    finished_at: datetime | None = None
    reason: str | None = None
    summary: str | None = None  # JSON


@dataclass(frozen=True)
class Score:
    station_id: int
    period: str
    run_no: int
    policy_version: int
    tier: str
    window_months: int
    downstream_fen: int
    upstream_fen: int
    upstream_parcels: int
    threshold_downstream_fen: int
    threshold_upstream_fen: int
    threshold_upstream_parcels: int
    verdict: str
    failing_months: int
    ladder_step: str
    status_before: str
    scored_at: datetime


@dataclass(frozen=True)
class PeriodLock:
    county_id: int
    period: str
    locked_at: datetime
    job_run_id: int | None


@dataclass(frozen=True)
class LockException:
    id: int
    station_id: int
    period: str
    opened_by: int | None
    opened_at: datetime
    expires_at: datetime
    reason: str


@dataclass(frozen=True)
class Decision:
    id: int
    station_id: int
    decision: str
    status_before: str
    status_after: str
    period: str | None
    reason: str
    decided_by: int | None
    decided_at: datetime
    request_key: str
