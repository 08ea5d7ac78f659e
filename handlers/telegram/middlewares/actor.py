"""Outer middleware: every update resolves to an Actor and a Translator.

Handlers then receive `actor` and `t` as keyword arguments (aiogram's dependency
injection), and never look a user up themselves. The look-up runs in the update's
transaction (`services` is bound to it by the pipeline).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import TelegramObject, User

from bot.i18n import Translator, pick_language
from bot.services.bus import Services

CHANNEL = "telegram"
PREFS_DESTINY = "prefs"  # a stranger's language choice, kept beside dialog state


def prefs_key(bot_id: int, user_id: int) -> StorageKey:
    return StorageKey(bot_id=bot_id, chat_id=user_id, user_id=user_id, destiny=PREFS_DESTINY)


class ActorMiddleware(BaseMiddleware):
    def __init__(self, default_language: str, remember: Callable[[int, str], None]) -> None:
        self.default_language = default_language
        self.remember = remember

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return None  # channel posts and the like: nobody to serve
        services: Services = data["services"]
        actor = await services.who(CHANNEL, str(user.id))
        language = actor.language
        if language is None:
            storage: BaseStorage = data["fsm_storage"]
            prefs = await storage.get_data(prefs_key(data["bot"].id, user.id))
            language = prefs.get("lang")
        data["actor"] = actor
        data["t"] = t = Translator(
            pick_language(language, user.language_code, self.default_language)
        )
        self.remember(user.id, t.language)
        return await handler(event, data)
