"""Seeing and correcting the ledger: recent entries, one entry's history, voids.

Nothing is edited or deleted: a void writes a reversal entry (negated amounts, in the
period of the entry it reverses, so every metric stays a plain SUM) with who, when and why.
A month closed by the review needs a staff exception; such a void is marked post-close.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.commands import EntryHistory, PreviewVoid, RecentEntries, VoidEntry
from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.ledger import TRACKED, EntryKind, EntryView
from bot.domain.network import StationCard
from bot.domain.numbers import within_id_range
from bot.domain.periods import Period
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.env import Env
from bot.services.ledger.common import (
    Entries,
    Recorded,
    base_row,
    own_station,
    station_in_scope,
)
from bot.services.network import place_of
from bot.services.ports import UnitOfWork


async def recent_entries(query: RecentEntries, actor: Actor, uow: UnitOfWork, env: Env) -> Entries:
    station = await station_in_scope(uow, actor, Action.VIEW_LEDGER, query.code)
    entries = await uow.ledger.recent(station.id, query.limit)
    return await _with_names(uow, entries, station)


async def entry_history(query: EntryHistory, actor: Actor, uow: UnitOfWork, env: Env) -> Entries:
    """The entry and everything that points at it, oldest first. A keeper sees their own
    station's; staff and operators any station's in their scope."""
    entry = await uow.ledger.entry(query.entry_id) if within_id_range(query.entry_id) else None
    if actor.scope.station_id is not None:
        station = await own_station(uow, actor, Action.VIEW_LEDGER)
        if entry is None or entry.station_id != station.id:
            raise NotFound(N_("No entry #{id} at your station."), id=query.entry_id)
    else:
        authorize(actor, Action.VIEW_LEDGER)
        found = await uow.network.station_by_id(entry.station_id) if entry else None
        if entry is None or found is None:
            raise NotFound(N_("No entry #{id}."), id=query.entry_id)
        station = found
        authorize(actor, Action.VIEW_LEDGER, place_of(station))
    related = await uow.ledger.related(query.entry_id)
    return await _with_names(uow, [entry, *related], station)


async def _with_names(uow: UnitOfWork, entries: list[EntryView], station: StationCard) -> Entries:
    names = await uow.people.names(e.recorded_by for e in entries if e.recorded_by)
    return Entries(entries, station.county_timezone, names, station)


async def preview_void(query: PreviewVoid, actor: Actor, uow: UnitOfWork, env: Env) -> Entries:
    """The entry `/void N` would reverse, refused now for the reasons the void would be,
    so the keeper confirms the right entry before anything is written."""
    station = await own_station(uow, actor, Action.RECORD_LEDGER)
    entry = await _voidable(uow, station, query.entry_id, env.clock.now())
    return await _with_names(uow, [entry], station)


async def _voidable(
    uow: UnitOfWork, station: StationCard, entry_id: int, now: datetime
) -> EntryView:
    entry = await uow.ledger.entry(entry_id) if within_id_range(entry_id) else None
    if entry is None or entry.station_id != station.id:
        raise NotFound(N_("No entry #{id} at your station."), id=entry_id)
    if entry.is_reversal:
        raise InvalidInput(N_("Entry #{id} is itself a correction."), id=entry.id)
    if entry.reversed_by_id is not None:
        raise InvalidInput(
            N_("Entry #{id} was already voided (by #{by})."), id=entry.id, by=entry.reversed_by_id
        )
    # subsidy claims (issue 10): an entry behind an approved claim stays as it is, even
    # under a staff exception to the closed month
    claim = await uow.claims.approved_claim_of_entry(entry.id)
    if claim is not None:
        raise NotAllowed(
            N_(
                "Entry #{id} backs approved subsidy claim #{claim}; it cannot be voided. "
                "Ask county staff."
            ),
            id=entry.id,
            claim=claim,
        )
    await _check_open(uow, station, entry, now)
    return entry


async def void_entry(command: VoidEntry, actor: Actor, uow: UnitOfWork, env: Env) -> Recorded:
    reason = (command.reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput(N_("Give a reason for the correction, e.g. 金额输错 (wrong amount)."))
    now = env.clock.now()
    station = await own_station(uow, actor, Action.RECORD_LEDGER)
    earlier = await uow.ledger.entry_by_request_key(command.request_key)
    if earlier is not None:
        return Recorded(earlier, replay=True, timezone=station.county_timezone)
    entry = await _voidable(uow, station, command.entry_id, now)
    post_close = await _check_open(uow, station, entry, now)
    await _undo_effects(uow, entry)
    reversal_id = await uow.ledger.add_entry(
        {
            # In the period of the entry it reverses, so sums stay per month.
            **base_row(
                station,
                actor,
                entry.kind,
                command.request_key,
                period=entry.period,
                when=now,
                now=now,
            ),
            "amount_fen": -entry.amount_fen,
            "fee_fen": -entry.fee_fen,
            "parcel_count": -entry.parcel_count,
            "tracking_no": entry.tracking_no,
            "reverses_id": entry.id,
            "reason": reason,
            "post_close": post_close,
        }
    )
    assert reversal_id is not None
    if entry.kind in TRACKED:
        await uow.ledger.release_tracking(entry.id)
    reversal = await uow.ledger.entry(reversal_id)
    await uow.audit.record(
        at=now,
        actor_person_id=actor.person_id,
        action="ledger.void",
        subject=f"entry:{entry.id}",
        details={"reversal": reversal_id, "reason": reason},
    )
    assert reversal is not None
    return Recorded(reversal, False, station.county_timezone)


async def _check_open(
    uow: UnitOfWork, station: StationCard, entry: EntryView, now: datetime
) -> bool:
    """May this entry still be corrected? True when only a staff exception allows it
    (the correction is then a post-close adjustment)."""
    timezone = station.county_timezone
    locked_at = await uow.locks.locked_at(station.county_id, entry.period)
    if locked_at is not None:
        if await uow.locks.exception_open(station.id, entry.period, now):
            return True
        raise NotAllowed(
            N_(
                "{period} was closed on {date} by the monthly review, so entry #{id} can "
                "no longer be changed. Ask county staff to open an exception for your "
                "station."
            ),
            period=entry.period,
            date=locked_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d"),
            id=entry.id,
        )
    if Period.parse(entry.period) < Period.of(now, timezone).previous():
        raise NotAllowed(
            N_("Entry #{id} belongs to {period}, which is closed. Ask county staff."),
            id=entry.id,
            period=entry.period,
        )
    return False


async def _undo_effects(uow: UnitOfWork, entry: EntryView) -> None:
    if entry.kind is EntryKind.PARCEL_IN:
        if not await uow.ledger.set_parcel_status(
            entry.id, expect="waiting", status="voided", closed_by_id=None
        ):
            raise InvalidInput(
                N_("This parcel was already picked up or returned: void that first.")
            )
    elif entry.kind in (EntryKind.PARCEL_PICKUP, EntryKind.PARCEL_RETURN):
        assert entry.refers_to_id is not None
        status = "picked_up" if entry.kind is EntryKind.PARCEL_PICKUP else "returned"
        if not await uow.ledger.set_parcel_status(
            entry.refers_to_id, expect=status, status="waiting", closed_by_id=None
        ):
            raise InvalidInput(N_("That parcel has changed since; nothing was voided."))
