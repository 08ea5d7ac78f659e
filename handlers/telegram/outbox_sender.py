"""The outbox worker's Sender for Telegram: one sendMessage, its errors in neutral terms.

aiogram does not retry by itself (a 429 raises TelegramRetryAfter), which is what the
worker wants: it alone decides when to try again, within its rate limits.
"""

from __future__ import annotations

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
from jobs.outbox_worker import (
    Blocked,
    Migrated,
    OutboxWorker,
    Rejected,
    RetryAfter,
    Transient,
)

Buttons = list[list[dict[str, Any]]]


def inline_keyboard(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    """The stored JSON rows (`[[{"text": …, "callback_data": …}]]`) as a keyboard."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton.model_validate(b) for b in row] for row in buttons]
    )


class TelegramSender:
    def __init__(self, bot: Bot, *, request_timeout: int = 25) -> None:
        self.bot = bot
        # Shorter than the worker's own send timeout, so aiogram reports it first.
        self.request_timeout = request_timeout

    async def send(self, chat_id: str, text: str, buttons: Buttons | None) -> None:
        try:
            markup = inline_keyboard(buttons)
        except ValidationError as error:
            raise Rejected(f"bad buttons: {error.error_count()} error(s)") from error
        try:
            await self.bot.send_message(
                int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,  # or @channel
                text,
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
    """The alert worker for this bot, running; `await worker.stop()` before the bot's
    session closes (in-flight sends finish and are marked, the rest is released)."""
    worker = OutboxWorker(app.engine, TelegramSender(bot), clock=app.clock)
    worker.start()
    return worker
