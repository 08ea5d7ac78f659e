"""One WeChat message, one durable transaction, its reply stored with its claim.

Per message: open one write unit of work; claim (account, dedup key) in
`wechat_messages` — if it is there, the message committed before: it is not applied again
and its stored reply is the answer again; otherwise note that the user wrote (their
48-hour window), read their dialog, resolve who is talking, run the conversation with the
services joined to this unit of work, store the new dialog and the reply with the claim,
COMMIT. The reply is sent only after that (in the HTTP answer, or through the
customer-service API when the work outlasted the window; see webhook.py).

On SQLite the message's unit of work is a SAVEPOINT in the transaction it shares with the
messages and Telegram updates handled at the same moment (the process's one CommitGroup,
storage/group_commit.py): its claim, work, dialog and reply are released together or
rolled back alone, and `handle` returns only once the shared COMMIT covering them is
durable, so no reply leaves before its message is. If the shared transaction is lost
(another member ended it), nothing of this message committed and it is run again here, a
few times, before the failure goes up. On PostgreSQL a transaction of its own each.

A refused command (a CunzhanError) is a normal, committed answer whose writes were undone
in a savepoint. Any other exception rolls everything back (claim, writes, dialog) and
goes up: WeChat's retry of the message runs it as new.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from adapters.evidence import EvidenceStore, Stored
from bot.domain import commands as c
from bot.domain.clock import Clock
from bot.i18n import Translator, pick_language
from bot.services.authz import Actor
from bot.services.bus import LiveFormContext, Services
from bot.services.ports import UnitOfWork
from handlers.wechat import CHANNEL
from handlers.wechat.chat import Conversation
from handlers.wechat.client import WeChatApi
from handlers.wechat.media import keep_evidence, tracking_numbers, wants_evidence, wants_picture
from handlers.wechat.protocol import Inbound
from storage.group_commit import CommitGroup, GroupRolledBack
from storage.repositories.wechat import SqlWeChatRepo
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)

GROUP_ATTEMPTS = 3  # a message whose shared transaction was lost is run again this often


class JoinedServices:
    """`Services` whose every use case joins the message's unit of work; a write runs in
    a savepoint, so a refused one leaves the claim and the rest of the message intact."""

    def __init__(self, services: Services, uow: UnitOfWork) -> None:
        self._services, self._uow = services, uow
        self.forms = services.forms
        self.env = services.env

    async def run(self, command: c.Command | c.Query, actor: Actor) -> Any:
        if not command.writes:
            return await self._services.run(command, actor, self._uow)
        nested = await self._uow.connection.begin_nested()  # type: ignore[attr-defined]
        try:
            result = await self._services.run(command, actor, self._uow)
        except BaseException:
            await nested.rollback()
            raise
        await nested.commit()
        return result

    def form_context(self, actor: Actor, language: str) -> LiveFormContext:
        return LiveFormContext(self, actor, language)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Handled:
    reply: str | None
    repeated: bool = False  # committed before: this is the stored answer
    delivery: str = "passive"  # passive: in the HTTP answer; custom: by the API


class WeChatInbound:
    def __init__(
        self,
        uow: SqlUnitOfWorkFactory,
        services: Services,
        clock: Clock,
        account: str,
        default_language: str,
        dialog_idle: timedelta = timedelta(minutes=30),
        api: WeChatApi | None = None,  # to download pictures; None: pictures are not read
        evidence: EvidenceStore | None = None,  # where claims' photos are kept
        group: CommitGroup | None = None,  # SQLite: the process's shared commits
    ) -> None:
        self.api, self.evidence = api, evidence
        self.group = group
        self.uow, self.services, self.clock = uow, services, clock
        self.account, self.default_language = account, default_language
        self.dialog_idle = dialog_idle
        self.commits = 0

    async def handle(self, message: Inbound, late: Callable[[], bool] = lambda: False) -> Handled:
        """`late()` says, at commit time, whether WeChat was already answered `success`:
        then the reply is stored as going through the customer-service API, so a retry
        reaching another process does not answer it passively as well."""
        pictured, evidence = await self._picture(message)
        for _ in range(GROUP_ATTEMPTS - 1):
            try:
                return await self._once(message, late, pictured, evidence)
            except GroupRolledBack:
                # Nothing of it committed (nor its claim): running it again is applying
                # it as new, as WeChat's own retry would.
                log.warning("message %s: shared transaction lost, run again", message.dedup_key)
        return await self._once(message, late, pictured, evidence)  # the last try's failure goes up

    def _unit(self):
        """A write unit of work: a savepoint in the shared transaction (SQLite), or a
        transaction of its own."""
        return self.group.unit() if self.group is not None else self.uow(write=True)

    async def _once(
        self,
        message: Inbound,
        late: Callable[[], bool],
        pictured: list[str] | None,
        evidence: Stored | None,
    ) -> Handled:
        key = message.dedup_key
        async with self._unit() as uow:
            repo = SqlWeChatRepo(uow.connection)
            now = self.clock.now()
            if not await repo.claim(self.account, key, message.openid, now):
                stored = await repo.stored(self.account, key)
                assert stored is not None
                return Handled(stored.reply, repeated=True, delivery=stored.delivery)
            raw, changed = await repo.dialog(self.account, message.openid)
            await repo.seen(self.account, message.openid, now)
            # An unfinished form left alone longer than the idle time is over (as on
            # Telegram): the next message starts afresh instead of answering a stale step.
            stale = changed is not None and now - changed > self.dialog_idle
            dialog = json.loads(raw) if raw and not stale else None
            actor = await self.services.who(CHANNEL, message.openid, uow)
            t = Translator(pick_language(actor.language, self.default_language))
            joined = JoinedServices(self.services, uow)
            turn = await Conversation(joined, actor, message, t, pictured, evidence).turn(dialog)
            new = json.dumps(turn.dialog, ensure_ascii=False) if turn.dialog else None
            if new != raw or (new and stale):
                await repo.set_dialog(self.account, message.openid, new, now)
            delivery = "custom" if turn.reply and late() else "passive"
            await repo.store_reply(self.account, key, turn.reply, delivery)
            await uow.commit()
        # Here the message's work is durable (the group's COMMIT covering it included).
        self.commits += 1
        return Handled(turn.reply, delivery=delivery)

    async def _picture(self, message: Inbound) -> tuple[list[str] | None, Stored | None]:
        """A photographed waybill's numbers, when the keeper's form is at a step that takes
        one; a claim's photo, stored, when a draft takes evidence (read, downloaded and
        stored before the transaction opens)."""
        if message.kind != "image" or not message.media_id or self.api is None:
            return None, None
        async with self.uow() as uow:
            raw, _ = await SqlWeChatRepo(uow.connection).dialog(self.account, message.openid)
        dialog = json.loads(raw) if raw else None
        if wants_evidence(dialog) and self.evidence is not None:
            return None, await keep_evidence(self.api, self.evidence, message.media_id)
        if not wants_picture(dialog, self.services.forms):
            return None, None
        return await tracking_numbers(self.api, message.media_id), None

    async def mark_delivery(self, message: Inbound, *, sent: bool) -> None:
        """The late reply went through the customer-service API (`sent`), or could not:
        then it is passive again, and WeChat's next retry gets it in the HTTP answer."""
        async with self._unit() as uow:
            repo = SqlWeChatRepo(uow.connection)
            if sent:
                await repo.mark_custom(self.account, message.dedup_key, self.clock.now())
            else:
                await repo.mark_passive(self.account, message.dedup_key)
            await uow.commit()
