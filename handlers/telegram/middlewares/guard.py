"""Inner middleware: the one gate between a matched handler and the user's role, and the
one place that turns an error into a reply in the user's language.

A handler declares what it does with `flags={"action": Action.X}`; this middleware asks
bot.services.authz whether the actor's role may do it. Scope (which station, which
county) is checked by the services themselves, with the place in hand.

A CunzhanError is the user's to fix: its message is the answer and the update counts as
handled (its transaction commits). Any other exception is ours: it goes on up, the
update's transaction rolls back (handlers/telegram/pipeline/transaction.py tells the
user once, outside it) and the update runs as new when it comes again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.domain.errors import CunzhanError
from bot.domain.text import N_
from bot.i18n import Translator
from bot.services.authz import Actor, can
from handlers.telegram.pipeline.bound import savepoint

log = logging.getLogger(__name__)

NOT_REGISTERED = N_(
    "You are not registered yet. Ask your county commerce bureau (县商务局) for an invite QR "
    "code, then scan it with your phone camera or Telegram."
)
NOT_ALLOWED = N_("You are not allowed to do that. Send /help to see what you can do.")
WENT_WRONG = N_("Sorry, something went wrong on our side. Please try again in a minute.")


async def reply(event: TelegramObject, text: str) -> None:
    if isinstance(event, Message):
        await event.answer(text)
    elif isinstance(event, CallbackQuery):
        # An alert keeps the chat clean and needs no message to reply to.
        await event.answer(text[:200], show_alert=True)


class GuardMiddleware(BaseMiddleware):
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
            # Whatever the handler wrote before a CunzhanError is undone (the dialog
            # state included); the update's transaction commits the answer.
            async with savepoint(data.get("services")):
                return await handler(event, data)
        except CunzhanError as error:
            await reply(event, t(error.text))
            return None
        except Exception:
            log.exception("handler failed on %s", type(event).__name__)
            raise
