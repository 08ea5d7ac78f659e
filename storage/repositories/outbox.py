"""The alert outbox: enqueueing (inside the caller's transaction)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from bot.domain.alerts import Alert
from storage.repositories.base import Repo
from storage.schema import alert_mutes, outbox


class SqlOutboxRepo(Repo):
    async def enqueue(self, alerts: list[Alert], now: datetime) -> int:
        """Write alerts as pending (or `muted` when the person muted the category);
        an alert whose dedup_key exists is skipped. Returns how many were new."""
        if not alerts:
            return 0
        people = {a.person_id for a in alerts if a.person_id is not None}
        muted: set[tuple[int, str]] = set()
        if people:
            rows = await self.conn.execute(
                select(alert_mutes.c.person_id, alert_mutes.c.category).where(
                    alert_mutes.c.person_id.in_(people)
                )
            )
            muted = {(person, category) for person, category in rows.all()}
        new = 0
        for start in range(0, len(alerts), 500):
            chunk = alerts[start : start + 500]
            rows = [
                {
                    "dedup_key": a.dedup_key,
                    "category": a.category.value,
                    "channel": a.channel,
                    "chat_id": a.chat_id,
                    "person_id": a.person_id,
                    "text": a.text,
                    "buttons": json.dumps(a.buttons, ensure_ascii=False) if a.buttons else None,
                    "status": "muted" if (a.person_id, a.category.value) in muted else "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for a in chunk
            ]
            result = await self.conn.execute(
                self.insert(outbox)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["dedup_key"])
            )
            new += max(result.rowcount, 0)
        return new
