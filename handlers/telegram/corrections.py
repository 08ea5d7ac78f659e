"""/recent, /history <id> and /void <id> <reason>: seeing and correcting the ledger.

Nothing is edited or deleted: /void writes a reversal entry with who, when and why.
"""

from __future__ import annotations

from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.domain.commands import EntryHistory, RecentEntries, VoidEntry
from bot.domain.errors import InvalidInput
from bot.domain.numbers import parse_whole_number
from bot.domain.text import N_
from bot.i18n import Translator
from bot.presenters.texts import entry_line, zone_name
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from handlers.telegram.keys import message_key
from handlers.telegram.routing import Routes

router = Routes("corrections")

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
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    entries = await services.run(RecentEntries(15), actor)
    if not entries.entries:
        await message.answer(t("No entries yet this month."))
        return
    zone = entries.timezone
    lines = [t("Latest entries (newest first, {zone}):", zone=zone_name(zone, t))]
    lines += [entry_line(e, t, zone) for e in entries.entries]
    lines.append(t("To correct one: /void <number> <reason>. Its history: /history <number>."))
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
    await message.answer("\n".join(entry_line(e, t, entries.timezone) for e in entries.entries))


@router.message(Command("void"), flags={"action": Action.RECORD_LEDGER})
async def void(
    message: Message,
    command: CommandObject,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) < 2:
        raise InvalidInput(VOID_USAGE)
    entry_id = parse_whole_number(parts[0], VOID_NUMBER)
    recorded = await services.run(
        VoidEntry(entry_id, parts[1], request_key=message_key(message)), actor
    )
    line = entry_line(recorded.entry, t, recorded.timezone)
    await message.answer(t("Voided. Correction entry:") + "\n" + line)
