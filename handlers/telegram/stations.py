"""Station cards and lists, each within the reader's scope: a keeper's own card; the
county desk's card of any station (/station CODE) and the filtered list (/stations)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.commands import BoardActivity, ListStations, ShowStation, StationDesk
from bot.domain.roles import Role
from bot.domain.station_filters import parse_station_filters
from bot.i18n import Translator
from bot.presenters import texts as render
from bot.presenters.board import board_card_lines
from bot.presenters.desk import desk_card, station_list
from bot.services.authz import Action, Actor, can
from bot.services.bus import Services
from handlers.telegram.callbacks import MenuCb, StationsFilterCb, StationsPageCb
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
    code = (command.args or "").strip() or None
    if code is not None and actor.role is not Role.KEEPER and can(actor, Action.VIEW_LEDGER):
        desk = await services.run(StationDesk(code), actor)
        board = await services.run(BoardActivity(code), actor)  # the notice board (issue 11)
        await message.answer(desk_card(desk, t) + "\n" + "\n".join(board_card_lines(board, t)))
        return
    card = await services.run(ShowStation(code), actor)
    await message.answer(render.station_card(card, t))


@router.callback_query(MenuCb.filter(F.item == "station"), flags={"action": Action.VIEW_STATION})
async def my_station(query: CallbackQuery, actor: Actor, t: Translator, services: Services) -> None:
    card = await services.run(ShowStation(), actor)
    await query.answer()
    await query.bot.send_message(query.from_user.id, render.station_card(card, t))


def encode(query: ListStations) -> str:
    """The filters in a few bytes for a page button (callback data hold 64)."""
    flags = ("b" if query.below else "") + ("i" if query.idle else "")
    flags += "c" if query.no_checkin else ""  # the notice board (issue 11)
    return "|".join((query.township or "", query.state or "", flags, query.sort))


def decode(q: str, page: int) -> ListStations:
    township, state, flags, sort = [*q.split("|"), "", "", "", "code"][:4]
    return ListStations(
        page=page,
        township=township or None,
        state=state or None,
        below="b" in flags,
        idle="i" in flags,
        sort=sort or "code",
        no_checkin="c" in flags,
    )


def pager(query: ListStations, page: int, pages: int, t: Translator) -> InlineKeyboardMarkup | None:
    if pages <= 1:
        return None
    q = encode(query)
    builder = InlineKeyboardBuilder()
    if page > 0:
        builder.button(text=t("◀ Previous"), callback_data=StationsFilterCb(page=page - 1, q=q))
    if page + 1 < pages:
        builder.button(text=t("Next ▶"), callback_data=StationsFilterCb(page=page + 1, q=q))
    return builder.as_markup()


@router.message(Command("stations"), flags={"action": Action.LIST_STATIONS})
async def stations(
    message: Message, command: CommandObject, actor: Actor, t: Translator, services: Services
) -> None:
    query = parse_station_filters(command.args or "")
    page = await services.run(query, actor)
    await message.answer(
        station_list(page, t), reply_markup=pager(page.query, page.page, page.pages, t)
    )


@router.callback_query(MenuCb.filter(F.item == "stations"), flags={"action": Action.LIST_STATIONS})
@router.callback_query(StationsPageCb.filter(), flags={"action": Action.LIST_STATIONS})
@router.callback_query(StationsFilterCb.filter(), flags={"action": Action.LIST_STATIONS})
async def stations_page(
    query: CallbackQuery,
    actor: Actor,
    t: Translator,
    services: Services,
    callback_data: MenuCb | StationsPageCb | StationsFilterCb,
) -> None:
    if isinstance(callback_data, StationsFilterCb):
        wanted = decode(callback_data.q, callback_data.page)
    elif isinstance(callback_data, StationsPageCb):
        wanted = ListStations(page=callback_data.page)
    else:
        wanted = ListStations()
    page = await services.run(wanted, actor)
    await query.answer()
    await query.bot.send_message(
        query.from_user.id,
        station_list(page, t),
        reply_markup=pager(page.query, page.page, page.pages, t),
    )
