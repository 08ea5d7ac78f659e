"""How long does a backlog of staff alerts take to reach the county robots, folded and not?
`python -m benchmarks.robot_alerts [--alerts 600] [--robots 3] [--window 2]`

Enqueues N staff notices (idle-station lists of eight stations each, ~700 bytes rendered
in Chinese) spread over WeCom and DingTalk robots in a fresh SQLite database, then
delivers them twice with the real robot worker (jobs/robot_worker.py) and senders
(handlers/office_im, aiohttp, DingTalk signed) to the local robot double, which enforces
20 messages per robot per `--window` seconds as a sliding window:

* **baseline**: one notice per message (`max_fold=1`), what a plain outbox worker does;
* **folded**: as many notices per message as fit 4 KB, what production does.

The robots' real window is 60 s; it is scaled to `--window` so the run takes seconds.
Figures printed: messages, notices per message, time to drain, the ratio baseline/folded,
and what the drain times would be at the real 20 messages/minute. The double counts any
message over the limit (`violations`): it must be 0 for both runs.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from bot.domain.notices import Address, Notice, NoticeKind
from devtools.office_im_double import RobotDouble
from handlers.office_im.clients import DingTalkClient, WeComClient
from handlers.office_im.sender import RobotDirectory, RobotSender
from jobs.outbox_worker import Tuning
from jobs.rate_limit import Limits
from jobs.robot_worker import FoldingOutboxWorker
from storage.engine import create_engine, write_transaction
from storage.migrate import upgrade
from storage.repositories.outbox import SqlOutboxRepo
from storage.repositories.robots import SqlRobotRepo
from storage.schema import counties

SECRET = "SECbenchmark0signing0secret0for0the0double0robots"


async def run(alerts: int, robots: int, window: float, fold: bool, database: Path) -> dict:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade(engine)
    double = RobotDouble(window=window, per_window=20, mute_seconds=window * 10)
    await double.start()
    now = datetime.now(UTC)
    kinds: dict[int, str] = {}
    async with write_transaction(engine) as conn:
        county = (
            await conn.execute(
                counties.insert()
                .values(
                    code="B",
                    name="基准县",
                    timezone="Asia/Shanghai",
                    created_at=now,
                    updated_at=now,
                )
                .returning(counties.c.id)
            )
        ).scalar_one()
        for n in range(robots):
            kind = "dingtalk" if n % 2 else "wecom"
            secret = f"{kind}-robot-{n:04d}"
            sign = SECRET if kind == "dingtalk" else None
            double.dingtalk(secret, sign) if sign else double.wecom(secret)
            robot = await SqlRobotRepo(conn).add(
                county, kind, f"群{n}", secret, sign, "zh", False, now
            )
            kinds[robot] = kind
        notices = [
            Notice(
                f"bench:{i}",
                NoticeKind.IDLE_DIGEST,
                {
                    "min_days": 7,
                    "stations": [[f"B-{i:05d}", f"第{s}号服务站", 8 + s] for s in range(8)],
                },
                address=Address(kinds[rid], f"robot:{rid}", "zh"),
            )
            for i in range(alerts)
            for rid in [list(kinds)[i % robots]]
        ]
        await SqlOutboxRepo(conn).enqueue(notices, now)
    limits = Limits(per_second=1000, per_chat_per_second=20 / window, per_group_per_minute=20)
    tuning = Tuning(horizon=float("inf"), poll_interval=0.1)
    async with aiohttp.ClientSession() as session:
        directory = RobotDirectory(engine)
        workers = [
            FoldingOutboxWorker(
                engine,
                RobotSender(kind, directory, client),
                channel=kind,
                limits=limits,
                tuning=tuning,
                max_fold=50 if fold else 1,
            )
            for kind, client in (
                ("wecom", WeComClient(session, double.base_url)),
                ("dingtalk", DingTalkClient(session, double.base_url)),
            )
        ]
        start = time.monotonic()
        for worker in workers:
            worker.start()
        while sum(w.stats.sent for w in workers) < alerts:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        elapsed = time.monotonic() - start
        for worker in workers:
            await worker.stop()
    await double.close()
    await engine.dispose()
    messages = len(double.received)
    return {
        "messages": messages,
        "per_message": alerts / messages,
        "seconds": elapsed,
        "violations": len(double.violations),
        "bad_signatures": double.bad_signatures,
        # At the real limit a robot takes 19 messages a minute (5 % headroom).
        "real_minutes": messages / robots / 19,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=600)
    parser.add_argument("--robots", type=int, default=3)
    parser.add_argument("--window", type=float, default=2.0, help="seconds per 20 messages")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = asyncio.run(run(args.alerts, args.robots, args.window, False, Path(tmp) / "a.db"))
        folded = asyncio.run(run(args.alerts, args.robots, args.window, True, Path(tmp) / "b.db"))
    print(f"{args.alerts} staff alerts to {args.robots} robots, 20 messages/{args.window:g} s each")
    for name, r in (("baseline (1 per message)", base), ("folded", folded)):
        print(
            f"  {name:25} {r['messages']:5d} messages  {r['per_message']:5.1f} alerts/message  "
            f"{r['seconds']:6.1f} s  violations {r['violations']}  bad signatures "
            f"{r['bad_signatures']}  at 20/min: {r['real_minutes']:.1f} min"
        )
    print(f"  drain time baseline / folded: {base['seconds'] / folded['seconds']:.1f}x")


if __name__ == "__main__":
    main()
