"""A county's load end to end: `python -m benchmarks.e2e_load [--keepers 200] [--each 10]`

200 keepers, each with their own station, registered through the real invite flow, all
logging parcels at once (`入 SF… 张三 1234`): each keeper sends the next one as soon as the
bot answered the last, as a person at the counter would. Everything is real: the
production runner (`serve_polling`: getUpdates over HTTP to the local Bot API double, the
durable inbox, the per-chat processor, the dispatcher, middlewares and the update's
transaction on SQLite with synchronous=FULL), and the answers go back over HTTP.

Printed: updates/s, and p50/p99 time to answer (from the keeper's send until the bot's
sendMessage naming that tracking number reached the double). Beside it, the same load
through the same poller, inbox and processor with a do-nothing handler (it answers
"ok" and touches no ledger): the transport's own limit. Every intake must leave exactly one
ledger entry; the script checks.

`--postgres URL` runs the real bot on PostgreSQL too (a throw-away database).
Like `python -m bot run`, each run freezes the started heap first (`settle_heap`);
`--no-freeze` leaves it out, to compare; each run prints its longest garbage-collector
pause. `--runs N` (default 3) alternates the runs N times, each on a fresh database, and the
ratio is taken between medians: the do-nothing run alone moves by ±30 % from one run to
the next on this shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import secrets
import statistics
import tempfile
import time
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from aiogram import Dispatcher, Router
from aiogram.types import Message
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.bootstrap import App, build_app
from bot.commands.keys import cli_key
from bot.commands.run import settle_heap
from bot.config import Settings
from bot.domain.commands import CreateInvite
from bot.domain.roles import Role
from bot.services.invites import CLI_ACTOR
from devtools.harness import DEMO_TOKEN, live_bot
from devtools.telegram_double.server import FakeTelegram, FakeUser
from handlers.telegram.pipeline.inbox import InboxProcessor
from handlers.telegram.pipeline.polling import InboxPoller
from handlers.telegram.runner import make_bot
from storage.engine import create_engine
from storage.repositories.inbox import SqlInbox
from storage.schema import ledger_entries
from tests.support.crashes import PHONE_KEY, seed_stations

TRACKING = re.compile(r"SF\d{12}")


class TimedFake(FakeTelegram):
    """The double, noting when each answer naming a tracking number arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.answered_at: dict[str, float] = {}
        self.answers: dict[int, asyncio.Event] = {}

    def _record(self, token, method, params, content):
        message = super()._record(token, method, params, content)
        now = time.perf_counter()
        for tracking in TRACKING.findall(message.body):
            self.answered_at.setdefault(tracking, now)
        event = self.answers.get(message.chat_id)
        if event is not None:
            event.set()
        return message


def tracking_no(keeper: int, n: int) -> str:
    return f"SF{keeper + 100:03d}{n:09d}"


async def keeper_loop(fake: TimedFake, k: int, user: FakeUser, each: int, sent_at: dict) -> None:
    for n in range(each):
        tracking = tracking_no(k, n)
        event = fake.answers[user.id] = asyncio.Event()
        sent_at[tracking] = time.perf_counter()
        fake.send_text(user, f"入 {tracking} 张三 {1000 + n}")
        while tracking not in fake.answered_at:
            await event.wait()
            event.clear()


class GcPauses:
    """The garbage collector's pauses while the load runs (everything in flight waits)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._started = 0.0

    def __call__(self, phase: str, _info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.longest = max(self.longest, time.perf_counter() - self._started)


GC_PAUSES: list[float] = []  # the longest pause of each run, for the report


async def drive(fake: TimedFake, users: list[FakeUser], each: int) -> tuple[float, list[float]]:
    sent_at: dict[str, float] = {}
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    started = time.perf_counter()
    try:
        await asyncio.gather(*(keeper_loop(fake, k, u, each, sent_at) for k, u in enumerate(users)))
    finally:
        gc.callbacks.remove(pauses)
        GC_PAUSES.append(pauses.longest)
    elapsed = time.perf_counter() - started
    waits = [fake.answered_at[t] - sent for t, sent in sent_at.items()]
    return elapsed, waits


@dataclass(frozen=True)
class Run:
    rate: float
    p50: float
    p99: float


def report(name: str, count: int, elapsed: float, waits: list[float]) -> Run:
    waits = sorted(waits)
    run = Run(
        count / elapsed,
        statistics.median(waits),
        waits[min(len(waits) - 1, int(len(waits) * 0.99))],
    )
    print(f"  {name:<34} {line(run)}   longest gc pause {GC_PAUSES[-1] * 1000:5.1f} ms", flush=True)
    return run


def line(run: Run) -> str:
    return (
        f"{run.rate:7.1f} updates/s   p50 {run.p50 * 1000:6.0f} ms   p99 {run.p99 * 1000:6.0f} ms"
    )


def median_run(runs: list[Run]) -> Run:
    return Run(*(statistics.median(getattr(r, f) for r in runs) for f in ("rate", "p50", "p99")))


async def real_bot(app: App, keepers: int, each: int) -> Run:
    codes = await seed_stations(app, keepers)
    async with TimedFake() as fake, live_bot(app, fake, polling_timeout=5) as live:
        users = []
        for n, code in enumerate(codes):
            user = fake.create_user(f"站长{n}")
            invite = await app.services.run(
                CreateInvite(Role.KEEPER, code, request_key=cli_key("invite")), CLI_ACTOR
            )
            users.append(user)
            update = fake.send_text(user, f"/start {invite.token}")
        await live.wait_handled(update, timeout=120)
        await fake.wait_for(lambda: not fake.pending_updates, timeout=120)
        elapsed, waits = await drive(fake, users, each)
    async with app.engine.connect() as conn:
        entries = (
            await conn.execute(select(func.count()).select_from(ledger_entries))
        ).scalar_one()
    assert entries == keepers * each, f"{entries} ledger entries for {keepers * each} intakes"
    return report(f"real bot, {app.engine.dialect.name}", keepers * each, elapsed, waits)


async def do_nothing(app: App, keepers: int, each: int) -> Run:
    """The same poller, inbox and processor; a dispatcher whose one handler says "ok"."""
    router = Router()

    @router.message()
    async def answer(message: Message) -> None:
        await message.answer(f"ok {message.text}")

    dp = Dispatcher()
    dp.include_router(router)
    async with TimedFake() as fake:
        bot = make_bot(DEMO_TOKEN, fake.base_url)
        users = [fake.create_user(f"站长{n}") for n in range(keepers)]

        async def handle(update):
            return await dp.feed_update(bot, update)

        inbox = SqlInbox(app.engine)
        processor = InboxProcessor(handle, inbox, bot.id, app.clock)
        poller = InboxPoller(bot, inbox, processor, app.clock, polling_timeout=5)
        stop = asyncio.Event()
        processor.start()
        polling = asyncio.create_task(poller.run(stop))
        try:
            elapsed, waits = await drive(fake, users, each)
        finally:
            stop.set()
            with suppress(asyncio.CancelledError):
                await polling
            await processor.stop()
            await bot.session.close()
    return report("do-nothing handler, same transport", keepers * each, elapsed, waits)


@asynccontextmanager
async def fresh_database(url: str):
    """A throw-away PostgreSQL database beside the one in `url` (the bot's pool and
    migrations see a plain database, as in production)."""
    name = f"e2e_load_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        await admin.dispose()


async def one_round(
    directory: Path, n: int, keepers: int, each: int, postgres: str | None, freeze: bool
):
    out = {}
    for name, run in (("nothing", do_nothing), ("sqlite", real_bot)):
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{directory / name}{n}.db",
            phone_hash_key=PHONE_KEY,
            log_level="WARNING",
        )
        app = await build_app(settings)
        if freeze:
            settle_heap()  # as `python -m bot run` does once started
        try:
            out[name] = await run(app, keepers, each)
        finally:
            await app.close()
    if postgres:
        async with fresh_database(postgres) as url:
            settings = Settings(_env_file=None, database_url=url, phone_hash_key=PHONE_KEY)
            app = await build_app(settings)
            if freeze:
                settle_heap()
            try:
                out["postgresql"] = await real_bot(app, keepers, each)
            finally:
                await app.close()
    return out


async def main(keepers: int, each: int, postgres: str | None, runs: int, freeze: bool) -> None:
    print(f"{keepers} keepers x {each} parcels, {runs} rounds, load {os.getloadavg()[0]:.1f}")
    results: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory() as directory:
        for n in range(runs):
            print(f"round {n + 1}")
            for name, run in (
                await one_round(Path(directory), n, keepers, each, postgres, freeze)
            ).items():
                results.setdefault(name, []).append(run)
    gc.unfreeze()
    medians = {name: median_run(runs) for name, runs in results.items()}
    labels = {
        "nothing": "do-nothing handler",
        "sqlite": "real bot, SQLite",
        "postgresql": "real bot, PostgreSQL",
    }
    print(f"medians of {runs} (load now {os.getloadavg()[0]:.1f}):")
    for name, run in medians.items():
        print(f"  {labels[name]:<34} {line(run)}")
    for name in ("sqlite", "postgresql"):
        if name in medians:
            ratio = medians[name].rate / medians["nothing"].rate
            p99 = medians[name].p99
            print(f"ratio {name} / do-nothing: {ratio:.2f} (target >= 0.5; p99 {p99:.2f} s, < 1 s)")


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keepers", type=int, default=200)
    parser.add_argument("--each", type=int, default=10, help="parcels per keeper")
    parser.add_argument("--postgres", default=None, help="also run on this PostgreSQL URL")
    parser.add_argument("--runs", type=int, default=3, help="alternated rounds (medians)")
    parser.add_argument(
        "--no-freeze", action="store_true", help="without `gc.freeze` after start (bot run's)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.keepers, args.each, args.postgres, args.runs, not args.no_freeze))
