"""What the services need from the outside world, as protocols.

`storage/` implements these over SQL; tests may implement them with fakes. Nothing here
imports a database library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.domain.invites import InviteRecord
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


class UnitOfWork(Protocol):
    network: NetworkRepo
    people: PeopleRepo
    invites: InviteRepo
    audit: AuditRepo

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork: ...
