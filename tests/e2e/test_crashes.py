"""Every update exactly once, in order, through SIGKILLs: the bot as its own process.

`python -m bot run` long-polls the Bot API double, which keeps every update until a later
offset confirms it (as Telegram does), so what the bot fetched but did not confirm comes
again. 24 keepers stream one-line intakes faster than the bot answers them while the bot
is killed with SIGKILL at random moments and restarted (and once stopped with SIGTERM, which
must drain and exit 0, and restarted). Afterwards: every intake is in the
ledger exactly once, every one was answered, each keeper's pickup codes follow the order
they sent, and SQLite's integrity check is ok.

The short variants run by default; `CUNZHAN_SOAK=1` runs the long ones too (minutes).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket

import pytest

from devtools.telegram_double.server import FakeTelegram
from tests.support.crashes import Rig

log = logging.getLogger(__name__)

soak = pytest.mark.skipif(
    not os.environ.get("CUNZHAN_SOAK"), reason="long soak run: set CUNZHAN_SOAK=1"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def webhook_env() -> dict[str, str]:
    port = free_port()
    return {
        "CUNZHAN_WEBHOOK_URL": f"http://127.0.0.1:{port}",
        "CUNZHAN_WEBHOOK_LISTEN_HOST": "127.0.0.1",
        "CUNZHAN_WEBHOOK_LISTEN_PORT": str(port),
        "CUNZHAN_WEBHOOK_SECRET": "crash-rig-secret",
    }


async def crash_run(
    tmp_path,
    *,
    keepers: int,
    per_keeper: int,
    rate: float,
    kills: int,
    seed: int,
    webhook: bool = False,
    lock_for: float = 0,
    sigterms: int = 1,
) -> None:
    rng = random.Random(seed)
    async with FakeTelegram() as fake:
        rig = Rig(tmp_path, fake, env=webhook_env() if webhook else None)
        try:
            await rig.prepare(keepers)
            total = keepers * per_keeper
            sending = total / rate
            stream = asyncio.create_task(rig.stream(per_keeper, rate))
            if lock_for:
                locker = asyncio.create_task(rig.hold_write_lock(lock_for, after=sending / 3))
            # Kills while the stream runs and while the backlog drains after it.
            await rig.kill_at_random(kills, sending, rng, sigterms=sigterms)
            await stream
            if lock_for:
                await locker
            await rig.wait_all_answered(timeout=60 + total / 20)
            code = await rig.bot.terminate()
            audit = rig.audit()
            report = (
                f"{audit.line()}; kills {rig.bot.kills} (unanswered at each: "
                f"{rig.backlog_at_kills}), SIGTERM exits {rig.drains}, starts {rig.bot.starts}; "
                f"exit after SIGTERM {code}"
            )
            print(report)
            assert audit.clean, (
                f"{report}\nlost {audit.lost[:5]} doubled {audit.doubled[:5]} "
                f"unanswered {audit.unanswered[:5]} inversions {audit.inversions[:5]}\n"
                f"{rig.log_tail()}"
            )
            assert rig.bot.kills >= kills
            assert rig.drains == [0] * sigterms, rig.log_tail()
            assert code == 0, rig.log_tail()
            assert not fake.pending_updates, "updates left unconfirmed at Telegram"
        finally:
            await rig.close()


async def test_polling_loses_nothing_through_sigkills(tmp_path):
    """24 keepers × 25 intakes at 120/s (more than the bot answers), 3 SIGKILLs."""
    await crash_run(tmp_path, keepers=24, per_keeper=25, rate=120, kills=3, seed=8)


@soak
async def test_polling_soak(tmp_path):
    """20 keepers × 200 intakes at 60/s, 8 SIGKILLs."""
    await crash_run(tmp_path, keepers=20, per_keeper=200, rate=60, kills=8, seed=88)


async def test_webhook_loses_nothing_through_sigkills(tmp_path):
    """The same over the webhook: the double POSTs each update until it gets a 200."""
    await crash_run(tmp_path, keepers=24, per_keeper=20, rate=120, kills=3, seed=9, webhook=True)


async def test_polling_through_a_20_second_lock(tmp_path):
    """Another process holds SQLite's write lock for 20 s mid-stream; 2 SIGKILLs too."""
    await crash_run(tmp_path, keepers=20, per_keeper=15, rate=60, kills=2, seed=10, lock_for=20)


async def test_webhook_through_a_20_second_lock(tmp_path):
    await crash_run(
        tmp_path, keepers=20, per_keeper=15, rate=60, kills=2, seed=11, lock_for=20, webhook=True
    )


@soak
async def test_webhook_soak(tmp_path):
    await crash_run(
        tmp_path, keepers=20, per_keeper=150, rate=60, kills=6, seed=99, webhook=True, lock_for=25
    )
