"""Who may do what, and over which part of the network."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.text import N_


class Role(StrEnum):
    ADMIN = "admin"
    COUNTY_STAFF = "county_staff"
    TOWNSHIP_OPERATOR = "township_operator"
    KEEPER = "keeper"


ROLE_LABELS = {
    Role.ADMIN: N_("administrator"),
    Role.COUNTY_STAFF: N_("county staff"),
    Role.TOWNSHIP_OPERATOR: N_("township operator"),
    Role.KEEPER: N_("station keeper"),
}


@dataclass(frozen=True)
class Scope:
    """The part of the network a grant covers. An admin's scope is everything (all None).

    A keeper's scope names its station and, derived from it, the village's township and
    county; a township operator's names township and county; county staff name the county.
    """

    county_id: int | None = None
    township_id: int | None = None
    station_id: int | None = None


@dataclass(frozen=True)
class Place:
    """Where a station (or township, or county) sits in the hierarchy."""

    county_id: int
    township_id: int | None = None
    station_id: int | None = None


def scope_covers(role: Role, scope: Scope, place: Place) -> bool:
    """True when a grant of `role` over `scope` reaches `place`."""
    if role is Role.ADMIN:
        return True
    if role is Role.COUNTY_STAFF:
        return scope.county_id == place.county_id
    if role is Role.TOWNSHIP_OPERATOR:
        return place.township_id is not None and scope.township_id == place.township_id
    if role is Role.KEEPER:
        return place.station_id is not None and scope.station_id == place.station_id
    return False
