"""Outer middleware: an update id is handled once, however often Telegram delivers it.

Polling advances its offset before handling and webhooks may be retried, so the same
update can arrive twice (a restart, a timeout). The claim is a row keyed by (bot, update);
it is marked finished after the handlers ran; a handler that raised releases it, so
Telegram's retry (webhook mode answers 500) runs it again. A claim left unfinished by a
process that died is taken again after the lease: retried rather than lost.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update

from bot.domain.clock import Clock
from storage.repositories.updates import SqlUpdateLedger

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)


class DedupMiddleware(BaseMiddleware):
    def __init__(self, ledger: SqlUpdateLedger, clock: Clock) -> None:
        self.ledger = ledger
        self.clock = clock

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        bot: Bot = data["bot"]
        now = self.clock.now()
        if not await self.ledger.claim(bot.id, event.update_id, now, now - LEASE):
            log.info("update %s already handled; skipped", event.update_id)
            return None
        try:
            result = await handler(event, data)
        except Exception:
            # A webhook answers 500 and Telegram retries at once: let that retry run.
            await self.ledger.release(bot.id, event.update_id)
            raise
        await self.ledger.finish(bot.id, event.update_id, self.clock.now())
        return result
