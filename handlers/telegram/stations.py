"""Station cards and lists, each within the reader's scope."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.domain.commands import ListStations, ShowStation
from bot.i18n import Translator
from bot.presenters import texts as render
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from handlers.telegram.callbacks import MenuCb, StationsPageCb
from handlers.telegram.keyboards import stations_pager
from handlers.telegram.routing import Routes

router = Routes("stations")


@router.message(Command("station"), flags={"action": Action.VIEW_STATION})
async def station(
    message: Message,
    command: CommandObject,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    card = await services.run(ShowStation((command.args or "").strip() or None), actor)
    await message.answer(render.station_card(card, t))


@router.callback_query(MenuCb.filter(F.item == "station"), flags={"action": Action.VIEW_STATION})
async def my_station(query: CallbackQuery, actor: Actor, t: Translator, services: Services) -> None:
    card = await services.run(ShowStation(), actor)
    await query.answer()
    await query.bot.send_message(query.from_user.id, render.station_card(card, t))


@router.message(Command("stations"), flags={"action": Action.LIST_STATIONS})
async def stations(message: Message, actor: Actor, t: Translator, services: Services) -> None:
    page = await services.run(ListStations(0), actor)
    await message.answer(
        render.station_page(page, t), reply_markup=stations_pager(page.page, page.pages, t)
    )


@router.callback_query(MenuCb.filter(F.item == "stations"), flags={"action": Action.LIST_STATIONS})
@router.callback_query(StationsPageCb.filter(), flags={"action": Action.LIST_STATIONS})
async def stations_page(
    query: CallbackQuery,
    actor: Actor,
    t: Translator,
    services: Services,
    callback_data: MenuCb | StationsPageCb,
) -> None:
    number = callback_data.page if isinstance(callback_data, StationsPageCb) else 0
    page = await services.run(ListStations(number), actor)
    await query.answer()
    await query.bot.send_message(
        query.from_user.id,
        render.station_page(page, t),
        reply_markup=stations_pager(page.page, page.pages, t),
    )
