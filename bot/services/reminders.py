"""Reminders between reviews: mid-month nudges, idle stations, stranded parcels.

Each run is claimed like scoring (job, county, period or day), and each notice has a
natural dedup key, so a restart, a catch-up or a second process sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.domain.assessment import Figures, Projection, assess, window
from bot.domain.board import CheckInSummary
from bot.domain.clock import Clock
from bot.domain.network import StationStatus, Tier
from bot.domain.notices import Notice
from bot.domain.periods import Period
from bot.services.notice_builders import (
    idle_digest_notices,
    idle_notices,
    nudge_notices,
    stranded_digest_notices,
    stranded_notices,
)
from bot.services.ports import CountyRef, UnitOfWorkFactory
from bot.services.scoring import LEASE, ScoringService


@dataclass(frozen=True)
class ReminderReport:
    job: str
    county: CountyRef
    key: str  # the period or day the run covers
    claimed: bool  # this call ran the job (a dry run: would run it)
    alerts: int = 0  # enqueued (a dry run: would be)
    stations: int = 0
    dry_run: bool = False  # nothing was claimed or written


# The run id of a dry run: it is only looked at, never claimed, so nothing is written.
DRY_RUN = -1


class ReminderService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, claimer: str | None = None):
        self.scoring = ScoringService(uow_factory, clock, claimer)
        self.uow_factory = uow_factory
        self.clock = clock

    async def _claim(
        self, job: str, county: CountyRef, key: str, trigger: str, dry_run: bool
    ) -> int | None:
        """The run's id when this call owns it (DRY_RUN for a dry run of a job not yet
        done); None when another process owns or finished it."""
        if dry_run:
            async with self.uow_factory() as uow:
                done = await uow.job_runs.finished(job, county.id, key)
            return None if done else DRY_RUN
        now = self.clock.now()
        async with self.uow_factory(write=True) as uow:
            run_id = await uow.job_runs.claim(
                job=job,
                county_id=county.id,
                period=key,
                run_no=1,
                trigger=trigger,
                claimer=self.scoring.claimer,
                now=now,
                stale_before=now - LEASE,
            )
            await uow.commit()
        return run_id

    async def _finish(self, run_id: int, alerts: list[Notice], summary: dict) -> int:
        if run_id == DRY_RUN:
            return len(alerts)
        now = self.clock.now()
        async with self.uow_factory(write=True) as uow:
            sent = await uow.outbox.enqueue(alerts, now)
            await uow.job_runs.finish(run_id, now, {**summary, "alerts": sent})
            await uow.commit()
        return sent

    # --- mid-month nudges -------------------------------------------------------------

    async def nudge(
        self, county_code: str, *, trigger: str = "schedule", dry_run: bool = False
    ) -> ReminderReport:
        """Stations whose month, projected from the days so far, misses its targets are
        told exactly what is still missing."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            county = await self.scoring.county(uow, county_code)
        period = Period.of(now, county.timezone)
        run_id = await self._claim("nudge", county, str(period), trigger, dry_run)
        if run_id is None:
            return ReminderReport("nudge", county, str(period), False, dry_run=dry_run)
        async with self.uow_factory() as uow:
            _, policy = await self.scoring.policy(uow, county.id)
            m = policy.metrics
            kinds = (m.downstream_kinds, m.upstream_yuan_kinds, m.upstream_parcel_kinds)
            totals = await uow.scores.window_totals(county.id, [str(period)], *kinds)
            # A window of several months: the months before this one count as logged.
            before = [str(p) for p in window(period, policy.assessment.window_months)[1:]]
            earlier = await uow.scores.window_totals(county.id, before, *kinds) if before else {}
            stations = await uow.scores.stations(county.id)
            keepers = await uow.recipients.keepers(county.id)
        local = now.astimezone(ZoneInfo(county.timezone))
        elapsed, days = local.day, period.days()
        pace = Projection(elapsed_days=elapsed, month_days=days)
        rules = policy.rules()
        behind: list = []  # (station, what is missing today, days left)
        for station in stations:
            if station.status == StationStatus.REMOVED.value:
                continue
            # The month's own test, on the month projected at this pace (a station in its
            # grace months is coached too, though not judged); what the nudge says is
            # missing is what is missing today.
            month = Figures(*totals.get(station.id, (0, 0, 0)))
            thresholds = policy.thresholds_for(Tier(station.tier))
            done_before = Figures(*earlier.get(station.id, (0, 0, 0)))
            if assess(month, thresholds, rules, earlier=done_before, projection=pace).targets_met:
                continue
            today = assess(month, thresholds, rules, earlier=done_before)
            behind.append((station, today, days - elapsed))
        alerts = nudge_notices(period, behind, keepers)
        sent = await self._finish(run_id, alerts, {"behind": len(behind)})
        return ReminderReport(
            "nudge", county, str(period), True, sent, len(behind), dry_run=dry_run
        )

    # --- idle stations ----------------------------------------------------------------

    async def idle(
        self, county_code: str, *, trigger: str = "schedule", dry_run: bool = False
    ) -> ReminderReport:
        """Idle means no ledger entry: a keeper's verified check-in (the notice board,
        issue 11) does not count as activity, because a station open every day that logs
        nothing is still not doing business, and the keeper's reminder is about the ledger.
        Staff's digest tells the two apart: stations open (verified check-ins within the
        alert days) but logging nothing, and stations with no sign of opening at all."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            county = await self.scoring.county(uow, county_code)
        day = now.astimezone(ZoneInfo(county.timezone)).date().isoformat()
        run_id = await self._claim("idle", county, day, trigger, dry_run)
        if run_id is None:
            return ReminderReport("idle", county, day, False, dry_run=dry_run)
        async with self.uow_factory() as uow:
            _, policy = await self.scoring.policy(uow, county.id)
            last = await uow.activity.last_entry_at(county.id)
            stations = await uow.scores.stations(county.id)
            keepers = await uow.recipients.keepers(county.id)
            staff = await uow.recipients.staff(county.id)
            robots = await uow.robots.routes(county.id)  # office IM (#12)
            # Verified check-in days within the alert days: "open but no entries".
            today = now.astimezone(ZoneInfo(county.timezone)).date()
            first = today - timedelta(days=policy.reminders.idle_alert_days - 1)
            checkins = await uow.board.checkin_summary(county.id, first, today)
        r = policy.reminders
        idle, long_idle = [], []
        for station in stations:
            if station.status == StationStatus.REMOVED.value or station.id not in last:
                continue  # a station that never logged anything is onboarding, not idle
            idle_days = (now - last[station.id]).days
            since = last[station.id].date().isoformat()
            if idle_days >= r.idle_reminder_days:
                idle.append((station, idle_days, since))
            if idle_days >= r.idle_alert_days:
                opened = checkins.get(station.id, CheckInSummary()).verified_days
                long_idle.append((station, idle_days, opened))
        alerts = [
            *idle_notices(idle, keepers),
            *idle_digest_notices(county, day, r.idle_alert_days, long_idle, staff, robots),
        ]
        open_days = sum(1 for *_, opened in long_idle if opened)
        summary = {"idle": len(long_idle), "open_without_entries": open_days}
        sent = await self._finish(run_id, alerts, summary)
        return ReminderReport("idle", county, day, True, sent, len(long_idle), dry_run=dry_run)

    # --- stranded parcels -------------------------------------------------------------

    async def stranded(
        self, county_code: str, *, trigger: str = "schedule", dry_run: bool = False
    ) -> ReminderReport:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            county = await self.scoring.county(uow, county_code)
        day = now.astimezone(ZoneInfo(county.timezone)).date().isoformat()
        run_id = await self._claim("stranded", county, day, trigger, dry_run)
        if run_id is None:
            return ReminderReport("stranded", county, day, False, dry_run=dry_run)
        async with self.uow_factory() as uow:
            _, policy = await self.scoring.policy(uow, county.id)
            r = policy.reminders
            waiting = await uow.activity.stranded(
                county.id, now - timedelta(hours=r.stranded_reminder_hours)
            )
            stations = {s.id: s for s in await uow.scores.stations(county.id)}
            keepers = await uow.recipients.keepers(county.id)
            staff = await uow.recipients.staff(county.id)
            robots = await uow.robots.routes(county.id)  # office IM (#12)
        return_before = now - timedelta(days=r.stranded_return_days)
        many = [
            (stations[sid], len(found))
            for sid, found in waiting.items()
            if len(found) >= r.stranded_staff_threshold and sid in stations
        ]
        alerts = [
            *stranded_notices(day, waiting, return_before, county.timezone, keepers),
            *stranded_digest_notices(county, day, r.stranded_reminder_hours, many, staff, robots),
        ]
        sent = await self._finish(run_id, alerts, {"stations": len(waiting)})
        return ReminderReport("stranded", county, day, True, sent, len(waiting), dry_run=dry_run)
