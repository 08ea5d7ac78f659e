"""The outbox worker's Sender for Telegram: a rendered notice as one sendMessage, its
actions as inline buttons, the API's errors in neutral terms.

aiogram does not retry by itself (a 429 raises TelegramRetryAfter), which is what the
worker wants: it alone decides when to try again, within its rate limits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import ValidationError

from bot.bootstrap import App
from bot.domain.notices import Intent, NoticeKind
from bot.services.notice_texts import RenderedAction, RenderedNotice
from handlers.telegram.ladder import DecisionCb
from jobs.outbox_worker import (
    Blocked,
    Migrated,
    OutboxWorker,
    Rejected,
    RetryAfter,
    Transient,
)

MAX_BUTTONS = 20  # a digest with more candidates lists them; staff use /station for the rest

# Each intent as the callback data of the handler that answers it.
CALLBACKS: dict[Intent, Callable[[Mapping[str, Any]], str]] = {
    Intent.DECIDE_REMOVAL: lambda args: DecisionCb(
        station_id=args["station_id"], period=args["period"]
    ).pack(),
}

# The core's texts name no command; on Telegram the command that acts on the notice
# follows it, one tap away.
COMMAND_HINTS = {
    NoticeKind.NUDGE: "/month",
    NoticeKind.IDLE: "/menu",
    NoticeKind.STRANDED: "/pickup",
    NoticeKind.DIALOG_EXPIRED: "/menu",
    # the notice board (issue 11)
    NoticeKind.COMPLAINT: "/answer",
    NoticeKind.POSITION_PROPOSED: "/set_position",
    NoticeKind.PARCEL_ARRIVED: "/unsubscribe",
}


def button(action: RenderedAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=action.label, callback_data=CALLBACKS[action.intent](action.args)
    )


def inline_keyboard(actions: tuple[RenderedAction, ...]) -> InlineKeyboardMarkup | None:
    """One button per action, one per row."""
    if not actions:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[button(a)] for a in actions[:MAX_BUTTONS]])


def message_text(notice: RenderedNotice) -> str:
    hint = COMMAND_HINTS.get(notice.kind)
    return f"{notice.text}\n{hint}" if hint else notice.text


class TelegramSender:
    def __init__(self, bot: Bot, *, request_timeout: int = 25) -> None:
        self.bot = bot
        # Shorter than the worker's own send timeout, so aiogram reports it first.
        self.request_timeout = request_timeout

    async def send(self, chat_id: str, notice: RenderedNotice) -> None:
        try:
            markup = inline_keyboard(notice.actions)
        except (KeyError, TypeError, ValidationError) as error:  # an intent without a button
            raise Rejected(f"bad actions: {type(error).__name__}: {error}") from error
        try:
            await self.bot.send_message(
                int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,  # or @channel
                message_text(notice),
                reply_markup=markup,
                request_timeout=self.request_timeout,
            )
        except TelegramRetryAfter as error:
            raise RetryAfter(error.retry_after) from error
        except TelegramMigrateToChat as error:
            raise Migrated(str(error.migrate_to_chat_id)) from error
        except TelegramForbiddenError as error:  # blocked, kicked, deactivated
            raise Blocked(error.message) from error
        except (TelegramBadRequest, TelegramNotFound, TelegramEntityTooLarge) as error:
            raise Rejected(error.message) from error
        except (
            TelegramServerError,
            TelegramNetworkError,
            ClientDecodeError,
            TimeoutError,
        ) as error:
            # ClientDecodeError: an HTML error page from a proxy in front of the API.
            raise Transient(str(error)) from error
        except TelegramAPIError as error:  # 401 (token revoked), 409…: not the message's fault
            raise Transient(str(error)) from error


def start_outbox_worker(app: App, bot: Bot) -> OutboxWorker:
    """The notice worker for this bot, running; `await worker.stop()` before the bot's
    session closes (in-flight sends finish and are marked, the rest is released)."""
    worker = OutboxWorker(app.engine, TelegramSender(bot), clock=app.clock)
    worker.start()
    return worker
