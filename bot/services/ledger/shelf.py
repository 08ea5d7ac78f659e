"""Parcels on the shelf: find them by pickup code or phone last four, hand them out or
send them back. A second press of the same button finds the parcel already handled."""

from __future__ import annotations

from bot.domain.commands import CloseParcel, FindParcels
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.ledger import EntryKind
from bot.domain.numbers import within_id_range
from bot.domain.periods import Period
from bot.domain.text import N_
from bot.services.authz import Action, Actor
from bot.services.env import Env
from bot.services.ledger.common import STATUS_TEXT, Parcels, Recorded, base_row, own_station
from bot.services.ports import UnitOfWork


async def find_parcels(query: FindParcels, actor: Actor, uow: UnitOfWork, env: Env) -> Parcels:
    station = await own_station(uow, actor, Action.RECORD_LEDGER)
    found = await uow.ledger.waiting_parcels(
        station.id, code=query.pickup_code, phone_last4=query.phone_last4
    )
    return Parcels(found, station.county_timezone)


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
