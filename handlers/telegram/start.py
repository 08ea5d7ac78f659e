"""/start: the greeting, and the landing point of every deep link and QR code."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.domain.board import looks_like_station_code
from bot.domain.commands import RedeemInvite
from bot.domain.invites import looks_like_invite
from bot.domain.roles import ROLE_LABELS
from bot.i18n import Translator
from bot.presenters.texts import place_label
from bot.services.authz import Actor
from bot.services.bus import Services
from handlers.telegram.basics import menu_text
from handlers.telegram.commands import register_chat_commands
from handlers.telegram.keyboards import main_menu
from handlers.telegram.keys import message_key
from handlers.telegram.routing import Routes
from handlers.telegram.scans import on_scan

router = Routes("start")


@router.message(CommandStart(deep_link=True))
async def start_with_payload(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    payload = command.args or ""
    # Dispatched on the payload's kind: `i_…` an invite, `s_…` a station's poster code.
    if looks_like_station_code(payload):
        await on_scan(message, payload, state, actor, t, services)
        return
    if not looks_like_invite(payload):
        await message.answer(t("This link is not recognised. Ask county staff for a new QR code."))
        return
    user = message.from_user
    redeemed = await services.run(
        RedeemInvite(
            payload,
            user.full_name,
            language=t.language,
            chat_id=str(message.chat.id),
            request_key=message_key(message),
        ),
        actor,
    )
    await state.clear()
    new_actor = redeemed.actor
    role = t(ROLE_LABELS[redeemed.role])
    if redeemed.already:
        text = t(
            "You are already registered as {role}: {place}.",
            role=role,
            place=place_label(redeemed.scope_label, t),
        )
    else:
        await register_chat_commands(bot, message.chat.id, new_actor, t)
        text = t(
            "Welcome, {name}! You are now registered as {role}: {place}.",
            name=user.full_name,
            role=role,
            place=place_label(redeemed.scope_label, t),
        )
    await message.answer(
        text + "\n\n" + menu_text(new_actor, t), reply_markup=main_menu(new_actor, t)
    )


@router.message(CommandStart())
async def start(message: Message, bot: Bot, actor: Actor, t: Translator) -> None:
    if actor.known:
        await register_chat_commands(bot, message.chat.id, actor, t)
        await message.answer(
            t("Hello, {name}.", name=actor.display_name) + "\n" + menu_text(actor, t),
            reply_markup=main_menu(actor, t),
        )
        return
    await message.answer(
        t("Welcome to Cunzhan 村站, the village station assistant.") + "\n\n" + menu_text(actor, t)
    )
