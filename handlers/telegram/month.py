"""/month: this month at a glance, against the station's thresholds."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.domain.commands import ShowMonth
from bot.i18n import Translator
from bot.presenters.texts import month_text
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from handlers.telegram.callbacks import MenuCb
from handlers.telegram.routing import Routes

router = Routes("month")


@router.message(Command("month"), flags={"action": Action.VIEW_LEDGER})
async def month(message: Message, actor: Actor, t: Translator, services: Services) -> None:
    await message.answer(month_text(await services.run(ShowMonth(), actor), t))


@router.callback_query(MenuCb.filter(F.item == "month"), flags={"action": Action.VIEW_LEDGER})
async def month_button(
    query: CallbackQuery, actor: Actor, t: Translator, services: Services
) -> None:
    view = await services.run(ShowMonth(), actor)
    await query.answer()
    await query.bot.send_message(query.from_user.id, month_text(view, t))
