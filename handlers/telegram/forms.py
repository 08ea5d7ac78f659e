"""Step-by-step forms in Telegram: the core's form engine, rendered as messages and buttons.

The engine (`bot.services.forms`) decides what to ask and what the answers mean; this
module only shows a `Question` as a message with one button per choice, a `Confirmation`
as a summary with Save / Cancel, and runs a `Finished` form's command through the
services. Buttons carry the choice's index, not its value (a Chinese product name is too
long for Telegram's 64-byte callback data); the values are kept beside the session.
"""

from __future__ import annotations

import dataclasses

from aiogram import Bot, F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.errors import InvalidInput
from bot.domain.one_line import parse_line
from bot.domain.text import N_, Text
from bot.i18n import Translator
from bot.presenters.texts import entry_saved, join_phrases
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from bot.services.forms import Confirmation, Finished, Question, Session, Step
from handlers.telegram.callbacks import CancelCb, FieldChoiceCb, FormSaveCb, MenuCb
from handlers.telegram.filters import HasPhotoOrDocument
from handlers.telegram.form_buttons import chosen, session_to_save
from handlers.telegram.keys import press_key
from handlers.telegram.oneline import handle_line
from handlers.telegram.parcels import show_matches
from handlers.telegram.routing import Routes
from handlers.telegram.shelf import lookup_in_form, send_shelf
from handlers.telegram.waybill import tracking_from_media

router = Routes("forms")
RECORD = {"action": Action.RECORD_LEDGER}
FORM_COMMANDS = ("intake", "ship", "sale", "proxy", "service")
NEXT_IN_BATCH = N_("Next parcel, or /done when finished.")
FORM_GOES_ON = N_("The form goes on where it was:")


def _one_line(text: str):
    """A well-formed one-line form in an answer, or None (a malformed one is an answer)."""
    try:
        return parse_line(text)
    except InvalidInput:
        return None


class FormDialog(StatesGroup):
    filling = State()
    confirming = State()


def _label(label: Text | str, t: Translator) -> str:
    return t(label) if isinstance(label, Text) else label


def question_markup(question: Question, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, choice in enumerate(question.choices):
        builder.button(text=_label(choice.label, t)[:60], callback_data=FieldChoiceCb(index=index))
    builder.button(text=t("✖ Cancel"), callback_data=CancelCb())
    builder.adjust(2)
    return builder.as_markup()


async def show(
    bot: Bot, chat_id: int, state: FSMContext, step: Step, t: Translator, head: str = ""
) -> None:
    """Keep the step's session in the dialog state and show it (`head` ends its first line)."""
    if isinstance(step, Question):
        await state.set_state(FormDialog.filling)
        await state.set_data(
            {"session": step.session.to_dict(), "choices": [c.value for c in step.choices]}
        )
        lines = [t(line) for line in step.lines]
        lines[0] += head
        text = "\n\n".join(lines)
        await bot.send_message(chat_id, text, reply_markup=question_markup(step, t))
        return
    assert isinstance(step, Confirmation)
    await state.set_state(FormDialog.confirming)
    await state.set_data({"session": step.session.to_dict(), "choices": []})
    builder = InlineKeyboardBuilder()
    builder.button(text=t("✅ Save"), callback_data=FormSaveCb(nonce=step.session.nonce))
    builder.button(text=t("✖ Cancel"), callback_data=CancelCb())
    lines = [t(line) for line in step.lines] + ["⚠️ " + t(w) for w in step.warnings]
    await bot.send_message(chat_id, "\n".join(lines), reply_markup=builder.as_markup())


async def save(
    bot: Bot,
    chat_id: int,
    user_id: int,
    state: FSMContext,
    done: Finished,
    services: Services,
    actor: Actor,
    t: Translator,
    sent_at=None,
) -> None:
    command = dataclasses.replace(
        done.command, request_key=press_key(user_id, done.session.nonce), occurred_at=sent_at
    )
    recorded = await services.run(command, actor)
    saved = entry_saved(recorded, t)
    if done.next_session is None:
        await state.clear()
        await bot.send_message(chat_id, saved)
        return
    # Batch mode: straight on to the next parcel, with a fresh nonce.
    ctx = services.form_context(actor, t.language)
    following = await services.forms.question(
        done.next_session, ctx, prefix=[Text(saved), Text(NEXT_IN_BATCH)]
    )
    await show(bot, chat_id, state, following, t)


async def take(
    bot: Bot,
    chat_id: int,
    user_id: int,
    state: FSMContext,
    text: str,
    services: Services,
    actor: Actor,
    t: Translator,
    sent_at=None,
) -> None:
    data = await state.get_data()
    session = Session.from_dict(data["session"])
    step = await services.forms.answer(session, text, services.form_context(actor, t.language))
    if isinstance(step, Finished):
        await save(bot, chat_id, user_id, state, step, services, actor, t, sent_at)
    else:
        await show(bot, chat_id, state, step, t)


async def open_form(
    bot: Bot, chat_id: int, state: FSMContext, name: str, services: Services, actor, t
) -> None:
    ctx = services.form_context(actor, t.language)
    question = await services.forms.start(name, ctx)
    await show(bot, chat_id, state, question, t, head=" · /cancel")


# --- handlers ---------------------------------------------------------------------------


def _opener(name: str) -> None:
    async def by_command(
        message: Message, state: FSMContext, bot: Bot, actor: Actor, t: Translator, services
    ) -> None:
        await open_form(bot, message.chat.id, state, name, services, actor, t)

    async def by_button(
        query: CallbackQuery, state: FSMContext, bot: Bot, actor: Actor, t: Translator, services
    ) -> None:
        await query.answer()
        await open_form(bot, query.from_user.id, state, name, services, actor, t)

    router.message(Command(name), flags=RECORD)(by_command)
    router.callback_query(MenuCb.filter(F.item == name), flags=RECORD)(by_button)


for _form in FORM_COMMANDS:
    _opener(_form)


@router.message(StateFilter(FormDialog.filling, FormDialog.confirming), Command("done"))
async def done(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    saved = Session.from_dict(data["session"]).saved if data.get("session") else 0
    await state.clear()
    head = t("Done: {n} saved.", n=saved) if saved else t("Done.")
    await message.answer(join_phrases(head, t("Send /month to see the month, /menu for the menu.")))


@router.message(StateFilter(FormDialog.filling), flags=RECORD)
async def answer(
    message: Message, state: FSMContext, bot: Bot, actor: Actor, t: Translator, services
) -> None:
    data = await state.get_data()
    session = Session.from_dict(data["session"])
    current = services.forms.spec(session).fields[session.step]
    text = message.text
    media_ok = services.forms.accepts_media(session)  # its step, or correcting the number
    if text is None and media_ok and (message.photo or message.document):
        text = await tracking_from_media(bot, message, t)
        if text is None:
            return
    if text is None:
        await message.answer(t("Please answer with text.") + "\n" + t(current.prompt))
        return
    lookup = lookup_in_form(text) if message.text else None
    if lookup is not None:
        # A villager asks what is waiting for them: answered, the form goes on.
        if lookup == "shelf":
            await send_shelf(bot, message.chat.id, 0, actor, t, services)
        else:
            await show_matches(bot, message.chat.id, lookup, actor, t, services)
        ctx = services.form_context(actor, t.language)
        again = await services.forms.question(session, ctx, prefix=[Text(FORM_GOES_ON)])
        await show(bot, message.chat.id, state, again, t)
        return
    line = _one_line(text) if message.text else None
    if line is not None:
        # A villager at the counter mid-intake: the line is handled as it would be outside
        # the form, which then goes on where it was.
        await handle_line(message, line, state, bot, actor, t, services, in_dialog=True)
        ctx = services.form_context(actor, t.language)
        again = await services.forms.question(session, ctx, prefix=[Text(FORM_GOES_ON)])
        await show(bot, message.chat.id, state, again, t)
        return
    await take(
        bot, message.chat.id, message.from_user.id, state, text, services, actor, t, message.date
    )


@router.callback_query(StateFilter(FormDialog.filling), FieldChoiceCb.filter(), flags=RECORD)
async def choice(
    query: CallbackQuery,
    callback_data: FieldChoiceCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services,
) -> None:
    if (choice := await chosen(query, callback_data, state, t)) is None:
        return
    # Answered after the work, so an error can still be shown on this press.
    user = query.from_user.id
    await take(bot, user, user, state, choice, services, actor, t)
    await query.answer()


@router.callback_query(StateFilter(FormDialog.confirming), FormSaveCb.filter(), flags=RECORD)
async def confirm(
    query: CallbackQuery,
    callback_data: FormSaveCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services,
) -> None:
    if (session := await session_to_save(query, callback_data, state, t)) is None:
        return
    user = query.from_user.id
    await save(bot, user, user, state, services.forms.finish(session), services, actor, t)
    await query.answer()


@router.message(StateFilter(None), HasPhotoOrDocument(), flags=RECORD)
async def photo_starts_intake(
    message: Message, state: FSMContext, bot: Bot, actor: Actor, t: Translator, services
) -> None:
    """A waybill photo sent outside any form starts an intake with its number: the
    fastest path for a keeper with a parcel in one hand."""
    number = await tracking_from_media(bot, message, t)
    if number is None:
        return
    ctx = services.form_context(actor, t.language)
    try:
        first = await services.forms.start("intake", ctx)
        step = await services.forms.answer(first.session, number, ctx)
    except InvalidInput:
        # Leave the keeper on the first step, told why, rather than nowhere.
        await show(bot, message.chat.id, state, first, t)
        raise
    await show(bot, message.chat.id, state, step, t)
