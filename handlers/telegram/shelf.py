"""The shelf (待取): /shelf, 待取 or the menu lists the parcels waiting, oldest first,
a page at a time; 查 1234 / 查 张三 / 查 A-027 searches it."""

from __future__ import annotations

import re

from aiogram import Bot, F
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.commands import ShowShelf
from bot.domain.errors import InvalidInput
from bot.domain.shelf import parse_search
from bot.i18n import Translator
from bot.presenters.shelf import shelf_text
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from handlers.telegram.callbacks import MenuCb, ShelfPageCb
from handlers.telegram.filters import TextMatches
from handlers.telegram.parcels import show_matches
from handlers.telegram.routing import Routes

router = Routes("shelf")
FLAGS = {"action": Action.RECORD_LEDGER}
SHELF_WORDS = re.compile(r"\s*(待取|货架|shelf)\s*", re.IGNORECASE)
SEARCH = re.compile(r"\s*(?:查询|查|找)\s*(.*)", re.DOTALL)
# Inside a form the word must stand apart (`查 李四`, `查1234`): 查 is also a surname, and
# 查良镛 typed as a recipient's name is a name.
SEARCH_IN_FORM = re.compile(r"\s*(?:查询|查|找)(?:\s+(.+)|([0-9A-Za-z][0-9A-Za-z\- ]*))", re.DOTALL)


def lookup_in_form(text: str):
    """What a keeper in the middle of a form asks of the shelf: "shelf" for 待取, the
    search of `查 李四`, or None (then the text answers the form's question)."""
    if SHELF_WORDS.fullmatch(text):
        return "shelf"
    match = SEARCH_IN_FORM.fullmatch(text)
    if match is None:
        return None
    try:
        return parse_search(match.group(1) or match.group(2))
    except InvalidInput:
        return None


def pager(page: int, pages: int, t: Translator):
    if pages <= 1:
        return None
    builder = InlineKeyboardBuilder()
    if page > 0:
        builder.button(text=t("◀ Previous"), callback_data=ShelfPageCb(page=page - 1))
    if page + 1 < pages:
        builder.button(text=t("Next ▶"), callback_data=ShelfPageCb(page=page + 1))
    return builder.as_markup()


async def send_shelf(bot: Bot, chat_id: int, page: int, actor, t, services: Services) -> None:
    shelf = await services.run(ShowShelf(page), actor)
    await bot.send_message(
        chat_id, shelf_text(shelf, t), reply_markup=pager(shelf.page, shelf.pages, t)
    )


@router.message(Command("shelf"), flags=FLAGS)
@router.message(StateFilter(None), TextMatches(SHELF_WORDS), flags=FLAGS)
async def shelf(message: Message, bot: Bot, actor: Actor, t: Translator, services: Services):
    await send_shelf(bot, message.chat.id, 0, actor, t, services)


@router.callback_query(MenuCb.filter(F.item == "shelf"), flags=FLAGS)
@router.callback_query(ShelfPageCb.filter(), flags=FLAGS)
async def shelf_page(
    query: CallbackQuery,
    callback_data: MenuCb | ShelfPageCb,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    page = callback_data.page if isinstance(callback_data, ShelfPageCb) else 0
    await query.answer()
    await send_shelf(query.bot, query.from_user.id, page, actor, t, services)


@router.message(StateFilter(None), TextMatches(SEARCH), flags=FLAGS)
async def search(message: Message, bot: Bot, actor: Actor, t: Translator, services: Services):
    match = SEARCH.fullmatch(message.text or "")
    assert match is not None
    await show_matches(bot, message.chat.id, parse_search(match.group(1)), actor, t, services)
