"""Reminders between reviews: mid-month nudges, idle stations, stranded parcels.

Each run is claimed like scoring (job, county, period or day), and each alert has a
natural dedup key, so a restart, a catch-up or a second process sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.alerts import Alert, AlertCategory
from bot.domain.clock import Clock
from bot.domain.money import format_fen
from bot.domain.network import StationStatus
from bot.domain.periods import Period
from bot.domain.policy import judge
from bot.i18n import Translator, pick_language
from bot.services.ports import CountyRef, UnitOfWorkFactory
from bot.services.scoring import LEASE, ScoringService


@dataclass(frozen=True)
class ReminderReport:
    job: str
    county: CountyRef
    key: str  # the period or day the run covers
    claimed: bool
    alerts: int = 0
    stations: int = 0


def yuan(fen: int) -> str:
    return format_fen(fen, compact=True)


class Reminders:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, claimer: str | None = None):
        self.scoring = ScoringService(uow_factory, clock, claimer)
        self.uow_factory = uow_factory
        self.clock = clock

    async def _claim(self, job: str, county: CountyRef, key: str, trigger: str) -> int | None:
        now = self.clock.now()
        async with self.uow_factory(write=True) as uow:
            run_id = await uow.scoring.claim_run(
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

    async def _finish(self, run_id: int, alerts: list[Alert], summary: dict) -> int:
        now = self.clock.now()
        async with self.uow_factory(write=True) as uow:
            sent = await uow.outbox.enqueue(alerts, now)
            await uow.scoring.finish_run(run_id, now, {**summary, "alerts": sent})
            await uow.commit()
        return sent

    # --- mid-month nudges -------------------------------------------------------------

    async def nudge(self, county_code: str, *, trigger: str = "schedule") -> ReminderReport:
        """Stations whose month, projected from the days so far, misses its targets are
        told exactly what is still missing."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            county = await self.scoring.county(uow, county_code)
        period = Period.of(now, county.timezone)
        run_id = await self._claim("nudge", county, str(period), trigger)
        if run_id is None:
            return ReminderReport("nudge", county, str(period), False)
        async with self.uow_factory() as uow:
            _, policy = await self.scoring.policy(uow, county.id)
            m = policy.metrics
            totals = await uow.scoring.window_totals(
                county.id,
                [str(period)],
                m.downstream_kinds,
                m.upstream_yuan_kinds,
                m.upstream_parcel_kinds,
            )
            stations = await uow.scoring.county_stations(county.id)
            keepers = await uow.scoring.keepers(county.id)
        local = now.astimezone(ZoneInfo(county.timezone))
        elapsed, days = local.day, period.days()
        alerts, behind = [], 0
        for station in stations:
            if station.status == StationStatus.REMOVED.value:
                continue
            down, up, parcels = totals.get(station.id, (0, 0, 0))
            thresholds = policy.thresholds_for(station.tier)
            projected = judge(
                down * days // elapsed,
                up * days // elapsed,
                parcels * days // elapsed,
                thresholds,
                require_downstream=m.require_downstream,
                upstream_rule=m.upstream_rule.value,
            )
            if projected.passes:
                continue
            behind += 1
            actual = judge(
                down,
                up,
                parcels,
                thresholds,
                require_downstream=m.require_downstream,
                upstream_rule=m.upstream_rule.value,
            )
            for keeper in (k for k in keepers if k.station_id == station.id):
                t = Translator(pick_language(keeper.language))
                alerts.append(
                    Alert(
                        dedup_key=f"nudge:{period}:{station.id}:{keeper.person_id}",
                        category=AlertCategory.NUDGE,
                        chat_id=keeper.chat_id,
                        person_id=keeper.person_id,
                        text=nudge_text(actual, station, days - elapsed, t),
                    )
                )
        sent = await self._finish(run_id, alerts, {"behind": behind})
        return ReminderReport("nudge", county, str(period), True, sent, behind)

    # --- idle stations ----------------------------------------------------------------

    async def idle(self, county_code: str, *, trigger: str = "schedule") -> ReminderReport:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            county = await self.scoring.county(uow, county_code)
        day = now.astimezone(ZoneInfo(county.timezone)).date().isoformat()
        run_id = await self._claim("idle", county, day, trigger)
        if run_id is None:
            return ReminderReport("idle", county, day, False)
        async with self.uow_factory() as uow:
            _, policy = await self.scoring.policy(uow, county.id)
            last = await uow.scoring.last_entry_at(county.id)
            stations = await uow.scoring.county_stations(county.id)
            keepers = await uow.scoring.keepers(county.id)
            staff = await uow.scoring.staff(county.id)
        r = policy.reminders
        alerts: list[Alert] = []
        long_idle = []
        for station in stations:
            if station.status == StationStatus.REMOVED.value or station.id not in last:
                continue  # a station that never logged anything is onboarding, not idle
            idle_days = (now - last[station.id]).days
            since = last[station.id].date().isoformat()
            if idle_days >= r.idle_reminder_days:
                for keeper in (k for k in keepers if k.station_id == station.id):
                    t = Translator(pick_language(keeper.language))
                    alerts.append(
                        Alert(
                            # One reminder per silence: keyed by the last entry's date.
                            dedup_key=f"idle:{station.id}:{since}:{keeper.person_id}",
                            category=AlertCategory.IDLE,
                            chat_id=keeper.chat_id,
                            person_id=keeper.person_id,
                            text=t(
                                "Nothing has been logged at {station} for {days} days. Log "
                                "today's parcels and sales so the month counts: /menu",
                                station=station.name,
                                days=idle_days,
                            ),
                        )
                    )
            if idle_days >= r.idle_alert_days:
                long_idle.append((station, idle_days))
        if long_idle:
            for person in staff:
                t = Translator(pick_language(person.language))
                lines = [t("Stations idle for {days} days or more:", days=r.idle_alert_days)]
                lines += [
                    t("{code} {name}: {days} days", code=s.code, name=s.name, days=d)
                    for s, d in long_idle[:50]
                ]
                alerts.append(
                    Alert(
                        dedup_key=f"idle-staff:{county.id}:{day}:{person.person_id}",
                        category=AlertCategory.IDLE,
                        chat_id=person.chat_id,
                        person_id=person.person_id,
                        text="\n".join(lines),
                    )
                )
        sent = await self._finish(run_id, alerts, {"idle": len(long_idle)})
        return ReminderReport("idle", county, day, True, sent, len(long_idle))

    # --- stranded parcels -------------------------------------------------------------

    async def stranded(self, county_code: str, *, trigger: str = "schedule") -> ReminderReport:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            county = await self.scoring.county(uow, county_code)
        day = now.astimezone(ZoneInfo(county.timezone)).date().isoformat()
        run_id = await self._claim("stranded", county, day, trigger)
        if run_id is None:
            return ReminderReport("stranded", county, day, False)
        async with self.uow_factory() as uow:
            _, policy = await self.scoring.policy(uow, county.id)
            r = policy.reminders
            waiting = await uow.scoring.stranded(
                county.id, now - timedelta(hours=r.stranded_reminder_hours)
            )
            stations = {s.id: s for s in await uow.scoring.county_stations(county.id)}
            keepers = await uow.scoring.keepers(county.id)
            staff = await uow.scoring.staff(county.id)
        return_before = now - timedelta(days=r.stranded_return_days)
        alerts: list[Alert] = []
        for station_id, found in waiting.items():
            for keeper in (k for k in keepers if k.station_id == station_id):
                t = Translator(pick_language(keeper.language))
                alerts.append(
                    Alert(
                        dedup_key=f"stranded:{station_id}:{day}:{keeper.person_id}",
                        category=AlertCategory.STRANDED,
                        chat_id=keeper.chat_id,
                        person_id=keeper.person_id,
                        text=stranded_text(found, return_before, county.timezone, t),
                    )
                )
        many = [
            (stations[sid], len(found))
            for sid, found in waiting.items()
            if len(found) >= r.stranded_staff_threshold and sid in stations
        ]
        if many:
            for person in staff:
                t = Translator(pick_language(person.language))
                lines = [
                    t(
                        "Stations with many parcels waiting over {hours} h:",
                        hours=r.stranded_reminder_hours,
                    )
                ]
                lines += [
                    t("{code} {name}: {n} parcels", code=s.code, name=s.name, n=n)
                    for s, n in sorted(many, key=lambda x: -x[1])[:50]
                ]
                alerts.append(
                    Alert(
                        dedup_key=f"stranded-staff:{county.id}:{day}:{person.person_id}",
                        category=AlertCategory.STRANDED,
                        chat_id=person.chat_id,
                        person_id=person.person_id,
                        text="\n".join(lines),
                    )
                )
        sent = await self._finish(run_id, alerts, {"stations": len(waiting)})
        return ReminderReport("stranded", county, day, True, sent, len(waiting))


def nudge_text(missing, station, days_left: int, t: Translator) -> str:
    parts = []
    if not missing.downstream_ok:
        parts.append(t("{amount} yuan downstream", amount=yuan(missing.missing_downstream_fen)))
    if not missing.upstream_ok:
        parts.append(
            t(
                "{amount} yuan upstream or {parcels} upstream parcels",
                amount=yuan(missing.missing_upstream_fen),
                parcels=missing.missing_upstream_parcels,
            )
        )
    return t(
        "{station}: at this pace the month's targets will be missed. Still missing: "
        "{what}. {days} days left. See /month.",
        station=station.name,
        what=t("; ").join(parts) if parts else "—",
        days=days_left,
    )


def stranded_text(found: list[dict], return_before: datetime, timezone: str, t: Translator) -> str:
    zone = ZoneInfo(timezone)
    lines = [t("{n} parcels are still waiting for pickup:", n=len(found))]
    for parcel in found[:30]:
        old = parcel["arrived_at"] < return_before
        lines.append(
            f"{parcel['pickup_code']} · {parcel['recipient_name']} · "
            f"{parcel['arrived_at'].astimezone(zone):%m-%d}"
            + (" · " + t("over a week: consider returning it") if old else "")
        )
    lines.append(t("Call the recipients, or return parcels nobody claims: /pickup"))
    return "\n".join(lines)
