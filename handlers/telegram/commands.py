"""The command list, per role, and its registration with Telegram (set_my_commands)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.domain.text import N_
from bot.i18n import LANGUAGES, Translator
from bot.services.authz import Action, Actor, can

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    action: Action | None = None  # None: open to everyone
    # What /help shows as "e.g.": a keeper's use, and the county desk's (staff, operators).
    example: str = ""
    desk_example: str = ""

    def example_for(self, actor: Actor) -> str:
        if actor.scope.station_id is None and self.desk_example:
            return self.desk_example
        return self.example


COMMANDS = (
    Command("menu", N_("Main menu")),
    Command("intake", N_("Parcel intake (batch)"), Action.RECORD_LEDGER),
    Command("pickup", N_("Parcel pickup or return"), Action.RECORD_LEDGER),
    Command(
        "shelf",
        N_("Parcels waiting on the shelf (also 待取; search: 查 1234, 查 张三)"),
        Action.RECORD_LEDGER,
        example="/shelf",
    ),
    Command("ship", N_("Upstream shipment"), Action.RECORD_LEDGER),
    Command("sale", N_("Upstream sale"), Action.RECORD_LEDGER),
    Command("proxy", N_("Proxy purchase"), Action.RECORD_LEDGER),
    Command("service", N_("Convenience service"), Action.RECORD_LEDGER),
    Command(
        "month",
        N_("This month at a glance"),
        Action.VIEW_LEDGER,
        example="/month 2026-10",
        desk_example="/month DEMO-S001",
    ),
    Command(
        "recent",
        N_("Latest ledger entries"),
        Action.VIEW_LEDGER,
        example="/recent",
        desk_example="/recent DEMO-S001",
    ),
    Command(
        "history",
        N_("History of an entry: /history <number>"),
        Action.VIEW_LEDGER,
        example="/history 12",
    ),
    Command(
        "void",
        N_("Correct an entry: /void <number> <reason>"),
        Action.RECORD_LEDGER,
        example="/void 12 金额输错",
    ),
    Command(
        "station",
        N_("Station card"),
        Action.VIEW_STATION,
        example="/station",
        desk_example="/station DEMO-S001",
    ),
    Command(
        "stations",
        N_("List stations (filters: below, idle, no check-in, 黄牌, township code, sort:activity)"),
        Action.LIST_STATIONS,
        # Filter words in the reader's language: the parser takes both.
        desk_example=N_("/stations DEMO-T01 below sort:downstream"),
    ),
    Command(
        "invite",
        N_("Invite a station keeper: /invite <station code>"),
        Action.INVITE_KEEPER,
        example="/invite DEMO-S002",
    ),
    Command(
        "invite_operator",
        N_("Invite a township operator: /invite_operator <township code>"),
        Action.INVITE_OPERATOR,
        example="/invite_operator DEMO-T01",
    ),
    Command(
        "invite_staff",
        N_("Invite county staff: /invite_staff <county code>"),
        Action.INVITE_STAFF,
        example="/invite_staff DEMO",
    ),
    Command("invite_admin", N_("Invite an administrator"), Action.INVITE_ADMIN),
    Command(
        "reinstate",
        N_("Reinstate a removed station: /reinstate <code> <reason>"),
        Action.DECIDE_REMOVAL,
        example="/reinstate DEMO-S003 整改完成",
    ),
    Command(
        "exception",
        N_("Let a station correct a closed month: /exception <code> <YYYY-MM> <hours> <reason>"),
        Action.OPEN_EXCEPTION,
        example="/exception DEMO-S001 2026-10 24 补录",
    ),
    # Every registered role may mute alerts (all of them hold VIEW_STATION); strangers
    # get none. Which categories is handlers/telegram/alerts.py's business.
    Command("mute", N_("Mute or unmute alerts"), Action.VIEW_STATION),
    Command(
        "unmute",
        N_("Receive muted alerts again: /unmute <category>"),
        Action.VIEW_STATION,
        example="/unmute idle",
    ),
    # office IM (#12): where notices go, for a person on Telegram and WeChat
    Command(
        "notify_here",
        N_("Get notices here rather than in the app you used last: /notify_here [off]"),
        Action.VIEW_STATION,
    ),
    Command("help", N_("Help")),
    Command("lang", N_("Language: 中文 / English")),
    Command("cancel", N_("Cancel the current step")),
    # the notice board (issue 11)
    Command(
        "profile",
        N_("Your notice board: hours, services, fees, contact shown"),
        Action.EDIT_PROFILE,
    ),
    Command(
        "poster",
        N_("Print the notice-board poster with the station's QR code"),
        Action.PRINT_POSTER,
        example="/poster",
        desk_example="/poster DEMO-S001",
    ),
    Command(
        "revoke_qr",
        N_("Stop a printed QR code working and issue a new one: /revoke_qr <code>"),
        Action.REVOKE_QR,
        example="/revoke_qr DEMO-S001",
    ),
    Command(
        "answer",
        N_("Answer a villager's complaint: /answer <number> <answer>"),
        Action.ANSWER_COMPLAINT,
        example="/answer TS-ABCD2345 已联系站长整改",
    ),
    Command(
        "complaint",
        N_("Where a complaint stands: /complaint <number>"),
        example="/complaint TS-ABCD2345",
    ),
    Command("unsubscribe", N_("Stop parcel-arrival notices")),
    Command(
        "set_position",
        N_("Take a station's first check-in as its position: /set_position <code>"),
        Action.CONFIRM_POSITION,
        example="/set_position DEMO-S002",
    ),
)

# subsidy claims (issue 10)
COMMANDS += (
    Command("claim", N_("File a subsidy claim; /claim 12 shows claim 12"), Action.FILE_CLAIM),
    Command(
        "claims",
        N_("Subsidy claims: yours, or the county's review queue"),
        Action.VIEW_CLAIMS,
        example="/claims",
        # A state in the reader's language: the handler takes both.
        desk_example=N_("/claims submitted 2026-10"),
    ),
    Command(
        "submit",
        N_("Submit a draft claim: /submit <number>"),
        Action.FILE_CLAIM,
        example="/submit 12",
    ),
    Command(
        "claims_paid",
        N_("Mark approved claims paid: /claims_paid <reference> <numbers>"),
        Action.PAY_CLAIM,
        example="/claims_paid 2026-11-财政-0042 12 13",
    ),
)

COMMANDS += (
    # one person, several channels (WeChat, issue 12)
    Command(
        "link",
        N_("Use this account together with WeChat: a one-time code"),
        Action.LINK_CHANNEL,
        example="/link",
    ),
)


COMMANDS += (
    # subsidy claims: a station's own statement as a file (issue 10, part 2)
    Command(
        "claims_statement",
        N_("A station's subsidy statement of a month, as an Excel file: /claims_statement <month>"),
        Action.VIEW_CLAIMS,
        example="/claims_statement 2026-10",
        desk_example="/claims_statement 2026-10 DEMO-S001",
    ),
)


def commands_for(actor: Actor) -> list[Command]:
    return [c for c in COMMANDS if c.action is None or can(actor, c.action)]


def _bot_commands(commands: list[Command], t: Translator) -> list[BotCommand]:
    # Telegram wants 1-256 characters of description and lowercase names.
    return [BotCommand(command=c.name, description=t(c.description)[:256]) for c in commands]


async def register_default_commands(bot: Bot) -> None:
    """The list strangers see: the commands open to everyone, in Chinese and English."""
    anonymous = Actor(channel="telegram", external_id="")
    for language in LANGUAGES:
        commands = _bot_commands(commands_for(anonymous), Translator(language))
        await bot.set_my_commands(
            commands,
            scope=BotCommandScopeDefault(),
            language_code=None if language == "zh" else language,
        )


async def register_chat_commands(bot: Bot, chat_id: int, actor: Actor, t: Translator) -> None:
    """The list for one person's private chat, after their role or language changed."""
    try:
        await bot.set_my_commands(
            _bot_commands(commands_for(actor), t), scope=BotCommandScopeChat(chat_id=chat_id)
        )
    except TelegramAPIError:  # a cosmetic failure must not fail the update
        log.warning("set_my_commands failed for a chat", exc_info=True)
