"""The station's notice-board profile: what the keeper shows villagers (hours, services,
fee standards, which contact). Staff of the county are told of every change."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.board import ContactShown, StationProfile
from bot.domain.commands import SaveProfile, ShowProfile
from bot.domain.errors import InvalidInput
from bot.domain.network import StationCard
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.board.notices import profile_changed_notices
from bot.services.env import Env
from bot.services.ports import UnitOfWork

MAX_HOURS, MAX_LIST = 100, 300
PUBLIC_PHONE = re.compile(r"^[0-9+][0-9 -]{4,18}$")


@dataclass(frozen=True)
class ProfileView:
    card: StationCard
    profile: StationProfile  # an empty one when the keeper has not written it yet
    saved: bool = False  # SaveProfile: False when it was a retry of the same save


def check_profile_text(value: str, limit: int) -> str:
    value = " ".join(value.split())
    if not value:
        raise InvalidInput(N_("Please write something, or send - for nothing."))
    if len(value) > limit:
        raise InvalidInput(N_("Too long: at most {limit} characters."), limit=limit)
    return "" if value == "-" else value


def check_public_phone(value: str) -> str:
    value = value.strip()
    if value in ("", "-"):
        return ""
    if not PUBLIC_PHONE.match(value):
        raise InvalidInput(
            N_("That is not a phone number. Send it like 138 1234 5678, or - for none.")
        )
    return value


async def _own_station(uow: UnitOfWork, actor: Actor) -> StationCard:
    authorize(actor, Action.EDIT_PROFILE)
    card = await uow.network.station_by_id(actor.scope.station_id)  # type: ignore[arg-type]
    assert card is not None, "a keeper's grant names a station"
    return card


async def show_profile(query: ShowProfile, actor: Actor, uow: UnitOfWork, env: Env) -> ProfileView:
    card = await _own_station(uow, actor)
    return ProfileView(card, await uow.board.profile(card.id) or StationProfile(card.id))


async def save_profile(
    command: SaveProfile, actor: Actor, uow: UnitOfWork, env: Env
) -> ProfileView:
    card = await _own_station(uow, actor)
    now = env.clock.now()
    try:
        contact = ContactShown(command.contact)
    except ValueError:
        raise InvalidInput(N_("Pick what contact to show from the list.")) from None
    profile = StationProfile(
        card.id,
        check_profile_text(command.hours, MAX_HOURS) if command.hours else "",
        check_profile_text(command.services, MAX_LIST) if command.services else "",
        check_profile_text(command.fees, MAX_LIST) if command.fees else "",
        contact,
        check_public_phone(command.phone),
        now,
    )
    saved = await uow.board.put_profile(profile, actor.person_id, command.request_key)
    if saved:
        staff = await uow.recipients.staff(card.county_id)
        notices = profile_changed_notices(card, profile, command.request_key, staff)
        await uow.outbox.enqueue(notices, now)
    return ProfileView(card, await uow.board.profile(card.id) or profile, saved)
