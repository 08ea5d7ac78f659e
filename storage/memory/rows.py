"""Rows of the in-memory tables: one frozen dataclass per SQL table, same columns.

Table names are the SQL ones (`storage/schema.py`), so a reader can compare the two.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from storage.memory.state import IntegrityError, utc

# --- the station network ---------------------------------------------------------------


@dataclass(frozen=True)
class County:
    id: int
    code: str
    name: str
    timezone: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Township:
    id: int
    county_id: int
    code: str
    name: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Village:
    id: int
    township_id: int
    code: str
    name: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Station:
    id: int
    code: str
    name: str
    village_id: int
    tier: str
    status: str
    lat_e6: int | None
    lon_e6: int | None
    opened_on: date | None
    created_at: datetime
    updated_at: datetime


# --- people, identities, roles -----------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    display_name: str
    language: str | None
    created_at: datetime
    notice_channel: str | None = None  # office IM (#12): preferred channel


@dataclass(frozen=True)
class Identity:
    id: int
    person_id: int
    channel: str
    external_id: str
    chat_id: str | None
    created_at: datetime
    last_seen_at: datetime | None = None  # office IM (#12): preferred channel


@dataclass(frozen=True)
class RoleGrant:
    id: int
    person_id: int
    role: str
    county_id: int | None
    township_id: int | None
    station_id: int | None
    invite_id: int | None
    granted_by: int | None
    granted_at: datetime
    revoked_at: datetime | None = None
    revoked_by: int | None = None
    revoke_reason: str | None = None


@dataclass(frozen=True)
class Invite:
    id: int
    token_hash: str
    role: str
    county_id: int | None
    township_id: int | None
    station_id: int | None
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None
    redeemed_by: int | None
    request_key: str | None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor_person_id: int | None
    action: str
    subject: str
    details: str  # JSON text, as stored in SQL


# --- the keeper's ledger -----------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    id: int
    county_id: int
    name: str
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class Entry:
    """A `ledger_entries` row; defaults are the SQL column defaults."""

    id: int
    station_id: int
    kind: str
    period: str
    occurred_at: datetime
    recorded_at: datetime
    recorded_by: int | None
    source: str
    request_key: str
    amount_fen: int = 0
    fee_fen: int = 0
    parcel_count: int = 0
    tracking_no: str | None = None
    carrier: str | None = None
    product_id: int | None = None
    quantity_milli: int | None = None
    unit: str | None = None
    weight_g: int | None = None
    channel: str | None = None
    service_kind: str | None = None
    item: str | None = None
    recipient_name: str | None = None
    phone_last4: str | None = None
    phone_hash: str | None = None
    pickup_code: str | None = None
    notified: str | None = None
    refers_to_id: int | None = None
    reverses_id: int | None = None
    reason: str | None = None
    post_close: bool = False


@dataclass(frozen=True)
class Parcel:
    entry_id: int
    station_id: int
    pickup_code: str
    phone_last4: str | None
    status: str
    arrived_at: datetime
    closed_by_id: int | None = None


# --- office IM (#12) -------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeRobot:
    id: int
    county_id: int
    kind: str
    name: str
    secret: str
    sign_secret: str | None
    fingerprint: str
    language: str
    created_at: datetime
    replaces_staff_chats: bool = False
    removed_at: datetime | None = None
    next_send_at: datetime | None = None


def build(row_type: type, values: dict[str, Any]) -> Any:
    """A row from column values, refusing unknown columns (SQLAlchemy does too) and naive
    datetimes (as `UTCDateTime` does); aware ones are stored in UTC."""
    names = {f.name for f in fields(row_type)}
    unknown = set(values) - names
    if unknown:
        raise IntegrityError(f"{row_type.__name__}: unknown columns {sorted(unknown)}")
    clean = {k: utc(v) if isinstance(v, datetime) else v for k, v in values.items()}
    try:
        return row_type(**clean)
    except TypeError as error:  # a NOT NULL column without a default left out
        raise IntegrityError(f"{row_type.__name__}: {error}") from None
