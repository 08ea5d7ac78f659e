"""End dialogs left idle past the configured time and tell their owners, through the outbox."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from bot.domain.dialogs import LANG
from bot.domain.notices import Address, Notice, NoticeKind
from bot.services.ports import UnitOfWorkFactory
from storage.repositories.dialogs import IdleDialog, SqlDialogStore

log = logging.getLogger(__name__)


def expired_notice(dialog: IdleDialog, idle: timedelta, channel: str) -> Notice:
    """To the dialog's chat, in the language it was last spoken in (its owner may not be
    registered, so there may be no person to address). Keyed by the dialog and its last
    activity: a second sweeper, or a second sweep, writes nothing new."""
    chat_id = dialog.key[1]
    key = ":".join(map(str, dialog.key)) + "@" + dialog.updated_at.isoformat()
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return Notice(
        dedup_key=f"dialog_expired:{channel}:{chat_id}:{digest}",
        kind=NoticeKind.DIALOG_EXPIRED,
        params={"minutes": int(idle.total_seconds() // 60)},
        address=Address(channel, str(chat_id), dialog.data.get(LANG)),
    )


async def expire_idle_dialogs(
    store: SqlDialogStore,
    uow_factory: UnitOfWorkFactory,
    now: datetime,
    idle: timedelta,
    channel: str = "telegram",
) -> int:
    ended = 0
    for dialog in await store.idle(now - idle):
        # Compare-and-delete first, then the notice: with two processes sweeping, only the
        # one whose delete took writes it (and its dedup key would stop a second one); a
        # crash in between loses one notice rather than sending two.
        if not await store.end_if_unchanged(dialog):
            continue
        ended += 1
        try:
            async with uow_factory(write=True) as uow:
                await uow.outbox.enqueue([expired_notice(dialog, idle, channel)], now)
                await uow.commit()
        except Exception:  # one failed write must not stop the sweep
            log.warning("could not write the dialog-expired notice", exc_info=True)
    return ended


async def prune_processed_updates(ledger, now: datetime, keep: timedelta) -> int:
    """Telegram keeps an update at most 24 h; a week of ids is more than enough."""
    return await ledger.prune(now - keep)
