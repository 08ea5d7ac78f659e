"""How close does notice delivery come to Telegram's limit?
`python -m benchmarks.alert_fanout [--alerts 3000] [--limit 30]`

Enqueues N notices to N registered people (each with a private Telegram chat) in a fresh
SQLite database, then delivers them with the real worker (jobs/outbox_worker.py: each
person resolved to their chat and language when claimed, each notice rendered in that
language when sent) and the real Telegram sender (aiogram over HTTP) to the Bot API
double, whose flood control enforces the configured overall limit (Telegram's 30
messages/s by default; 1/s per chat and 20/min per group as well).
The fan-out rate is measured where Telegram would measure it, at the double: messages
accepted per second between the first and the last arrival. It is printed with its
fraction of the configured limit; the target is ≥ 0.9. The worker deliberately paces 5 %
under each limit (`Limits.headroom`), so 0.95 is the ceiling by design.

At 30/s, 3,000 notices take a little under two minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.notices import Notice, NoticeKind
from devtools.harness import DEMO_TOKEN
from devtools.telegram_double.flood import FloodFakeTelegram
from handlers.telegram.outbox_sender import TelegramSender
from handlers.telegram.runner import make_bot
from jobs.outbox_worker import Limits, OutboxWorker
from storage.engine import create_engine, write_transaction
from storage.migrate import upgrade
from storage.repositories.outbox import SqlOutboxRepo
from storage.schema import identities, people


async def run(count: int, limit: float, database: Path) -> dict[str, float]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade(engine)
    async with FloodFakeTelegram() as fake:
        flood = fake.enforce_limits(global_per_s=limit, per_chat_per_s=1, group_per_min=20)
        arrivals: list[float] = []
        admit = flood.admit

        def timed_admit(chat_id: int) -> None:
            admit(chat_id)  # raises the 429 when over a limit: only accepted sends count
            arrivals.append(time.monotonic())

        flood.admit = timed_admit  # type: ignore[method-assign]
        users = [fake.create_user(f"keeper {n}") for n in range(count)]
        now = datetime.now(UTC)
        alerts = [
            Notice(
                f"bench:{n}",
                NoticeKind.IDLE,
                {"station": f"station {n}", "days": 3},
                person_id=n + 1,
            )
            for n in range(count)
        ]
        async with write_transaction(engine) as conn:
            await conn.execute(
                people.insert(),
                [
                    {
                        "id": n + 1,
                        "display_name": f"k{n}",
                        "language": ("zh", "en")[n % 2],
                        "created_at": now,
                    }
                    for n in range(count)
                ],
            )
            await conn.execute(
                identities.insert(),
                [
                    {
                        "person_id": n + 1,
                        "channel": "telegram",
                        "external_id": str(user.id),
                        "chat_id": str(user.id),
                        "created_at": now,
                    }
                    for n, user in enumerate(users)
                ],
            )
            await SqlOutboxRepo(conn).enqueue(alerts, now)

        bot = make_bot(DEMO_TOKEN, fake.base_url)
        worker = OutboxWorker(engine, TelegramSender(bot), limits=Limits(per_second=limit))
        started = time.monotonic()
        worker.start()
        try:
            await fake.wait_for(lambda: len(fake.sent) >= count, timeout=count / limit * 2 + 30)
        finally:
            await worker.stop()
            await bot.session.close()
        finished = time.monotonic()
        received = Counter(m.text for m in fake.sent)
        async with engine.connect() as conn:
            counts = await SqlOutboxRepo(conn).counts()
    await engine.dispose()
    span = arrivals[-1] - arrivals[0]
    rate = (len(arrivals) - 1) / span if span > 0 else float("nan")
    return {
        "alerts": count,
        "delivered": len(received),
        "duplicates": sum(n - 1 for n in received.values()),
        "marked_sent": counts["sent"],
        "refused_429": len(flood.violations),
        "seconds": finished - started,
        "rate": rate,
        "fraction": rate / limit,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=3000, help="notices, one per person")
    parser.add_argument("--limit", type=float, default=30, help="overall messages/s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(run(args.alerts, args.limit, Path(tmp) / "bench.db"))
    print(
        f"alerts: {result['alerts']}  delivered: {result['delivered']}  "
        f"duplicates: {result['duplicates']}  marked sent: {result['marked_sent']}  "
        f"429s from flood control: {result['refused_429']}"
    )
    print(f"wall time (worker start to last message): {result['seconds']:.1f} s")
    print(
        f"alert fan-out rate: {result['rate']:.2f} messages/s = {result['fraction']:.3f} "
        f"of the configured limit ({args.limit:g}/s); target >= 0.9"
    )


if __name__ == "__main__":
    main()
