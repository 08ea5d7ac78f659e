"""The station network: county → township → administrative village → station."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.text import N_

# Codes are what county clerks type and print: letters, digits, dash, underscore, dot.
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class Tier(StrEnum):
    ORDINARY = "ordinary"
    DEMONSTRATION = "demonstration"


class StationStatus(StrEnum):
    ACTIVE = "active"
    WARNED = "warned"
    PROBATION = "probation"
    REMOVED = "removed"


TIER_LABELS = {Tier.ORDINARY: N_("ordinary"), Tier.DEMONSTRATION: N_("demonstration village")}
STATUS_LABELS = {
    StationStatus.ACTIVE: N_("active"),
    StationStatus.WARNED: N_("warned"),
    StationStatus.PROBATION: N_("probation"),
    StationStatus.REMOVED: N_("removed"),
}


def normalise_code(raw: str) -> str:
    return raw.strip().upper()


@dataclass(frozen=True)
class StationCard:
    """A station with the names of the places above it, as people read it."""

    id: int
    code: str
    name: str
    tier: Tier
    status: StationStatus
    village_id: int
    village_name: str
    township_id: int
    township_name: str
    county_id: int
    county_code: str
    county_name: str
    county_timezone: str
    latitude: str | None = None  # decimal degrees as text: exact, never a float
    longitude: str | None = None
    opened_on: date | None = None
