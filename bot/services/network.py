"""Reading the station network, within the reader's scope."""

from __future__ import annotations

from bot.domain.commands import ShowStation
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.network import CODE_RE, StationCard, normalise_code
from bot.domain.roles import Place, Role
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.ports import UnitOfWork


def parse_code(raw: str) -> str:
    code = normalise_code(raw)
    if not CODE_RE.match(code):
        raise InvalidInput(
            N_("“{code}” is not a valid code. Codes are letters and digits, e.g. DEMO-S001."),
            code=raw.strip()[:40],
        )
    return code


def place_of(card: StationCard) -> Place:
    return Place(county_id=card.county_id, township_id=card.township_id, station_id=card.id)


async def show_station(query: ShowStation, actor: Actor, uow: UnitOfWork, env) -> StationCard:
    """A station's card. Without a code a keeper gets their own station."""
    code = query.code
    if code is None:
        if actor.role is not Role.KEEPER or actor.scope.station_id is None:
            raise InvalidInput(N_("Send the station code, e.g. DEMO-S001."))
        card = await uow.network.station_by_id(actor.scope.station_id)
    else:
        code = parse_code(code)
        card = await uow.network.station_by_code(code)
    if card is None:
        # Same answer whether the station does not exist or lies outside the scope would
        # be kinder to privacy, but county clerks need to know a typo from a foreign code.
        raise NotFound(N_("No station has the code {code}."), code=code)
    authorize(actor, Action.VIEW_STATION, place_of(card))
    return card
