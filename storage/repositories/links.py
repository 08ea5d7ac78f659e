"""One-time codes linking a second channel to a person (see bot/domain/links.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from bot.domain.links import LinkCodeRecord
from storage.repositories.base import Repo
from storage.schema import channel_link_codes as links


class SqlLinkCodeRepo(Repo):
    async def add(
        self,
        *,
        code_hash: str,
        person_id: int,
        created_at: datetime,
        expires_at: datetime,
        request_key: str | None,
    ) -> bool:
        inserted = await self.conn.execute(
            self.insert(links)
            .values(
                code_hash=code_hash,
                person_id=person_id,
                created_at=created_at,
                expires_at=expires_at,
                request_key=request_key,
            )
            .on_conflict_do_nothing(index_elements=[links.c.request_key])
        )
        return inserted.rowcount == 1

    async def by_hash(self, code_hash: str) -> LinkCodeRecord | None:
        query = select(links.c.person_id, links.c.expires_at, links.c.used_at).where(
            links.c.code_hash == code_hash
        )
        row = (await self.conn.execute(query)).first()
        return None if row is None else LinkCodeRecord(row.person_id, row.expires_at, row.used_at)

    async def use(self, code_hash: str, now: datetime, used_by: str) -> bool:
        changed = await self.conn.execute(
            update(links)
            .where(links.c.code_hash == code_hash, links.c.used_at.is_(None))
            .values(used_at=now, used_by=used_by[:120])
        )
        return changed.rowcount == 1
