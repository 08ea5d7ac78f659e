from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from bot.domain.invites import InviteRecord
from bot.domain.roles import Role, Scope
from storage.repositories.base import Repo
from storage.schema import counties, invites, stations, townships


class SqlInviteRepo(Repo):
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
        statement = (
            self.insert(invites)
            .values(
                token_hash=token_hash,
                role=role.value,
                county_id=scope.county_id,
                township_id=scope.township_id,
                station_id=scope.station_id,
                created_by=created_by,
                created_at=created_at,
                expires_at=expires_at,
                request_key=request_key,
            )
            .on_conflict_do_nothing(index_elements=["request_key"])
            .returning(invites.c.id)
        )
        return (await self.conn.execute(statement)).scalar_one_or_none()

    async def by_hash(self, token_hash: str) -> InviteRecord | None:
        # "name (CODE)", the same label create_invite shows; NULL parts fall through.
        label = func.coalesce(
            stations.c.name + " (" + stations.c.code + ")",
            townships.c.name + " (" + townships.c.code + ")",
            counties.c.name + " (" + counties.c.code + ")",
            "",
        )
        query = (
            select(invites, label.label("scope_label"))
            .select_from(
                invites.outerjoin(stations, stations.c.id == invites.c.station_id)
                .outerjoin(townships, townships.c.id == invites.c.township_id)
                .outerjoin(counties, counties.c.id == invites.c.county_id)
            )
            .where(invites.c.token_hash == token_hash)
        )
        row = (await self.conn.execute(query)).first()
        if row is None:
            return None
        return InviteRecord(
            id=row.id,
            role=Role(row.role),
            scope=Scope(row.county_id, row.township_id, row.station_id),
            created_at=row.created_at,
            expires_at=row.expires_at,
            redeemed_at=row.redeemed_at,
            redeemed_by=row.redeemed_by,
            scope_label=row.scope_label,
        )

    async def mark_redeemed(self, invite_id: int, person_id: int, now: datetime) -> bool:
        # The WHERE makes redemption a compare-and-set: of two racing redeemers one wins.
        result = await self.conn.execute(
            update(invites)
            .where(invites.c.id == invite_id, invites.c.redeemed_at.is_(None))
            .values(redeemed_at=now, redeemed_by=person_id)
        )
        return result.rowcount == 1
