"""`AuditRepo` in memory. Details go through JSON as in SQL, so a test sees what a SQL
reader would (dates as text, sorted keys)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from storage.memory.rows import AuditRow, build
from storage.memory.state import Transaction


class MemoryAuditRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def record(
        self,
        *,
        at: datetime,
        actor_person_id: int | None,
        action: str,
        subject: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.tx.references("people", actor_person_id, "audit_log.actor_person_id")
        row_id = self.tx.next_id("audit_log")
        text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)
        row = build(
            AuditRow,
            {
                "id": row_id,
                "at": at,
                "actor_person_id": actor_person_id,
                "action": action,
                "subject": subject,
                "details": text,
            },
        )
        self.tx.insert("audit_log", row_id, row)

    async def entries(self, subject_prefix: str = "", limit: int = 100) -> Sequence[dict]:
        found = [r for r in self.tx.rows("audit_log") if r.subject.startswith(subject_prefix)]
        return [dict(asdict(r), details=json.loads(r.details)) for r in found[:limit]]
