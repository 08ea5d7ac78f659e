from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update

from bot.domain.roles import Role, Scope
from bot.services.ports import Grant, PersonRow
from storage.repositories.base import Repo, prebuilt
from storage.schema import identities, people, role_grants

# Who is talking: read by every update, so built once (storage/repositories/base.py).
_BY_IDENTITY = prebuilt(
    select(
        people.c.id,
        people.c.display_name,
        people.c.language,
        identities.c.last_seen_at,
        role_grants.c.id.label("grant_id"),
        role_grants.c.role,
        role_grants.c.county_id,
        role_grants.c.township_id,
        role_grants.c.station_id,
    )
    .select_from(
        identities.join(people, people.c.id == identities.c.person_id).outerjoin(
            role_grants,
            (role_grants.c.person_id == people.c.id) & role_grants.c.revoked_at.is_(None),
        )
    )
    .where(
        identities.c.channel == bindparam("key_channel"),
        identities.c.external_id == bindparam("key_external_id"),
    )
)


class SqlPeopleRepo(Repo):
    async def by_identity(self, channel: str, external_id: str) -> PersonRow | None:
        row = (
            await self.conn.execute(
                _BY_IDENTITY, {"key_channel": channel, "key_external_id": external_id}
            )
        ).first()
        if row is None:
            return None
        grant = None
        if row.grant_id is not None:
            grant = Grant(
                row.grant_id,
                Role(row.role),
                Scope(row.county_id, row.township_id, row.station_id),
            )
        return PersonRow(row.id, row.display_name, row.language, grant, row.last_seen_at)

    async def add_person(self, display_name: str, language: str | None, now: datetime) -> int:
        result = await self.conn.execute(
            people.insert()
            .values(display_name=display_name[:200], language=language, created_at=now)
            .returning(people.c.id)
        )
        return result.scalar_one()

    async def link_identity(
        self, person_id: int, channel: str, external_id: str, chat_id: str | None, now: datetime
    ) -> None:
        await self.conn.execute(
            identities.insert().values(
                person_id=person_id,
                channel=channel,
                external_id=external_id,
                chat_id=chat_id,
                created_at=now,
            )
        )

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
        result = await self.conn.execute(
            role_grants.insert()
            .values(
                person_id=person_id,
                role=role.value,
                county_id=scope.county_id,
                township_id=scope.township_id,
                station_id=scope.station_id,
                invite_id=invite_id,
                granted_by=granted_by,
                granted_at=now,
            )
            .returning(role_grants.c.id)
        )
        return result.scalar_one()

    async def set_language(self, person_id: int, language: str) -> None:
        await self.conn.execute(
            update(people).where(people.c.id == person_id).values(language=language)
        )

    async def names(self, person_ids) -> dict[int, str]:
        wanted = sorted(set(person_ids))
        if not wanted:
            return {}
        query = select(people.c.id, people.c.display_name).where(people.c.id.in_(wanted))
        return {row.id: row.display_name for row in (await self.conn.execute(query)).all()}

    async def chat_ids(self, person_id: int, channel: str) -> list[str]:
        query = select(identities.c.chat_id).where(
            identities.c.person_id == person_id,
            identities.c.channel == channel,
            identities.c.chat_id.is_not(None),
        )
        return list((await self.conn.execute(query)).scalars())

    # --- office IM (#12): the channel last used -----------------------------------------

    async def touch_identity(self, channel: str, external_id: str, now: datetime) -> None:
        await self.conn.execute(
            update(identities)
            .where(identities.c.channel == channel, identities.c.external_id == external_id)
            .values(last_seen_at=now)
        )

    async def set_notice_channel(self, person_id: int, channel: str | None) -> None:
        await self.conn.execute(
            update(people).where(people.c.id == person_id).values(notice_channel=channel)
        )
