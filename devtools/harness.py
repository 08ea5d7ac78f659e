"""The real bot, long-polling the Bot API double: shared by demo mode and the e2e tests.

`live_bot(app, fake)` runs `handlers.telegram.runner.serve_polling` (the production code
path: the durable inbox, real Dispatcher, middlewares, scheduler, HTTP) in a task and stops
it as SIGTERM does: the updates being handled finish, then polling stops and the bot
session is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher

from bot.bootstrap import App
from devtools.telegram_double.records import Broadcast
from devtools.telegram_double.server import FakeTelegram
from handlers.telegram.runner import make_bot, serve_polling

log = logging.getLogger(__name__)

DEMO_TOKEN = "123456:DEMO-TOKEN"


class HandledUpdates:
    """Notes each update once the pipeline is done with it (committed, replies sent), so a
    driver can wait for "the bot has finished with this" instead of guessing how many
    replies come."""

    def __init__(self) -> None:
        self.done: set[int] = set()
        self._changed = Broadcast()

    def note(self, update_id: int) -> None:
        self.done.add(update_id)
        self._changed.notify()

    async def wait(self, update_id: int, timeout: float) -> None:  # noqa: ASYNC109
        await self._changed.wait_for(lambda: update_id in self.done, timeout)


@dataclass
class LiveBot:
    app: App
    fake: FakeTelegram
    bot: Bot
    dispatcher: Dispatcher
    handled: HandledUpdates
    task: asyncio.Task[None] = field(repr=False)
    stopping: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    async def wait_handled(self, update: dict[str, Any], timeout: float = 5) -> None:  # noqa: ASYNC109
        """Until the dispatcher has run every handler for the update (from `fake.send_text`,
        `fake.press`, …)."""
        await self.handled.wait(update["update_id"], timeout)

    async def stop(self, grace: float = 5) -> None:
        """As SIGTERM would: the updates being handled finish, then polling stops."""
        if self.task.done():
            return
        self.stopping.set()
        try:
            async with asyncio.timeout(grace * 2):
                await self.task
        except TimeoutError:
            log.warning("polling did not stop in %ss; cancelling", grace * 2)
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


@contextlib.asynccontextmanager
async def live_bot(
    app: App,
    fake: FakeTelegram,
    *,
    token: str = DEMO_TOKEN,
    polling_timeout: int = 10,
    startup_timeout: float = 10,
) -> AsyncIterator[LiveBot]:
    """The bot polling `fake` until the block ends. The fake must be started first and
    stopped after (it wakes the last long poll)."""
    handled = HandledUpdates()
    ready = asyncio.Event()
    dispatchers: list[Dispatcher] = []

    def on_dispatcher(dp: Dispatcher) -> None:
        dispatchers.append(dp)

    bot = make_bot(token, fake.base_url)
    stopping = asyncio.Event()
    task = asyncio.create_task(
        serve_polling(
            app,
            bot,
            handle_signals=False,
            polling_timeout=polling_timeout,
            ready=ready,
            on_dispatcher=on_dispatcher,
            on_handled=handled.note,
            stop=stopping,
        ),
        name="demo-polling",
    )
    waiter = asyncio.create_task(ready.wait())
    try:
        done, _ = await asyncio.wait(
            {task, waiter}, timeout=startup_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            task.result()  # startup failed: raise its error
            raise RuntimeError("the bot stopped before it was ready")
        if waiter not in done or not dispatchers:
            raise TimeoutError(f"the bot was not ready within {startup_timeout}s")
    except BaseException:
        waiter.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await bot.session.close()
        raise
    live = LiveBot(app, fake, bot, dispatchers[0], handled, task, stopping)
    try:
        yield live
    finally:
        await live.stop()


# --- the bot as its own process ------------------------------------------------------------


class BotProcess:
    """`python -m bot run` as a child process against the double, as production runs it:
    so a test can SIGKILL it at any moment (nothing in memory survives) and start it again.

    `env` adds settings (CUNZHAN_*); the database, token and API base are given here. Its
    output goes to `log_path` (appended across restarts, for a failing test to show).
    """

    def __init__(
        self,
        fake: FakeTelegram,
        database_url: str,
        log_path: str,
        *,
        token: str = DEMO_TOKEN,
        env: dict[str, str] | None = None,
    ) -> None:
        self.fake = fake
        self.log_path = log_path
        self.env = {
            **os.environ,
            "CUNZHAN_BOT_TOKEN": token,
            "CUNZHAN_TELEGRAM_API_BASE": fake.base_url,
            "CUNZHAN_DATABASE_URL": database_url,
            "CUNZHAN_LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.kills = 0

    async def start(self) -> None:
        assert self.process is None or self.process.returncode is not None
        self.starts += 1
        with open(self.log_path, "ab") as log_file:  # noqa: ASYNC230 - a local file, once
            log_file.write(f"--- start {self.starts}\n".encode())
            log_file.flush()
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                env=self.env,
                stdout=log_file,
                stderr=log_file,
                start_new_session=True,
            )

    def polls(self) -> int:
        return sum(1 for call in self.fake.calls if call.method in ("getupdates", "setwebhook"))

    async def wait_polling(self, timeout: float = 30) -> None:  # noqa: ASYNC109
        """Until the process asks for updates or sets its webhook (it has started and
        recovered its inbox)."""
        before = self.polls()
        await self.fake.wait_for(lambda: self.polls() > before or self.exited(), timeout)
        if self.exited():
            raise RuntimeError(
                f"the bot exited with {self.process.returncode}; see {self.log_path}"
            )

    def exited(self) -> bool:
        return self.process is not None and self.process.returncode is not None

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            self.kills += 1
        await self.process.wait()

    async def terminate(self, timeout: float = 30) -> int:  # noqa: ASYNC109
        """SIGTERM, then wait for the drain; SIGKILL if it takes longer than `timeout`."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(timeout):
                    await self.process.wait()
            except TimeoutError:
                await self.kill()
        return self.process.returncode
