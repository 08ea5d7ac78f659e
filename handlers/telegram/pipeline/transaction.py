"""One update, one durable transaction; its replies go out after the commit.

Per update: open one write unit of work (on SQLite a SAVEPOINT in a transaction shared
with the updates handled at the same moment, committed once for all of them before any
of them leaves: storage/group_commit.py); claim (bot id, update id) in
`processed_updates` — if the claim is already there, the update committed before, so it
is not applied again and its stored replies are sent again; otherwise resolve who is
talking, run the handlers with services bound to this unit of work (use cases join it),
keep the SQL dialog state on its connection, capture the bot's outgoing calls instead of
sending them (capture.py), store them with the claim, COMMIT (durable), then send them. A claim
exists only if its work committed: no lease, nothing to release after a crash.

- A CunzhanError answered by the guard is a normal, committed result.
- Any other exception rolls everything back (claim, writes, dialog, replies) and goes on
  up: the update is applied as new when it comes again.
- A busy or locked database is retried here with backoff; if it stays busy the person is
  told once to wait and `Retryable` goes up, so the transport does not confirm the update.
- Replies stored but not yet marked sent (a crash between commit and send) are sent at
  start (`send_unsent`); the mark rides on the next update's transaction, so an update
  costs one durable commit. The window left: a crash after sending, before the mark
  commits, sends those replies once more at the next start.

Why a Dispatcher subclass and not an outer middleware: aiogram's own FSM middleware runs
before any outer middleware we can add and reads the dialog state there; the state must
be read in the update's transaction, so the transaction wraps `feed_update` itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Update

from bot.domain.clock import Clock
from bot.domain.text import N_, Text
from bot.i18n import Translator, pick_language
from bot.services.bus import Services
from handlers.telegram.fsm import UPDATE_CONNECTION, UPDATE_DIALOGS
from handlers.telegram.middlewares.guard import WENT_WRONG
from handlers.telegram.pipeline import Retryable
from handlers.telegram.pipeline.bound import BoundServices
from handlers.telegram.pipeline.busy import Backoff, is_busy, is_network
from handlers.telegram.pipeline.capture import CAPTURE, Capture, deserialise, install, serialise
from storage.group_commit import CommitGroup
from storage.repositories.updates import SqlUpdateRepo
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)

PLEASE_WAIT = N_(
    "The system is busy. Please wait a moment: your message will be handled automatically."
)
_TOLD_LIMIT = 4096
REPEATED = object()  # feed_update's result for an update that committed before


class UpdateTransactions:
    """The transaction around one update; shared by every transport."""

    def __init__(
        self,
        uow: SqlUnitOfWorkFactory,
        services: Services,
        clock: Clock,
        default_language: str,
        backoff: Backoff | None = None,
        group: CommitGroup | None = None,
    ) -> None:
        self.uow = uow
        # SQLite: updates handled at the same moment share one durable COMMIT, each in its
        # own SAVEPOINT (storage/group_commit.py); None: a transaction of its own each.
        self.group = group
        self.services = services
        self.clock = clock
        self.default_language = default_language
        self.backoff = backoff or Backoff()
        self._unmarked: set[tuple[int, int]] = set()
        self._told: OrderedDict[tuple[int, int, str], None] = OrderedDict()
        self._languages: dict[int, str] = {}
        self.commits = 0  # durable commits made for updates (the benchmark reads it)

    async def run(self, dp: Dispatcher, bot: Bot, update: Update, feed: Any) -> Any:
        install(bot)
        for attempt in range(self.backoff.attempts):
            try:
                return await self._once(bot, update, feed)
            except Exception as error:
                if not is_busy(error):
                    # Rolled back, nothing claimed: it runs as new when it comes again.
                    await self._tell_once(bot, update, WENT_WRONG, "failed")
                    raise
                log.warning("update %s: database busy (attempt %d)", update.update_id, attempt + 1)
                if attempt + 1 < self.backoff.attempts:
                    await self.backoff.sleep(attempt)
        await self._tell_once(bot, update, PLEASE_WAIT, "busy")
        raise Retryable(f"database busy for update {update.update_id}")

    async def _once(self, bot: Bot, update: Update, feed: Any) -> Any:
        key = (bot.id, update.update_id)
        marks = sorted(self._unmarked)
        capture = Capture()
        result: Any = None
        unit = self.group.unit() if self.group is not None else self.uow(write=True)
        async with unit as uow:
            repo = SqlUpdateRepo(uow.connection)
            if not await repo.claim(bot.id, update.update_id, self.clock.now()):
                stored = await repo.replies(bot.id, update.update_id)
                repeated = True
            else:
                repeated = False
                await repo.mark_sent(marks, self.clock.now())
                conn_token = UPDATE_CONNECTION.set(uow.connection)
                dialogs_token = UPDATE_DIALOGS.set({})
                capture_token = CAPTURE.set(capture)
                try:
                    result = await feed(
                        services=BoundServices(self.services, uow),
                        uow_factory=BoundServices(self.services, uow).uow,
                    )
                finally:
                    CAPTURE.reset(capture_token)
                    UPDATE_DIALOGS.reset(dialogs_token)
                    UPDATE_CONNECTION.reset(conn_token)
                stored = serialise(capture.calls)
                await repo.store_replies(bot.id, update.update_id, stored)
                await uow.commit()
        # Here the update's work is durable (a group's COMMIT covering it included).
        if not repeated:
            self.commits += 1
            self._unmarked.difference_update(marks)
        if repeated:
            log.info("update %s committed before: its replies are sent again", update.update_id)
            await self.send(bot, key, deserialise(stored))
            return REPEATED
        await self.send(bot, key, capture.calls)
        return result

    async def send(self, bot: Bot, key: tuple[int, int], calls: list[TelegramMethod[Any]]) -> None:
        """Send the committed replies; a transient failure leaves them unmarked and goes
        up as Retryable (the update comes again, and its replies with it)."""
        for call in calls:
            try:
                await bot(call)
            except TelegramAPIError as error:
                if is_network(error):
                    raise Retryable(f"sending the replies of update {key[1]}") from error
                # Blocked by the user, a message gone: sending again will not help.
                log.warning("reply to update %s refused: %s", key[1], error)
            except OSError as error:
                raise Retryable(f"sending the replies of update {key[1]}") from error
        self._unmarked.add(key)

    async def flush_marks(self) -> None:
        """Mark sent what no later update carried (idle time, shutdown)."""
        marks = sorted(self._unmarked)
        if not marks:
            return
        async with self.uow(write=True) as uow:
            await SqlUpdateRepo(uow.connection).mark_sent(marks, self.clock.now())
            await uow.commit()
        self._unmarked.difference_update(marks)

    async def send_unsent(self, bot: Bot) -> int:
        """At start: replies that committed but may not have gone out (a crash between the
        commit and the send) are sent now."""
        async with self.uow() as uow:
            rows = await SqlUpdateRepo(uow.connection).unsent(bot.id)
        for row in rows:
            try:
                await self.send(bot, (row.bot_id, row.update_id), deserialise(row.replies))
            except Retryable:
                log.warning("replies of update %s still unsent; next start", row.update_id)
        await self.flush_marks()
        return len(rows)

    async def resend_at_start(self, bot: Bot, pause: float = 1.0, cap: float = 30.0) -> None:
        """`send_unsent` until it gets through: a busy database or an unreachable Bot API
        at start is waited out, logged, never fatal."""
        while True:
            try:
                sent = await self.send_unsent(bot)
            except Exception as error:
                if not (is_busy(error) or is_network(error) or isinstance(error, Retryable)):
                    log.exception("could not resend stored replies; giving up until next start")
                    return
                log.warning("stored replies not resent yet (%s); retrying in %.0f s", error, pause)
                await asyncio.sleep(pause)
                pause = min(cap, pause * 2)
                continue
            if sent:
                log.info("resent the replies of %d committed updates", sent)
            return

    async def flush_marks_quietly(self) -> None:
        """At shutdown: an unmarked reply is only sent once more at the next start."""
        try:
            await self.flush_marks()
        except Exception as error:
            log.warning("replies not marked sent (%s): they go out again at next start", error)

    async def _tell_once(self, bot: Bot, update: Update, text: Text, why: str) -> None:
        """Once per update and reason, however often it comes again: the person hears
        that we are busy or that something broke, never silence. Sent at once (there
        is no transaction to wait for)."""
        key = (bot.id, update.update_id, why)
        user = _user_of(update)
        if user is None or key in self._told:
            return
        self._told[key] = None
        if len(self._told) > _TOLD_LIMIT:
            self._told.popitem(last=False)
        language = self._languages.get(user.id)
        t = Translator(pick_language(language, user.language_code, self.default_language))
        try:
            await bot(SendMessage(chat_id=user.id, text=t(text)))
        except Exception:
            log.exception("could not tell the user (%s)", why)

    def remember_language(self, user_id: int, language: str) -> None:
        """The actor middleware says which language a person reads, for the messages sent
        outside a transaction."""
        self._languages[user_id] = language
        if len(self._languages) > _TOLD_LIMIT:
            self._languages.pop(next(iter(self._languages)))


def _user_of(update: Update):
    try:
        event = update.event
    except Exception:  # an update kind aiogram does not know
        return None
    user = getattr(event, "from_user", None)
    return None if user is None or user.is_bot else user


class PipelineDispatcher(Dispatcher):
    """A Dispatcher whose every update runs inside UpdateTransactions."""

    def __init__(self, *, transactions: UpdateTransactions, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.transactions = transactions

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        async def feed(**bound: Any) -> Any:
            # aiogram's own polling passes workflow data (the unbound services) as
            # kwargs too: the update's bound ones win.
            return await Dispatcher.feed_update(self, bot, update, **{**kwargs, **bound})

        return await self.transactions.run(self, bot, update, feed)
