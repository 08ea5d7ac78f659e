"""The alert outbox: enqueueing (inside the caller's transaction), and the delivery
worker's side: claiming due rows under a lease, marking them, mutes and chat states.

The worker calls its methods inside short write transactions (`storage.engine.
write_transaction`), never across a network call: claim and commit, send, then mark.

A claim sets `claimed_until` (the lease); other workers skip the row until it runs out.
On PostgreSQL the claiming SELECT is `FOR UPDATE SKIP LOCKED`, so two claimers never wait
for nor take each other's rows; on SQLite the `BEGIN IMMEDIATE` write transaction
serialises claimers. The lease value doubles as a fencing token: retry, defer and release
only touch a row whose `claimed_until` is still the caller's, so a worker that lost its
lease cannot undo a newer claim.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, update

from bot.domain.alerts import Alert
from storage.repositories.base import Repo
from storage.schema import alert_mutes, chat_states, outbox

PENDING, SENT, FAILED, BLOCKED, MUTED = "pending", "sent", "failed", "blocked", "muted"
STATUSES = (PENDING, SENT, FAILED, BLOCKED, MUTED)


@dataclass(frozen=True)
class ClaimedAlert:
    """An outbox row a worker holds until `lease` (its `claimed_until`)."""

    id: int
    dedup_key: str
    category: str
    channel: str
    chat_id: str
    person_id: int | None
    text: str
    buttons: list[list[dict[str, Any]]] | None
    attempts: int
    lease: datetime


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
            for a in alerts
        ]
        # One statement, many parameter sets (SQLAlchemy batches them): building a
        # VALUES list of thousands of rows per chunk cost more than the insert itself.
        # RETURNING counts the rows really inserted; rowcount is -1 for batches.
        result = await self.conn.execute(
            self.insert(outbox)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(outbox.c.id),
            rows,
        )
        new = len(result.all())
        return new

    # --- the delivery worker --------------------------------------------------------

    async def claim(
        self, channel: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedAlert]:
        """Lease up to `limit` due pending rows of the channel, oldest due first.

        On the way, rows whose recipient has since muted the category become `muted`
        (never sent), and rows addressed to a chat that moved (a group upgraded to a
        supergroup) are readdressed to where it went."""
        due = (
            select(outbox.c.id)
            .where(
                outbox.c.channel == channel,
                outbox.c.status == PENDING,
                outbox.c.next_attempt_at <= now,
                (outbox.c.claimed_until.is_(None)) | (outbox.c.claimed_until < now),
            )
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list((await self.conn.execute(due)).scalars())
        if not ids:
            return []
        muted = list(
            (
                await self.conn.execute(
                    select(outbox.c.id).where(
                        outbox.c.id.in_(ids),
                        exists().where(
                            alert_mutes.c.person_id == outbox.c.person_id,
                            alert_mutes.c.category == outbox.c.category,
                        ),
                    )
                )
            ).scalars()
        )
        if muted:
            await self.conn.execute(
                update(outbox).where(outbox.c.id.in_(muted)).values(status=MUTED)
            )
            ids = [i for i in ids if i not in set(muted)]
            if not ids:
                return []
        await self._follow_migrations(channel, ids)
        await self.conn.execute(
            update(outbox).where(outbox.c.id.in_(ids)).values(claimed_until=lease_until)
        )
        rows = await self.conn.execute(
            select(
                outbox.c.id,
                outbox.c.dedup_key,
                outbox.c.category,
                outbox.c.channel,
                outbox.c.chat_id,
                outbox.c.person_id,
                outbox.c.text,
                outbox.c.buttons,
                outbox.c.attempts,
            )
            .where(outbox.c.id.in_(ids))
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
        )
        return [
            ClaimedAlert(
                id=r.id,
                dedup_key=r.dedup_key,
                category=r.category,
                channel=r.channel,
                chat_id=r.chat_id,
                person_id=r.person_id,
                text=r.text,
                buttons=json.loads(r.buttons) if r.buttons else None,
                attempts=r.attempts,
                lease=lease_until,
            )
            for r in rows
        ]

    async def _follow_migrations(self, channel: str, ids: list[int]) -> None:
        chats = select(outbox.c.chat_id).where(outbox.c.id.in_(ids)).scalar_subquery()
        moves = (
            await self.conn.execute(
                select(chat_states.c.chat_id, chat_states.c.migrated_to).where(
                    chat_states.c.channel == channel,
                    chat_states.c.migrated_to.is_not(None),
                    chat_states.c.chat_id.in_(chats),
                )
            )
        ).all()
        for old, new in moves:
            await self.conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(ids), outbox.c.chat_id == old)
                .values(chat_id=new)
            )

    async def mark_sent(self, ids: list[int], now: datetime) -> int:
        """Delivered. Only rows still pending change (whoever holds the lease now: the
        message went out either way). Returns how many rows changed."""
        if not ids:
            return 0
        result = await self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids), outbox.c.status == PENDING)
            .values(
                status=SENT,
                sent_at=now,
                attempts=outbox.c.attempts + 1,
                claimed_until=None,
                last_error=None,
            )
        )
        return result.rowcount

    async def mark_retry(
        self, id: int, lease: datetime, next_attempt_at: datetime, error: str
    ) -> bool:
        """A failed attempt that may succeed later: attempts+1, due again at
        `next_attempt_at`, lease released."""
        result = await self.conn.execute(
            update(outbox)
            .where(outbox.c.id == id, outbox.c.status == PENDING, outbox.c.claimed_until == lease)
            .values(
                attempts=outbox.c.attempts + 1,
                next_attempt_at=next_attempt_at,
                last_error=error[:1000],
                claimed_until=None,
            )
        )
        return result.rowcount == 1

    async def mark_failed(self, id: int, lease: datetime, error: str) -> bool:
        """Given up: too many attempts, or the API refused the message for good."""
        result = await self.conn.execute(
            update(outbox)
            .where(outbox.c.id == id, outbox.c.status == PENDING, outbox.c.claimed_until == lease)
            .values(
                status=FAILED,
                attempts=outbox.c.attempts + 1,
                last_error=error[:1000],
                claimed_until=None,
            )
        )
        return result.rowcount == 1

    async def release(
        self, leases: list[tuple[int, datetime]], next_attempt_at: datetime | None = None
    ) -> int:
        """Give claimed rows back unsent (a graceful stop, or a chat that cannot be served
        before the lease ends); `next_attempt_at` postpones them. Attempts do not count."""
        changed = 0
        values: dict[str, Any] = {"claimed_until": None}
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        by_lease: dict[datetime, list[int]] = {}
        for id, lease in leases:
            by_lease.setdefault(lease, []).append(id)
        for lease, ids in by_lease.items():
            result = await self.conn.execute(
                update(outbox)
                .where(
                    outbox.c.id.in_(ids),
                    outbox.c.status == PENDING,
                    outbox.c.claimed_until == lease,
                )
                .values(**values)
            )
            changed += result.rowcount
        return changed

    async def mark_blocked(
        self, leases: list[tuple[int, datetime]], channel: str, chat_id: str, now: datetime
    ) -> int:
        """The chat blocked the bot (or removed it from the group): these rows will never
        be delivered. The chat is noted in chat_states."""
        changed = 0
        for id, lease in leases:
            result = await self.conn.execute(
                update(outbox)
                .where(
                    outbox.c.id == id, outbox.c.status == PENDING, outbox.c.claimed_until == lease
                )
                .values(
                    status=BLOCKED,
                    attempts=outbox.c.attempts + 1,
                    last_error="blocked by the chat",
                    claimed_until=None,
                )
            )
            changed += result.rowcount
        await self._upsert_chat_state(channel, chat_id, now, blocked_at=now)
        return changed

    async def clear_blocked(self, channel: str, chat_id: str, now: datetime) -> None:
        """The chat talks to the bot again (a blocked chat cannot)."""
        await self.conn.execute(
            update(chat_states)
            .where(
                chat_states.c.channel == channel,
                chat_states.c.chat_id == chat_id,
                chat_states.c.blocked_at.is_not(None),
            )
            .values(blocked_at=None, updated_at=now)
        )

    async def record_migration(
        self, channel: str, old_chat_id: str, new_chat_id: str, now: datetime
    ) -> int:
        """A group became a supergroup with a new id: remember it, and readdress every
        pending row (claimed or not; a worker holding one learns on its next send)."""
        await self._upsert_chat_state(channel, old_chat_id, now, migrated_to=new_chat_id)
        result = await self.conn.execute(
            update(outbox)
            .where(
                outbox.c.channel == channel,
                outbox.c.chat_id == old_chat_id,
                outbox.c.status == PENDING,
            )
            .values(chat_id=new_chat_id)
        )
        return result.rowcount

    async def chat_state(self, channel: str, chat_id: str) -> dict[str, Any] | None:
        row = (
            await self.conn.execute(
                select(chat_states).where(
                    chat_states.c.channel == channel, chat_states.c.chat_id == chat_id
                )
            )
        ).first()
        return dict(row._mapping) if row is not None else None

    async def _upsert_chat_state(
        self, channel: str, chat_id: str, now: datetime, **values: Any
    ) -> None:
        stmt = self.insert(chat_states).values(
            channel=channel, chat_id=chat_id, updated_at=now, **values
        )
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["channel", "chat_id"], set_={"updated_at": now, **values}
            )
        )

    async def counts(self, channel: str | None = None) -> dict[str, int]:
        """Rows by status (every status present, zero when none)."""
        query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
        if channel is not None:
            query = query.where(outbox.c.channel == channel)
        found = dict((await self.conn.execute(query)).all())
        return {status: found.get(status, 0) for status in STATUSES}

    # --- mutes ------------------------------------------------------------------------

    async def mute(self, person_id: int, category: str, now: datetime) -> bool:
        """True if the category was not muted before."""
        result = await self.conn.execute(
            self.insert(alert_mutes)
            .values(person_id=person_id, category=category, muted_at=now)
            .on_conflict_do_nothing()
        )
        return result.rowcount == 1

    async def unmute(self, person_id: int, category: str) -> bool:
        """True if the category was muted before."""
        result = await self.conn.execute(
            delete(alert_mutes).where(
                and_(alert_mutes.c.person_id == person_id, alert_mutes.c.category == category)
            )
        )
        return result.rowcount == 1

    async def mutes(self, person_id: int) -> set[str]:
        rows = await self.conn.execute(
            select(alert_mutes.c.category).where(alert_mutes.c.person_id == person_id)
        )
        return set(rows.scalars())
