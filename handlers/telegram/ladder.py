"""County staff on the retention ladder: decide on removal candidates from the digest's
buttons, reinstate a station, open a time-boxed exception to a closed month."""

from __future__ import annotations

import secrets

from aiogram import F
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.errors import InvalidInput
from bot.domain.text import N_
from bot.i18n import Translator
from bot.services.authz import Action, Actor
from bot.services.ladder import Decision, Ladder
from bot.services.render_alerts import DECISION_PREFIX
from handlers.telegram import render
from handlers.telegram.callbacks import CancelCb
from handlers.telegram.routing import Routes

router = Routes("ladder")
DECIDE = {"action": Action.DECIDE_REMOVAL}


class DecisionCb(CallbackData, prefix=DECISION_PREFIX):
    """From the monthly digest (bot.services.render_alerts builds it as text)."""

    station_id: int
    period: str


class DecideCb(CallbackData, prefix="dd"):
    station_id: int
    period: str
    decision: str
    nonce: str


class LadderForm(StatesGroup):
    reason = State()


DONE = {
    Decision.REMOVE: N_("Decision recorded: {code} is removed from the network."),
    Decision.KEEP: N_("Decision recorded: {code} stays, on probation."),
    Decision.REINSTATE: N_("Decision recorded: {code} is reinstated."),
}


@router.callback_query(DecisionCb.filter(), flags=DECIDE)
async def candidate(
    query: CallbackQuery, callback_data: DecisionCb, actor: Actor, t: Translator, ladder: Ladder
) -> None:
    card = await ladder.station(actor, callback_data.station_id)
    nonce = secrets.token_hex(4)
    builder = InlineKeyboardBuilder()
    for decision, label in ((Decision.REMOVE, N_("🗑 Remove")), (Decision.KEEP, N_("✅ Keep"))):
        builder.button(
            text=t(label),
            callback_data=DecideCb(
                station_id=card.id, period=callback_data.period, decision=decision, nonce=nonce
            ),
        )
    builder.button(text=t("✖ Cancel"), callback_data=CancelCb())
    await query.answer()
    await query.bot.send_message(
        query.from_user.id,
        render.station_card(card, t) + "\n\n" + t("Remove this station, or keep it?"),
        reply_markup=builder.as_markup(),
    )


@router.callback_query(DecideCb.filter(), flags=DECIDE)
async def ask_reason(
    query: CallbackQuery, callback_data: DecideCb, state: FSMContext, t: Translator
) -> None:
    await query.answer()
    await state.set_state(LadderForm.reason)
    await state.set_data(callback_data.model_dump())
    await query.bot.send_message(
        query.from_user.id, t("Why? The reason is recorded and sent to the keeper. /cancel")
    )


@router.message(StateFilter(LadderForm.reason), F.text, flags=DECIDE)
async def decided(
    message: Message, state: FSMContext, actor: Actor, t: Translator, ladder: Ladder
) -> None:
    data = await state.get_data()
    result = await ladder.decide(
        actor,
        decision=data["decision"],
        reason=message.text,
        station_id=data["station_id"],
        period=data["period"],
        request_key=f"tg:{message.from_user.id}:{data['nonce']}",
    )
    await state.clear()
    if result.already:
        await message.answer(t("This decision was already recorded."))
        return
    await message.answer(t(DONE[result.decision], code=result.station.code))


@router.message(Command("reinstate"), flags=DECIDE)
async def reinstate(
    message: Message, command: CommandObject, actor: Actor, t: Translator, ladder: Ladder
) -> None:
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) < 2:
        raise InvalidInput(N_("Write it like: /reinstate DEMO-S001 整改完成"))
    result = await ladder.decide(
        actor,
        decision=Decision.REINSTATE,
        code=parts[0],
        reason=parts[1],
        request_key=f"tg:{message.chat.id}:{message.message_id}",
    )
    await message.answer(t(DONE[Decision.REINSTATE], code=result.station.code))


@router.message(Command("exception"), flags={"action": Action.OPEN_EXCEPTION})
async def exception(
    message: Message, command: CommandObject, actor: Actor, t: Translator, ladder: Ladder, settings
) -> None:
    parts = (command.args or "").split(maxsplit=3)
    if len(parts) < 4 or not parts[2].isdigit():
        raise InvalidInput(
            N_(
                "Write it like: /exception DEMO-S001 2026-10 24 补录漏记的代购"
                " (station, month, hours, reason)."
            )
        )
    card, expires = await ladder.open_exception(actor, parts[0], parts[1], int(parts[2]), parts[3])
    await message.answer(
        t(
            "{code} may correct {period} until {time}. Recorded.",
            code=card.code,
            period=parts[1],
            time=render.local_time(expires, settings.timezone),
        )
    )
