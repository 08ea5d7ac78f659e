"""/help, /menu, /cancel and /lang: open to everyone, in every state."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import CallbackQuery, Message

from bot.domain.commands import SetLanguage
from bot.domain.text import N_
from bot.i18n import LANGUAGES, Translator
from bot.services.authz import Action, Actor, can
from bot.services.bus import Services
from handlers.telegram.callbacks import CancelCb, LangCb, MenuCb
from handlers.telegram.commands import commands_for, register_chat_commands
from handlers.telegram.keyboards import language_menu, main_menu
from handlers.telegram.keys import request_key
from handlers.telegram.middlewares.actor import prefs_key
from handlers.telegram.middlewares.guard import NOT_REGISTERED
from handlers.telegram.routing import Routes

router = Routes("basics")

FORMS_HELP = N_(
    "Tip: every step can be stopped with /cancel; an unfinished form closes by itself "
    "after a while without a reply."
)


QUICK_FORMS = (
    ("入 SF1234567890 张三 1234", N_("parcel in: tracking number, name, phone (last 4 or full)")),
    ("取 A-027  ·  取 1234", N_("pickup by pickup code or phone's last 4 digits")),
    ("寄 YT123456789 脆李 10斤 85", N_("ship produce: number, product, weight, declared value")),
    ("售 脆李 20斤 400 直播", N_("sale: product, quantity, yuan, channel (optional)")),
    ("代购 洗衣机 1299 费20", N_("proxy purchase: item, yuan, fee (optional)")),
    ("话费 100  ·  代缴 电费 200  ·  取现 500 费2", N_("convenience services")),
    (
        "售 脆李 20斤 400 昨天  ·  代购 洗衣机 两千 11-23",
        N_("on an earlier day: add 昨天, 前天 or a date (this month or last month)"),
    ),
)


def help_text(actor: Actor, t: Translator) -> str:
    lines = [t("Cunzhan 村站 — the village station assistant."), ""]
    if not actor.known:
        lines += [t(NOT_REGISTERED), ""]
    for command in commands_for(actor):
        line = f"/{command.name} — {t(command.description)}"
        example = command.example_for(actor)
        if example and example != f"/{command.name}":
            line += " · " + t("e.g. {example}", example=t(example))
        lines.append(line)
    if can(actor, Action.RECORD_LEDGER):
        lines += [
            "",
            t(
                "Quick one-line forms (amounts like 1200, 1,200元, ¥1200, 1.2万, 两千; "
                "quantities like 20斤, 十斤, 半斤):"
            ),
        ]
        lines += [f"{form} — {t(meaning)}" for form, meaning in QUICK_FORMS]
    lines += ["", t(FORMS_HELP)]
    return "\n".join(lines)


def menu_text(actor: Actor, t: Translator) -> str:
    if not actor.known:
        return t(NOT_REGISTERED)
    return t("Main menu. Choose an action:")


async def _cancelled(state: FSMContext, t: Translator) -> str:
    """End the dialog, saying what of it stays: a batch intake keeps the parcels it saved."""
    session = (await state.get_data()).get("session") or {}
    await state.clear()
    saved = session.get("saved", 0)
    if saved:
        return t(
            "Cancelled. The {n} parcels saved before stay saved; the last one was not.", n=saved
        )
    return t("Cancelled. Nothing was saved.")


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext, actor: Actor, t: Translator) -> None:
    had_dialog = await state.get_state() is not None
    text = await _cancelled(state, t) if had_dialog else t("Nothing to cancel.")
    markup = main_menu(actor, t) if actor.known else None
    await message.answer(text, reply_markup=markup)


@router.callback_query(CancelCb.filter())
async def cancel_button(query: CallbackQuery, state: FSMContext, actor: Actor, t: Translator):
    text = await _cancelled(state, t)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=main_menu(actor, t))


@router.message(Command("help"))
async def help_command(message: Message, actor: Actor, t: Translator) -> None:
    await message.answer(help_text(actor, t))


@router.callback_query(MenuCb.filter(F.item == "help"))
async def help_button(query: CallbackQuery, actor: Actor, t: Translator) -> None:
    await query.answer()
    await query.bot.send_message(query.from_user.id, help_text(actor, t))


@router.message(Command("menu"))
async def menu(message: Message, actor: Actor, t: Translator) -> None:
    markup = main_menu(actor, t) if actor.known else None
    await message.answer(menu_text(actor, t), reply_markup=markup)


@router.message(Command("lang"))
async def lang_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
    fsm_storage: BaseStorage,
) -> None:
    choice = (command.args or "").strip().lower()
    if not choice:
        await message.answer(t("Choose your language:"), reply_markup=language_menu())
        return
    if choice not in LANGUAGES:
        await message.answer(
            t("Unknown language “{choice}”. Send /lang zh or /lang en.", choice=choice[:20])
        )
        return
    await _switch(
        bot, message.chat.id, message.from_user.id, choice, actor, services, fsm_storage, message
    )


@router.callback_query(MenuCb.filter(F.item == "lang"))
async def lang_button(query: CallbackQuery, t: Translator) -> None:
    await query.answer()
    await query.bot.send_message(
        query.from_user.id, t("Choose your language:"), reply_markup=language_menu()
    )


@router.callback_query(LangCb.filter())
async def lang_chosen(
    query: CallbackQuery,
    callback_data: LangCb,
    bot: Bot,
    actor: Actor,
    services: Services,
    fsm_storage: BaseStorage,
) -> None:
    await query.answer()
    if callback_data.lang not in LANGUAGES:
        return
    await _switch(
        bot,
        query.from_user.id,
        query.from_user.id,
        callback_data.lang,
        actor,
        services,
        fsm_storage,
        None,
    )


async def _switch(bot, chat_id, user_id, language, actor, services, fsm_storage, message):
    if actor.known:
        # Setting the same language twice is harmless: the key only names the request.
        key = request_key(user_id, "lang", language)
        await services.run(SetLanguage(language, request_key=key), actor)
    else:
        await fsm_storage.update_data(prefs_key(bot.id, user_id), {"lang": language})
    t = Translator(language)
    if actor.known:
        await register_chat_commands(bot, chat_id, actor, t)
    markup = main_menu(actor, t) if actor.known else None
    await bot.send_message(chat_id, t("Language set: English."), reply_markup=markup)
