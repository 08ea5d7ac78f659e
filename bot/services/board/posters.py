"""What goes on a station's notice-board poster: the programme's heading (the county's own
if its policy names one), the station and its village, the keeper's contact as the keeper
chose, hours, services and fees from the profile, and the station's public code."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.board import StationProfile
from bot.domain.commands import StationPosters
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.network import StationCard, StationStatus
from bot.domain.roles import Place
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.board.codes import keeper_name, live_code, station_card
from bot.services.env import Env
from bot.services.network import parse_code, place_of
from bot.services.policy import load_policy
from bot.services.ports import UnitOfWork


@dataclass(frozen=True)
class PosterContent:
    heading: str
    card: StationCard
    profile: StationProfile | None
    keeper: str | None
    payload: str  # the station's public code, for the deep link


async def _content(uow: UnitOfWork, card: StationCard, env: Env, heading: str) -> PosterContent:
    code = await live_code(uow, card, env)
    profile = await uow.board.profile(card.id)
    return PosterContent(heading, card, profile, await keeper_name(uow, card), code.code)


async def station_posters(
    command: StationPosters, actor: Actor, uow: UnitOfWork, env: Env
) -> list[PosterContent]:
    authorize(actor, Action.PRINT_POSTER)
    if command.county is None:
        card = await station_card(uow, actor, command.station)
        authorize(actor, Action.PRINT_POSTER, place_of(card))
        _, policy = await load_policy(uow, card.county_id)
        return [await _content(uow, card, env, policy.board.heading)]
    if command.station is not None:
        raise InvalidInput(N_("Give a station or a county, not both."))
    county = await uow.network.county_by_code(parse_code(command.county))
    if county is None:
        raise NotFound(N_("No county has the code {code}."), code=command.county)
    authorize(actor, Action.PRINT_POSTER, Place(county.id))
    _, policy = await load_policy(uow, county.id)
    cards, _ = await uow.network.stations(county_id=county.id, limit=100_000)
    return [
        await _content(uow, card, env, policy.board.heading)
        for card in cards
        if card.status is not StationStatus.REMOVED
    ]
