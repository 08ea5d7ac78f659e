"""What is due now, for every county. The scheduler only wakes this up; whatever is due
and not yet claimed runs, so a missed day (the bot was down) is caught up on the next
wake-up or at start, and a second process finds everything already claimed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.domain.clock import Clock
from bot.domain.periods import Period
from bot.services.ports import UnitOfWorkFactory
from bot.services.reminders import Reminders
from bot.services.scoring import SCORING, ScoringService

log = logging.getLogger(__name__)


@dataclass
class DueReport:
    ran: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        self.ran.append(what)
        log.info("job done: %s", what)


def first_scored_month(configured: str | None, created_at, timezone: str) -> Period:
    """The policy's first month, or else the first whole month after the county was set
    up: a month before the ledger existed has no data, and judging it would warn every
    station for nothing."""
    if configured:
        return Period.parse(configured)
    return Period.of(created_at, timezone).next()


async def run_due(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    trigger: str = "schedule",
    claimer: str | None = None,
) -> DueReport:
    scoring = ScoringService(uow_factory, clock, claimer)
    reminders = Reminders(uow_factory, clock, claimer)
    report = DueReport()
    async with uow_factory() as uow:
        counties = await uow.network.counties()
    for county in counties:
        now = clock.now()
        async with uow_factory() as uow:
            _, policy = await scoring.policy(uow, county.id)
            local = now.astimezone(ZoneInfo(county.timezone))
            current = Period.of(now, county.timezone)
            previous = current.previous()
            scored = await uow.scoring.finished(SCORING, county.id, str(previous))
            first = first_scored_month(
                policy.assessment.first_month,
                await uow.scoring.county_created_at(county.id),
                county.timezone,
            )
        if (
            local.day >= policy.assessment.correction_close_day
            and not scored
            and (previous >= first)
        ):
            result = await scoring.score(county.code, previous, trigger=trigger)
            if result.claimed:
                report.add(f"scoring {county.code} {previous}")
        if local.day >= policy.reminders.nudge_day:
            if (await reminders.nudge(county.code, trigger=trigger)).claimed:
                report.add(f"nudge {county.code} {current}")
        for job in (reminders.idle, reminders.stranded):
            result = await job(county.code, trigger=trigger)
            if result.claimed:
                report.add(f"{result.job} {county.code} {result.key}")
    return report
