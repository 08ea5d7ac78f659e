"""A station's public QR code: issued when first asked for, the same on every reprint,
revoked by county staff (a new one issued at once), and what a scan of it means for the
person scanning (the payload kind and their role decide)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.board import (
    ScanKind,
    StationCodeRecord,
    StationProfile,
    is_station_code,
    new_station_code,
)
from bot.domain.commands import RevokeStationQr, ScanStation, StationQrCode
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.network import StationCard
from bot.domain.roles import Role, scope_covers
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize, can
from bot.services.env import Env
from bot.services.network import parse_code, place_of
from bot.services.policy import load_policy
from bot.services.ports import UnitOfWork

NOT_OURS = N_("This link is not recognised. Ask county staff for a new QR code.")


@dataclass(frozen=True)
class StationQr:
    card: StationCard
    code: str  # the deep-link payload
    generation: int


@dataclass(frozen=True)
class Revoked:
    card: StationCard
    old_code: str
    new: StationQr


@dataclass(frozen=True)
class Scan:
    kind: ScanKind
    card: StationCard
    payload: str
    profile: StationProfile | None = None
    keeper_name: str | None = None  # shown only as the keeper's profile allows
    checklist: tuple[str, ...] = ()  # an inspection's items, from the county's policy


async def station_card(uow: UnitOfWork, actor: Actor, code: str | None) -> StationCard:
    if code is None:
        if actor.role is not Role.KEEPER or actor.scope.station_id is None:
            raise InvalidInput(N_("Send the station code, e.g. DEMO-S001."))
        card = await uow.network.station_by_id(actor.scope.station_id)
    else:
        code = parse_code(code)
        card = await uow.network.station_by_code(code)
    if card is None:
        raise NotFound(N_("No station has the code {code}."), code=code)
    return card


async def live_code(uow: UnitOfWork, card: StationCard, env: Env) -> StationCodeRecord:
    """The station's code, issued now if it has none (generation after the last)."""
    # The last generation is read *before* looking for a live code: on PostgreSQL (read
    # committed) another first print may commit between the two reads, and a generation
    # read after it would make a second live code; read before, it makes a conflict.
    generation = await uow.board.last_generation(card.id) + 1
    found = await uow.board.live_code(card.id)
    if found is not None:
        return found
    code = new_station_code()
    if not await uow.board.add_code(card.id, generation, code, env.clock.now()):
        # Another transaction issued this generation first: theirs is the code.
        found = await uow.board.live_code(card.id)
        assert found is not None
        return found
    return StationCodeRecord(card.id, code, generation, env.clock.now())


async def station_qr(command: StationQrCode, actor: Actor, uow: UnitOfWork, env: Env) -> StationQr:
    authorize(actor, Action.PRINT_POSTER)
    card = await station_card(uow, actor, command.code)
    authorize(actor, Action.PRINT_POSTER, place_of(card))
    record = await live_code(uow, card, env)
    return StationQr(card, record.code, record.generation)


async def revoke_station_qr(
    command: RevokeStationQr, actor: Actor, uow: UnitOfWork, env: Env
) -> Revoked:
    authorize(actor, Action.REVOKE_QR)
    card = await station_card(uow, actor, command.code)
    authorize(actor, Action.REVOKE_QR, place_of(card))
    now = env.clock.now()
    # The same /revoke_qr redelivered must not revoke the code it has just issued.
    issued = await uow.board.code_issued_by(command.request_key)
    if issued is not None:
        return Revoked(card, "", StationQr(card, issued.code, issued.generation))
    old = await live_code(uow, card, env)
    await uow.board.revoke_code(old.code, actor.person_id, now)
    code, generation = new_station_code(), old.generation + 1
    await uow.board.add_code(card.id, generation, code, now, request_key=command.request_key)
    await uow.audit.record(
        at=now,
        actor_person_id=actor.person_id,
        action="station_code.revoke",
        subject=f"station:{card.id}",
        details={"generation": old.generation, "via": actor.channel},
    )
    return Revoked(card, old.code, StationQr(card, code, generation))


async def scan_station(query: ScanStation, actor: Actor, uow: UnitOfWork, env: Env) -> Scan:
    """What opening a station's deep link means for whoever opened it."""
    if not is_station_code(query.payload):
        raise InvalidInput(NOT_OURS)
    record = await uow.board.code(query.payload)
    card = await uow.network.station_by_id(record.station_id) if record else None
    if record is None or card is None:
        raise InvalidInput(NOT_OURS)
    profile = await uow.board.profile(card.id)
    if record.revoked_at is not None:
        # Whom to call: the station (and its keeper, as the board shows them) and the county.
        keeper = await keeper_name(uow, card)
        return Scan(ScanKind.REVOKED, card, query.payload, profile, keeper)
    place = place_of(card)
    if actor.role is Role.KEEPER:
        kind = ScanKind.CHECK_IN if actor.scope.station_id == card.id else ScanKind.OTHER_STATION
        return Scan(kind, card, query.payload, profile)
    if can(actor, Action.INSPECT) and scope_covers(actor.role, actor.scope, place):  # type: ignore[arg-type]
        _, policy = await load_policy(uow, card.county_id)
        items = tuple(policy.board.checklist)
        return Scan(ScanKind.INSPECTION, card, query.payload, profile, checklist=items)
    # Anyone else (a villager, staff of another county) sees what the keeper chose to show.
    return Scan(ScanKind.PUBLIC, card, query.payload, profile, await keeper_name(uow, card))


async def keeper_name(uow: UnitOfWork, card: StationCard) -> str | None:
    keepers = [r for r in await uow.recipients.keepers(card.county_id) if r.station_id == card.id]
    if not keepers:
        return None
    names = await uow.people.names([keepers[0].person_id])
    return names.get(keepers[0].person_id)
