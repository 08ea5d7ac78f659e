"""The station's notice board (公示栏): its public QR code, its public profile, and the
plain rules of a scan (who is scanning, how far from the station the phone says it is).

A station's public code is `s_` plus 22 URL-safe characters = 128 random bits (24
characters, inside Telegram's 64-character deep-link rule). It is printed on a poster on a
public wall, so it is no secret and grants no right by itself: what a scan does depends on
who scans (a keeper checks in only at their own station, staff inspect only in scope). It is
opaque (never a database id, nothing to count through), stable across reprints (the same
code until staff revoke it) and revocable: a revoked code answers "no longer valid" with
whom to call, and the station gets a new one.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.text import N_

STATION_CODE_PREFIX = "s_"
STATION_CODE_RE = re.compile(r"^s_[A-Za-z0-9_-]{22}$")
DEFAULT_GEOFENCE_M = 300
# Two check-ins further apart than a car could go in the time between them.
IMPOSSIBLE_SPEED_KMH = 150


def new_station_code() -> str:
    code = STATION_CODE_PREFIX + secrets.token_urlsafe(16)
    assert STATION_CODE_RE.match(code)
    return code


def looks_like_station_code(payload: str) -> bool:
    return payload.startswith(STATION_CODE_PREFIX)


def is_station_code(payload: str) -> bool:
    return bool(STATION_CODE_RE.match(payload))


class ContactShown(StrEnum):
    """What of the keeper a villager sees on the public card and the poster."""

    NAME_AND_PHONE = "name_phone"
    NAME = "name"
    NONE = "none"


CONTACT_LABELS = {
    ContactShown.NAME_AND_PHONE: N_("name and phone"),
    ContactShown.NAME: N_("name only"),
    ContactShown.NONE: N_("neither (the station's name only)"),
}


@dataclass(frozen=True)
class StationProfile:
    """What the keeper chose to put on the notice board. Texts as the keeper typed them."""

    station_id: int
    hours: str = ""
    services: str = ""
    fees: str = ""
    contact: ContactShown = ContactShown.NAME_AND_PHONE
    phone: str = ""  # the keeper's public phone, shown only with NAME_AND_PHONE
    updated_at: datetime | None = None


@dataclass(frozen=True)
class StationCodeRecord:
    station_id: int
    code: str
    generation: int
    issued_at: datetime
    revoked_at: datetime | None = None


class ScanKind(StrEnum):
    CHECK_IN = "check_in"  # the station's own keeper
    OTHER_STATION = "other_station"  # a keeper of another station
    INSPECTION = "inspection"  # staff or the township operator, in scope
    PUBLIC = "public"  # anyone else: the public card
    REVOKED = "revoked"  # an old poster


# --- locations: what the phone claims --------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Micro-degrees, as stored (integers: exact, comparable)."""

    lat_e6: int
    lon_e6: int

    @classmethod
    def of(cls, latitude: float, longitude: float) -> Position:
        return cls(round(latitude * 1_000_000), round(longitude * 1_000_000))

    def text(self) -> str:
        return f"{self.lat_e6 / 1e6:.6f}, {self.lon_e6 / 1e6:.6f}"


def distance_m(a: Position, b: Position) -> int:
    """Great-circle distance in whole metres (haversine; plenty for a 300 m fence)."""
    lat1, lon1 = math.radians(a.lat_e6 / 1e6), math.radians(a.lon_e6 / 1e6)
    lat2, lon2 = math.radians(b.lat_e6 / 1e6), math.radians(b.lon_e6 / 1e6)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return round(2 * 6_371_000 * math.asin(math.sqrt(h)))


def impossible_move(
    previous: Position, previous_at: datetime, current: Position, current_at: datetime
) -> bool:
    """True when getting from one claimed position to the other in the time between them
    would need more than IMPOSSIBLE_SPEED_KMH (100 km within minutes, say)."""
    metres = distance_m(previous, current)
    if metres < 5_000:
        return False  # GPS jitter and a short ride are not a story
    hours = max((current_at - previous_at).total_seconds(), 1) / 3600
    return metres / 1000 / hours > IMPOSSIBLE_SPEED_KMH


@dataclass(frozen=True)
class CheckIn:
    id: int
    station_id: int
    day: date
    person_id: int
    at: datetime
    position: Position
    distance_m: int | None  # None: the station has no position on file
    verified: bool  # within the geofence: "verified by location", nothing more
    flag: str | None = None


# A check-in's flag when its live location never moved over its period (see LiveTrack).
FROZEN_LIVE = "frozen_live"


@dataclass(frozen=True)
class LiveTrack:
    """A check-in answered with a live location, followed through the client's updates:
    `updates` counts those that claimed the very same position as the check-in; one that
    differs marks it `moved` (a live phone's fix wanders, even standing still)."""

    checkin_id: int
    until: datetime  # the end of the period the location was shared for
    last_edit_at: datetime | None
    updates: int
    moved: bool
    flagged_at: datetime | None


@dataclass(frozen=True)
class CheckInSummary:
    """One station's check-ins as the county desk lists them (one query for a county):
    the days it checked in within a range (operating days), how many of those were
    verified by location, and its last check-in ever."""

    days: int = 0
    verified_days: int = 0
    last_at: datetime | None = None


def checkin_silent(last_at: datetime | None, now: datetime, idle_days: int) -> bool:
    """No check-in for the county's idle days (or never): the desk's `nocheckin` filter
    and the card's line use this one rule, so they cannot disagree."""
    return last_at is None or last_at < now - timedelta(days=idle_days)


# --- inspections, villagers' feedback, parcel-arrival notices --------------------------

CHECKLIST_LABELS = {
    "signage": N_("signage"),
    "notice_board": N_("notice board"),
    "fee_list": N_("fee list"),
    "equipment": N_("equipment"),
    "ledger": N_("ledger"),
}


class InspectionResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"


@dataclass(frozen=True)
class Inspection:
    """A visit by county staff or the township operator (现场检查)."""

    id: int
    station_id: int
    person_id: int
    at: datetime
    position: Position
    distance_m: int | None
    checklist: dict[str, bool]  # item -> in order
    notes: str
    photos: tuple[str, ...]  # the channel's file ids
    result: InspectionResult


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    HANDLED = "handled"


REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def new_reference() -> str:
    return "TS-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


@dataclass(frozen=True)
class Complaint:
    """A villager's complaint (举报监督). Who filed it is kept to answer them (their chat),
    never shown to staff when they chose to stay anonymous."""

    id: int
    reference: str
    station_id: int
    channel: str
    external_id: str
    chat_id: str
    language: str | None
    name: str | None  # None: anonymous
    body: str
    photos: tuple[str, ...]
    status: ComplaintStatus
    created_at: datetime
    answer: str | None = None
    handled_at: datetime | None = None


@dataclass(frozen=True)
class ArrivalSubscription:
    """A villager asked to be told when a parcel for their number arrives. Only the ledger's
    keyed hash of the number and its last four digits are kept."""

    id: int
    channel: str
    external_id: str
    chat_id: str
    language: str | None
    phone_digest: str
    last4: str
    created_at: datetime
