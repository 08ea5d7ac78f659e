"""Outer middleware: a dialog left idle too long ends, with a message saying so.

The sweeper job (jobs/dialog_expiry.py) ends idle dialogs stored in SQL and tells the user
at once; this middleware is the backstop for any storage (Redis included): on the next
update it notices the stale dialog, ends it and says so before handling the update.
It also stamps each dialog with its last activity and the user's language, which the
sweeper needs to write its notice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject

from bot.domain.clock import Clock
from bot.domain.dialogs import LANG, TOUCHED, expired_notice, is_stale
from bot.i18n import Translator


class DialogExpiryMiddleware(BaseMiddleware):
    def __init__(self, clock: Clock, idle: timedelta) -> None:
        self.clock = clock
        self.idle = idle

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        t: Translator | None = data.get("t")
        if state is None or t is None:
            return await handler(event, data)
        # aiogram's FSM middleware already read the state: no second read before handling.
        if data.get("raw_state") is not None:
            if is_stale(await state.get_data(), self.clock.now(), self.idle):
                await state.clear()
                data["raw_state"] = None
                bot: Bot = data["bot"]
                await bot.send_message(state.key.chat_id, t(expired_notice(self.idle)))
        result = await handler(event, data)
        if await state.get_state() is not None:
            await state.update_data({TOUCHED: self.clock.now().isoformat(), LANG: t.language})
        return result
