"""Parcels on the shelf: the list (oldest first, stranded ones marked), finding them by
pickup code, phone last four or name, handing them out or sending them back. A parcel
already gone answers when and how it left. A second press of the same button finds the
parcel already handled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.commands import CloseParcel, FindParcels, ShowShelf
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.ledger import EntryKind, ParcelView
from bot.domain.network import StationCard
from bot.domain.numbers import within_id_range
from bot.domain.periods import Period
from bot.domain.text import N_
from bot.services.authz import Action, Actor
from bot.services.env import Env
from bot.services.ledger.common import (
    STATUS_TEXT,
    Left,
    Parcels,
    Recorded,
    base_row,
    own_station,
)
from bot.services.policy import load_policy
from bot.services.ports import UnitOfWork

SHELF_PAGE = 15
FOUND_AT_MOST = 50


@dataclass(frozen=True)
class ShelfPage:
    parcels: list[ParcelView]
    total: int
    page: int
    pages: int
    timezone: str
    stranded_before: datetime  # a parcel that arrived before this is stranded
    now: datetime


async def stranded_before(uow: UnitOfWork, station: StationCard, now: datetime) -> datetime:
    """The county policy's stranded hours, as an instant: the same line the daily
    stranded-parcel reminder draws."""
    _, policy = await load_policy(uow, station.county_id)
    return now - timedelta(hours=policy.reminders.stranded_reminder_hours)


async def show_shelf(query: ShowShelf, actor: Actor, uow: UnitOfWork, env: Env) -> ShelfPage:
    now = env.clock.now()
    station = await own_station(uow, actor, Action.RECORD_LEDGER)
    total = await uow.ledger.waiting_count(station.id)
    pages = max(1, -(-total // SHELF_PAGE))
    page = min(max(query.page, 0), pages - 1)
    found = await uow.ledger.waiting_parcels(station.id, limit=SHELF_PAGE, offset=page * SHELF_PAGE)
    line = await stranded_before(uow, station, now)
    return ShelfPage(found, total, page, pages, station.county_timezone, line, now)


async def find_parcels(query: FindParcels, actor: Actor, uow: UnitOfWork, env: Env) -> Parcels:
    station = await own_station(uow, actor, Action.RECORD_LEDGER)
    zone = station.county_timezone
    line = await stranded_before(uow, station, env.clock.now())
    if query.entry_id is not None:
        parcel = (
            await uow.ledger.parcel(query.entry_id) if within_id_range(query.entry_id) else None
        )
        if parcel is None or (await _station_of(uow, parcel)) != station.id:
            raise NotFound(N_("No such parcel at your station."))
        if parcel.status == "waiting":
            return Parcels([parcel], zone, stranded_before=line)
        return Parcels([], zone, await _how_they_left(uow, [parcel]), line)
    match = {"code": query.pickup_code, "phone_last4": query.phone_last4, "name": query.name}
    found = await uow.ledger.waiting_parcels(station.id, **match, limit=FOUND_AT_MOST)
    if found:
        return Parcels(found, zone, stranded_before=line)
    gone = await uow.ledger.closed_parcels(station.id, **match)
    return Parcels([], zone, await _how_they_left(uow, gone), line)


async def _station_of(uow: UnitOfWork, parcel: ParcelView) -> int | None:
    intake = await uow.ledger.entry(parcel.entry_id)
    return intake.station_id if intake else None


async def _how_they_left(uow: UnitOfWork, parcels: list[ParcelView]) -> list[Left]:
    closing = []
    for parcel in parcels:
        if parcel.closed_by_id is None:
            continue
        entry = await uow.ledger.entry(parcel.closed_by_id)
        if entry is not None:
            closing.append((parcel, entry))
    names = await uow.people.names(e.recorded_by for _, e in closing if e.recorded_by)
    return [Left(p, e, names.get(e.recorded_by or 0)) for p, e in closing]


async def close_parcel(command: CloseParcel, actor: Actor, uow: UnitOfWork, env: Env) -> Recorded:
    """Hand a parcel out (or return it to the carrier)."""
    kind = EntryKind.PARCEL_RETURN if command.returned else EntryKind.PARCEL_PICKUP
    reason = (command.reason or "").strip() or None
    if command.returned and reason is None:
        raise InvalidInput(N_("Say why the parcel goes back, e.g. 无人认领 (unclaimed)."))
    now = env.clock.now()
    station = await own_station(uow, actor, Action.RECORD_LEDGER)
    earlier = await uow.ledger.entry_by_request_key(command.request_key)
    if earlier is not None:
        return Recorded(earlier, replay=True, timezone=station.county_timezone)
    if not within_id_range(command.parcel_entry_id):  # forged button data
        raise NotFound(N_("No such parcel at your station."))
    parcel = await uow.ledger.parcel(command.parcel_entry_id)
    intake = await uow.ledger.entry(command.parcel_entry_id)
    if parcel is None or intake is None or intake.station_id != station.id:
        raise NotFound(N_("No such parcel at your station."))
    if parcel.status != "waiting":
        raise InvalidInput(
            N_("Parcel {code} ({tracking}) is no longer waiting: {status}."),
            code=parcel.pickup_code,
            tracking=parcel.tracking_no,
            status=STATUS_TEXT.get(parcel.status, parcel.status),
        )
    period = Period.of(now, station.county_timezone)
    entry_id = await uow.ledger.add_entry(
        {
            **base_row(station, actor, kind, command.request_key, period=period, when=now, now=now),
            "parcel_count": 1,
            "tracking_no": parcel.tracking_no,
            "pickup_code": parcel.pickup_code,
            # The recipient's name and phone tail travel with the entry, so /recent
            # says whose parcel left without a second look-up.
            "recipient_name": intake.recipient_name,
            "phone_last4": intake.phone_last4,
            "carrier": intake.carrier,
            "refers_to_id": command.parcel_entry_id,
            "reason": reason,
        }
    )
    assert entry_id is not None
    status = "returned" if command.returned else "picked_up"
    if not await uow.ledger.set_parcel_status(
        command.parcel_entry_id, expect="waiting", status=status, closed_by_id=entry_id
    ):
        raise InvalidInput(N_("That parcel was just handled by another action."))
    entry = await uow.ledger.entry(entry_id)
    assert entry is not None
    return Recorded(entry, False, station.county_timezone)
