"""Webhook delivery as Telegram does it, for the Bot API double.

Once the bot calls setWebhook, pending updates are POSTed to its URL as JSON, with the
secret in `X-Telegram-Bot-Api-Secret-Token`. An update is confirmed (forgotten) only when
the bot answers 2xx; any other status, a refused connection or a timeout means it is sent
again, with a growing pause, until it is accepted. Up to `max_connections` requests are in
flight at once (Telegram's default is 40), but never two of one chat, and a chat's next
update waits until the one before it was accepted: the order of each chat holds, as with
Telegram.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from devtools.telegram_double.server import FakeTelegram

log = logging.getLogger(__name__)


def update_chat(update: dict[str, Any]) -> int:
    for kind, body in update.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        chat = body.get("chat") or (body.get("message") or {}).get("chat")
        if chat:
            return int(chat["id"])
        sender = body.get("from")
        if sender:
            return int(sender["id"])
    return 0


class WebhookPusher:
    def __init__(
        self,
        fake: FakeTelegram,
        url: str,
        secret: str | None,
        *,
        max_connections: int = 40,
        timeout: float = 60.0,
    ) -> None:
        self.fake = fake
        self.url = url
        self.secret = secret
        self.max_connections = max_connections
        self.timeout = timeout
        self.attempts = 0  # POSTs made
        self.failures = 0  # POSTs not answered 2xx
        self._busy: set[int] = set()  # chats with a request in flight
        self._in_flight: set[int] = set()  # update ids being posted
        self._task: asyncio.Task[None] | None = None
        self._requests: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="webhook-pusher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._requests):
            task.cancel()
        for task in list(self._requests):
            with suppress(asyncio.CancelledError):
                await task

    def _next(self) -> list[dict[str, Any]]:
        """Updates that may be posted now: the oldest not-yet-accepted of each idle chat."""
        room = self.max_connections - len(self._in_flight)
        chosen: list[dict[str, Any]] = []
        seen: set[int] = set()
        for update in self.fake._updates:
            if room <= 0:
                break
            chat = update_chat(update)
            if chat in seen:
                continue
            seen.add(chat)
            if chat in self._busy:
                continue
            chosen.append(update)
            room -= 1
        return chosen

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                batch = await self.fake._changed.wait_for(self._next, None)
                for update in batch:
                    chat = update_chat(update)
                    self._busy.add(chat)
                    self._in_flight.add(update["update_id"])
                    task = asyncio.create_task(self._deliver(session, update, chat))
                    self._requests.add(task)
                    task.add_done_callback(self._requests.discard)

    async def _deliver(self, session: aiohttp.ClientSession, update: dict, chat: int) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret} if self.secret else {}
        pause = 0.2
        try:
            while True:
                self.attempts += 1
                try:
                    async with session.post(self.url, json=update, headers=headers) as answer:
                        await answer.read()
                        if 200 <= answer.status < 300:
                            break
                        reason = f"HTTP {answer.status}"
                except (aiohttp.ClientError, TimeoutError, OSError) as error:
                    reason = type(error).__name__
                self.failures += 1
                log.debug(
                    "webhook update %s: %s; again in %.1fs", update["update_id"], reason, pause
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
            self.fake._confirm(update["update_id"])
        finally:
            self._busy.discard(chat)
            self._in_flight.discard(update["update_id"])
            self.fake._changed.notify()
