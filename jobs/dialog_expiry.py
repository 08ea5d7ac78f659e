"""End dialogs left idle past the configured time and tell their owners."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.domain.text import Text
from storage.repositories.dialogs import SqlDialogStore

log = logging.getLogger(__name__)

# (chat id, message, language) -> delivered; the composition root supplies the channel.
Notify = Callable[[int, Text, str], Awaitable[None]]


async def expire_idle_dialogs(
    store: SqlDialogStore, notify: Notify, now: datetime, idle: timedelta, message: Text
) -> int:
    ended = 0
    for dialog in await store.idle(now - idle):
        # Compare-and-delete first, notify after: with two processes sweeping, only the
        # one whose delete took sends the notice; a crash in between loses one notice
        # rather than sending two.
        if not await store.end_if_unchanged(dialog):
            continue
        ended += 1
        chat_id = dialog.key[1]
        try:
            await notify(chat_id, message, dialog.data.get("_lang", "zh"))
        except Exception:  # a blocked bot or a network error must not stop the sweep
            log.warning("could not send the dialog-expired notice", exc_info=True)
    return ended


async def prune_processed_updates(ledger, now: datetime, keep: timedelta) -> int:
    """Telegram keeps an update at most 24 h; a week of ids is more than enough."""
    return await ledger.prune(now - keep)
