"""/link: one person on several channels. `/link` gives a one-time code to send on the
other app (WeChat); `/link CODE` here binds this Telegram account to the person who asked
for the code on WeChat. The rules are the core's (bot/services/links.py)."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.domain.commands import CreateLinkCode, RedeemLinkCode
from bot.domain.text import N_
from bot.i18n import Translator, pick_language
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from handlers.telegram.basics import menu_text
from handlers.telegram.commands import register_chat_commands
from handlers.telegram.keyboards import main_menu
from handlers.telegram.keys import message_key
from handlers.telegram.routing import Routes

router = Routes("links")
YOUR_CODE = N_(
    "Your link code: {code}. It works once, for 10 minutes. In the other app (WeChat or "
    "Telegram) send: 绑定 {code}"
)
LINKED = N_(
    "Linked. This account is now {name}: the same station, entries and language as on "
    "your other app."
)
ALREADY_LINKED = N_("This account is already linked to you.")
CODE_MADE = N_("A code was already made for this message; see the answer above.")


@router.message(Command("link"), F.text.regexp(r"^/link(@\w+)?\s+\S"))
async def redeem(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    """Open to strangers: the code is what proves who they are."""
    linked = await services.run(
        RedeemLinkCode(
            command.args or "", chat_id=str(message.chat.id), request_key=message_key(message)
        ),
        actor,
    )
    await state.clear()
    now = linked.actor
    t = Translator(pick_language(now.language, t.language))
    if linked.already:
        text = t(ALREADY_LINKED)
    else:
        await register_chat_commands(bot, message.chat.id, now, t)
        text = t(LINKED, name=now.display_name)
    await message.answer(text + "\n\n" + menu_text(now, t), reply_markup=main_menu(now, t))


@router.message(Command("link"), flags={"action": Action.LINK_CHANNEL})
async def create(message: Message, actor: Actor, t: Translator, services: Services) -> None:
    made = await services.run(CreateLinkCode(request_key=message_key(message)), actor)
    await message.answer(t(YOUR_CODE, code=made.code) if made.code else t(CODE_MADE))
