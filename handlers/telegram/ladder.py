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

from bot.domain.commands import (
    DecideRemoval,
    OpenLockException,
    ReinstateStation,
    StationForDecision,
)
from bot.domain.errors import InvalidInput
from bot.domain.numbers import parse_whole_number
from bot.domain.text import N_
from bot.i18n import Translator
from bot.presenters import texts as render
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from bot.services.ladder import Decision
from handlers.telegram.callbacks import CancelCb
from handlers.telegram.keys import message_key, press_key
from handlers.telegram.routing import Routes

router = Routes("ladder")
DECIDE = {"action": Action.DECIDE_REMOVAL}


class DecisionCb(CallbackData, prefix="dc"):
    """The digest's "decide" actions (intent decide_removal), as outbox_sender packs them."""

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
    query: CallbackQuery,
    callback_data: DecisionCb,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    card = await services.run(StationForDecision(callback_data.station_id), actor)
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
    message: Message, state: FSMContext, actor: Actor, t: Translator, services: Services
) -> None:
    data = await state.get_data()
    result = await services.run(
        DecideRemoval(
            data["station_id"],
            data["period"],
            data["decision"],
            message.text,
            request_key=press_key(message.from_user.id, data["nonce"]),
        ),
        actor,
    )
    await state.clear()
    if result.already:
        await message.answer(t("This decision was already recorded."))
        return
    await message.answer(t(DONE[result.decision], code=result.station.code))


@router.message(Command("reinstate"), flags=DECIDE)
async def reinstate(
    message: Message, command: CommandObject, actor: Actor, t: Translator, services: Services
) -> None:
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) < 2:
        raise InvalidInput(N_("Write it like: /reinstate DEMO-S001 整改完成"))
    result = await services.run(
        ReinstateStation(parts[0], parts[1], request_key=message_key(message)), actor
    )
    await message.answer(t(DONE[Decision.REINSTATE], code=result.station.code))


@router.message(Command("exception"), flags={"action": Action.OPEN_EXCEPTION})
async def exception(
    message: Message,
    command: CommandObject,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    usage = N_(
        "Write it like: /exception DEMO-S001 2026-10 24 补录漏记的代购"
        " (station, month, hours, reason)."
    )
    parts = (command.args or "").split(maxsplit=3)
    if len(parts) < 4:
        raise InvalidInput(usage)
    hours = parse_whole_number(parts[2], usage)  # the service checks 1–168
    card, expires = await services.run(
        OpenLockException(parts[0], parts[1], hours, parts[3], request_key=message_key(message)),
        actor,
    )
    zone = card.county_timezone
    until = f"{render.local_time(expires, zone)} {render.zone_name(zone, t)}"
    await message.answer(
        t(
            "{code} may correct {period} until {time}. Recorded.",
            code=card.code,
            period=parts[1],
            time=until,
        )
    )
