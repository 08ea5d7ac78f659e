"""What the Bot API double records and speaks: the people, the messages the bot sent, the
answers to button presses, and the decoding of aiogram's request bodies."""

from __future__ import annotations

import asyncio
import json
import re
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")

TOKEN_RE = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
# Fields aiogram sends as JSON strings (anything structured); scalars arrive as plain text.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "media",
        "menu_button",
        "rights",
    }
)
BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "disable_web_page_preview",
        "revoke_messages",
    }
)
INT_FIELDS = frozenset({"offset", "limit", "message_id", "cache_time", "from_chat_id"})


class ApiError(Exception):
    """An error answer: `{"ok": false, "error_code": …, "description": …}`."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


# --- what the tests see ----------------------------------------------------------------


@dataclass
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    blocked: bool = False  # the user blocked the bot: sends to them fail with 403

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    def chat(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(frozen=True)
class Button:
    text: str
    row: int
    column: int
    callback_data: str | None = None
    url: str | None = None
    inline: bool = True
    asks: str | None = None  # a reply button that shares "location" or "contact"


@dataclass
class SentMessage:
    """A message the bot sent, kept up to date by edits and deletion."""

    message_id: int
    chat_id: int
    method: str
    raw: dict[str, Any]  # the Message object as the API returned it (and as edits left it)
    markup: dict[str, Any] | None = None  # as sent: inline or reply keyboard
    photo: bytes | None = None
    document: bytes | None = None
    filename: str | None = None
    edits: int = 0
    deleted: bool = False

    @property
    def text(self) -> str | None:
        return self.raw.get("text")

    @property
    def caption(self) -> str | None:
        return self.raw.get("caption")

    @property
    def body(self) -> str:
        """Text or caption, whichever the message has."""
        return self.text or self.caption or ""

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.markup

    @property
    def buttons(self) -> list[Button]:
        """Inline buttons (or reply-keyboard buttons), row by row, left to right."""
        markup = self.reply_markup or {}
        inline = "inline_keyboard" in markup
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        found = []
        for r, row in enumerate(rows):
            for c, button in enumerate(row):
                if isinstance(button, str):  # reply keyboards may be plain strings
                    button = {"text": button}
                found.append(
                    Button(
                        text=button.get("text", ""),
                        row=r,
                        column=c,
                        callback_data=button.get("callback_data"),
                        url=button.get("url"),
                        inline=inline,
                        asks=(
                            "location"
                            if button.get("request_location")
                            else "contact"
                            if button.get("request_contact")
                            else None
                        ),
                    )
                )
        return found

    def button(self, which: str | int) -> Button:
        """A button by index (0-based) or by label: exact match first, then substring."""
        buttons = self.buttons
        if isinstance(which, int):
            if not 0 <= which < len(buttons):
                raise LookupError(f"no button #{which}; the message has {len(buttons)}")
            return buttons[which]
        for candidate in (
            [b for b in buttons if b.text == which],
            [b for b in buttons if which in b.text],
        ):
            if candidate:
                return candidate[0]
        labels = [b.text for b in buttons]
        raise LookupError(f"no button labelled {which!r}; buttons: {labels}")


@dataclass(frozen=True)
class CallbackAnswer:
    query_id: str
    user_id: int
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True)
class Upload:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: dict[str, Any]
    files: dict[str, Upload]


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes | None
    file_path: str


@dataclass
class Fault:
    times: int
    error: ApiError
    html: bool = False  # answer like a proxy in front of the API: an HTML page, not JSON


class Broadcast:
    """Wakes every waiter whenever something changed; waiters re-check their condition.

    Unlike asyncio.Condition, notifying needs no lock, so the synchronous user-side calls
    (`send_text`, …) can wake a long-polling `getUpdates` directly.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float | None,  # noqa: ASYNC109
    ) -> T:
        async with asyncio.timeout(timeout):
            while not (result := predicate()):
                await self._event.wait()
            return result


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return (0, 0)


# --- wire format ---------------------------------------------------------------------


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Form, multipart, query-string or JSON parameters, decoded as Telegram does."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        raw.update(body or {})
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = Upload(value.filename, value.content_type, value.file.read())
            else:
                raw[key] = value
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if key in JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    raise bad_request(f"can't parse {key} JSON object") from None
            elif key in BOOL_FIELDS:
                value = value.lower() in ("1", "true")
            elif key in INT_FIELDS:
                try:
                    value = int(value)
                except ValueError:
                    raise bad_request(f"invalid {key}") from None
        params[key] = value
    return params, files


def scope_key(scope: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(scope or {"type": "default"}), sort_keys=True)


def allowed_update(update: dict[str, Any], allowed: list[str] | None) -> bool:
    if not allowed:
        return True
    return any(kind in update for kind in allowed)


def check_inline_keyboard(markup: dict[str, Any]) -> None:
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise bad_request("text buttons are unallowed in the inline keyboard")
