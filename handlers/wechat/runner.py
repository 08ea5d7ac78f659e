"""Serving the WeChat webhook from `python -m bot run`: beside Telegram in one process
when both are configured, or alone."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from adapters.evidence import EvidenceStore
from bot.bootstrap import App
from bot.config import Settings
from handlers.wechat.client import Account, WeChatApi
from handlers.wechat.inbound import WeChatInbound
from handlers.wechat.protocol import MessageCipher
from handlers.wechat.webhook import WEBHOOK_PATH, WebhookConfig, WeChatWebhook

log = logging.getLogger(__name__)


@dataclass
class WeChatFrontEnd:
    webhook: WeChatWebhook
    api: WeChatApi | None  # None without the AppSecret: nothing can be sent, only answered


def api_for(app: App) -> WeChatApi | None:
    settings = app.settings
    if not (settings.wechat_appid and settings.wechat_secret):
        return None
    account = Account(
        settings.wechat_appid, settings.wechat_secret.get_secret_value(), settings.wechat_api_base
    )
    return WeChatApi(account, app.uow, app.clock)


def build_front_end(app: App) -> WeChatFrontEnd:
    settings: Settings = app.settings
    assert settings.wechat_appid and settings.wechat_token
    cipher = None
    if settings.wechat_aes_key:
        cipher = MessageCipher(settings.wechat_aes_key.get_secret_value(), settings.wechat_appid)
    config = WebhookConfig(
        settings.wechat_token.get_secret_value(),
        cipher,
        reply_within=settings.wechat_reply_within_seconds,
        default_language=settings.default_language,
    )
    api = api_for(app)
    inbound = WeChatInbound(
        app.uow,
        app.services,
        app.clock,
        settings.wechat_appid,
        settings.default_language,
        dialog_idle=app.dialog_idle,
        api=api,
        evidence=EvidenceStore(Path(settings.evidence_dir)),
        group=app.commit_group,  # the same CommitGroup as Telegram's in this process
    )
    return WeChatFrontEnd(WeChatWebhook(config, inbound, api), api)


async def serve_wechat(app: App, *, stop: asyncio.Event, with_jobs: bool) -> None:
    """Listen until `stop`; then finish the messages in flight. `with_jobs`: this process
    has no Telegram front end, so the scheduler runs here."""
    settings = app.settings
    front = build_front_end(app)
    runner = web.AppRunner(front.webhook.app())
    await runner.setup()
    site = web.TCPSite(runner, settings.wechat_listen_host, settings.wechat_listen_port)
    await site.start()
    outbox = None
    if front.api is not None:
        from handlers.wechat.sender import start_wechat_outbox

        outbox = start_wechat_outbox(app, front.api, settings.wechat_notice_template_id)
    scheduler = None
    if with_jobs:
        from jobs.scheduler import start_scheduler, stop_scheduler

        scheduler = start_scheduler(app)
    log.info(
        "WeChat webhook listening on %s:%s%s (%s mode)",
        settings.wechat_listen_host,
        settings.wechat_listen_port,
        WEBHOOK_PATH,
        "safe" if settings.wechat_aes_key else "plain",
    )
    try:
        await stop.wait()
    finally:
        await runner.cleanup()  # drains: in-flight messages end, late replies go out
        if outbox is not None:
            await outbox.stop()
        if scheduler is not None:
            await stop_scheduler(scheduler)
        if front.api is not None:
            await front.api.close()
