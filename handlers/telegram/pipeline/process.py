"""`UpdatePipeline`: what a transport calls for each update (see pipeline/__init__.py).

It parses the payload, runs the update through the dispatcher (whose feed_update is the
update's transaction) and sorts the outcome: committed, committed before, retry later
(`Retryable`), or poison. A handler that fails is tried again at once, twice; an update
that fails every time, or cannot be parsed, is kept in `poison_updates` with its payload,
the person is told something went wrong, and the transport confirms it so it does not
block the chat's queue (the person was told at the first failure).
"""

from __future__ import annotations

import json
import logging
import traceback
from typing import Any

from aiogram import Bot
from aiogram.types import Update
from pydantic import ValidationError

from handlers.telegram.pipeline import Handled, Retryable
from handlers.telegram.pipeline.busy import is_busy
from handlers.telegram.pipeline.transaction import REPEATED, PipelineDispatcher
from storage.repositories.updates import SqlUpdateRepo

log = logging.getLogger(__name__)

HANDLER_TRIES = 3


class UpdatePipeline:
    def __init__(self, dp: PipelineDispatcher, bot: Bot) -> None:
        self.dp, self.bot = dp, bot
        self.transactions = dp.transactions

    async def handle_payload(self, payload: bytes | str | dict[str, Any]) -> Handled:
        raw: Any = None
        try:
            raw = json.loads(payload) if isinstance(payload, bytes | str) else payload
            update = Update.model_validate(raw, context={"bot": self.bot})
        except (ValueError, ValidationError) as error:
            if isinstance(payload, bytes):
                body = payload.decode("utf-8", "replace")
            else:
                body = payload if isinstance(payload, str) else json.dumps(payload, default=str)
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            update_id = update_id if isinstance(update_id, int) else None
            await self._poison(update_id, body, f"{type(error).__name__}: {error}")
            return Handled(update_id, poison=True)
        return await self.handle(update)

    async def handle(self, update: Update) -> Handled:
        for attempt in range(HANDLER_TRIES):
            try:
                result = await self.dp.feed_update(self.bot, update)
            except Retryable:
                raise
            except Exception as error:
                if is_busy(error):
                    raise Retryable(str(error)) from error
                log.exception("update %s failed (try %d)", update.update_id, attempt + 1)
                last = error
                continue
            return Handled(update.update_id, repeated=result is REPEATED)
        payload = update.model_dump_json(exclude_none=True, by_alias=True)
        error_text = "".join(traceback.format_exception(last))[-4000:]
        await self._poison(update.update_id, payload, error_text)
        return Handled(update.update_id, poison=True)

    async def _poison(self, update_id: Any, payload: str, error: str) -> None:
        update_id = update_id if isinstance(update_id, int) else None
        log.error("poison update %s kept for operators: %s", update_id, error.splitlines()[-1:])
        transactions = self.transactions
        try:
            async with transactions.uow(write=True) as uow:
                await SqlUpdateRepo(uow.connection).record_poison(
                    self.bot.id, update_id, payload, error, transactions.clock.now()
                )
                await uow.commit()
        except Exception as failure:
            if is_busy(failure):
                raise Retryable("recording a poison update") from failure
            raise
