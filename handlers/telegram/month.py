"""/month [CODE] [YYYY-MM]: a month at a glance, against the station's thresholds; staff
and operators name a station in their scope."""

from __future__ import annotations

import re

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.domain.commands import BoardActivity, ShowMonth
from bot.i18n import Translator
from bot.presenters.board import operating_days_line
from bot.presenters.texts import month_text
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from handlers.telegram.callbacks import MenuCb
from handlers.telegram.routing import Routes

router = Routes("month")


PERIOD = re.compile(r"[0-9]{4}-[0-9]{1,2}")


def month_query(args: str | None) -> ShowMonth:
    """`/month`, `/month 2026-10`, `/month A-S1`, `/month A-S1 2026-10`."""
    code = period = None
    for word in (args or "").split():
        if PERIOD.fullmatch(word):
            year, month = word.split("-")
            period = f"{year}-{int(month):02d}"
        else:
            code = word
    return ShowMonth(period=period, code=code)


@router.message(Command("month"), flags={"action": Action.VIEW_LEDGER})
async def month(
    message: Message, command: CommandObject, actor: Actor, t: Translator, services: Services
) -> None:
    view = await services.run(month_query(command.args), actor)
    await message.answer(month_text(view, t) + await operating_days(view, actor, t, services))


@router.callback_query(MenuCb.filter(F.item == "month"), flags={"action": Action.VIEW_LEDGER})
async def month_button(
    query: CallbackQuery, actor: Actor, t: Translator, services: Services
) -> None:
    view = await services.run(ShowMonth(), actor)
    await query.answer()
    text = month_text(view, t) + await operating_days(view, actor, t, services)
    await query.bot.send_message(query.from_user.id, text)


async def operating_days(view, actor: Actor, t: Translator, services: Services) -> str:
    """The notice board's check-ins of that month (issue 11), as a line to add."""
    query = BoardActivity(code=view.station.code, period=str(view.period))
    return "\n" + operating_days_line(await services.run(query, actor), t)
