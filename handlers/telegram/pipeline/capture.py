"""The bot's outgoing calls during an update are captured, stored with the update's
transaction, and sent only after it committed.

A request middleware on the bot's session looks at a context variable that the update's
transaction sets: inside it, every call that changes something on Telegram's side
(sendMessage, sendPhoto, answerCallbackQuery, edits, setMyCommands …) is recorded and
answered with a complete synthetic result, so a handler that reads the result keeps
working; reads (getMe, getFile, downloads) go through. Outside an update (the outbox
worker, start-up) nothing is captured.
"""

from __future__ import annotations

import base64
import contextvars
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiogram.methods as methods
from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BufferedInputFile,
    Chat,
    FSInputFile,
    InlineKeyboardMarkup,
    Message,
    User,
)

# Calls that only read: they run at once, inside the update.
READS = (
    methods.GetMe,
    methods.GetFile,
    methods.GetChat,
    methods.GetChatMember,
    methods.GetUpdates,
    methods.GetMyCommands,
    methods.GetWebhookInfo,
    methods.GetUserProfilePhotos,
)

_ids = itertools.count(1)


@dataclass
class Capture:
    calls: list[TelegramMethod[Any]] = field(default_factory=list)


CAPTURE: contextvars.ContextVar[Capture | None] = contextvars.ContextVar(
    "cunzhan_capture", default=None
)


class CaptureMiddleware(BaseRequestMiddleware):
    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Any:
        capture = CAPTURE.get()
        if capture is None or isinstance(method, READS):
            return await make_request(bot, method)
        capture.calls.append(method)
        return synthetic_result(bot, method)


def install(bot: Bot) -> None:
    """Once per session: the middleware is a no-op outside an update."""
    session = bot.session
    if not getattr(session, "_cunzhan_capture", False):
        session.middleware(CaptureMiddleware())
        session._cunzhan_capture = True  # type: ignore[attr-defined]


def synthetic_result(bot: Bot, method: TelegramMethod[Any]) -> Any:
    """What Telegram would answer, as far as the handler can tell before the commit."""
    chat_id = getattr(method, "chat_id", None)
    if isinstance(method, methods.SendMessage | methods.SendPhoto | methods.SendDocument) or (
        isinstance(method, methods.EditMessageText | methods.EditMessageReplyMarkup)
        and chat_id is not None
    ):
        try:
            chat = int(chat_id)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            chat = 0
        return Message(
            message_id=getattr(method, "message_id", None) or next(_ids),
            date=datetime.now(UTC),
            chat=Chat(id=chat, type="private"),
            from_user=User(id=bot.id, is_bot=True, first_name="bot"),
            text=getattr(method, "text", None),
            caption=getattr(method, "caption", None),
            # A Message carries only inline keyboards; a reply keyboard (the location
            # button of a check-in) is not part of what Telegram answers.
            reply_markup=_inline(getattr(method, "reply_markup", None)),
        )
    return True


def _inline(markup: Any) -> InlineKeyboardMarkup | None:
    return markup if isinstance(markup, InlineKeyboardMarkup) else None


_FILE = "__cunzhan_file__"


def serialise(calls: list[TelegramMethod[Any]]) -> str:
    """JSON of the calls; files are kept inline (base64), bot defaults left unset so they
    apply again when the call is rebuilt."""
    out = [
        {"method": type(call).__name__, "params": _plain(call.model_dump(exclude_none=True))}
        for call in calls
    ]
    return json.dumps(out, ensure_ascii=False, default=str)


def deserialise(stored: str) -> list[TelegramMethod[Any]]:
    return [
        getattr(methods, item["method"]).model_validate(_files(item["params"]))
        for item in json.loads(stored)
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not isinstance(v, Default)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value if not isinstance(v, Default)]
    if isinstance(value, BufferedInputFile | FSInputFile):
        data = value.data if isinstance(value, BufferedInputFile) else value.path.read_bytes()
        return {_FILE: base64.b64encode(data).decode(), "filename": value.filename}
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _files(value: Any) -> Any:
    if isinstance(value, dict):
        if _FILE in value:
            return BufferedInputFile(base64.b64decode(value[_FILE]), value["filename"])
        return {k: _files(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_files(v) for v in value]
    return value
