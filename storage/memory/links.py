"""`LinkCodeRepo` in memory: request keys unique, use a compare-and-set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.links import LinkCodeRecord
from storage.memory.rows import build
from storage.memory.state import Transaction


@dataclass(frozen=True)
class LinkCodeRow:
    code_hash: str
    person_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: str | None
    request_key: str | None


class MemoryLinkCodeRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def add(
        self,
        *,
        code_hash: str,
        person_id: int,
        created_at: datetime,
        expires_at: datetime,
        request_key: str | None,
    ) -> bool:
        if request_key is not None and self.tx.first(
            "channel_link_codes", lambda r: r.request_key == request_key
        ):
            return False  # ON CONFLICT (request_key) DO NOTHING
        self.tx.unique("channel_link_codes", lambda r: r.code_hash == code_hash, "code_hash")
        self.tx.references("people", person_id, "channel_link_codes")
        row = build(
            LinkCodeRow,
            {
                "code_hash": code_hash,
                "person_id": person_id,
                "created_at": created_at,
                "expires_at": expires_at,
                "used_at": None,
                "used_by": None,
                "request_key": request_key,
            },
        )
        self.tx.insert("channel_link_codes", code_hash, row)
        return True

    async def by_hash(self, code_hash: str) -> LinkCodeRecord | None:
        row = self.tx.get("channel_link_codes", code_hash)
        return None if row is None else LinkCodeRecord(row.person_id, row.expires_at, row.used_at)

    async def use(self, code_hash: str, now: datetime, used_by: str) -> bool:
        row = self.tx.get("channel_link_codes", code_hash)
        if row is None or row.used_at is not None:
            return False
        self.tx.write("channel_link_codes")[code_hash] = build(
            LinkCodeRow, {**vars(row), "used_at": now, "used_by": used_by[:120]}
        )
        return True
