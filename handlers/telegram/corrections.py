"""/recent [CODE], /history <id> and /void <id> <reason>: seeing and correcting the ledger.

Nothing is edited or deleted: /void shows the entry it will reverse and, once confirmed
by button, writes a reversal entry with who, when and why. Staff and operators read any
station's entries in their scope (/recent CODE, /history <id>).
"""

from __future__ import annotations

import secrets

from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.commands import EntryHistory, PreviewVoid, RecentEntries, VoidEntry
from bot.domain.errors import InvalidInput
from bot.domain.numbers import parse_whole_number
from bot.domain.text import N_
from bot.i18n import Translator
from bot.presenters.texts import entry_line, station_label, zone_name
from bot.services.authz import Action, Actor, can
from bot.services.bus import Services
from handlers.telegram.callbacks import CancelCb, VoidCb
from handlers.telegram.keys import message_key
from handlers.telegram.routing import Routes

router = Routes("corrections")
FLAGS_WRITE = {"action": Action.RECORD_LEDGER}


class VoidConfirm(StatesGroup):
    waiting = State()


VOID_USAGE = N_("Write it like: /void 12 金额输错 — the entry number (see /recent) and why.")
VOID_NUMBER = N_(
    "“{value}” is not an entry number. Write it like: /void 12 金额输错 — the entry number "
    "(see /recent) and why."
)
HISTORY_USAGE = N_("Write it like: /history 12 — the entry number from /recent.")
HISTORY_NUMBER = N_(
    "“{value}” is not an entry number. Write it like: /history 12 — the entry number from /recent."
)


@router.message(Command("recent"), flags={"action": Action.VIEW_LEDGER})
async def recent(
    message: Message,
    command: CommandObject,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    code = (command.args or "").strip() or None
    entries = await services.run(RecentEntries(15, code=code), actor)
    if not entries.entries:
        await message.answer(t("No entries yet this month."))
        return
    zone = entries.timezone
    head = t("Latest entries (newest first, {zone}):", zone=zone_name(zone, t))
    if code and entries.station:
        head = f"{station_label(entries.station.name, entries.station.code, t)} · {head}"
    lines = [head]
    lines += [entry_line(e, t, zone, entries.names) for e in entries.entries]
    if can(actor, Action.RECORD_LEDGER):
        lines.append(t("To correct one: /void <number> <reason>. Its history: /history <number>."))
    else:
        lines.append(t("History of one: /history <number>."))
    await message.answer("\n".join(lines))


@router.message(Command("history"), flags={"action": Action.VIEW_LEDGER})
async def history(
    message: Message,
    command: CommandObject,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    if not command.args:
        raise InvalidInput(HISTORY_USAGE)
    entry_id = parse_whole_number(command.args.split()[0], HISTORY_NUMBER)
    entries = await services.run(EntryHistory(entry_id), actor)
    lines = [entry_line(e, t, entries.timezone, entries.names) for e in entries.entries]
    if entries.station and actor.scope.station_id is None:
        lines.insert(0, station_label(entries.station.name, entries.station.code, t))
    await message.answer("\n".join(lines))


@router.message(Command("void"), flags={"action": Action.RECORD_LEDGER})
async def void(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    """Ask first, showing the entry: a mistyped number is cancelled here, nothing written."""
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) < 2:
        raise InvalidInput(VOID_USAGE)
    entry_id = parse_whole_number(parts[0], VOID_NUMBER)
    if len(parts[1].strip()) < 2:
        raise InvalidInput(N_("Give a reason for the correction, e.g. 金额输错 (wrong amount)."))
    preview = await services.run(PreviewVoid(entry_id), actor)
    nonce = secrets.token_hex(4)
    await state.set_state(VoidConfirm.waiting)
    await state.set_data(
        {"entry_id": entry_id, "reason": parts[1], "key": message_key(message), "nonce": nonce}
    )
    builder = InlineKeyboardBuilder()
    builder.button(text=t("✅ Yes, void it"), callback_data=VoidCb(nonce=nonce))
    builder.button(text=t("✖ Cancel"), callback_data=CancelCb())
    line = entry_line(preview.entries[0], t, preview.timezone, preview.names)
    await message.answer(
        t("Void this entry? A reversal entry will be written (reason: {reason}).", reason=parts[1])
        + "\n"
        + line,
        reply_markup=builder.as_markup(),
    )


@router.callback_query(StateFilter(VoidConfirm.waiting), VoidCb.filter(), flags=FLAGS_WRITE)
async def void_confirmed(
    query: CallbackQuery,
    callback_data: VoidCb,
    state: FSMContext,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    data = await state.get_data()
    if data.get("nonce") != callback_data.nonce:
        await query.answer(t("Already saved."))
        return
    recorded = await services.run(
        VoidEntry(data["entry_id"], data["reason"], request_key=data["key"]), actor
    )
    await state.clear()
    await query.answer()
    line = entry_line(recorded.entry, t, recorded.timezone)
    await query.bot.send_message(query.from_user.id, t("Voided. Correction entry:") + "\n" + line)


@router.callback_query(VoidCb.filter())
async def void_again(query: CallbackQuery, t: Translator) -> None:
    """The button pressed after the void was written or cancelled (or from an old message)."""
    await query.answer(t("This confirmation is closed: nothing more was done."))
