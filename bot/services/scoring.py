"""Monthly scoring (站点考核) and the retention ladder.

A run for (county, month) is claimed with a unique row before anything is computed, so
it happens once across restarts, re-runs and two bot processes; a claim whose process
died is taken over after a lease. Scores, status changes, the month lock and the alerts
are written in one transaction: a crash leaves either all of them or none.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta

from bot.domain.alerts import Alert
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.network import StationStatus, Tier
from bot.domain.periods import Period
from bot.domain.policy import Thresholds, judge
from bot.domain.text import N_
from bot.services.policy import CountyPolicy, load_policy
from bot.services.ports import CountyRef, UnitOfWork, UnitOfWorkFactory
from bot.services.render_alerts import digest_alerts, verdict_alerts

SCORING = "scoring"
LEASE = timedelta(minutes=30)


def claimer_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class StationVerdict:
    station_id: int
    code: str
    name: str
    tier: str
    verdict: str  # pass | fail | grace
    failing_months: int
    ladder_step: str  # active | warned | probation | candidate
    status_before: str
    status_after: str
    downstream_fen: int
    upstream_fen: int
    upstream_parcels: int
    thresholds: Thresholds
    missing_downstream_fen: int = 0
    missing_upstream_fen: int = 0
    missing_upstream_parcels: int = 0


@dataclass(frozen=True)
class ScoringReport:
    county: CountyRef
    period: Period
    run_no: int
    claimed: bool
    dry_run: bool
    verdicts: list[StationVerdict] = field(default_factory=list)
    alerts: int = 0

    def count(self, step: str) -> int:
        return sum(v.ladder_step == step for v in self.verdicts if v.verdict != "grace")


def months_open(opened_on, period: Period) -> int:
    """Whole months a station had been open by the end of `period`."""
    if opened_on is None:
        return 10_000
    return (period.year - opened_on.year) * 12 + (period.month - opened_on.month) + 1


def ladder_step(failing: int, policy: CountyPolicy) -> str:
    ladder = policy.ladder
    if failing >= ladder.removal_candidate_after:
        return "candidate"
    if failing >= ladder.probation_after:
        return "probation"
    if failing >= ladder.warn_after:
        return "warned"
    return "active"


STEP_STATUS = {
    "active": StationStatus.ACTIVE,
    "warned": StationStatus.WARNED,
    "probation": StationStatus.PROBATION,
    # A removal candidate stays on probation until county staff decide.
    "candidate": StationStatus.PROBATION,
}


def judge_station(
    station,
    totals: tuple[int, int, int],
    previous_failing: int,
    policy: CountyPolicy,
    period: Period,
    thresholds: Thresholds | None = None,
) -> StationVerdict:
    window = policy.assessment.window_months
    down, up, parcels = (value // window for value in totals)  # 月均, rounded down
    thresholds = thresholds or policy.thresholds_for(station.tier)
    if months_open(station.opened_on, period) <= policy.assessment.grace_months:
        return StationVerdict(
            station.id,
            station.code,
            station.name,
            station.tier,
            "grace",
            0,
            station.status if station.status != "removed" else "active",
            station.status,
            station.status,
            down,
            up,
            parcels,
            thresholds,
        )
    verdict = judge(
        down,
        up,
        parcels,
        thresholds,
        require_downstream=policy.metrics.require_downstream,
        upstream_rule=policy.metrics.upstream_rule.value,
    )
    failing = 0 if verdict.passes else previous_failing + 1
    step = ladder_step(failing, policy)
    return StationVerdict(
        station.id,
        station.code,
        station.name,
        station.tier,
        "pass" if verdict.passes else "fail",
        failing,
        step,
        station.status,
        STEP_STATUS[step].value,
        down,
        up,
        parcels,
        thresholds,
        verdict.missing_downstream_fen,
        verdict.missing_upstream_fen,
        verdict.missing_upstream_parcels,
    )


class ScoringService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, claimer: str | None = None):
        self.uow_factory = uow_factory
        self.clock = clock
        self.claimer = claimer or claimer_name()

    async def county(self, uow: UnitOfWork, code: str) -> CountyRef:
        county = await uow.network.county_by_code(code.strip().upper())
        if county is None:
            raise NotFound(N_("No county has the code {code}."), code=code)
        return county

    @staticmethod
    async def policy(uow: UnitOfWork, county_id: int) -> tuple[int, CountyPolicy]:
        return await load_policy(uow, county_id)

    async def score(
        self,
        county_code: str,
        period: Period,
        *,
        trigger: str = "schedule",
        dry_run: bool = False,
        rescore_reason: str | None = None,
        actor_person_id: int | None = None,
    ) -> ScoringReport:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            county = await self.county(uow, county_code)
            if period >= Period.of(now, county.timezone):
                raise InvalidInput(
                    N_("{period} has not ended yet; only ended months are scored."),
                    period=str(period),
                )
            last_run = await uow.scoring.last_run_no(SCORING, county.id, str(period))
        if rescore_reason is not None:
            if last_run == 0:
                raise InvalidInput(
                    N_("{period} was never scored; score it first."), period=str(period)
                )
            run_no = last_run + 1
        else:
            run_no = 1
        if dry_run:
            verdicts = await self._judge(county, period)
            return ScoringReport(county, period, run_no, False, True, verdicts)
        async with self.uow_factory(write=True) as uow:
            run_id = await uow.scoring.claim_run(
                job=SCORING,
                county_id=county.id,
                period=str(period),
                run_no=run_no,
                trigger=trigger,
                claimer=self.claimer,
                now=now,
                stale_before=now - LEASE,
                reason=rescore_reason,
            )
            await uow.commit()
        if run_id is None:
            return ScoringReport(county, period, run_no, False, False)
        verdicts = await self._judge(county, period)
        alerts = await self._commit(
            county, period, run_id, run_no, verdicts, rescore_reason, actor_person_id
        )
        return ScoringReport(county, period, run_no, True, False, verdicts, alerts)

    async def _judge(self, county: CountyRef, period: Period) -> list[StationVerdict]:
        async with self.uow_factory() as uow:
            _, policy = await self.policy(uow, county.id)
            window = [period]
            for _ in range(policy.assessment.window_months - 1):
                window.append(window[-1].previous())
            m = policy.metrics
            totals = await uow.scoring.window_totals(
                county.id,
                [str(p) for p in window],
                m.downstream_kinds,
                m.upstream_yuan_kinds,
                m.upstream_parcel_kinds,
            )
            previous = await uow.scoring.failing_months(county.id, str(period.previous()))
            stations = await uow.scoring.county_stations(county.id)
        by_tier = {tier.value: policy.thresholds_for(tier) for tier in Tier}
        return [
            judge_station(
                s,
                totals.get(s.id, (0, 0, 0)),
                previous.get(s.id, 0),
                policy,
                period,
                by_tier[s.tier],
            )
            for s in stations
            if s.status != StationStatus.REMOVED.value
        ]

    async def _commit(self, county, period, run_id, run_no, verdicts, reason, actor) -> int:
        now = self.clock.now()
        async with self.uow_factory(write=True) as uow:
            version, policy = await self.policy(uow, county.id)
            await uow.scoring.write_scores(
                [
                    {
                        "station_id": v.station_id,
                        "period": str(period),
                        "run_no": run_no,
                        "policy_version": version,
                        "tier": v.tier,
                        "window_months": policy.assessment.window_months,
                        "downstream_fen": v.downstream_fen,
                        "upstream_fen": v.upstream_fen,
                        "upstream_parcels": v.upstream_parcels,
                        "threshold_downstream_fen": v.thresholds.downstream_fen,
                        "threshold_upstream_fen": v.thresholds.upstream_fen,
                        "threshold_upstream_parcels": v.thresholds.upstream_parcels,
                        "verdict": v.verdict,
                        "failing_months": v.failing_months,
                        "ladder_step": v.ladder_step,
                        "status_before": v.status_before,
                        "scored_at": now,
                    }
                    for v in verdicts
                ]
            )
            changes = {
                v.station_id: v.status_after for v in verdicts if v.status_after != v.status_before
            }
            await uow.scoring.set_statuses(changes, now)
            await uow.scoring.lock_period(county.id, str(period), now, run_id)
            keepers = await uow.scoring.keepers(county.id)
            staff = await uow.scoring.staff(county.id)
            alerts: list[Alert] = [
                *verdict_alerts(county, period, run_no, verdicts, keepers),
                *digest_alerts(county, period, run_no, verdicts, staff),
            ]
            sent = await uow.outbox.enqueue(alerts, now)
            summary = {
                "stations": len(verdicts),
                **{
                    step: sum(v.ladder_step == step for v in verdicts)
                    for step in ("active", "warned", "probation", "candidate")
                },
                "grace": sum(v.verdict == "grace" for v in verdicts),
                "status_changes": len(changes),
                "alerts": sent,
            }
            await uow.scoring.finish_run(run_id, now, summary)
            await uow.audit.record(
                at=now,
                actor_person_id=actor,
                action="scoring.rescore" if reason else "scoring.run",
                subject=f"county:{county.code}:{period}",
                details={"run_no": run_no, "reason": reason, **summary},
            )
            await uow.commit()
        return sent
