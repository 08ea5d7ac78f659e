"""The outbox worker's Sender for WeChat: a notice reaches a person as a customer-service
message while their 48-hour window is open (they wrote, clicked, followed or scanned in
the last 48 hours), as a template message outside it when the account has a template for
notices, and is recorded `undeliverable` (with why) when neither is possible.

The window is read from `wechat_users.last_inbound_at` at send time, with a margin so a
message is not sent a second before the window closes; WeChat's own 45015 answer (the
window closed after all) falls back to the template the same way.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import aiohttp

from bot.domain.clock import Clock
from bot.domain.notices import NoticeKind
from bot.services.notice_texts import RenderedNotice
from handlers.wechat.client import OUTSIDE_WINDOW, WeChatApi, WeChatError
from jobs.outbox_worker import OutboxWorker, Rejected, Transient, Unreachable
from jobs.rate_limit import Limits
from storage.repositories.wechat import SqlWeChatRepo
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=48)
MARGIN = timedelta(minutes=10)
UNFOLLOWED = 43004  # the user no longer follows the account
# WeChat's customer-service API: no published per-second figure; stay gentle.
WECHAT_LIMITS = Limits(per_second=20.0, per_chat_per_second=1.0, per_group_per_minute=20.0)
# The core's texts name no command; here the word that acts on the notice follows it.
COMMAND_HINTS = {
    NoticeKind.NUDGE: "本月",
    NoticeKind.IDLE: "帮助",
    NoticeKind.STRANDED: "待取",
    NoticeKind.DIALOG_EXPIRED: "帮助",
}


def message_text(notice: RenderedNotice) -> str:
    hint = COMMAND_HINTS.get(notice.kind)
    return f"{notice.text}\n→ {hint}" if hint else notice.text


class WeChatSender:
    def __init__(
        self,
        api: WeChatApi,
        uow: SqlUnitOfWorkFactory,
        clock: Clock,
        account: str,
        template_id: str | None = None,
    ) -> None:
        self.api, self.uow, self.clock = api, uow, clock
        self.account, self.template_id = account, template_id

    async def _in_window(self, openid: str) -> bool:
        async with self.uow() as uow:
            last = await SqlWeChatRepo(uow.connection).last_inbound(self.account, openid)
        return last is not None and self.clock.now() - last < WINDOW - MARGIN

    async def send(self, chat_id: str, notice: RenderedNotice) -> None:
        text = message_text(notice)
        try:
            if await self._in_window(chat_id):
                try:
                    await self.api.send_text(chat_id, text)
                    return
                except WeChatError as error:
                    if error.errcode != OUTSIDE_WINDOW:
                        raise
            if not self.template_id:
                raise Unreachable("outside the 48-hour window and no template message set")
            await self.api.send_template(chat_id, self.template_id, {"content": text[:200]})
        except WeChatError as error:
            if error.errcode == UNFOLLOWED:
                raise Unreachable(f"the user unfollowed the account ({error.errcode})") from error
            if error.errcode in (-1, 45009, 45047):  # busy, over quota: later
                raise Transient(str(error)) from error
            raise Rejected(str(error)) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise Transient(f"{type(error).__name__}: {error}") from error


def start_wechat_outbox(app, api: WeChatApi, template_id: str | None) -> OutboxWorker:
    """The notice worker for WeChat users, running; `await worker.stop()` at shutdown."""
    sender = WeChatSender(api, app.uow, app.clock, app.settings.wechat_appid, template_id)
    worker = OutboxWorker(
        app.engine, sender, channel="wechat", clock=app.clock, limits=WECHAT_LIMITS
    )
    worker.start()
    return worker
