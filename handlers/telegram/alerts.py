"""/mute and /unmute: which notice categories a person receives.

Who may mute what is the core's rule (bot.services.mutes); this module only parses,
calls it and renders. `/mute` alone lists the categories with their state as buttons; a
press sets the state the button names (pressing twice is harmless) and redraws the list.
"""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.clock import Clock
from bot.domain.notices import CATEGORY_LABELS, AlertCategory
from bot.i18n import Translator
from bot.services import mutes
from bot.services.authz import Actor
from handlers.telegram.middlewares.guard import NOT_REGISTERED
from handlers.telegram.routing import Routes

log = logging.getLogger(__name__)
router = Routes("alerts")


class MuteCb(CallbackData, prefix="mu"):
    """Set one category's state; `mute` is the state asked for, not a toggle."""

    category: str
    mute: bool


async def muted_categories(uow_factory, actor: Actor) -> set[AlertCategory]:
    async with uow_factory() as uow:
        return await mutes.muted_categories(actor, uow)


async def set_muted(
    uow_factory, clock: Clock, actor: Actor, category: AlertCategory, mute: bool
) -> None:
    async with uow_factory(write=True) as uow:
        await mutes.set_muted(actor, category, mute, uow, clock.now())
        await uow.commit()


def mute_menu(actor: Actor, muted: set[str], t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for category in mutes.mutable_categories(actor):
        label = CATEGORY_LABELS[category]
        if category in muted:
            text = t("🔕 {label} (muted)", label=label)
        else:
            text = t("🔔 {label}", label=label)
        builder.button(
            text=text, callback_data=MuteCb(category=category.value, mute=category not in muted)
        )
    builder.adjust(1)
    return builder.as_markup()


def done_text(category: AlertCategory, mute: bool, t: Translator) -> str:
    label = CATEGORY_LABELS[category]
    if mute:
        return t(
            "Muted: {label}. Send /unmute {code} to receive them again.",
            label=label,
            code=category.value,
        )
    return t("Unmuted: {label}. You will receive them again.", label=label)


@router.message(Command("mute", "unmute"))
async def mute_command(
    message: Message,
    command: CommandObject,
    actor: Actor,
    t: Translator,
    uow_factory,
    clock: Clock,
) -> None:
    if not actor.known:
        await message.answer(t(NOT_REGISTERED))
        return
    mute = command.command.lower() == "mute"
    if not (command.args or "").strip():
        muted = await muted_categories(uow_factory, actor)
        await message.answer(
            t("The alerts you receive. Tap one to mute or unmute it."),
            reply_markup=mute_menu(actor, muted, t),
        )
        return
    category = mutes.parse_category(command.args)
    if category is None:
        codes = ", ".join(c.value for c in mutes.mutable_categories(actor))
        await message.answer(
            t(
                "There is no alert category “{name}”. Send /mute to choose from the list, "
                "or use one of: {codes}.",
                name=command.args.strip()[:40],
                codes=codes,
            )
        )
        return
    await set_muted(uow_factory, clock, actor, category, mute)  # NotAllowed: the guard says so
    await message.answer(done_text(category, mute, t))


@router.callback_query(MuteCb.filter())
async def mute_pressed(
    query: CallbackQuery,
    callback_data: MuteCb,
    actor: Actor,
    t: Translator,
    uow_factory,
    clock: Clock,
) -> None:
    # The presser is re-checked: the callback data only says what was asked for.
    if not actor.known:
        await query.answer(t(NOT_REGISTERED)[:200], show_alert=True)
        return
    try:
        category = AlertCategory(callback_data.category)
    except ValueError:
        await query.answer()
        return
    await set_muted(uow_factory, clock, actor, category, callback_data.mute)  # or NotAllowed
    label = CATEGORY_LABELS[category]
    await query.answer(
        t("Muted: {label}", label=label)
        if callback_data.mute
        else t("Unmuted: {label}", label=label)
    )
    if query.message is not None and hasattr(query.message, "edit_reply_markup"):
        muted = await muted_categories(uow_factory, actor)
        try:
            await query.message.edit_reply_markup(reply_markup=mute_menu(actor, muted, t))
        except TelegramBadRequest:  # "message is not modified": a second press of the same
            log.debug("mute menu unchanged", exc_info=True)
