"""A Telegram Bot API double: a real HTTP server on 127.0.0.1 for demo mode and e2e tests.

The bot talks to it exactly as to api.telegram.org (aiogram's `AiohttpSession` pointed at
`base_url`): `POST {base}/bot{token}/{method}` with form or multipart bodies whose nested
fields are JSON strings and whose uploads are `attach://<part>` references; downloads at
`{base}/file/bot{token}/{path}`. Answers are complete Bot API objects, so aiogram's models
validate them as they would Telegram's.

The other side is a Python API for the people in the chat: `create_user`, `send_text`,
`press`, `send_photo`, `send_document` queue updates that `getUpdates` hands out (true long
polling, confirmed by offset as Telegram does); `wait_for_messages` and friends wait for
what the bot sent. Everything is event-driven; nothing sleeps. One event loop, one bot.

`fail_next` makes the next calls of a method fail (429 with retry_after, 502, …) to test
how the bot copes with a flaky API.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from aiohttp import web

from devtools.telegram_double.records import (
    TOKEN_RE,
    ApiCall,
    ApiError,
    Broadcast,
    Button,
    CallbackAnswer,
    FakeUser,
    Fault,
    SentMessage,
    StoredFile,
    Upload,
    allowed_update,
    bad_request,
    check_inline_keyboard,
    png_size,
    read_params,
    scope_key,
)
from devtools.telegram_double.webhook import WebhookPusher

log = logging.getLogger(__name__)

T = TypeVar("T")


# --- the server --------------------------------------------------------------------------


class FakeTelegram:
    """Start with `await fake.start()` (or `async with FakeTelegram() as fake`), point the
    bot at `fake.base_url`, then talk as users."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "cunzhan_demo_bot",
        bot_first_name: str = "村站 Cunzhan",
        token: str | None = None,
        first_update_id: int | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.bot_username, self.bot_first_name = bot_username, bot_first_name
        self.token = token  # when set, other tokens get 401 like a revoked token would
        self.users: dict[int, FakeUser] = {}
        self.sent: list[SentMessage] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.calls: list[ApiCall] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.files: dict[str, StoredFile] = {}
        self.confirmed_offset = 0  # every update below this id was confirmed by the bot
        self._updates: list[dict[str, Any]] = []
        self._open_queries: dict[str, int] = {}  # callback query id -> user id
        self._faults: dict[str, list[Fault]] = {}
        self._read_cursor: dict[int, int] = {}  # chat id -> messages returned by waits
        # Telegram's update ids keep growing across restarts of the bot, and the bot's
        # dedup ledger relies on that: start above any id an earlier run handed out.
        self._update_ids = itertools.count(first_update_id or int(time.time() * 1000))
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._user_ids = itertools.count(100_001)
        self._query_ids = itertools.count(1)
        self._changed = Broadcast()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.webhook: WebhookPusher | None = None  # set by setWebhook

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", r"/bot{token:[^/]+}/{method}", self._handle_method)
        app.router.add_route("*", r"/file/bot{token:[^/]+}/{path:.+}", self._handle_file)
        # A short shutdown_timeout: a getUpdates still waiting is woken by stop() anyway.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{self.port}"
        log.info("fake Bot API listening on %s", self.base_url)
        return self

    async def stop(self) -> None:
        self._closing = True
        await self._drop_webhook()
        self._changed.notify()  # long polls return at once
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- identity ---------------------------------------------------------------------

    def bot_id(self, token: str | None = None) -> int:
        match = TOKEN_RE.match(token or self.token or "")
        return int(match.group(1)) if match else 0

    def bot_user(self, token: str | None = None) -> dict[str, Any]:
        return {
            "id": self.bot_id(token),
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # -- fault injection --------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        error_code: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        html: bool = False,
    ) -> None:
        """Make the next `times` calls of `method` fail. 429 carries `retry_after`
        (default 1 s); `html=True` answers with an HTML page as a broken proxy would."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                502: "Bad Gateway",
                403: "Forbidden: bot was blocked by the user",
            }.get(error_code, "Internal Server Error")
        fault = Fault(times, ApiError(error_code, description, retry_after), html)
        self._faults.setdefault(method.lower(), []).append(fault)

    def _take_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault

    # -- the user side ----------------------------------------------------------------

    def create_user(
        self,
        first_name: str = "Test",
        *,
        id: int | None = None,
        language_code: str | None = "zh",
        last_name: str | None = None,
        username: str | None = None,
    ) -> FakeUser:
        user = FakeUser(
            id=id if id is not None else next(self._user_ids),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.users[user.id] = user
        return user

    def send_text(self, user: FakeUser, text: str) -> dict[str, Any]:
        """The user sends a text message to the bot; returns the queued update."""
        message = self._user_message(user, text=text)
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            length = len(command.encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._push({"message": message})

    def send_photo(self, user: FakeUser, data: bytes, caption: str | None = None) -> dict:
        stored = self._store_file(data, "photos", ".jpg")
        width, height = png_size(data)
        message = self._user_message(user, caption=caption)
        message["photo"] = [self._photo_size(stored, width, height)]
        return self._push({"message": message})

    # What a phone answers to a "share location" / "share contact" button (the demo's
    # keeper stands at DEMO-S001; `:location LAT LON` moves them).
    location: tuple[float, float] = (27.8124, 115.4013)
    phone_number: str = "+8613800138000"

    def send_location(self, user: FakeUser, latitude: float, longitude: float) -> dict:
        message = self._user_message(user)
        message["location"] = {"latitude": latitude, "longitude": longitude}
        return self._push({"message": message})

    def send_contact(self, user: FakeUser, phone_number: str) -> dict:
        """The user's own contact, as Telegram's contact button sends it (user_id set)."""
        message = self._user_message(user)
        message["contact"] = {
            "phone_number": phone_number,
            "first_name": user.first_name,
            "user_id": user.id,
        }
        return self._push({"message": message})

    def send_document(
        self,
        user: FakeUser,
        data: bytes,
        filename: str = "file.bin",
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> dict[str, Any]:
        stored = self._store_file(data, "documents", "_" + filename)
        message = self._user_message(user, caption=caption)
        message["document"] = self._document(stored, filename, mime_type)
        return self._push({"message": message})

    def press(self, user: FakeUser, message: SentMessage, button: str | int) -> dict[str, Any]:
        """The user presses a button of a message the bot sent: a callback query for an
        inline button, a plain text message for a reply-keyboard button."""
        chosen = message.button(button)
        if chosen.asks == "location":
            return self.send_location(user, *self.location)
        if chosen.asks == "contact":
            return self.send_contact(user, self.phone_number)
        if not chosen.inline:
            return self.send_text(user, chosen.text)
        if chosen.callback_data is None:
            raise LookupError(f"button {chosen.text!r} opens a link, it sends no callback")
        if message.deleted:
            raise LookupError("that message was deleted")
        query_id = f"{self.bot_id()}{next(self._query_ids):08d}"
        self._open_queries[query_id] = user.id
        return self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_api(),
                    "message": message.raw,
                    "chat_instance": f"ci{message.chat_id}",
                    "data": chosen.callback_data,
                }
            }
        )

    def _user_message(self, user: FakeUser, **content: Any) -> dict[str, Any]:
        self.users.setdefault(user.id, user)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": user.chat(),
            "from": user.to_api(),
        }
        message.update({k: v for k, v in content.items() if v is not None})
        return message

    def _confirm(self, update_id: int) -> None:
        """A webhook delivery was accepted: Telegram forgets the update."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]
        self.confirmed_offset = max(self.confirmed_offset, update_id + 1)
        self._changed.notify()

    async def _drop_webhook(self) -> None:
        pusher, self.webhook = self.webhook, None
        if pusher is not None:
            await pusher.stop()

    def _push(self, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **body}
        self._updates.append(update)
        self._changed.notify()
        return update

    # -- waiting for the bot ----------------------------------------------------------

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.sent if m.chat_id == chat_id]

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """The next `count` messages the bot sent to the chat, after those earlier waits
        returned. Raises TimeoutError (listing what did arrive) if they do not come."""
        start = self._read_cursor.get(chat_id, 0)

        def ready() -> list[SentMessage] | None:
            mine = self.messages_to(chat_id)
            return mine[start : start + count] if len(mine) >= start + count else None

        try:
            found = await self._changed.wait_for(ready, timeout)
        except TimeoutError:
            got = [m.body[:80] for m in self.messages_to(chat_id)[start:]]
            raise TimeoutError(
                f"waited {timeout}s for {count} message(s) to chat {chat_id}; got {got}"
            ) from None
        self._read_cursor[chat_id] = start + count
        return found

    async def wait_for_message(
        self,
        chat_id: int,
        timeout: float = 5,  # noqa: ASYNC109
    ) -> SentMessage:
        return (await self.wait_for_messages(chat_id, 1, timeout))[0]

    def unread(self, chat_id: int) -> list[SentMessage]:
        """Messages to the chat no wait has returned yet; marks them read."""
        mine = self.messages_to(chat_id)
        start = self._read_cursor.get(chat_id, 0)
        self._read_cursor[chat_id] = len(mine)
        return mine[start:]

    async def wait_for_callback_answer(
        self,
        update: dict[str, Any] | str,
        timeout: float = 5,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """The bot's answerCallbackQuery for a press (the update `press` returned)."""
        query_id = update if isinstance(update, str) else update["callback_query"]["id"]

        def answered() -> CallbackAnswer | None:
            return next((a for a in self.callback_answers if a.query_id == query_id), None)

        try:
            return await self._changed.wait_for(answered, timeout)
        except TimeoutError:
            raise TimeoutError(f"callback query {query_id} was not answered") from None

    async def wait_until_confirmed(
        self,
        update: dict[str, Any],
        timeout: float = 5,  # noqa: ASYNC109
    ) -> None:
        """Until the bot confirmed the update (asked for a later offset)."""
        target = update["update_id"] + 1
        await self._changed.wait_for(lambda: self.confirmed_offset >= target, timeout)

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 5,  # noqa: ASYNC109
    ) -> T:
        """Until predicate() returns something truthy. It is checked again whenever an API
        request arrives or is answered and whenever a user acts."""
        return await self._changed.wait_for(predicate, timeout)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def get_commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str | None = None
    ) -> list[dict[str, Any]]:
        return self.commands.get((scope_key(scope), language_code or ""), [])

    # -- HTTP -------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"].lower()
        if not TOKEN_RE.match(token) or (self.token is not None and token != self.token):
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        try:
            params, files = await read_params(request)
            self.calls.append(ApiCall(method, params, files))
            self._changed.notify()  # a test may wait for a request to arrive (a long poll)
            fault = self._take_fault(method)
            if fault is not None:
                if fault.html:
                    return web.Response(
                        status=fault.error.code,
                        text=f"<html><body><h1>{fault.error.code}</h1></body></html>",
                        content_type="text/html",
                    )
                raise fault.error
            handler = self._methods.get(method)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(self, token, params, files)
        except ApiError as error:
            return web.json_response(error.payload(), status=error.code)
        finally:
            self._changed.notify()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        stored = next((f for f in self.files.values() if f.file_path == path), None)
        if stored is None or stored.data is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    # -- Bot API methods: (self, token, params, files) -> result ------------------------

    async def _get_me(self, token, params, files):
        return self.bot_user(token)

    async def _true(self, token, params, files):
        return True

    async def _get_updates(self, token, params, files):
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if offset < 0:  # -N: the last N updates; all earlier ones are forgotten
            keep = self._updates[offset:]
            if keep:
                offset = keep[0]["update_id"]
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self.confirmed_offset = max(self.confirmed_offset, offset)
        allowed = params.get("allowed_updates")

        def available() -> list[dict[str, Any]] | None:
            if self._closing:
                return None
            wanted = [u for u in self._updates if allowed_update(u, allowed)]
            return wanted[:limit] or None

        if timeout == 0:
            return available() or []
        try:
            await self._changed.wait_for(lambda: available() or self._closing, timeout)
        except TimeoutError:
            pass
        return available() or []

    async def _set_webhook(self, token, params, files):
        url = str(params.get("url") or "")
        await self._drop_webhook()
        if params.get("drop_pending_updates"):
            if self._updates:
                self.confirmed_offset = self._updates[-1]["update_id"] + 1
            self._updates.clear()
        if url:
            self.webhook = WebhookPusher(
                self,
                url,
                params.get("secret_token"),
                max_connections=int(params.get("max_connections") or 40),
            )
            self.webhook.start()
        return True

    async def _delete_webhook(self, token, params, files):
        await self._drop_webhook()
        if params.get("drop_pending_updates"):
            if self._updates:
                self.confirmed_offset = self._updates[-1]["update_id"] + 1
            self._updates.clear()
        return True

    async def _get_webhook_info(self, token, params, files):
        return {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _set_my_commands(self, token, params, files):
        commands = params.get("commands") or []
        for command in commands:
            name = command.get("command", "")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (scope_key(params.get("scope")), params.get("language_code") or "")
        self.commands[key] = list(commands)
        return True

    async def _get_my_commands(self, token, params, files):
        key = (scope_key(params.get("scope")), params.get("language_code") or "")
        return self.commands.get(key, [])

    async def _delete_my_commands(self, token, params, files):
        key = (scope_key(params.get("scope")), params.get("language_code") or "")
        self.commands.pop(key, None)
        return True

    async def _send_message(self, token, params, files):
        text = params.get("text") or ""
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > 4096:
            raise bad_request("message is too long")
        return self._record(token, "sendMessage", params, {"text": text}).raw

    async def _send_photo(self, token, params, files):
        upload, stored = self._upload(params, files, "photo", "photos", ".png")
        width, height = png_size(stored.data or b"")
        content = {"photo": [self._photo_size(stored, width, height)], **self._caption(params)}
        message = self._record(token, "sendPhoto", params, content)
        message.photo = stored.data
        message.filename = upload.filename if upload else None
        return message.raw

    async def _send_document(self, token, params, files):
        upload, stored = self._upload(params, files, "document", "documents", "")
        filename = (upload.filename if upload else None) or "document"
        content = {
            "document": self._document(stored, filename, upload.content_type if upload else None),
            **self._caption(params),
        }
        message = self._record(token, "sendDocument", params, content)
        message.document, message.filename = stored.data, filename
        return message.raw

    async def _send_chat_action(self, token, params, files):
        self._chat(params)
        return True

    async def _edit_message_text(self, token, params, files):
        message = self._find(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text = params.get("text") or ""
        if not text.strip():
            raise bad_request("message text is empty")
        return self._edit(message, {"text": text}, params.get("reply_markup"))

    async def _edit_message_caption(self, token, params, files):
        message = self._find(params)
        return self._edit(message, self._caption(params), params.get("reply_markup"))

    async def _edit_message_reply_markup(self, token, params, files):
        message = self._find(params)
        return self._edit(message, {}, params.get("reply_markup"))

    async def _delete_message(self, token, params, files):
        message = self._find(params, deleting=True)
        message.deleted = True
        return True

    async def _answer_callback_query(self, token, params, files):
        query_id = str(params.get("callback_query_id") or "")
        user_id = self._open_queries.pop(query_id, None)
        if user_id is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_answers.append(
            CallbackAnswer(
                query_id=query_id,
                user_id=user_id,
                text=text,
                show_alert=bool(params.get("show_alert")),
                url=params.get("url"),
            )
        )
        return True

    async def _get_file(self, token, params, files):
        stored = self.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        result = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_path": stored.file_path,
        }
        if stored.data is not None:
            result["file_size"] = len(stored.data)
        return result

    _methods: ClassVar[dict[str, Callable[..., Any]]] = {
        "getme": _get_me,
        "getupdates": _get_updates,
        "setwebhook": _set_webhook,
        "deletewebhook": _delete_webhook,
        "getwebhookinfo": _get_webhook_info,
        "setmycommands": _set_my_commands,
        "getmycommands": _get_my_commands,
        "deletemycommands": _delete_my_commands,
        "sendmessage": _send_message,
        "sendphoto": _send_photo,
        "senddocument": _send_document,
        "sendchataction": _send_chat_action,
        "editmessagetext": _edit_message_text,
        "editmessagecaption": _edit_message_caption,
        "editmessagereplymarkup": _edit_message_reply_markup,
        "deletemessage": _delete_message,
        "answercallbackquery": _answer_callback_query,
        "getfile": _get_file,
        "close": _true,
        "logout": _true,
    }

    # -- helpers ----------------------------------------------------------------------

    def _chat(self, params: dict[str, Any]) -> FakeUser:
        raw = params.get("chat_id")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        user = self.users.get(chat_id)
        if user is None:
            raise bad_request("chat not found")
        if user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return user

    def _record(self, token: str, method: str, params: dict, content: dict) -> SentMessage:
        user = self._chat(params)
        raw: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": user.chat(),
            "from": self.bot_user(token),
            **content,
        }
        markup = params.get("reply_markup") or None
        if markup and "inline_keyboard" in markup:
            check_inline_keyboard(markup)
            raw["reply_markup"] = markup  # the API echoes inline keyboards only
        message = SentMessage(raw["message_id"], user.id, method, raw, markup=markup)
        self.sent.append(message)
        return message

    def _find(self, params: dict[str, Any], deleting: bool = False) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake")
        chat_id = int(params.get("chat_id") or 0)
        message_id = int(params.get("message_id") or 0)
        for message in self.sent:
            if message.chat_id == chat_id and message.message_id == message_id:
                if message.deleted:
                    break
                return message
        what = "message to delete not found" if deleting else "message to edit not found"
        raise bad_request(what)

    def _edit(self, message: SentMessage, content: dict, markup: dict | None) -> dict:
        updated = {k: v for k, v in message.raw.items() if k != "reply_markup"}
        updated.update(content)
        if markup and "inline_keyboard" in markup:
            check_inline_keyboard(markup)
            updated["reply_markup"] = markup  # an edit without markup removes the keyboard
        elif message.markup and "inline_keyboard" not in message.markup:
            markup = message.markup  # edits cannot touch a reply keyboard
        if updated == {k: v for k, v in message.raw.items() if k != "edit_date"}:
            raise bad_request(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        updated["edit_date"] = int(time.time())
        message.raw = updated
        message.markup = markup or None
        message.edits += 1
        return updated

    def _caption(self, params: dict[str, Any]) -> dict[str, Any]:
        caption = params.get("caption")
        if caption is None:
            return {}
        if len(caption) > 1024:
            raise bad_request("message caption is too long")
        return {"caption": caption}

    def _upload(
        self, params: dict, files: dict[str, Upload], field_name: str, folder: str, suffix: str
    ) -> tuple[Upload | None, StoredFile]:
        """The file a send method carries: an upload (`attach://part` as aiogram sends it,
        or the part under the field's own name), a known file_id, or a URL."""
        value = params.get(field_name)
        part = value.removeprefix("attach://") if isinstance(value, str) else field_name
        if isinstance(value, str) and value.startswith("attach://") and part not in files:
            raise bad_request(f"wrong remote file identifier specified: {value}")
        if part in files:
            upload = files[part]
            return upload, self._store_file(upload.data, folder, suffix)
        if isinstance(value, str) and value in self.files:
            existing = self.files[value]
            return None, existing
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return None, self._store_file(None, folder, suffix)  # Telegram would fetch it
        raise bad_request(f"there is no {field_name} in the request")

    def _store_file(self, data: bytes | None, folder: str, suffix: str) -> StoredFile:
        number = next(self._file_ids)
        stored = StoredFile(
            file_id=f"FAKE{number:06d}{folder[:3]}",
            file_unique_id=f"U{number:06d}",
            data=data,
            file_path=f"{folder}/file_{number}{suffix}",
        )
        self.files[stored.file_id] = stored
        return stored

    @staticmethod
    def _photo_size(stored: StoredFile, width: int, height: int) -> dict[str, Any]:
        size = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
        }
        if stored.data is not None:
            size["file_size"] = len(stored.data)
        return size

    @staticmethod
    def _document(stored: StoredFile, filename: str, mime_type: str | None) -> dict[str, Any]:
        doc = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": filename,
            "mime_type": mime_type or "application/octet-stream",
        }
        if stored.data is not None:
            doc["file_size"] = len(stored.data)
        return doc


__all__ = [
    "ApiCall",
    "ApiError",
    "Button",
    "CallbackAnswer",
    "FakeTelegram",
    "FakeUser",
    "SentMessage",
]
