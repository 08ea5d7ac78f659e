"""`PeopleRepo` in memory: people, their identities per channel, their live grant."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.domain.roles import Role, Scope
from bot.services.ports import Grant, PersonRow
from storage.memory.rows import Identity, Person, RoleGrant, build
from storage.memory.state import IntegrityError, Transaction, utc_now


class MemoryPeopleRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def _live_grant(self, person_id: int) -> RoleGrant | None:
        return self.tx.first(
            "role_grants", lambda g: g.person_id == person_id and g.revoked_at is None
        )

    async def by_identity(self, channel: str, external_id: str) -> PersonRow | None:
        identity = self.tx.first(
            "identities", lambda i: (i.channel, i.external_id) == (channel, external_id)
        )
        if identity is None:
            return None
        person = self.tx.get("people", identity.person_id)
        row = self._live_grant(person.id)
        grant = None
        if row is not None:
            grant = Grant(
                row.id, Role(row.role), Scope(row.county_id, row.township_id, row.station_id)
            )
        return PersonRow(
            person.id, person.display_name, person.language, grant, identity.last_seen_at
        )

    async def add_person(self, display_name: str, language: str | None, now: datetime) -> int:
        person_id = self.tx.next_id("people")
        values = {"display_name": display_name[:200], "language": language, "created_at": now}
        self.tx.insert("people", person_id, build(Person, {"id": person_id, **values}))
        return person_id

    async def link_identity(
        self, person_id: int, channel: str, external_id: str, chat_id: str | None, now: datetime
    ) -> None:
        self._person(person_id)
        self.tx.unique(
            "identities",
            lambda i: (i.channel, i.external_id) == (channel, external_id),
            f"identity {channel}:{external_id}",
        )
        identity_id = self.tx.next_id("identities")
        row = build(
            Identity,
            {
                "id": identity_id,
                "person_id": person_id,
                "channel": channel,
                "external_id": external_id,
                "chat_id": chat_id,
                "created_at": now,
            },
        )
        self.tx.insert("identities", identity_id, row)

    async def add_grant(
        self,
        person_id: int,
        role: Role,
        scope: Scope,
        *,
        granted_by: int | None,
        invite_id: int | None,
        now: datetime,
    ) -> int:
        self._person(person_id)
        # uq_role_grants_live_person: at most one live grant per person.
        if self._live_grant(person_id) is not None:
            raise IntegrityError(f"role_grants: person {person_id} already has a live grant")
        for table, key in (
            ("counties", scope.county_id),
            ("townships", scope.township_id),
            ("stations", scope.station_id),
            ("people", granted_by),
            ("invites", invite_id),
        ):
            self.tx.references(table, key, "role_grants")
        grant_id = self.tx.next_id("role_grants")
        row = build(
            RoleGrant,
            {
                "id": grant_id,
                "person_id": person_id,
                "role": role.value,
                "county_id": scope.county_id,
                "township_id": scope.township_id,
                "station_id": scope.station_id,
                "invite_id": invite_id,
                "granted_by": granted_by,
                "granted_at": now,
            },
        )
        self.tx.insert("role_grants", grant_id, row)
        return grant_id

    async def set_language(self, person_id: int, language: str) -> None:
        person = self.tx.get("people", person_id)
        if person is not None:  # an UPDATE of no row changes nothing
            self.tx.write("people")[person_id] = replace(person, language=language)

    async def chat_ids(self, person_id: int, channel: str) -> list[str]:
        return [
            i.chat_id
            for i in self.tx.rows("identities")
            if i.person_id == person_id and i.channel == channel and i.chat_id is not None
        ]

    async def names(self, person_ids) -> dict[int, str]:
        found = (self.tx.get("people", i) for i in set(person_ids))
        return {p.id: p.display_name for p in found if p is not None}

    def _person(self, person_id: int) -> Person:
        person = self.tx.get("people", person_id)
        if person is None:  # the foreign key
            raise IntegrityError(f"people: no person {person_id}")
        return person

    # --- office IM (#12) ------------------------------------------------------------------

    async def touch_identity(self, channel: str, external_id: str, now: datetime) -> None:
        identity = self.tx.first(
            "identities", lambda i: (i.channel, i.external_id) == (channel, external_id)
        )
        if identity is not None:
            self.tx.write("identities")[identity.id] = replace(identity, last_seen_at=utc_now(now))

    async def set_notice_channel(self, person_id: int, channel: str | None) -> None:
        person = self._person(person_id)
        self.tx.write("people")[person_id] = replace(person, notice_channel=channel)
