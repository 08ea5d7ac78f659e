"""`OutboxRepo` in memory: notices written pending (or muted) in the caller's unit of work,
once per dedup key; per-person mutes. The delivery worker's side (claims, leases, marks)
is not a service port and stays SQL's (`storage.repositories.outbox`).

Params and actions are stored as the same JSON text SQL stores, so a test reading the
`outbox` table sees the same row on every backend.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.notices import Notice, NoticeAction
from storage.memory.rows import build
from storage.memory.state import IntegrityError, Transaction

PENDING, MUTED = "pending", "muted"


@dataclass(frozen=True)
class OutboxRow:
    id: int
    dedup_key: str
    kind: str
    category: str | None
    person_id: int | None
    channel: str | None
    chat_id: str | None
    language: str | None
    params: str  # JSON
    actions: str | None  # JSON
    status: str
    next_attempt_at: datetime
    created_at: datetime
    attempts: int = 0
    sent_at: datetime | None = None
    last_error: str | None = None
    claimed_until: datetime | None = None


@dataclass(frozen=True)
class Mute:
    person_id: int
    category: str
    muted_at: datetime


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dump_actions(actions: tuple[NoticeAction, ...]) -> str | None:
    """As `storage.repositories.outbox.dump_actions` writes them."""
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


class MemoryOutboxRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def enqueue(self, notices: list[Notice], now: datetime) -> int:
        """Write notices as pending (or `muted` when the person muted the category);
        a notice whose dedup_key exists is skipped. Returns how many were new."""
        if not notices:
            return 0
        mutes = self.tx.read("alert_mutes")
        taken = {row.dedup_key for row in self.tx.read("outbox").values()}
        new = 0
        for n in notices:
            if n.dedup_key in taken:  # ON CONFLICT (dedup_key) DO NOTHING
                continue
            if n.person_id is not None and self.tx.get("people", n.person_id) is None:
                raise IntegrityError(f"outbox: no person {n.person_id}")
            category = n.category.value if n.category is not None else None
            address = n.address
            row_id = self.tx.next_id("outbox")
            row = build(
                OutboxRow,
                {
                    "id": row_id,
                    "dedup_key": n.dedup_key,
                    "kind": n.kind.value,
                    "category": category,
                    "person_id": n.person_id,
                    "channel": address.channel if address else None,
                    "chat_id": address.chat_id if address else None,
                    "language": address.language if address else None,
                    "params": _dump(dict(n.params)),
                    "actions": dump_actions(n.actions),
                    "status": MUTED if (n.person_id, category) in mutes else PENDING,
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )
            self.tx.insert("outbox", row_id, row)
            taken.add(n.dedup_key)
            new += 1
        return new

    async def mute(self, person_id: int, category: str, now: datetime) -> bool:
        """True if the category was not muted before."""
        key = (person_id, category)
        if key in self.tx.read("alert_mutes"):
            return False
        if self.tx.get("people", person_id) is None:
            raise IntegrityError(f"alert_mutes: no person {person_id}")
        mute = build(Mute, {"person_id": person_id, "category": category, "muted_at": now})
        self.tx.insert("alert_mutes", key, mute)
        return True

    async def unmute(self, person_id: int, category: str) -> bool:
        """True if the category was muted before."""
        key = (person_id, category)
        if key not in self.tx.read("alert_mutes"):
            return False
        del self.tx.write("alert_mutes")[key]
        return True

    async def mutes(self, person_id: int) -> set[str]:
        return {category for person, category in self.tx.read("alert_mutes") if person == person_id}
