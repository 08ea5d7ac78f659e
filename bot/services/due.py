"""What is due now, for every county. The scheduler only wakes this up; whatever is due
and not yet claimed runs, so a missed day (the bot was down) is caught up on the next
wake-up or at start, and a second process finds everything already claimed.

A dry run claims nothing and writes nothing: it reports what would run."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.domain.clock import Clock
from bot.domain.periods import Period
from bot.services.claims.rewards import REWARD_JOB, create_reward_claims
from bot.services.ports import UnitOfWorkFactory
from bot.services.reminders import ReminderService
from bot.services.scoring import SCORING, ScoringService, first_scored_month

log = logging.getLogger(__name__)


@dataclass
class DueReport:
    dry_run: bool = False
    ran: list[str] = field(default_factory=list)  # a dry run: what would run

    def add(self, what: str) -> None:
        self.ran.append(what)
        log.info("job %s: %s", "due (dry run)" if self.dry_run else "done", what)


async def run_due(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    trigger: str = "schedule",
    claimer: str | None = None,
    dry_run: bool = False,
) -> DueReport:
    scoring = ScoringService(uow_factory, clock, claimer)
    reminders = ReminderService(uow_factory, clock, claimer)
    report = DueReport(dry_run)
    async with uow_factory() as uow:
        counties = await uow.network.counties()
    for county in counties:
        now = clock.now()
        async with uow_factory() as uow:
            _, policy = await scoring.policy(uow, county.id)
            local = now.astimezone(ZoneInfo(county.timezone))
            current = Period.of(now, county.timezone)
            previous = current.previous()
            scored = await uow.job_runs.finished(SCORING, county.id, str(previous))
            first = first_scored_month(
                policy.assessment.first_month,
                await uow.policies.county_created_at(county.id),
                county.timezone,
            )
        if (
            local.day >= policy.assessment.correction_close_day
            and not scored
            and (previous >= first)
        ):
            result = await scoring.score(county.code, previous, trigger=trigger, dry_run=dry_run)
            if result.claimed or result.dry_run:
                report.add(f"scoring {county.code} {previous}")
        # subsidy claims (issue 10): the month's upstream reward, once the month is scored
        await _reward_claims(uow_factory, clock, county, previous, scoring, trigger, report)
        if local.day >= policy.reminders.nudge_day:
            result = await reminders.nudge(county.code, trigger=trigger, dry_run=dry_run)
            if result.claimed:
                report.add(f"nudge {county.code} {current}")
        for job in (reminders.idle, reminders.stranded):
            result = await job(county.code, trigger=trigger, dry_run=dry_run)
            if result.claimed:
                report.add(f"{result.job} {county.code} {result.key}")
    return report


async def _reward_claims(uow_factory, clock, county, period, scoring, trigger, report):
    """The monthly reward claims of a scored month (bot.services.claims.rewards)."""
    async with uow_factory() as uow:
        scored = await uow.job_runs.finished(SCORING, county.id, str(period))
        done = await uow.job_runs.finished(REWARD_JOB, county.id, str(period))
    if report.dry_run:
        # Due once the month is scored: now, if this dry run would score it.
        if not done and (scored or f"scoring {county.code} {period}" in report.ran):
            report.add(f"{REWARD_JOB} {county.code} {period}")
        return
    if not scored or done:
        return
    async with uow_factory(write=True) as uow:
        run = await create_reward_claims(uow, county, period, clock.now(), scoring.claimer, trigger)
        await uow.commit()
    if run.claimed:
        report.add(f"{REWARD_JOB} {county.code} {period}")
