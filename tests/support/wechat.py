"""The WeChat front end running for real: the webhook on 127.0.0.1 over a migrated
database, the API double, and a phone that posts signed (encrypted) requests to it."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from adapters.evidence import EvidenceStore
from bot.domain.commands import CreateInvite
from bot.domain.roles import Role
from bot.services.bus import Services
from bot.services.env import Env
from bot.services.invites import CLI_ACTOR
from devtools.wechat_double import FakeWeChatApi, WeChatPhone
from handlers.wechat.client import Account, WeChatApi
from handlers.wechat.inbound import WeChatInbound
from handlers.wechat.protocol import MessageCipher
from handlers.wechat.webhook import WEBHOOK_PATH, WebhookConfig, WeChatWebhook
from storage.group_commit import commit_group_for
from storage.uow import SqlUnitOfWorkFactory

TOKEN = "cunzhan-token"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
APPID, SECRET = "wx49f0ab532d5d035a", "app-secret"


@dataclass
class WeChatStack:
    services: Services
    webhook: WeChatWebhook
    inbound: WeChatInbound
    api: WeChatApi
    fake: FakeWeChatApi
    phone: WeChatPhone
    url: str

    async def invite(self, code: str = "A-S1", key: str = "cli:wx") -> str:
        created = await self.services.run(CreateInvite(Role.KEEPER, code, request_key=key),
                                          CLI_ACTOR)  # fmt: skip
        return created.token


@asynccontextmanager
async def running_wechat(
    engine,
    clock,
    *,
    safe: bool = True,
    reply_within: float = 4.0,
    services=None,
    evidence_dir=None,
    group=None,
):
    """The webhook as `python -m bot run` serves it: on a SQLite file its messages share
    COMMITs through a CommitGroup (`group`, or one of its own), on PostgreSQL not."""
    uow = SqlUnitOfWorkFactory(engine)
    group = group or commit_group_for(engine)
    services = services or Services(uow, Env(clock, b"wechat-test-key"))
    cipher = MessageCipher(AES_KEY, APPID) if safe else None
    now = lambda: clock.now().timestamp()  # noqa: E731 — the services' clock signs too
    async with FakeWeChatApi(APPID, SECRET) as fake:
        api = WeChatApi(Account(APPID, SECRET, fake.base_url), uow, clock)
        evidence = EvidenceStore(Path(evidence_dir)) if evidence_dir else None
        inbound = WeChatInbound(
            uow, services, clock, APPID, "zh", api=api, evidence=evidence, group=group
        )
        config = WebhookConfig(TOKEN, cipher, reply_within=reply_within, now=now)
        webhook = WeChatWebhook(config, inbound, api)
        runner = web.AppRunner(webhook.app())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        try:
            async with WeChatPhone(url, TOKEN, cipher=cipher, now=now) as phone:
                yield WeChatStack(services, webhook, inbound, api, fake, phone, url)
        finally:
            await runner.cleanup()
            await api.close()
