"""What the WeChat front end keeps: delivered messages with their replies, each user's
dialog and 48-hour window, and the account's shared access token.

Like `processed_updates` for Telegram, a `wechat_messages` row is written inside the
message's own transaction (handlers/wechat/inbound.py): it exists only if the work
committed, so a redelivery either finds it (and answers again) or runs as new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from storage.repositories.base import Repo
from storage.schema import wechat_messages as wm
from storage.schema import wechat_tokens as wt
from storage.schema import wechat_users as wu


@dataclass(frozen=True)
class StoredReply:
    reply: str | None
    delivery: str  # passive | custom
    sent_at: datetime | None


@dataclass(frozen=True)
class StoredToken:
    token: str
    expires_at: datetime
    version: int


class SqlWeChatRepo(Repo):
    # --- messages ----------------------------------------------------------------
    async def claim(self, account: str, key: str, openid: str, now: datetime) -> bool:
        """False if this message committed before (PostgreSQL waits for a concurrent
        transaction holding the key, then sees it)."""
        inserted = await self.conn.execute(
            self.insert(wm)
            .values(account=account, dedup_key=key, openid=openid, received_at=now)
            .on_conflict_do_nothing()
        )
        return inserted.rowcount == 1

    async def store_reply(
        self, account: str, key: str, reply: str | None, delivery: str = "passive"
    ) -> None:
        await self.conn.execute(
            update(wm)
            .where(wm.c.account == account, wm.c.dedup_key == key)
            .values(reply=reply, delivery=delivery)
        )

    async def stored(self, account: str, key: str) -> StoredReply | None:
        query = select(wm.c.reply, wm.c.delivery, wm.c.sent_at).where(
            wm.c.account == account, wm.c.dedup_key == key
        )
        row = (await self.conn.execute(query)).first()
        return None if row is None else StoredReply(row.reply, row.delivery, row.sent_at)

    async def mark_custom(self, account: str, key: str, now: datetime | None) -> None:
        """The reply goes (`now` None) or went (`now`) through the customer-service API."""
        await self.conn.execute(
            update(wm)
            .where(wm.c.account == account, wm.c.dedup_key == key)
            .values(delivery="custom", sent_at=now)
        )

    async def prune(self, before: datetime) -> int:
        """Forget messages received before `before`: WeChat retries one for seconds, so a
        week of claims is plenty."""
        result = await self.conn.execute(delete(wm).where(wm.c.received_at < before))
        return result.rowcount

    async def mark_passive(self, account: str, key: str) -> None:
        """The API could not deliver it: a retry of the message answers it passively."""
        await self.conn.execute(
            update(wm)
            .where(wm.c.account == account, wm.c.dedup_key == key)
            .values(delivery="passive", sent_at=None)
        )

    # --- users ---------------------------------------------------------------------
    async def dialog(self, account: str, openid: str) -> tuple[str | None, datetime | None]:
        """The user's dialog (JSON) and when it last changed."""
        query = select(wu.c.dialog, wu.c.updated_at).where(
            wu.c.account == account, wu.c.openid == openid
        )
        row = (await self.conn.execute(query)).first()
        return (None, None) if row is None else (row.dialog, row.updated_at)

    async def seen(self, account: str, openid: str, now: datetime) -> None:
        """The user wrote: their 48-hour customer-service window opens again."""
        statement = self.insert(wu).values(
            account=account, openid=openid, last_inbound_at=now, updated_at=now
        )
        await self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[wu.c.account, wu.c.openid], set_={"last_inbound_at": now}
            )
        )

    async def set_dialog(self, account: str, openid: str, dialog: str | None, now: datetime):
        await self.conn.execute(
            update(wu)
            .where(wu.c.account == account, wu.c.openid == openid)
            .values(dialog=dialog, updated_at=now)
        )

    async def last_inbound(self, account: str, openid: str) -> datetime | None:
        query = select(wu.c.last_inbound_at).where(wu.c.account == account, wu.c.openid == openid)
        return (await self.conn.execute(query)).scalar_one_or_none()

    # --- the access token --------------------------------------------------------
    async def token(self, account: str) -> StoredToken | None:
        query = select(wt.c.token, wt.c.expires_at, wt.c.version).where(wt.c.account == account)
        row = (await self.conn.execute(query)).first()
        return None if row is None else StoredToken(row.token, row.expires_at, row.version)

    async def put_token(
        self, account: str, token: str, expires_at: datetime, seen_version: int | None
    ) -> bool:
        """Store a fresh token if nobody stored one since we read `seen_version`
        (compare-and-set); False means another process won and its token is the one."""
        if seen_version is None:
            inserted = await self.conn.execute(
                self.insert(wt)
                .values(account=account, token=token, expires_at=expires_at, version=1)
                .on_conflict_do_nothing()
            )
            return inserted.rowcount == 1
        changed = await self.conn.execute(
            update(wt)
            .where(wt.c.account == account, wt.c.version == seen_version)
            .values(token=token, expires_at=expires_at, version=seen_version + 1)
        )
        return changed.rowcount == 1
