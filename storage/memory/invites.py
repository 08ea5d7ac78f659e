"""`InviteRepo` in memory: request keys unique, redemption a compare-and-set."""

from __future__ import annotations

from datetime import datetime

from bot.domain.invites import InviteRecord
from bot.domain.roles import Role, Scope
from storage.memory.rows import Invite, build
from storage.memory.state import Transaction


class MemoryInviteRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

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
        if request_key is not None and self.tx.first(
            "invites", lambda i: i.request_key == request_key
        ):
            return None  # ON CONFLICT (request_key) DO NOTHING
        self.tx.unique("invites", lambda i: i.token_hash == token_hash, "token_hash")
        for table, key in (
            ("counties", scope.county_id),
            ("townships", scope.township_id),
            ("stations", scope.station_id),
            ("people", created_by),
        ):
            self.tx.references(table, key, "invites")
        invite_id = self.tx.next_id("invites")
        row = build(
            Invite,
            {
                "id": invite_id,
                "token_hash": token_hash,
                "role": role.value,
                "county_id": scope.county_id,
                "township_id": scope.township_id,
                "station_id": scope.station_id,
                "created_by": created_by,
                "created_at": created_at,
                "expires_at": expires_at,
                "redeemed_at": None,
                "redeemed_by": None,
                "request_key": request_key,
            },
        )
        self.tx.insert("invites", invite_id, row)
        return invite_id

    async def by_hash(self, token_hash: str) -> InviteRecord | None:
        row = self.tx.first("invites", lambda i: i.token_hash == token_hash)
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
            scope_label=self._label(row),
        )

    def _label(self, row: Invite) -> str:
        """ "name (CODE)" of the narrowest place, as the SQL COALESCE picks it."""
        for table, place_id in (
            ("stations", row.station_id),
            ("townships", row.township_id),
            ("counties", row.county_id),
        ):
            place = self.tx.get(table, place_id) if place_id is not None else None
            if place is not None:
                return f"{place.name} ({place.code})"
        return ""

    async def mark_redeemed(self, invite_id: int, person_id: int, now: datetime) -> bool:
        row = self.tx.get("invites", invite_id)
        if row is None or row.redeemed_at is not None:
            return False
        self.tx.references("people", person_id, "invites.redeemed_by")
        self.tx.write("invites")[invite_id] = build(
            Invite, {**vars(row), "redeemed_at": now, "redeemed_by": person_id}
        )
        return True
