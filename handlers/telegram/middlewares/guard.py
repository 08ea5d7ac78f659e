"""Inner middleware: the one gate between a matched handler and the user's role, and the
one place that turns an error into a reply in the user's language.

A handler declares what it does with `flags={"action": Action.X}`; this middleware asks
bot.services.authz whether the actor's role may do it. Scope (which station, which
county) is checked by the services themselves, with the place in hand.

A CunzhanError is the user's to fix: its message is the answer and the update counts as
handled. Any other exception is ours: the user is told to try again, and the exception
goes on up so DedupMiddleware releases the update's claim and a webhook answers 500 (the
retry runs the handler again; writes are idempotent by their request keys).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject, Update

from bot.domain.errors import CunzhanError
from bot.domain.text import N_
from bot.i18n import Translator
from bot.services.authz import Actor, can

log = logging.getLogger(__name__)

NOT_REGISTERED = N_(
    "You are not registered yet. Ask your county commerce bureau (县商务局) for an invite QR "
    "code, then scan it with your phone camera or Telegram."
)
NOT_ALLOWED = N_("You are not allowed to do that. Send /help to see what you can do.")
WENT_WRONG = N_("Sorry, something went wrong on our side. Please try again in a minute.")

# Telegram redelivers a webhook update that failed, maybe many times: say sorry once.
_TOLD_LIMIT = 1024


async def reply(event: TelegramObject, text: str) -> None:
    if isinstance(event, Message):
        await event.answer(text)
    elif isinstance(event, CallbackQuery):
        # An alert keeps the chat clean and needs no message to reply to.
        await event.answer(text[:200], show_alert=True)


class GuardMiddleware(BaseMiddleware):
    def __init__(self) -> None:
        self._told: OrderedDict[tuple[int, int], None] = OrderedDict()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        actor: Actor = data["actor"]
        t: Translator = data["t"]
        action = get_flag(data, "action")
        if action is not None and not can(actor, action):
            await reply(event, t(NOT_REGISTERED if not actor.known else NOT_ALLOWED))
            return None
        try:
            return await handler(event, data)
        except CunzhanError as error:
            # The dialog stays where it was: nothing here touches the FSM state.
            await reply(event, t(error.text))
            return None
        except Exception:
            log.exception("handler failed on %s", type(event).__name__)
            if self._first_failure(data):
                await self._say_sorry(event, t)
            raise

    def _first_failure(self, data: dict[str, Any]) -> bool:
        update: Update | None = data.get("event_update")
        bot = data.get("bot")
        if update is None or bot is None:
            return True
        key = (bot.id, update.update_id)
        if key in self._told:
            return False
        self._told[key] = None
        if len(self._told) > _TOLD_LIMIT:
            self._told.popitem(last=False)
        return True

    @staticmethod
    async def _say_sorry(event: TelegramObject, t: Translator) -> None:
        # The original error is the one worth raising; a failed apology only gets logged.
        try:
            try:
                await reply(event, t(WENT_WRONG))
            except Exception:
                if not isinstance(event, CallbackQuery):
                    raise
                # The handler may have answered the press already: say it in the chat.
                await event.bot.send_message(event.from_user.id, t(WENT_WRONG))
        except Exception:
            log.exception("could not tell the user about the failure")
