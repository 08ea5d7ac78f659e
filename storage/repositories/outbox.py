"""The notice outbox: enqueueing (inside the caller's transaction), and the delivery
worker's side: claiming due rows under a lease, marking them, mutes and chat states.

A row is a notice (kind, params, actions) to a person or to one chat. A person's notice
is resolved when it is claimed: to their address on the claiming worker's channel (their
newest identity there) and their language as it is then. A person reachable on several
channels gets it once, on their preferred one: the channel they chose, else the one they
wrote on last (`_delivers_on`). A person with no
address on any channel is marked `undeliverable`, not left pending forever.

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

from sqlalchemy import and_, case, delete, exists, func, select, update

from bot.domain.notices import Intent, Notice, NoticeAction, NoticeKind
from bot.domain.text import Text
from storage.repositories.base import Repo
from storage.repositories.bulk import insert_new
from storage.schema import alert_mutes, chat_states, identities, outbox, people

PENDING, SENT, FAILED, BLOCKED, MUTED = "pending", "sent", "failed", "blocked", "muted"
UNDELIVERABLE = "undeliverable"
STATUSES = (PENDING, SENT, FAILED, BLOCKED, MUTED, UNDELIVERABLE)
NO_ADDRESS = "no address on any channel"
_ENQUEUED = (
    "dedup_key", "kind", "category", "person_id", "channel", "chat_id", "language", "params",
    "actions", "status", "attempts", "next_attempt_at", "created_at",
)  # fmt: skip


@dataclass(frozen=True)
class ClaimedNotice:
    """An outbox row a worker holds until `lease` (its `claimed_until`), with the address
    and language it resolved to at claim time."""

    id: int
    dedup_key: str
    kind: NoticeKind
    category: str | None
    person_id: int | None
    chat_id: str
    language: str | None
    params: dict[str, Any]
    actions: tuple[NoticeAction, ...]
    attempts: int
    lease: datetime


# One encoder for every dump: json.dumps with options builds a new encoder per call,
# which is a third of the cost of a county's month of notices.
_dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dump_actions(actions: tuple[NoticeAction, ...]) -> str | None:
    if not actions:
        return None
    return _dump(
        [
            {
                "label": {"msgid": a.label.msgid, "params": a.label.params},
                "intent": a.intent.value,
                "args": dict(a.args),
            }
            for a in actions
        ]
    )


def load_actions(stored: str | None) -> tuple[NoticeAction, ...]:
    if not stored:
        return ()
    return tuple(
        NoticeAction(
            Text(a["label"]["msgid"], a["label"]["params"]), Intent(a["intent"]), a["args"]
        )
        for a in json.loads(stored)
    )


def _delivers_on(channel: str):
    """The row's person is to be reached on `channel`: on the channel they chose
    (`people.notice_channel`) if they have an address there, else on the one they wrote on
    last (`identities.last_seen_at`; never seen: their newest identity). One channel per
    person, so a person reachable on several gets each notice once, whichever channel's
    worker polls first (office IM, #12)."""
    preferred = (
        select(identities.c.channel)
        .select_from(identities.join(people, people.c.id == identities.c.person_id))
        .where(identities.c.person_id == outbox.c.person_id, identities.c.chat_id.is_not(None))
        .order_by(
            case((identities.c.channel == people.c.notice_channel, 0), else_=1),
            case((identities.c.last_seen_at.is_(None), 1), else_=0),
            identities.c.last_seen_at.desc(),
            identities.c.id.desc(),
        )
        .limit(1)
        .scalar_subquery()
    )
    return preferred == channel


def _reachable(channel: str | None = None):
    """The row's person has an address (on `channel`, or on any channel)."""
    conditions = [identities.c.person_id == outbox.c.person_id, identities.c.chat_id.is_not(None)]
    if channel is not None:
        conditions.append(identities.c.channel == channel)
    return exists().where(*conditions)


class SqlOutboxRepo(Repo):
    async def enqueue(self, notices: list[Notice], now: datetime) -> int:
        """Write notices as pending (or `muted` when the person muted the category);
        a notice whose dedup_key exists is skipped. Returns how many were new."""
        if not notices:
            return 0
        people_ids = {n.person_id for n in notices if n.person_id is not None}
        muted: set[tuple[int, str]] = set()
        if people_ids:
            query = select(alert_mutes.c.person_id, alert_mutes.c.category)
            if len(people_ids) <= 500:
                query = query.where(alert_mutes.c.person_id.in_(people_ids))
            # else every mute (a row per person who muted something): reading them is
            # cheaper than an IN of thousands of parameters (0.1 s for a county's month).
            found = await self.conn.execute(query)
            muted = {(person, category) for person, category in found.all() if person in people_ids}
        # Rows as tuples in _ENQUEUED order, what COPY sends: a month's 10,000 notices
        # need no dict each on the way.
        rows = []
        kinds: dict[NoticeKind, tuple[str, str | None]] = {}  # enum lookups, once per kind
        for n in notices:
            if (names := kinds.get(n.kind)) is None:
                category = n.category.value if n.category is not None else None
                names = kinds[n.kind] = (n.kind.value, category)
            kind, category = names
            address = n.address
            params = n.params
            rows.append(
                (
                    n.dedup_key,
                    kind,
                    category,
                    n.person_id,
                    address.channel if address else None,
                    address.chat_id if address else None,
                    address.language if address else None,
                    _dump(params if type(params) is dict else dict(params)),
                    dump_actions(n.actions),
                    MUTED if (n.person_id, category) in muted else PENDING,
                    0,
                    now,
                    now,
                )
            )
        # Thousands at once (a month's verdicts) go by COPY on PostgreSQL (bulk.py); the
        # count is of the rows really inserted, a known dedup_key being skipped.
        return await insert_new(
            self.conn, outbox, rows, columns=_ENQUEUED, conflict=["dedup_key"], count=True
        )

    # --- the delivery worker --------------------------------------------------------

    async def claim(
        self, channel: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedNotice]:
        """Lease up to `limit` due pending rows this channel can deliver, oldest due first:
        its chats' notices, and notices to people with an address on it.

        On the way, rows whose recipient has since muted the category become `muted`
        (never sent), rows addressed to a chat that moved (a group upgraded to a
        supergroup) are readdressed to where it went, and, once nothing more is due here,
        notices to people with no address on any channel become `undeliverable`."""
        ready = (
            (outbox.c.status == PENDING)
            & (outbox.c.next_attempt_at <= now)
            & ((outbox.c.claimed_until.is_(None)) | (outbox.c.claimed_until < now))
        )
        due = (
            select(outbox.c.id)
            .where(
                ready,
                (outbox.c.channel == channel)
                | (outbox.c.channel.is_(None) & _delivers_on(channel)),
            )
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            due = due.with_for_update(of=outbox, skip_locked=True)
        ids = list((await self.conn.execute(due)).scalars())
        if len(ids) < limit:
            await self.conn.execute(
                update(outbox)
                .where(ready, outbox.c.channel.is_(None), ~_reachable())
                .values(status=UNDELIVERABLE, last_error=NO_ADDRESS)
            )
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
        # A person's address as it is now (their newest identity on this channel); the
        # row remembers it, so a sent row says where it went.
        address = (
            select(identities.c.chat_id)
            .where(
                identities.c.person_id == outbox.c.person_id,
                identities.c.channel == channel,
                identities.c.chat_id.is_not(None),
            )
            .order_by(identities.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(
                claimed_until=lease_until,
                chat_id=case((outbox.c.channel.is_(None), address), else_=outbox.c.chat_id),
            )
        )
        rows = (
            await self.conn.execute(
                select(
                    outbox.c.id,
                    outbox.c.dedup_key,
                    outbox.c.kind,
                    outbox.c.category,
                    outbox.c.person_id,
                    outbox.c.chat_id,
                    func.coalesce(people.c.language, outbox.c.language).label("language"),
                    outbox.c.params,
                    outbox.c.actions,
                    outbox.c.attempts,
                )
                .select_from(outbox.outerjoin(people, people.c.id == outbox.c.person_id))
                .where(outbox.c.id.in_(ids))
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
            )
        ).all()
        lost = [r.id for r in rows if r.chat_id is None]  # the address went since the SELECT
        if lost:
            await self.conn.execute(
                update(outbox).where(outbox.c.id.in_(lost)).values(claimed_until=None)
            )
        return [
            ClaimedNotice(
                id=r.id,
                dedup_key=r.dedup_key,
                kind=NoticeKind(r.kind),
                category=r.category,
                person_id=r.person_id,
                chat_id=r.chat_id,
                language=r.language,
                params=json.loads(r.params),
                actions=load_actions(r.actions),
                attempts=r.attempts,
                lease=lease_until,
            )
            for r in rows
            if r.chat_id is not None
        ]

    async def _follow_migrations(self, channel: str, ids: list[int]) -> None:
        chats = (
            select(outbox.c.chat_id)
            .where(outbox.c.id.in_(ids), outbox.c.channel == channel)
            .scalar_subquery()
        )
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
                .where(outbox.c.id.in_(ids), outbox.c.channel == channel, outbox.c.chat_id == old)
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

    async def mark_failed(self, id: int, lease: datetime, error: str, status: str = FAILED) -> bool:
        """Given up: too many attempts, or the API refused the message for good
        (`undeliverable`: nobody to deliver it to on this channel now)."""
        result = await self.conn.execute(
            update(outbox)
            .where(outbox.c.id == id, outbox.c.status == PENDING, outbox.c.claimed_until == lease)
            .values(
                status=status,
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
        """Rows by status (every status present, zero when none); with `channel`, only the
        rows addressed to that channel's chats."""
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
