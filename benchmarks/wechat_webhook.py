"""WeChat under load: `python -m benchmarks.wechat_webhook [--keepers 200] [--each 5] [--own]`

200 keepers, each with their own station, bound through the real invite flow (a QR
scene on WeChat, `/start` on Telegram), all logging parcels at once
(`入 SF… 张三 1234`), each sending the next as soon as the last was answered. WeChat:
signed, AES-encrypted POSTs to the real webhook (signature, timestamp, decryption, the
message's transaction on SQLite with synchronous=FULL, the encrypted passive reply).
Telegram, in the same run and on the same database: the same load as update JSON to
the Telegram webhook, which answers 200 once the update committed and its reply went to
the Bot API double.

Both front ends take turns in the process's one CommitGroup (storage/group_commit.py):
messages handled at the same moment share one durable COMMIT. `--own` runs the WeChat
messages a write transaction each instead (how it was before), for a before/after
comparison on the same machine (alternate the two when the machine is noisy).
`--together` loads both front ends at the same moment (one process, one write lock)
instead of one after the other.

Printed per front end: messages/s and p50/p99 of the time from sending to the HTTP
answer (for WeChat, the decrypted passive reply in hand), the share answered `success`
(too slow for the window), and the ratio of WeChat's p99 to Telegram's. Every intake must
leave exactly one ledger entry; the script checks.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from bot.bootstrap import App, build_app
from bot.commands.keys import cli_key
from bot.config import Settings
from bot.domain.commands import CreateInvite
from bot.domain.roles import Role
from bot.services.invites import CLI_ACTOR
from devtools.harness import DEMO_TOKEN
from devtools.telegram_double.server import FakeTelegram
from devtools.wechat_double import FakeWeChatApi, WeChatPhone
from handlers.telegram import build_dispatcher
from handlers.telegram.runner import make_bot, webhook_app
from handlers.wechat.client import Account, WeChatApi
from handlers.wechat.inbound import WeChatInbound
from handlers.wechat.protocol import MessageCipher
from handlers.wechat.webhook import WEBHOOK_PATH, WebhookConfig, WeChatWebhook
from storage.schema import ledger_entries
from tests.support.crashes import PHONE_KEY, seed_stations

TOKEN, AES_KEY, APPID = "bench-token", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "wxbench"
SECRET = "bench-secret"  # the AppSecret, and Telegram's webhook secret


def tracking(channel: int, keeper: int, n: int) -> str:
    return f"SF{channel}{keeper:05d}{n:06d}"


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def invites(app: App, codes: list[str]) -> list[str]:
    tokens = []
    for code in codes:
        created = await app.services.run(
            CreateInvite(Role.KEEPER, code, request_key=cli_key("invite")), CLI_ACTOR
        )
        tokens.append(created.token)
    return tokens


def report(name: str, waits: list[float], elapsed: float, late: int, what: str) -> float:
    waits = sorted(waits)
    p50 = statistics.median(waits) * 1000
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))] * 1000
    print(
        f"{name:9s} {len(waits)} messages in {elapsed:.1f} s = {len(waits) / elapsed:.0f}/s;"
        f" answer p50 {p50:.0f} ms, p99 {p99:.0f} ms; {what}: {late}"
    )
    return p99


def per_commit(app: App, commits: int, units: int) -> str:
    group = app.commit_group
    if group is None:
        return ""
    made, done = group.commits - commits, group.committed_units - units
    return f"; {done} units of work in {made} durable COMMITs ({done / max(made, 1):.1f} each)"


async def wechat_load(
    app: App, codes: list[str], each: int, own: bool, start: asyncio.Barrier
) -> float:
    fake = await FakeWeChatApi(APPID, SECRET).start()  # late replies go here
    api = WeChatApi(Account(APPID, SECRET, fake.base_url), app.uow, app.clock)
    for k in range(len(codes)):
        fake.opened_window(f"o-{k}")
    webhook = WeChatWebhook(
        WebhookConfig(TOKEN, MessageCipher(AES_KEY, APPID)),
        WeChatInbound(
            app.uow, app.services, app.clock, APPID, "zh", group=None if own else app.commit_group
        ),
        api,
    )
    runner, base = await serve(webhook.app())
    connector = aiohttp.TCPConnector(limit=0)
    try:
        async with aiohttp.ClientSession(connector=connector) as session:
            phone = WeChatPhone(
                base + WEBHOOK_PATH, TOKEN, cipher=MessageCipher(AES_KEY, APPID), session=session
            )
            tokens = await invites(app, codes)
            for first in range(0, len(tokens), 20):  # binding is set-up, not measured
                bound = await asyncio.gather(
                    *(
                        phone.post(phone.event(f"o-{k}", "subscribe", f"qrscene_{token}"))
                        for k, token in enumerate(tokens[first : first + 20], first)
                    )
                )
                assert all("欢迎" in (b.text or "") for b in bound), bound[0]
            waits: list[float] = []
            late = 0
            await start.wait()  # --together: both loads start at this moment
            group = app.commit_group
            commits, units = (group.commits, group.committed_units) if group else (0, 0)

            async def keeper(k: int) -> None:
                nonlocal late
                for n in range(each):
                    started = time.perf_counter()
                    answer = await phone.post(
                        phone.text(f"o-{k}", f"入 {tracking(1, k, n)} 张三 1234")
                    )
                    waits.append(time.perf_counter() - started)
                    if answer.text is None:
                        late += 1
                    else:
                        assert "取件码" in answer.text, answer.text

            started = time.perf_counter()
            await asyncio.gather(*(keeper(k) for k in range(len(codes))))
            elapsed = time.perf_counter() - started
            grouped = "" if own else per_commit(app, commits, units)
    finally:
        await runner.cleanup()  # waits for the late ones to be sent
        await api.close()
        await fake.stop()
    late_sent = sum("取件码" in sent.text for sent in fake.sent)
    print(f"late replies delivered through the customer-service API: {late_sent}")
    p99 = report("WeChat", waits, elapsed, late, "answered `success` (past the window)")
    print("          " + ("a write transaction each (--own)" if own else grouped.lstrip("; ")))
    return p99


def update(update_id: int, user: int, text: str, message_id: int) -> dict:
    person = {"id": user, "is_bot": False, "first_name": f"站长{user}", "language_code": "zh"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private", "first_name": person["first_name"]},
            "from": person,
            "text": text,
        },
    }


async def telegram_load(app: App, codes: list[str], each: int, start: asyncio.Barrier) -> float:
    async with FakeTelegram() as fake:
        bot = make_bot(DEMO_TOKEN, fake.base_url)
        runner, base = await serve(webhook_app(build_dispatcher(app), bot, SECRET))
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        ids = itertools.count(1)
        connector = aiohttp.TCPConnector(limit=0)
        try:
            async with aiohttp.ClientSession(connector=connector) as session:

                async def post(user: int, text: str) -> int:
                    n = next(ids)
                    async with session.post(
                        base + "/telegram", json=update(n, user, text, n), headers=headers
                    ) as answer:
                        return answer.status

                tokens = await invites(app, codes)
                users = [10_000 + k for k in range(len(codes))]
                for user in users:
                    fake.create_user(f"站长{user}", id=user)
                pairs = list(zip(users, tokens, strict=True))
                for first in range(0, len(pairs), 20):  # set-up, not measured
                    statuses = await asyncio.gather(
                        *(post(u, f"/start {t}") for u, t in pairs[first : first + 20])
                    )
                    assert set(statuses) == {200}, statuses
                waits: list[float] = []
                refused = 0
                await start.wait()
                group = app.commit_group
                commits, units = (group.commits, group.committed_units) if group else (0, 0)

                async def keeper(k: int) -> None:
                    nonlocal refused
                    for n in range(each):
                        started = time.perf_counter()
                        status = await post(users[k], f"入 {tracking(2, k, n)} 张三 1234")
                        waits.append(time.perf_counter() - started)
                        refused += status != 200

                started = time.perf_counter()
                await asyncio.gather(*(keeper(k) for k in range(len(codes))))
                elapsed = time.perf_counter() - started
                grouped = per_commit(app, commits, units)
        finally:
            await runner.cleanup()
    p99 = report("Telegram", waits, elapsed, refused, "not answered 200")
    print("          " + grouped.lstrip("; "))
    return p99


async def main(keepers: int, each: int, own: bool, together: bool) -> None:
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}",
            phone_hash_key=PHONE_KEY,
            log_level="WARNING",
        )
        app = await build_app(settings)
        try:
            codes = await seed_stations(app, keepers * 2)
            print(f"{keepers} keepers at once, {each} parcels each, SQLite (synchronous=FULL)")
            if together:
                # One process serving both front ends under load at the same moment; the
                # COMMIT counts printed are then those of both (one CommitGroup).
                print("WeChat and Telegram loaded at the same time")
                start = asyncio.Barrier(2)
                wechat, telegram = await asyncio.gather(
                    wechat_load(app, codes[:keepers], each, own, start),
                    telegram_load(app, codes[keepers:], each, start),
                )
            else:
                start = asyncio.Barrier(1)
                wechat = await wechat_load(app, codes[:keepers], each, own, start)
                telegram = await telegram_load(app, codes[keepers:], each, start)
            async with app.engine.connect() as conn:
                entries = (
                    await conn.execute(select(func.count()).select_from(ledger_entries))
                ).scalar_one()
            assert entries == 2 * keepers * each, f"{entries} entries, not {2 * keepers * each}"
            print(f"ledger entries: {entries} (each intake once)")
            print(f"ratio WeChat p99 / Telegram p99: {wechat / telegram:.2f}")
            print(f"WeChat p99 is {wechat / 5000:.0%} of the 5-second window")
        finally:
            await app.close()


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keepers", type=int, default=200)
    parser.add_argument("--each", type=int, default=5, help="parcels per keeper")
    parser.add_argument(
        "--own", action="store_true", help="WeChat: a write transaction per message (before)"
    )
    parser.add_argument(
        "--together", action="store_true", help="both front ends loaded at the same time"
    )
    args = parser.parse_args()
    asyncio.run(main(args.keepers, args.each, args.own, args.together))
