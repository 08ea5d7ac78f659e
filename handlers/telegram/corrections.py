"""/recent, /history <id> and /void <id> <reason>: seeing and correcting the ledger.

Nothing is edited or deleted: /void writes a reversal entry with who, when and why.
"""

from __future__ import annotations

from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.domain.errors import InvalidInput
from bot.domain.text import N_
from bot.i18n import Translator
from bot.services.authz import Action, Actor
from bot.services.ledger import LedgerService
from handlers.telegram.render import entry_line
from handlers.telegram.routing import Routes

router = Routes("corrections")

VOID_USAGE = N_("Write it like: /void 12 金额输错 — the entry number (see /recent) and why.")


def request_key(message: Message) -> str:
    """Names this message: a redelivery or a crash-retry finds what it wrote."""
    return f"tg:{message.chat.id}:{message.message_id}"


@router.message(Command("recent"), flags={"action": Action.VIEW_LEDGER})
async def recent(message: Message, actor: Actor, t: Translator, ledger: LedgerService) -> None:
    entries = await ledger.recent(actor, 15)
    if not entries:
        await message.answer(t("No entries yet this month."))
        return
    lines = [t("Latest entries (newest first):")] + [entry_line(e, t) for e in entries]
    lines.append(t("To correct one: /void <number> <reason>. Its history: /history <number>."))
    await message.answer("\n".join(lines))


def parse_entry_id(text: str) -> int:
    raw = text.strip().lstrip("#")
    if not raw.isdigit():
        raise InvalidInput(VOID_USAGE)
    return int(raw)


@router.message(Command("history"), flags={"action": Action.VIEW_LEDGER})
async def history(
    message: Message, command: CommandObject, actor: Actor, t: Translator, ledger: LedgerService
) -> None:
    if not command.args:
        await message.answer(t("Write it like: /history 12"))
        return
    entries = await ledger.history(actor, parse_entry_id(command.args.split()[0]))
    await message.answer("\n".join(entry_line(e, t) for e in entries))


@router.message(Command("void"), flags={"action": Action.RECORD_LEDGER})
async def void(
    message: Message, command: CommandObject, actor: Actor, t: Translator, ledger: LedgerService
) -> None:
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) < 2:
        raise InvalidInput(VOID_USAGE)
    recorded = await ledger.void(
        actor, parse_entry_id(parts[0]), reason=parts[1], request_key=request_key(message)
    )
    await message.answer(t("Voided. Correction entry:") + "\n" + entry_line(recorded.entry, t))
