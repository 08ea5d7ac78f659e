"""What every ledger use case shares: the keeper's own station, the columns every entry
has, and the time an entry happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.commands import Command
from bot.domain.days import DayRef
from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.ledger import EntryKind, EntryView, ParcelView
from bot.domain.network import StationCard, StationStatus
from bot.domain.periods import Period
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize, can
from bot.services.network import parse_code, place_of
from bot.services.ports import UnitOfWork

# How far back a message's own date is believed. Telegram keeps an undelivered update for
# 24 hours; a phone offline for a day and a bot down for the night fit in 48.
SENT_AT_TRUSTED_FOR = timedelta(hours=48)
# A client clock a little ahead of ours is still "now".
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Recorded:
    entry: EntryView
    replay: bool  # True when this request had already been recorded (retry, double tap)
    timezone: str = "Asia/Shanghai"  # the county's, in which the entry's times are shown
    notified: int = 0  # villagers told of this parcel's arrival (the notice board, issue 11)


@dataclass(frozen=True)
class Entries:
    """Ledger entries of one station, with the county zone their times are shown in and
    the names of who recorded them."""

    entries: list[EntryView]
    timezone: str
    names: dict[int, str] = field(default_factory=dict)
    station: StationCard | None = None


@dataclass(frozen=True)
class Left:
    """How a parcel left the shelf: the pickup or return entry, and who recorded it."""

    parcel: ParcelView
    entry: EntryView
    by: str | None


@dataclass(frozen=True)
class Parcels:
    """Parcels found on the shelf; `left` the matching ones already gone when none wait."""

    parcels: list[ParcelView]
    timezone: str
    left: list[Left] = field(default_factory=list)
    stranded_before: datetime | None = None

    def bundles(self) -> list[list[ParcelView]]:
        """Groups of two or more parcels for one person (same name and phone tail)."""
        groups: dict[tuple[str, str | None], list[ParcelView]] = {}
        for parcel in self.parcels:
            groups.setdefault((parcel.recipient_name, parcel.phone_last4), []).append(parcel)
        return [group for group in groups.values() if len(group) > 1]


async def station_in_scope(
    uow: UnitOfWork, actor: Actor, action: Action, code: str | None
) -> StationCard:
    """The station named by `code` if the actor's scope reaches it; without a code, the
    keeper's own."""
    if code is None:
        if actor.scope.station_id is None and can(actor, action):
            raise InvalidInput(N_("Send the station code, e.g. DEMO-S001."))
        return await own_station(uow, actor, action)
    station = await uow.network.station_by_code(parse_code(code))
    if station is None:
        raise NotFound(N_("No station has the code {code}."), code=code.strip()[:40])
    authorize(actor, action, place_of(station))
    return station


async def own_station(uow: UnitOfWork, actor: Actor, action: Action) -> StationCard:
    """The keeper's station, checked: it exists, the actor may act there, it is open."""
    if actor.scope.station_id is None:
        authorize(actor, action)  # a non-keeper gets the role answer
        raise NotAllowed(N_("You are not allowed to do that."))
    station = await uow.network.station_by_id(actor.scope.station_id)
    if station is None:
        raise NotFound(N_("Your station no longer exists. Ask county staff."))
    authorize(actor, action, place_of(station))
    if action is Action.RECORD_LEDGER and station.status is StationStatus.REMOVED:
        raise NotAllowed(N_("This station has been removed; its ledger is closed."))
    return station


def occurred_at(command: Command, now: datetime) -> datetime:
    """When the keeper did it: the message's own date when it is believable, else now."""
    sent = command.occurred_at
    if sent is None or sent > now + CLOCK_SKEW or sent < now - SENT_AT_TRUSTED_FOR:
        return now
    return min(sent, now)


async def entry_period(uow: UnitOfWork, station: StationCard, when: datetime, now: datetime):
    """The period an entry made `when` counts in: its own month, unless that month is
    already closed by the review (then the month it was logged in)."""
    own = Period.of(when, station.county_timezone)
    current = Period.of(now, station.county_timezone)
    if own == current:
        return own
    if await uow.locks.locked_at(station.county_id, str(own)) is not None:
        if not await uow.locks.exception_open(station.id, str(own), now):
            return current
    return own


def back_dated(day: DayRef, station: StationCard, now: datetime) -> datetime:
    """The instant a back-dated entry is kept at: noon of the day the keeper named, in the
    county's zone (now, when that day is today). The day itself is what counts; noon
    keeps it inside that day whatever the zone."""
    zone = ZoneInfo(station.county_timezone)
    today = now.astimezone(zone).date()
    meant = day.resolve(today)
    if meant > today:
        raise InvalidInput(
            N_("{date} has not happened yet: an entry can only be dated today or earlier."),
            date=meant.isoformat(),
        )
    if meant == today:
        return now
    return datetime.combine(meant, time(12), tzinfo=zone).astimezone(UTC)


async def open_period_of(
    uow: UnitOfWork, station: StationCard, when: datetime, now: datetime
) -> Period:
    """The period a back-dated entry counts in: its own, if still open to the station
    (the current or previous month, not yet closed by the review, or with a staff
    exception); refused with the reason otherwise."""
    own = Period.of(when, station.county_timezone)
    current = Period.of(now, station.county_timezone)
    if own == current:
        return own
    locked_at = await uow.locks.locked_at(station.county_id, str(own))
    if await uow.locks.exception_open(station.id, str(own), now):
        return own
    if locked_at is not None:
        raise NotAllowed(
            N_(
                "{period} was closed on {date} by the monthly review: an entry for that "
                "month needs a staff exception for your station."
            ),
            period=str(own),
            date=locked_at.astimezone(ZoneInfo(station.county_timezone)).strftime("%Y-%m-%d"),
        )
    if own < current.previous():
        raise NotAllowed(
            N_("{period} is closed: only this month and last month can take entries."),
            period=str(own),
        )
    return own


def base_row(
    station: StationCard,
    actor: Actor,
    kind: EntryKind,
    request_key: str,
    *,
    period: Period | str,
    when: datetime,
    now: datetime,
) -> dict[str, Any]:
    """The columns every entry has: where, what, when it happened and was logged, by whom,
    for which request."""
    return {
        "station_id": station.id,
        "kind": kind.value,
        "period": str(period),
        "occurred_at": when,
        "recorded_at": now,
        "recorded_by": actor.person_id,
        "source": actor.channel,
        "request_key": request_key,
    }


STATUS_TEXT = {
    "picked_up": N_("picked up"),
    "returned": N_("returned"),
    "voided": N_("voided"),
    "waiting": N_("waiting"),
}
