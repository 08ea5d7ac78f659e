"""The aiohttp endpoint WeChat calls: URL verification (GET) and messages (POST).

Every request is checked before anything is read into the database: the body's size
(`client_max_size`, 413), the signature over (token, timestamp, nonce) compared in
constant time, the timestamp within the replay window, and in safe mode the
`msg_signature` over the Encrypt text and the appid inside it (403 for all of these: a
forged or replayed capture gets nothing). Then the XML is parsed without DTDs or
entities (400 when refused).

The 5-second window: the message's transaction (inbound.py) runs as a task; if it ends
within `reply_within` seconds its reply is the HTTP answer (a passive reply, encrypted in
safe mode); otherwise `success` goes back at once and the reply follows through the
customer-service API when the work ends. WeChat's retries of a message still in flight
wait on the same task (or get `success` if it is already late); a retry after it
committed gets the stored reply again, or `success` if that reply went by the API.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.domain.text import N_
from bot.i18n import Translator
from handlers.wechat.client import WeChatApi
from handlers.wechat.inbound import Handled, WeChatInbound
from handlers.wechat.protocol import (
    AppIdMismatch,
    BadMessage,
    BadSignature,
    Inbound,
    MessageCipher,
    check_fresh,
    encrypted_envelope,
    parse_envelope,
    parse_message,
    sign,
    text_reply,
    verify,
)
from handlers.wechat.protocol.messages import MAX_BODY

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/wechat"
SUCCESS = "success"  # WeChat's "received, no passive reply"
WENT_WRONG = N_("Sorry, something went wrong on our side. Please try again in a minute.")


@dataclass
class Flight:
    """A message being handled: retries of it wait on the same task."""

    task: asyncio.Task[Handled] | None = None
    late: bool = False  # a waiter gave up: the reply goes through the API


@dataclass
class WebhookConfig:
    token: str
    cipher: MessageCipher | None = None  # set: safe mode, every message must be encrypted
    reply_within: float = 4.0  # WeChat waits 5 s; leave room for the network
    window: float = 300.0  # timestamps older or newer than this are replays
    default_language: str = "zh"
    now: Callable[[], float] = field(default=time.time)


class WeChatWebhook:
    def __init__(self, config: WebhookConfig, inbound: WeChatInbound, api: WeChatApi | None):
        self.config, self.inbound, self.api = config, inbound, api
        self._flights: dict[str, Flight] = {}
        self.late_replies = 0  # answered `success`, then by the customer-service API

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_get(WEBHOOK_PATH, self.verify_url)
        app.router.add_post(WEBHOOK_PATH, self.receive)
        app.on_shutdown.append(self._drain)
        return app

    # --- checks ------------------------------------------------------------------------
    def _check(self, request: web.Request) -> tuple[str, str]:
        query = request.query
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        try:
            verify(query.get("signature", ""), self.config.token, timestamp, nonce)
            check_fresh(timestamp, self.config.now(), self.config.window)
        except BadSignature as error:
            log.warning("WeChat request refused: %s", error)
            raise web.HTTPForbidden() from None
        return timestamp, nonce

    async def verify_url(self, request: web.Request) -> web.Response:
        """The server check when the URL is saved in the console: echo `echostr`."""
        self._check(request)
        return web.Response(text=request.query.get("echostr", ""))

    async def _read(self, request: web.Request, timestamp: str, nonce: str) -> Inbound:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            log.warning("WeChat body over %d bytes refused", MAX_BODY)
            raise
        try:
            if self.config.cipher is None:
                return parse_message(body)
            encrypted = parse_envelope(body).get("Encrypt", "")
            if not encrypted or request.query.get("encrypt_type") != "aes":
                raise BadSignature("safe mode: the message is not encrypted")
            verify(request.query.get("msg_signature", ""), self.config.token, timestamp, nonce,
                   encrypted)  # fmt: skip
            return parse_message(self.config.cipher.decrypt(encrypted))
        except (BadSignature, AppIdMismatch) as error:
            log.warning("WeChat message refused: %s", error)
            raise web.HTTPForbidden() from None
        except BadMessage as error:
            log.warning("WeChat body refused: %s", error)
            raise web.HTTPBadRequest() from None

    # --- messages ------------------------------------------------------------------------
    async def receive(self, request: web.Request) -> web.Response:
        timestamp, nonce = self._check(request)
        message = await self._read(request, timestamp, nonce)
        handled = await self._within_window(message)
        if handled is None or not handled.reply:
            return web.Response(text=SUCCESS)
        if handled.repeated and handled.delivery == "custom":
            return web.Response(text=SUCCESS)  # already (being) sent through the API
        return self._passive(message, handled.reply, nonce)

    async def _within_window(self, message: Inbound) -> Handled | None:
        """The handled message if it ends in time; None when its reply will go later."""
        key = message.dedup_key
        flight = self._flights.get(key)
        if flight is None:
            flight = self._flights[key] = Flight()
            flight.task = asyncio.create_task(self._work(message, flight))
        elif flight.late:
            return None
        assert flight.task is not None
        try:
            return await asyncio.wait_for(asyncio.shield(flight.task), self.config.reply_within)
        except TimeoutError:
            if flight.task.done():
                return flight.task.result()
            flight.late = True
            log.info("message %s still running after %.1f s: answered success", key,
                     self.config.reply_within)  # fmt: skip
            return None

    async def _work(self, message: Inbound, flight: Flight) -> Handled:
        try:
            try:
                # Late and sendable: stored as going by the API (see inbound.handle).
                handled = await self.inbound.handle(
                    message, late=lambda: flight.late and self.api is not None
                )
            except Exception:
                log.exception("WeChat message %s failed; rolled back", message.dedup_key)
                # Not stored: WeChat's retry runs it again. The person hears of it.
                handled = Handled(Translator(self.config.default_language)(WENT_WRONG))
            if flight.late and handled.reply and not handled.repeated:
                await self._send_late(message, handled)
            return handled
        finally:
            self._flights.pop(message.dedup_key, None)

    async def _send_late(self, message: Inbound, handled: Handled) -> None:
        if self.api is None:
            log.warning("message %s answered late but no API client is set", message.dedup_key)
            return
        try:
            await self.api.send_text(message.openid, handled.reply or "")
            sent = True
        except Exception as error:
            # Passive again: WeChat's next retry of the message gets the stored reply.
            log.warning("late reply to %s not sent: %s", message.dedup_key, error)
            sent = False
        self.late_replies += sent
        try:
            await self.inbound.mark_delivery(message, sent=sent)
        except Exception:
            log.exception("delivery of the late reply to %s not marked", message.dedup_key)

    def _passive(self, message: Inbound, reply: str, nonce: str) -> web.Response:
        now = int(self.config.now())
        xml = text_reply(message.openid, message.account, reply, now)
        cipher = self.config.cipher
        if cipher is None:
            return web.Response(text=xml, content_type="application/xml")
        encrypted = cipher.encrypt(xml)
        reply_nonce = secrets.token_hex(8)
        signature = sign(self.config.token, str(now), reply_nonce, encrypted)
        envelope = encrypted_envelope(encrypted, signature, str(now), reply_nonce)
        return web.Response(text=envelope, content_type="application/xml")

    async def _drain(self, app: web.Application) -> None:
        """At shutdown: messages in flight finish (their late replies go out)."""
        tasks = [f.task for f in self._flights.values() if f.task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=30)
