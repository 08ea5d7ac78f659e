"""Monthly scoring (站点考核) and the retention ladder.

A run for (county, month) is claimed with a unique row before anything is computed, so
it happens once across restarts, re-runs and two bot processes; a claim whose process
died is taken over after a lease (`CUNZHAN_JOB_LEASE_SECONDS`), and the results commit
only while the claim is still held, so a run killed midway is completed once. Scores,
status changes, the month lock and the alerts are written in one transaction: a crash
leaves either all of them or none.
"""

from __future__ import annotations

import gc
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.assessment import (
    Figures,
    LadderStep,
    Rules,
    Thresholds,
    Verdict,
    assess,
    months_open,
    window,
)
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.network import StationStatus, Tier
from bot.domain.notices import Notice
from bot.domain.periods import Period
from bot.domain.text import N_
from bot.services.notice_builders import digest_notices, verdict_notices
from bot.services.policy import CountyPolicy, load_policy
from bot.services.ports import CountyRef, StationRow, UnitOfWork, UnitOfWorkFactory

SCORING = "scoring"
LEASE = timedelta(minutes=30)


def claimer_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class StationVerdict:
    station_id: int
    code: str
    name: str
    tier: str
    verdict: Verdict
    failing_months: int
    ladder_step: LadderStep
    status_before: str
    status_after: str
    downstream_fen: int  # window averages: what was judged
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

    def count(self, step: LadderStep) -> int:
        return sum(v.ladder_step == step for v in self.verdicts if v.verdict != Verdict.GRACE)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the length of a run.

    A county's month allocates tens of thousands of long-lived objects (verdicts, score
    rows, notices), which set off some 300 collections per run, each walking the young
    objects that survive: 0.12–0.19 s of a 0.6 s run on PostgreSQL in the benchmark.
    Reference counting still frees everything that is not a cycle, and the collector
    catches up when it is switched on again. Only a caller that found it on switches
    it back on, so overlapping runs leave it as they found it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def first_scored_month(configured: str | None, created_at: datetime, timezone: str) -> Period:
    """The policy's first month, or else the first whole month after the county was set
    up: a month before the ledger existed has no data, and judging it would warn every
    station for nothing."""
    if configured:
        return Period.parse(configured)
    return Period.of(created_at, timezone).next()


def judge_station(
    station: StationRow,
    totals: tuple[int, int, int],
    previous_failing: int,
    policy: CountyPolicy,
    period: Period,
    thresholds: Thresholds | None = None,
    rules: Rules | None = None,
) -> StationVerdict:
    """One station's month: the assessment of its window totals, then the ladder."""
    thresholds = thresholds or policy.thresholds_for(Tier(station.tier))
    result = assess(
        Figures(*totals),
        thresholds,
        rules or policy.rules(),
        months_open=months_open(station.opened_on, period),
    )
    if result.verdict is Verdict.GRACE:
        # Not judged: the failing count restarts and the station keeps its status.
        failing = 0
        step = LadderStep(station.status if station.status in _STEPS else LadderStep.ACTIVE)
        status_after = station.status
    else:
        failing = 0 if result.passes else previous_failing + 1
        step = policy.ladder_step(failing)
        status_after = step.status.value
    judged = result.judged
    return StationVerdict(
        station.id,
        station.code,
        station.name,
        station.tier,
        result.verdict,
        failing,
        step,
        station.status,
        status_after,
        judged.downstream_fen,
        judged.upstream_fen,
        judged.upstream_parcels,
        thresholds,
        result.missing_downstream_fen,
        result.missing_upstream_fen,
        result.missing_upstream_parcels,
    )


_STEPS = frozenset(LadderStep)


class ScoringService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        claimer: str | None = None,
        *,
        lease: timedelta = LEASE,
        on_phase: Callable[[str], None] | None = None,
    ):
        self.uow_factory = uow_factory
        self.clock = clock
        self.claimer = claimer or claimer_name()
        self.lease = lease  # an unfinished claim older than this is taken over
        # Called with each phase's name as it ends (claim, aggregate, judge, …): the
        # benchmark times the service's own phases with it instead of replaying a copy.
        self.on_phase = on_phase

    def _phase(self, name: str) -> None:
        if self.on_phase is not None:
            self.on_phase(name)

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
            _, policy = await self.policy(uow, county.id)
            first = first_scored_month(
                policy.assessment.first_month,
                await uow.policies.county_created_at(county.id),
                county.timezone,
            )
            if period < first:
                raise InvalidInput(
                    N_(
                        "{period} is never scored: {county} started using the ledger later. "
                        "The first month that can be scored is {first}."
                    ),
                    period=str(period),
                    county=county.code,
                    first=str(first),
                )
            last_run = await uow.job_runs.last_run_no(SCORING, county.id, str(period))
            if rescore_reason is not None:
                # The re-score's request key is (county, month, reason): the same command
                # given twice (a double start, a retried script) runs once.
                runs = await uow.job_runs.runs(SCORING, county.id, str(period))
                same = [r for r in runs if r["run_no"] > 1 and r["reason"] == rescore_reason]
                if same:
                    return ScoringReport(county, period, same[-1]["run_no"], False, dry_run)
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
            run_id = await uow.job_runs.claim(
                job=SCORING,
                county_id=county.id,
                period=str(period),
                run_no=run_no,
                trigger=trigger,
                claimer=self.claimer,
                now=now,
                stale_before=now - self.lease,
                reason=rescore_reason,
            )
            await uow.commit()
        self._phase("claim")
        if run_id is None:
            return ScoringReport(county, period, run_no, False, False)
        with cyclic_gc_paused():
            verdicts = await self._judge(county, period)
            alerts = await self._commit(
                county, period, run_id, run_no, verdicts, rescore_reason, actor_person_id
            )
        if alerts is None:  # taken over while judging (this process was too slow)
            return ScoringReport(county, period, run_no, False, False)
        return ScoringReport(county, period, run_no, True, False, verdicts, alerts)

    async def _judge(self, county: CountyRef, period: Period) -> list[StationVerdict]:
        async with self.uow_factory() as uow:
            _, policy = await self.policy(uow, county.id)
            m = policy.metrics
            totals = await uow.scores.window_totals(
                county.id,
                [str(p) for p in window(period, policy.assessment.window_months)],
                m.downstream_kinds,
                m.upstream_yuan_kinds,
                m.upstream_parcel_kinds,
            )
            stations = await uow.scores.stations(county.id, failing_as_of=str(period.previous()))
        self._phase("aggregate")
        by_tier = {tier.value: policy.thresholds_for(tier) for tier in Tier}
        rules = policy.rules()
        verdicts = [
            judge_station(
                s,
                totals.get(s.id, (0, 0, 0)),
                s.failing_months,
                policy,
                period,
                by_tier[s.tier],
                rules,
            )
            for s in stations
            if s.status != StationStatus.REMOVED.value
        ]
        self._phase("judge")
        return verdicts

    async def _commit(self, county, period, run_id, run_no, verdicts, reason, actor) -> int | None:
        now = self.clock.now()
        month = str(period)
        async with self.uow_factory(write=True) as uow:
            # The claim is the fence: a process that stalled past its lease while another
            # took the run over writes nothing, so the month's results exist once.
            if not await uow.job_runs.hold(run_id, self.claimer):
                return None
            version, policy = await self.policy(uow, county.id)
            window_months = policy.assessment.window_months
            await uow.scores.write(
                [
                    {
                        "station_id": v.station_id,
                        "period": month,
                        "run_no": run_no,
                        "policy_version": version,
                        "tier": v.tier,
                        "window_months": window_months,
                        "downstream_fen": v.downstream_fen,
                        "upstream_fen": v.upstream_fen,
                        "upstream_parcels": v.upstream_parcels,
                        "threshold_downstream_fen": v.thresholds.downstream_fen,
                        "threshold_upstream_fen": v.thresholds.upstream_fen,
                        "threshold_upstream_parcels": v.thresholds.upstream_parcels,
                        "verdict": v.verdict.value,
                        "failing_months": v.failing_months,
                        "ladder_step": v.ladder_step.value,
                        "status_before": v.status_before,
                        "scored_at": now,
                    }
                    for v in verdicts
                ]
            )
            self._phase("write scores")
            changes = {
                v.station_id: v.status_after for v in verdicts if v.status_after != v.status_before
            }
            await uow.scores.set_statuses(changes, now)
            await uow.locks.lock(county.id, str(period), now, run_id)
            self._phase("statuses and lock")
            keepers = await uow.recipients.keepers(county.id)
            staff = await uow.recipients.staff(county.id)
            robots = await uow.robots.routes(county.id)  # office IM (#12)
            notices: list[Notice] = [
                *verdict_notices(period, run_no, verdicts, keepers),
                *digest_notices(county, period, run_no, verdicts, staff, robots),
            ]
            sent = await uow.outbox.enqueue(notices, now)
            steps = Counter(v.ladder_step for v in verdicts)  # one pass, not one per step
            summary = {
                "stations": len(verdicts),
                **{step.value: steps[step] for step in LadderStep},
                "grace": sum(v.verdict is Verdict.GRACE for v in verdicts),
                "status_changes": len(changes),
                "alerts": sent,
            }
            self._phase("alerts")
            await uow.job_runs.finish(run_id, now, summary)
            await uow.audit.record(
                at=now,
                actor_person_id=actor,
                action="scoring.rescore" if reason else "scoring.run",
                subject=f"county:{county.code}:{period}",
                details={"run_no": run_no, "reason": reason, **summary},
            )
            await uow.commit()
        self._phase("finish and commit")
        return sent
