"""The keeper's daily check-in: they scan their own station's code and share a location.

A location is what the phone claims. Within the county's geofence (300 m by default) of
the station's recorded position the check-in is *verified by location* — nothing more is
ever claimed. Farther, it is kept unverified with the distance. One check-in per station
and local day; a second is answered with the first. A station without a position gets the
first check-in's location proposed to county staff; two check-ins farther apart than a
car could go in the time between them are flagged to staff. A check-in answered with a
live location is followed through its updates: one whose updates all claim the very same
position for its period (or LIVE_FROZEN_AFTER of it) is flagged to staff as a location
that never moves (a real phone's fix wanders by metres even standing still).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.board import (
    FROZEN_LIVE,
    CheckIn,
    Position,
    ScanKind,
    checkin_silent,
    distance_m,
    impossible_move,
)
from bot.domain.commands import (
    BoardActivity,
    CheckInAtStation,
    ConfirmPosition,
    ScanStation,
    TrackLiveLocation,
)
from bot.domain.errors import InvalidInput
from bot.domain.network import StationCard
from bot.domain.notices import Notice
from bot.domain.periods import Period
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.board.codes import scan_station, station_card
from bot.services.board.notices import checkin_flagged_notices, position_proposed_notices
from bot.services.env import Env
from bot.services.network import place_of
from bot.services.policy import load_policy
from bot.services.ports import UnitOfWork

IMPOSSIBLE = "impossible_move"
# The very same micro-degree position as the keeper's check-in of an earlier day: a real
# GPS fix never repeats to 0.1 m, a replayed or faked location (one that never moves) does.
FROZEN = "frozen_position"


def flag_of(previous: CheckIn | None, here: Position, day: date, now) -> str | None:
    if previous is None:
        return None
    if previous.position == here and previous.day != day:
        return FROZEN
    if impossible_move(previous.position, previous.at, here, now):
        return IMPOSSIBLE
    return None


@dataclass(frozen=True)
class CheckInResult:
    card: StationCard
    checkin: CheckIn
    geofence_m: int
    already: bool  # the station had checked in that day: this is the first one


def station_position(card: StationCard) -> Position | None:
    if card.latitude is None or card.longitude is None:
        return None
    return Position(
        int(Decimal(card.latitude) * 1_000_000), int(Decimal(card.longitude) * 1_000_000)
    )


def local_day(card: StationCard, env: Env) -> date:
    return env.clock.now().astimezone(ZoneInfo(card.county_timezone)).date()


async def check_in(
    command: CheckInAtStation, actor: Actor, uow: UnitOfWork, env: Env
) -> CheckInResult:
    authorize(actor, Action.CHECK_IN)
    scan = await scan_station(ScanStation(command.payload), actor, uow, env)
    if scan.kind is not ScanKind.CHECK_IN:
        raise InvalidInput(N_("This is not your station's code: check in at your own station."))
    card = scan.card
    if not (
        -90_000_000 <= command.lat_e6 <= 90_000_000
        and -180_000_000 <= command.lon_e6 <= 180_000_000
    ):
        raise InvalidInput(N_("That location is not valid. Share your location again."))
    _, policy = await load_policy(uow, card.county_id)
    fence = policy.board.geofence_m
    day, now = local_day(card, env), env.clock.now()
    earlier = await uow.board.checkin_on(card.id, day)
    if earlier is not None:
        return CheckInResult(card, earlier, fence, already=True)
    here = Position(command.lat_e6, command.lon_e6)
    station = station_position(card)
    distance = distance_m(here, station) if station else None
    previous = await uow.board.last_checkin_by(actor.person_id)  # type: ignore[arg-type]
    flag = flag_of(previous, here, day, now)
    checkin = CheckIn(
        0,
        card.id,
        day,
        actor.person_id,  # type: ignore[arg-type]
        now,
        here,
        distance,
        verified=distance is not None and distance <= fence and flag is None,
        flag=flag,
    )
    new_id = await uow.board.add_checkin(checkin, command.request_key)
    if new_id is None:  # a retry, or another update of the same day won
        found = await uow.board.checkin_on(card.id, day)
        assert found is not None
        return CheckInResult(card, found, fence, already=True)
    stored = await uow.board.checkin_on(card.id, day)
    assert stored is not None
    if command.live_period_s and stored.flag is None:
        period = timedelta(seconds=min(command.live_period_s, LIVE_PERIOD_CAP_S))
        await uow.board.start_live_track(stored.id, now + period)
    await _tell_staff(uow, card, stored, previous if flag else None, now)
    return CheckInResult(card, stored, fence, already=False)


async def _tell_staff(uow: UnitOfWork, card, checkin: CheckIn, previous, now) -> None:
    notices: list[Notice] = []
    staff = await uow.recipients.staff(card.county_id)
    if station_position(card) is None and checkin.flag is None:
        notices += position_proposed_notices(card, checkin.position.text(), staff)
    if previous is not None:
        km = distance_m(previous.position, checkin.position) // 1000
        minutes = int((checkin.at - previous.at).total_seconds() // 60)
        notices += checkin_flagged_notices(card, checkin, km, minutes, staff)
    if notices:
        await uow.outbox.enqueue(notices, now)


# A live location is judged frozen after this much of its period (or the whole period if
# shorter), with at least LIVE_MIN_UPDATES updates all at the check-in's exact position.
LIVE_FROZEN_AFTER = timedelta(minutes=15)
LIVE_MIN_UPDATES = 3
LIVE_PERIOD_CAP_S = 24 * 3600  # Telegram's "until I stop" is 0x7FFFFFFF seconds


@dataclass(frozen=True)
class LiveLocationResult:
    counted: bool  # a new update of a followed live location
    flagged: bool  # this update flagged it as never moving


async def track_live_location(
    command: TrackLiveLocation, actor: Actor, uow: UnitOfWork, env: Env
) -> LiveLocationResult:
    """One update of a check-in's live location. Only the keeper who checked in moves
    their own track; an update of any other message is ignored."""
    authorize(actor, Action.CHECK_IN)
    found = await uow.board.live_track(command.checkin_key)
    if found is None or found[0].person_id != actor.person_id:
        return LiveLocationResult(False, False)
    checkin, track = found
    here = Position(command.lat_e6, command.lon_e6)
    counted = await uow.board.count_live_update(
        checkin.id, command.edited_at, moved=here != checkin.position
    )
    if counted is None:
        return LiveLocationResult(False, False)
    now = env.clock.now()
    needed = min(track.until - checkin.at, LIVE_FROZEN_AFTER)
    if counted.moved or counted.updates < LIVE_MIN_UPDATES or now - checkin.at < needed:
        return LiveLocationResult(True, False)
    if not await uow.board.flag_live_track(checkin.id, now):
        return LiveLocationResult(True, False)
    card = await uow.network.station_by_id(checkin.station_id)
    assert card is not None
    staff = await uow.recipients.staff(card.county_id)
    minutes = int((now - checkin.at).total_seconds() // 60)
    flagged = dataclasses.replace(checkin, flag=FROZEN_LIVE, verified=False)
    notices = checkin_flagged_notices(card, flagged, 0, minutes, staff, updates=counted.updates)
    await uow.outbox.enqueue(notices, now)
    return LiveLocationResult(True, True)


@dataclass(frozen=True)
class BoardActivityView:
    """A station's month on its notice board: days it checked in (operating days), the
    verified ones, the last check-in, the latest inspections, complaints still open."""

    card: StationCard
    period: str
    checkins: list[CheckIn]
    inspections: list
    open_complaints: int
    # The last check-in whatever the month, and whether there was none for the county's
    # idle days: the same rule as the desk's `/stations nocheckin` (checkin_silent).
    last: CheckIn | None = None
    silent: bool = False
    idle_days: int = 0

    @property
    def operating_days(self) -> int:
        return len(self.checkins)

    @property
    def verified_days(self) -> int:
        return sum(1 for c in self.checkins if c.verified)


async def board_activity(
    query: BoardActivity, actor: Actor, uow: UnitOfWork, env: Env
) -> BoardActivityView:
    card = await station_card(uow, actor, query.code)
    authorize(actor, Action.VIEW_STATION, place_of(card))
    period = (
        Period.parse(query.period)
        if query.period
        else Period.of(env.clock.now(), card.county_timezone)
    )
    first = period.first_day()
    last = first + timedelta(days=period.days() - 1)
    latest = await uow.board.last_checkin(card.id)
    _, policy = await load_policy(uow, card.county_id)
    idle_days = policy.reminders.idle_reminder_days
    return BoardActivityView(
        card,
        str(period),
        await uow.board.checkins(card.id, first, last),
        await uow.board.inspections(card.id, limit=3),
        await uow.board.open_complaints(card.id),
        last=latest,
        silent=checkin_silent(latest.at if latest else None, env.clock.now(), idle_days),
        idle_days=idle_days,
    )


@dataclass(frozen=True)
class PositionConfirmed:
    card: StationCard
    position: Position


async def confirm_position(
    command: ConfirmPosition, actor: Actor, uow: UnitOfWork, env: Env
) -> PositionConfirmed:
    authorize(actor, Action.CONFIRM_POSITION)
    card = await station_card(uow, actor, command.code)
    authorize(actor, Action.CONFIRM_POSITION, place_of(card))
    if station_position(card) is not None:
        raise InvalidInput(
            N_("{station} already has a position on file; change it in the network file."),
            station=card.name,
        )
    first = await uow.board.first_plausible_checkin(card.id)
    if first is None:
        raise InvalidInput(
            N_("{station} has no check-in yet to take a position from."), station=card.name
        )
    now = env.clock.now()
    await uow.board.set_station_position(card.id, first.position, now)
    await uow.audit.record(
        at=now,
        actor_person_id=actor.person_id,
        action="station.position_confirmed",
        subject=f"station:{card.id}",
        details={"position": first.position.text(), "checkin": first.id, "via": actor.channel},
    )
    return PositionConfirmed(card, first.position)
