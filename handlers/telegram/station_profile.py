"""/profile: the keeper's notice board (hours, services, fee standards, contact shown),
edited step by step with the core's form (bot/services/board/forms.py). Staff of the
county are told of every change through the outbox."""

from __future__ import annotations

import dataclasses

from aiogram import Bot
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.commands import ShowProfile
from bot.i18n import Translator
from bot.presenters.board import place_line, profile_lines
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from bot.services.forms import Confirmation, Finished, Question, Session, Step
from handlers.telegram.callbacks import CancelCb, FieldChoiceCb, FormSaveCb
from handlers.telegram.form_buttons import chosen, session_to_save
from handlers.telegram.forms import question_markup
from handlers.telegram.keys import press_key
from handlers.telegram.routing import Routes

router = Routes("station_profile")
EDIT = {"action": Action.EDIT_PROFILE}


class ProfileDialog(StatesGroup):
    filling = State()
    confirming = State()


async def _show(bot: Bot, chat_id: int, state: FSMContext, step: Step, t: Translator) -> None:
    if isinstance(step, Question):
        await state.set_state(ProfileDialog.filling)
        await state.set_data(
            {"session": step.session.to_dict(), "choices": [c.value for c in step.choices]}
        )
        text = "\n\n".join(t(line) for line in step.lines)
        await bot.send_message(chat_id, text, reply_markup=question_markup(step, t))
        return
    assert isinstance(step, Confirmation)
    await state.set_state(ProfileDialog.confirming)
    await state.set_data({"session": step.session.to_dict(), "choices": []})
    builder = InlineKeyboardBuilder()
    builder.button(text=t("✅ Save"), callback_data=FormSaveCb(nonce=step.session.nonce))
    builder.button(text=t("✖ Cancel"), callback_data=CancelCb())
    await bot.send_message(
        chat_id, "\n".join(t(line) for line in step.lines), reply_markup=builder.as_markup()
    )


async def _save(bot, chat_id, user_id, state, done: Finished, services, actor, t) -> None:
    command = dataclasses.replace(done.command, request_key=press_key(user_id, done.session.nonce))
    view = await services.run(command, actor)
    await state.clear()
    head = t("Saved. Your notice board now reads:") if view.saved else t("Already saved.")
    lines = [head, place_line(view.card), *profile_lines(view.profile, t)]
    lines.append(t("Print it with /poster."))
    await bot.send_message(chat_id, "\n".join(lines))


async def _take(bot, chat_id, user_id, state, text, services, actor, t) -> None:
    session = Session.from_dict((await state.get_data())["session"])
    step = await services.forms.answer(session, text, services.form_context(actor, t.language))
    if isinstance(step, Finished):
        await _save(bot, chat_id, user_id, state, step, services, actor, t)
    else:
        await _show(bot, chat_id, state, step, t)


@router.message(Command("profile"), flags=EDIT)
async def profile(
    message: Message, state: FSMContext, bot: Bot, actor: Actor, t: Translator, services: Services
) -> None:
    view = await services.run(ShowProfile(), actor)
    now = [t("Your notice board now:"), place_line(view.card), *profile_lines(view.profile, t)]
    await message.answer("\n".join(now))
    first = await services.forms.start("profile", services.form_context(actor, t.language))
    await _show(bot, message.chat.id, state, first, t)


@router.message(StateFilter(ProfileDialog.filling), flags=EDIT)
async def answer(
    message: Message, state: FSMContext, bot: Bot, actor: Actor, t: Translator, services: Services
) -> None:
    if message.text is None:
        await message.answer(t("Please answer with text."))
        return
    await _take(bot, message.chat.id, message.from_user.id, state, message.text, services, actor, t)


@router.callback_query(StateFilter(ProfileDialog.filling), FieldChoiceCb.filter(), flags=EDIT)
async def choice(
    query: CallbackQuery,
    callback_data: FieldChoiceCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    if (choice := await chosen(query, callback_data, state, t)) is None:
        return
    user = query.from_user.id
    await _take(bot, user, user, state, choice, services, actor, t)
    await query.answer()


@router.callback_query(StateFilter(ProfileDialog.confirming), FormSaveCb.filter(), flags=EDIT)
async def confirm(
    query: CallbackQuery,
    callback_data: FormSaveCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    if (session := await session_to_save(query, callback_data, state, t)) is None:
        return
    user = query.from_user.id
    await _save(bot, user, user, state, services.forms.finish(session), services, actor, t)
    await query.answer()
