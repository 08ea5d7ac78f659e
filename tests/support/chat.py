"""Drive the real Dispatcher with raw updates, as Telegram would, and read what the bot sent.

`RecordingSession` stands in for the HTTP session: it records every Bot API call and
answers with complete objects. Updates go through `Dispatcher.feed_update`, so
middlewares, filters, FSM storage and handlers all run as in production.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    AnswerCallbackQuery,
    GetFile,
    GetMe,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import Chat, File, InlineKeyboardMarkup, Message, Update, User

BOT_USER = User(id=42, is_bot=True, first_name="Cunzhan", username="cunzhan_test_bot")


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self._ids = itertools.count(1000)
        self.files: dict[str, bytes] = {}  # file_id -> bytes the "user" uploaded

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout=None):  # noqa: ASYNC109
        self.calls.append(method)
        if isinstance(method, GetMe):
            return BOT_USER
        if isinstance(method, GetFile):
            data = self.files[method.file_id]
            return File(
                file_id=method.file_id,
                file_unique_id=method.file_id,
                file_size=len(data),
                file_path=f"photos/{method.file_id}",
            )
        if isinstance(method, SendMessage | SendPhoto):
            return Message(
                message_id=next(self._ids),
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                from_user=BOT_USER,
                text=getattr(method, "text", None),
                caption=getattr(method, "caption", None),
                reply_markup=(
                    method.reply_markup
                    if isinstance(method.reply_markup, InlineKeyboardMarkup)
                    else None
                ),
            )
        return True

    async def close(self) -> None:
        pass

    async def stream_content(self, url: str, *args, **kwargs):
        yield self.files[url.rsplit("/", 1)[-1]]


@dataclass
class Sent:
    """What the bot sent in answer to one update."""

    calls: list[TelegramMethod[Any]] = field(default_factory=list)

    @property
    def messages(self) -> list[SendMessage | SendPhoto]:
        return [c for c in self.calls if isinstance(c, SendMessage | SendPhoto)]

    @property
    def texts(self) -> list[str]:
        return [getattr(m, "text", None) or m.caption or "" for m in self.messages]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def alerts(self) -> list[str]:
        return [c.text or "" for c in self.calls if isinstance(c, AnswerCallbackQuery)]

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of the inline buttons in the last message that has any."""
        for message in reversed(self.messages):
            markup = message.reply_markup
            if markup is not None and getattr(markup, "inline_keyboard", None):
                return [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row]
        return []


class ChatDriver:
    def __init__(self, dp: Dispatcher, bot: Bot, session: RecordingSession) -> None:
        self.dp, self.bot, self.session = dp, bot, session
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    @staticmethod
    def user(user_id: int, language: str = "zh", name: str = "测试") -> User:
        return User(id=user_id, is_bot=False, first_name=name, language_code=language)

    async def feed(self, update: Update) -> Sent:
        start = len(self.session.calls)
        await self.dp.feed_update(self.bot, update)
        return Sent(self.session.calls[start:])

    def message_update(
        self, user: User, text: str, update_id: int | None = None, date: datetime | None = None
    ) -> Update:
        """`date` is when the user sent it (Telegram's message date); now by default."""
        chat = Chat(id=user.id, type="private")
        message = Message(
            message_id=next(self._message_ids),
            date=date or datetime.now(UTC),
            chat=chat,
            from_user=user,
            text=text,
        )
        return Update(update_id=update_id or next(self._update_ids), message=message)

    async def send(self, user: User, text: str) -> Sent:
        return await self.feed(self.message_update(user, text))

    async def send_photo(self, user: User, data: bytes, *, as_file: bool = False) -> Sent:
        file_id = f"f{next(self._message_ids)}"
        self.session.files[file_id] = data
        chat = Chat(id=user.id, type="private")
        media: dict[str, Any] = (
            {
                "document": {
                    "file_id": file_id,
                    "file_unique_id": file_id,
                    "mime_type": "image/jpeg",
                    "file_size": len(data),
                }
            }
            if as_file
            else {
                "photo": [
                    {
                        "file_id": file_id,
                        "file_unique_id": file_id,
                        "width": 1280,
                        "height": 960,
                        "file_size": len(data),
                    }
                ]
            }
        )
        message = Message.model_validate(
            {
                "message_id": next(self._message_ids),
                "date": datetime.now(UTC),
                "chat": chat.model_dump(),
                "from": user.model_dump(),
                **media,
            }
        )
        return await self.feed(Update(update_id=next(self._update_ids), message=message))

    def callback_update(self, user: User, data: str) -> Update:
        chat = Chat(id=user.id, type="private")
        origin = Message(
            message_id=next(self._message_ids),
            date=datetime.now(UTC),
            chat=chat,
            from_user=BOT_USER,
            text="…",
        )
        return Update.model_validate(
            {
                "update_id": next(self._update_ids),
                "callback_query": {
                    "id": str(next(self._update_ids)),
                    "from": user.model_dump(),
                    "chat_instance": "ci",
                    "data": data,
                    "message": origin.model_dump(by_alias=True),
                },
            }
        )

    async def press(self, user: User, sent: Sent, label_part: str) -> Sent:
        for label, data in sent.buttons:
            if label_part in label:
                return await self.feed(self.callback_update(user, data))
        raise AssertionError(f"no button with {label_part!r} in {sent.buttons}")
