"""Villagers' feedback from a station's public card: stars, and complaints (举报监督) —
written, photos optional, signed or anonymous, answered with a reference number; the
filer asks about it with /complaint NUMBER; county staff answer with /answer NUMBER text
and the answer goes back to the villager. Open to anyone: no registration."""

from __future__ import annotations

import secrets

from aiogram import Bot, F
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.board import ComplaintStatus
from bot.domain.commands import (
    AnswerComplaint,
    FileComplaint,
    MayComplain,
    RateStation,
    ShowComplaint,
)
from bot.i18n import Translator
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from handlers.telegram.callbacks import BoardCb, ComplaintSendCb, RateCb
from handlers.telegram.keys import message_key, press_key
from handlers.telegram.routing import Routes

router = Routes("feedback")


class ComplaintDialog(StatesGroup):
    body = State()
    photos = State()


@router.callback_query(BoardCb.filter(F.action == "rate"))
async def rate_buttons(query: CallbackQuery, callback_data: BoardCb, bot: Bot, t: Translator):
    builder = InlineKeyboardBuilder()
    for stars in range(1, 6):
        builder.button(
            text="⭐" * stars, callback_data=RateCb(code=callback_data.code, stars=stars)
        )
    builder.adjust(1)
    await query.answer()
    await bot.send_message(
        query.from_user.id, t("How many stars for this station?"), reply_markup=builder.as_markup()
    )


@router.callback_query(RateCb.filter())
async def rated(
    query: CallbackQuery,
    callback_data: RateCb,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    result = await services.run(
        RateStation(
            callback_data.code,
            callback_data.stars,
            request_key=press_key(query.from_user.id, "rate", callback_data.stars, query.id),
        ),
        actor,
    )
    await query.answer()
    average = f"{result.average_x10 // 10}.{result.average_x10 % 10}"
    await bot.send_message(
        query.from_user.id,
        t(
            "Thank you: {stars} stars for {station}. Average {average} from {n} people.",
            stars=result.stars,
            station=result.card.name,
            average=average,
            n=result.count,
        ),
    )


@router.callback_query(BoardCb.filter(F.action == "complain"))
async def complain(
    query: CallbackQuery,
    callback_data: BoardCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    await services.run(MayComplain(callback_data.code), actor)  # a flood: refused here
    await state.set_state(ComplaintDialog.body)
    await state.set_data({"payload": callback_data.code, "nonce": secrets.token_hex(6)})
    await query.answer()
    await bot.send_message(
        query.from_user.id,
        t("Write your complaint: what happened, when (or /cancel)."),
    )


def send_markup(nonce: str, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("Send with my name"), callback_data=ComplaintSendCb(anonymous=False, nonce=nonce)
    )
    builder.button(
        text=t("Send anonymously"), callback_data=ComplaintSendCb(anonymous=True, nonce=nonce)
    )
    builder.adjust(1)
    return builder.as_markup()


@router.message(StateFilter(ComplaintDialog.body), F.text)
async def body(message: Message, state: FSMContext, t: Translator) -> None:
    await state.update_data(body=message.text, photos=[])
    await state.set_state(ComplaintDialog.photos)
    nonce = (await state.get_data())["nonce"]
    await message.answer(
        t("Add photos if you have any, then send it, with your name or anonymously."),
        reply_markup=send_markup(nonce, t),
    )


@router.message(StateFilter(ComplaintDialog.body))
async def body_not_text(message: Message, t: Translator) -> None:
    await message.answer(t("Please write the complaint as text first; photos come next."))


@router.message(StateFilter(ComplaintDialog.photos), F.photo)
async def photo(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    photos = [*data.get("photos", []), message.photo[-1].file_id][:5]
    await state.update_data(photos=photos)
    await message.answer(
        t("Photo {n} added. More, or send it.", n=len(photos)),
        reply_markup=send_markup(data["nonce"], t),
    )


@router.callback_query(StateFilter(ComplaintDialog.photos), ComplaintSendCb.filter())
async def send(
    query: CallbackQuery,
    callback_data: ComplaintSendCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    data = await state.get_data()
    if data.get("nonce") != callback_data.nonce:
        await query.answer(t("That button is from an earlier question."))
        return
    user = query.from_user
    complaint = await services.run(
        FileComplaint(
            data["payload"],
            data.get("body", ""),
            tuple(data.get("photos", [])),
            name=None if callback_data.anonymous else user.full_name,
            chat_id=str(user.id),
            language=t.language,
            request_key=press_key(user.id, callback_data.nonce),
        ),
        actor,
    )
    await state.clear()
    await query.answer()
    await bot.send_message(
        user.id,
        t(
            "Received. Your complaint's number is {reference}; county staff will answer here. "
            "To see where it stands: /complaint {reference}",
            reference=complaint.reference,
        ),
    )


@router.message(Command("complaint"))
async def show(message: Message, command: CommandObject, actor: Actor, t: Translator, services):
    reference = (command.args or "").strip()
    if not reference:
        await message.answer(t("Send the number with the command, e.g. /complaint TS-ABCD2345."))
        return
    view = await services.run(ShowComplaint(reference), actor)
    c = view.complaint
    state = t("received") if c.status is ComplaintStatus.RECEIVED else t("handled")
    lines = [
        t(
            "Complaint {reference} about {station}: {state}.",
            reference=c.reference,
            station=view.card.name,
            state=state,
        ),
        c.body,
    ]
    if not view.filer:
        lines.append(t("From: {who}", who=c.name or t("anonymous")))
    if c.answer:
        lines.append(t("Answer: {answer}", answer=c.answer))
    await message.answer("\n".join(lines))
    if not view.filer:
        for file_id in c.photos:  # the villager's photos, for staff in scope
            await message.answer_photo(file_id)


@router.message(Command("answer"), flags={"action": Action.ANSWER_COMPLAINT})
async def answer(message: Message, command: CommandObject, actor: Actor, t: Translator, services):
    reference, _, text = (command.args or "").strip().partition(" ")
    if not reference:
        await message.answer(t("Write it like: /answer TS-ABCD2345 已联系站长整改"))
        return
    view = await services.run(
        AnswerComplaint(reference, text, request_key=message_key(message)), actor
    )
    await message.answer(
        t(
            "Complaint {reference} is handled; the answer was sent to the villager.",
            reference=view.complaint.reference,
        )
    )
