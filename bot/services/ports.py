"""What the services need from the outside world, as protocols.

`storage/` implements these over SQL; tests may implement them with fakes. Nothing here
imports a database library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.domain.alerts import Alert
from bot.domain.invites import InviteRecord
from bot.domain.ledger import EntryKind, EntryView, ParcelView
from bot.domain.network import StationCard
from bot.domain.roles import Role, Scope


@dataclass(frozen=True)
class CountyRef:
    id: int
    code: str
    name: str
    timezone: str


@dataclass(frozen=True)
class TownshipRef:
    id: int
    code: str
    name: str
    county_id: int


@dataclass(frozen=True)
class Grant:
    id: int
    role: Role
    scope: Scope


@dataclass(frozen=True)
class PersonRow:
    id: int
    display_name: str
    language: str | None
    grant: Grant | None


class NetworkRepo(Protocol):
    async def counties(self) -> list[CountyRef]: ...
    async def county_by_code(self, code: str) -> CountyRef | None: ...
    async def county_by_id(self, county_id: int) -> CountyRef | None: ...
    async def township_by_code(self, code: str) -> TownshipRef | None: ...
    async def township_by_id(self, township_id: int) -> TownshipRef | None: ...
    async def station_by_code(self, code: str) -> StationCard | None: ...
    async def station_by_id(self, station_id: int) -> StationCard | None: ...
    async def stations(
        self,
        *,
        county_id: int | None = None,
        township_id: int | None = None,
        station_id: int | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[StationCard], int]: ...


class PeopleRepo(Protocol):
    async def by_identity(self, channel: str, external_id: str) -> PersonRow | None: ...
    async def add_person(self, display_name: str, language: str | None, now: datetime) -> int: ...
    async def link_identity(
        self, person_id: int, channel: str, external_id: str, chat_id: str | None, now: datetime
    ) -> None: ...
    async def add_grant(
        self,
        person_id: int,
        role: Role,
        scope: Scope,
        *,
        granted_by: int | None,
        invite_id: int | None,
        now: datetime,
    ) -> int: ...
    async def set_language(self, person_id: int, language: str) -> None: ...
    async def chat_ids(self, person_id: int, channel: str) -> list[str]: ...


class InviteRepo(Protocol):
    async def add(
        self,
        *,
        token_hash: str,
        role: Role,
        scope: Scope,
        created_by: int | None,
        created_at: datetime,
        expires_at: datetime,
        request_key: str | None,
    ) -> int | None:
        """The new invite's id, or None when `request_key` was already used."""

    async def by_hash(self, token_hash: str) -> InviteRecord | None: ...
    async def mark_redeemed(self, invite_id: int, person_id: int, now: datetime) -> bool:
        """True when this call redeemed it; False when it was already redeemed."""


class AuditRepo(Protocol):
    async def record(
        self,
        *,
        at: datetime,
        actor_person_id: int | None,
        action: str,
        subject: str,
        details: dict[str, Any] | None = None,
    ) -> None: ...

    async def entries(self, subject_prefix: str = "", limit: int = 100) -> Sequence[dict]: ...


class LedgerRepo(Protocol):
    async def add_entry(self, values: dict[str, Any]) -> int | None:
        """The new entry's id; None when its request_key was already used (a retry)."""

    async def entry_by_request_key(self, request_key: str) -> EntryView | None: ...
    async def entry(self, entry_id: int) -> EntryView | None: ...
    async def related(self, entry_id: int) -> list[EntryView]: ...
    async def recent(self, station_id: int, limit: int = 10) -> list[EntryView]: ...
    async def claim_tracking(
        self, station_id: int, direction: str, tracking_no: str, entry_id: int
    ) -> bool: ...
    async def tracked_entry(
        self, station_id: int, direction: str, tracking_no: str
    ) -> EntryView | None: ...
    async def release_tracking(self, entry_id: int) -> None: ...
    async def next_pickup_seq(self, station_id: int) -> int: ...
    async def code_on_shelf(self, station_id: int, code: str) -> bool: ...
    async def add_parcel(
        self,
        entry_id: int,
        station_id: int,
        code: str,
        phone_last4: str | None,
        arrived_at: datetime,
    ) -> None: ...
    async def waiting_parcels(
        self,
        station_id: int,
        *,
        code: str | None = None,
        phone_last4: str | None = None,
        older_than: datetime | None = None,
        limit: int = 50,
    ) -> list[ParcelView]: ...
    async def parcel(self, entry_id: int) -> ParcelView | None: ...
    async def set_parcel_status(
        self, entry_id: int, *, expect: str, status: str, closed_by_id: int | None
    ) -> bool: ...
    async def waiting_count(self, station_id: int) -> int: ...
    async def period_totals(
        self, station_id: int, period: str
    ) -> dict[EntryKind, tuple[int, int, int]]: ...
    async def entry_counts(self, station_id: int, period: str) -> dict[EntryKind, int]: ...
    async def product_id(self, county_id: int, name: str) -> int | None: ...
    async def add_product(
        self, county_id: int, name: str, created_by: int | None, now: datetime
    ) -> int: ...
    async def products(self, county_id: int) -> list[str]: ...


class OutboxRepo(Protocol):
    async def enqueue(self, alerts: list[Alert], now: datetime) -> int:
        """Write alerts for delivery; an alert whose dedup_key exists is skipped."""


class UnitOfWork(Protocol):
    network: NetworkRepo
    people: PeopleRepo
    invites: InviteRepo
    audit: AuditRepo
    ledger: LedgerRepo
    outbox: OutboxRepo

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork: ...
