from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from storage.repositories.base import Repo
from storage.schema import audit_log


class SqlAuditRepo(Repo):
    async def record(
        self,
        *,
        at: datetime,
        actor_person_id: int | None,
        action: str,
        subject: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        await self.conn.execute(
            audit_log.insert().values(
                at=at,
                actor_person_id=actor_person_id,
                action=action,
                subject=subject,
                details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
            )
        )

    async def entries(self, subject_prefix: str = "", limit: int = 100) -> Sequence[dict]:
        query = (
            select(audit_log)
            .where(audit_log.c.subject.startswith(subject_prefix))
            .order_by(audit_log.c.id)
            .limit(limit)
        )
        rows = (await self.conn.execute(query)).mappings().all()
        return [dict(row, details=json.loads(row["details"])) for row in rows]
