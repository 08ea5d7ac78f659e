"""Anything no other handler took: say what to do instead, never stay silent."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from bot.services.authz import Actor
from handlers.telegram.middlewares.guard import NOT_REGISTERED
from handlers.telegram.routing import Routes

router = Routes("fallback")


@router.message()
async def unknown_message(message: Message, actor: Actor, t: Translator) -> None:
    if not actor.known:
        await message.answer(t(NOT_REGISTERED))
        return
    await message.answer(t("I did not understand that. Send /menu for the menu or /help."))


@router.callback_query()
async def stale_button(query: CallbackQuery, t: Translator) -> None:
    await query.answer(t("This button is no longer active. Send /menu."), show_alert=True)
