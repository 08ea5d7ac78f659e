"""Site inspections (现场检查): county staff or the township operator scan the station's
code and record where the phone says they are, the county's checklist (signage, notice
board, fee list, equipment, ledger by default), notes, photos and a result. A failed
inspection alerts the county's staff; visits appear on the station card."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.domain.board import (
    CHECKLIST_LABELS,
    Inspection,
    InspectionResult,
    Position,
    ScanKind,
    distance_m,
)
from bot.domain.commands import RecordInspection, ScanStation
from bot.domain.errors import InvalidInput
from bot.domain.network import StationCard
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.board.checkins import station_position
from bot.services.board.codes import scan_station
from bot.services.board.notices import inspection_failed_notices
from bot.services.env import Env
from bot.services.network import place_of
from bot.services.policy import load_policy
from bot.services.ports import UnitOfWork

MAX_NOTES = 1000


@dataclass(frozen=True)
class Recorded:
    card: StationCard
    inspection: Inspection
    new: bool


def checklist_label(item: str) -> str:
    """A policy's checklist item as a msgid (the known ones translate; others show as set)."""
    return CHECKLIST_LABELS.get(item, item)


async def checklist(uow: UnitOfWork, card: StationCard) -> list[str]:
    _, policy = await load_policy(uow, card.county_id)
    return list(policy.board.checklist)


async def record_inspection(
    command: RecordInspection, actor: Actor, uow: UnitOfWork, env: Env
) -> Recorded:
    authorize(actor, Action.INSPECT)
    scan = await scan_station(ScanStation(command.payload), actor, uow, env)
    card = scan.card
    authorize(actor, Action.INSPECT, place_of(card))
    if scan.kind is not ScanKind.INSPECTION:
        raise InvalidInput(N_("This code is no longer valid."))
    try:
        result = InspectionResult(command.result)
    except ValueError:
        raise InvalidInput(N_("Pick the result: passed or failed.")) from None
    notes = " ".join(command.notes.split())
    if len(notes) > MAX_NOTES:
        raise InvalidInput(N_("Too long: at most {limit} characters."), limit=MAX_NOTES)
    items = await checklist(uow, card)
    given = dict(command.checklist)
    if set(given) != set(items):
        raise InvalidInput(N_("Answer every item of the checklist."))
    here = Position(command.lat_e6, command.lon_e6)
    station = station_position(card)
    now = env.clock.now()
    inspection = Inspection(
        0,
        card.id,
        actor.person_id,  # type: ignore[arg-type]
        now,
        here,
        distance_m(here, station) if station else None,
        {item: given[item] for item in items},
        notes,
        tuple(command.photos[:10]),
        result,
    )
    new_id = await uow.board.add_inspection(inspection, command.request_key)
    if new_id is None:
        [latest] = await uow.board.inspections(card.id, limit=1)
        return Recorded(card, latest, new=False)
    if result is InspectionResult.FAIL:
        staff = await uow.recipients.staff(card.county_id)
        problems = [checklist_label(i) for i, ok in inspection.checklist.items() if not ok]
        notices = inspection_failed_notices(
            card, new_id, actor.display_name, problems, notes, staff
        )
        await uow.outbox.enqueue(notices, now)
    return Recorded(card, dataclasses.replace(inspection, id=new_id), new=True)
