"""How fast are parcels logged? `python -m benchmarks.ledger_intake [--n 2000] [--runs 3]`

Two modes, each N one-line intake messages (`入 SF… 张三 1234`) as raw Telegram update
JSON into a fresh SQLite file with the production engine (WAL, synchronous=FULL, BEGIN
IMMEDIATE for writes):
- serial: one keeper, one update after another, through the real dispatcher (every
  middleware, the SQL dialog storage, the ledger service, the update's transaction);
- concurrent: 50 keepers (`--keepers`) sending at once, the load a county makes, through
  the production polling path without its HTTP: each batch of 100 updates stored in the
  durable inbox in one transaction (as the poller does before confirming), the inbox
  processor's workers (8, in order per chat) handing them to the same pipeline, the
  inbox rows marked done.
Bot API calls are answered in memory by the tests' RecordingSession, so no network is
involved. Every update must leave one durable ledger entry and one '✅' reply; the script
checks both.

Beside it, in the same run, two limits:
- the dispatcher: the same updates through a bare Dispatcher whose one message handler
  does nothing (the pure aiogram cost, validation of the JSON included);
- SQLite: N single-row INSERTs into ledger_entries, each its own durable transaction
  (BEGIN IMMEDIATE … COMMIT) through the same kind of async engine (SQLAlchemy +
  aiosqlite); the rate of plain sqlite3 doing the same is printed as context.

An update must pay for both, so the two limits combine serially: 1 / (1/d + 1/s). The
targets (issue 8): serial at least 40 % of that, concurrent at least 60 % (stretch: above
100 %, which only sharing a durable commit between updates can reach). Each ratio is
printed on a line starting with `ratio`, the concurrent one last. Each measurement is
repeated (fresh database each time, interleaved) and the median is reported, since the
machine is shared.
Finally a short untimed pass counts the SQL transactions and statements per intake update.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.methods import SendMessage
from aiogram.types import Message, Update
from sqlalchemy import Engine, event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import App, build_app
from bot.commands.keys import cli_key
from bot.config import Settings
from bot.domain.commands import CreateInvite
from bot.domain.roles import Role
from bot.services.invites import CLI_ACTOR
from handlers.telegram import build_dispatcher
from handlers.telegram.pipeline.inbox import InboxProcessor, Item, chat_key
from handlers.telegram.pipeline.process import UpdatePipeline
from handlers.telegram.pipeline.transaction import PipelineDispatcher
from storage.engine import WRITE_OPTION, create_engine, write_transaction
from storage.migrate import upgrade
from storage.repositories.inbox import InboxRow, SqlInbox
from storage.schema import ledger_entries
from tests.support.chat import RecordingSession
from tests.support.crashes import seed_stations
from tests.support.network import seed_network

TARGET = 0.60  # concurrent
SERIAL_TARGET = 0.40
KEEPERS = 50
WORKERS = 8  # the runner's default (handlers/telegram/runner.py)
BATCH = 100  # getUpdates' limit: what the poller stores per transaction
KEEPER_ID = 7_000_001
STATION = "A-S1"
PHONE_KEY = "bench-" + "0" * 58  # a fixed key, so nothing is written beside the repo's data
TOKEN = "42:BENCH"

Timed = Callable[[Path, int], Awaitable[float]]


# --- inputs -------------------------------------------------------------------------------


def raw_update(update_id: int, text: str, user_id: int = KEEPER_ID) -> dict[str, Any]:
    """An update as Telegram sends it (the JSON body of a webhook call, decoded)."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "李", "last_name": "站长"},
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": "李",
                "last_name": "站长",
                "language_code": "zh",
            },
            "text": text,
        },
    }


def intake_updates(first_id: int, count: int) -> list[dict[str, Any]]:
    return [
        raw_update(i, f"入 SF{i:012d} 张三 {1000 + i % 9000}")
        for i in range(first_id, first_id + count)
    ]


def settings_for(directory: Path, name: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{directory / name}.db",
        phone_hash_key=PHONE_KEY,
    )


def warmup_count(n: int) -> int:
    """Untimed updates first, so statement caches and lazy imports are warm."""
    return min(50, max(5, n // 20))


async def feed_all(dp: Dispatcher, bot: Bot, raws: list[dict[str, Any]]) -> float:
    """Validate and dispatch each update in turn, as polling does (bound to the bot, so
    aiogram need not re-validate it)."""
    started = time.perf_counter()
    for raw in raws:
        await dp.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
    return time.perf_counter() - started


# --- (a) the real thing -------------------------------------------------------------------


async def ledger_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(ledger_entries))).scalar_one()


async def ready_bot(directory: Path, name: str) -> tuple[App, Dispatcher, Bot, RecordingSession]:
    """A migrated database with the test network, the production dispatcher, and a keeper
    of A-S1 registered through a real invite."""
    app = await build_app(settings_for(directory, name))
    await seed_network(app.engine)
    session = RecordingSession()
    bot = Bot(TOKEN, session=session)
    dp = build_dispatcher(app)
    invite = await app.services.run(
        CreateInvite(Role.KEEPER, STATION, request_key=cli_key("invite")), CLI_ACTOR
    )
    await feed_all(dp, bot, [raw_update(1, f"/start {invite.token}")])
    welcome = session.calls[-1]
    assert isinstance(welcome, SendMessage) and "欢迎" in welcome.text, welcome
    return app, dp, bot, session


def saved_replies(session: RecordingSession, since: int) -> int:
    return sum(
        1
        for call in session.calls[since:]
        if isinstance(call, SendMessage) and call.text.startswith("✅")
    )


async def intake(directory: Path, n: int) -> float:
    app, dp, bot, session = await ready_bot(directory, "intake")
    try:
        warm = warmup_count(n)
        await feed_all(dp, bot, intake_updates(10, warm))
        before, calls_before = await ledger_count(app.engine), len(session.calls)
        raws = intake_updates(10 + warm, n)
        elapsed = await feed_all(dp, bot, raws)
        written = await ledger_count(app.engine) - before
        assert written == n, f"{written} ledger entries for {n} intake updates"
        replies = saved_replies(session, calls_before)
        assert replies == n, f"{replies} '✅' replies for {n} intake updates"
    finally:
        await app.close()
    return elapsed


# --- (a') the real thing, 50 keepers at once ----------------------------------------------


def keeper_id(k: int) -> int:
    return KEEPER_ID + 1 + k


async def ready_county(
    directory: Path, keepers: int
) -> tuple[App, PipelineDispatcher, Bot, RecordingSession]:
    """A county of `keepers` stations, each with its keeper registered through a real
    invite (untimed)."""
    app = await build_app(settings_for(directory, "county"))
    codes = await seed_stations(app, keepers)
    session = RecordingSession()
    bot = Bot(TOKEN, session=session)
    dp = build_dispatcher(app)
    for k, code in enumerate(codes):
        invite = await app.services.run(
            CreateInvite(Role.KEEPER, code, request_key=cli_key("invite")), CLI_ACTOR
        )
        await feed_all(dp, bot, [raw_update(k + 1, f"/start {invite.token}", keeper_id(k))])
    return app, dp, bot, session


def county_updates(first_id: int, count: int, keepers: int) -> list[dict[str, Any]]:
    """`count` intakes from `keepers` keepers sending at once: in arrival order, each
    keeper's next one after every other keeper's (round-robin)."""
    return [
        raw_update(i, f"入 SF{i:012d} 张三 {1000 + i % 9000}", keeper_id(i % keepers))
        for i in range(first_id, first_id + count)
    ]


async def through_the_inbox(
    app: App, dp: PipelineDispatcher, bot: Bot, raws: list[dict[str, Any]]
) -> float:
    """What the polling runner does with fetched updates, minus the HTTP: store each batch
    in the inbox (one durable transaction), submit it to the processor (backpressure at
    the runner's high-water mark), and wait until every update committed and its done mark
    was written."""
    inbox = SqlInbox(app.engine, group=getattr(dp.transactions, "group", None))
    processor = InboxProcessor(
        UpdatePipeline(dp, bot).handle, inbox, bot.id, app.clock, workers=WORKERS
    )
    started = time.perf_counter()
    processor.start()
    try:
        for first in range(0, len(raws), BATCH):
            await processor.wait_below(1000)
            updates = [
                Update.model_validate(r, context={"bot": bot}) for r in raws[first : first + BATCH]
            ]
            rows = [
                InboxRow(
                    u.update_id, chat_key(u), u.model_dump_json(exclude_unset=True, by_alias=True)
                )
                for u in updates
            ]
            new = await inbox.add(bot.id, rows, app.clock.now())
            for update, row in zip(updates, rows, strict=True):
                if row.update_id in new:
                    processor.submit(Item(row.update_id, row.chat_key, update))
        await processor.wait_idle()
        elapsed = time.perf_counter() - started
    finally:
        await processor.stop()
    pending = await inbox.pending(bot.id)
    assert not pending, f"{len(pending)} inbox rows still pending"
    return elapsed


def durable_commits(dp: PipelineDispatcher) -> int:
    """Durable COMMITs made for updates: shared ones on SQLite (group commit)."""
    group = getattr(dp.transactions, "group", None)
    return group.commits if group is not None else dp.transactions.commits


def concurrent_intake(keepers: int, commits: list[float]) -> Timed:
    """`commits` gets the updates per durable COMMIT of each timed run."""

    async def measure(directory: Path, n: int) -> float:
        app, dp, bot, session = await ready_county(directory, keepers)
        try:
            warm = warmup_count(n)
            await through_the_inbox(app, dp, bot, county_updates(1_000, warm, keepers))
            before, calls_before = await ledger_count(app.engine), len(session.calls)
            commits_before = durable_commits(dp)
            elapsed = await through_the_inbox(app, dp, bot, county_updates(10_000, n, keepers))
            commits.append(n / max(1, durable_commits(dp) - commits_before))
            written = await ledger_count(app.engine) - before
            assert written == n, f"{written} ledger entries for {n} intake updates"
            replies = saved_replies(session, calls_before)
            assert replies == n, f"{replies} '✅' replies for {n} intake updates"
        finally:
            await app.close()
        return elapsed

    return measure


# --- (b) the dispatcher limit -------------------------------------------------------------


async def dispatcher_only(_directory: Path, n: int) -> float:
    handled = 0
    router = Router()

    @router.message()
    async def do_nothing(message: Message) -> None:
        nonlocal handled
        handled += 1

    dp = Dispatcher()
    dp.include_router(router)
    bot = Bot(TOKEN, session=RecordingSession())
    warm = warmup_count(n)
    await feed_all(dp, bot, intake_updates(10, warm))
    elapsed = await feed_all(dp, bot, intake_updates(10 + warm, n))
    assert handled == warm + n, handled
    return elapsed


# --- (c) the SQLite limit -----------------------------------------------------------------


def entry_rows(first: int, count: int, station_id: int) -> list[dict[str, Any]]:
    """Rows like those the intake writes (the ledger's own table, indexes and all)."""
    now = datetime.now(UTC)
    return [
        {
            "station_id": station_id,
            "kind": "parcel_in",
            "period": now.strftime("%Y-%m"),
            "occurred_at": now,
            "recorded_at": now,
            "source": "telegram",
            "request_key": f"bench:{i}",
            "parcel_count": 1,
            "tracking_no": f"SF{i:012d}",
            "carrier": "sf",
            "recipient_name": "张三",
            "phone_last4": f"{1000 + i % 9000}",
            "phone_hash": "0" * 64,
            "pickup_code": f"A-{1 + i % 999:03}",
            "notified": "not_yet",
        }
        for i in range(first, first + count)
    ]


async def fresh_ledger_db(directory: Path, name: str) -> tuple[AsyncEngine, int]:
    engine = create_engine(settings_for(directory, name).database_url)
    await upgrade(engine)
    net = await seed_network(engine)
    return engine, net.station_a1


async def sqlite_commits(directory: Path, n: int) -> float:
    engine, station_id = await fresh_ledger_db(directory, "commits")
    statement = insert(ledger_entries)
    try:
        warm = warmup_count(n)
        rows = entry_rows(0, warm + n, station_id)

        async def commit_each(batch: list[dict[str, Any]]) -> float:
            started = time.perf_counter()
            for row in batch:
                async with write_transaction(engine) as conn:  # BEGIN IMMEDIATE … COMMIT
                    await conn.execute(statement, row)
            return time.perf_counter() - started

        await commit_each(rows[:warm])
        elapsed = await commit_each(rows[warm:])
        assert await ledger_count(engine) == warm + n
    finally:
        await engine.dispose()
    return elapsed


async def raw_sqlite_commits(directory: Path, n: int) -> float:
    """The same rows through the plain sqlite3 module: no SQLAlchemy, no thread hop."""
    engine, station_id = await fresh_ledger_db(directory, "raw")
    path = engine.url.database
    await engine.dispose()
    rows = entry_rows(0, n, station_id)
    for row in rows:
        row["occurred_at"] = row["recorded_at"] = row["occurred_at"].isoformat()
    columns = list(rows[0])
    sql = (
        f"INSERT INTO ledger_entries ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + c for c in columns)})"
    )
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL"):
            conn.execute(f"PRAGMA {pragma}")
        started = time.perf_counter()
        for row in rows:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(sql, row)
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        assert conn.execute("SELECT count(*) FROM ledger_entries").fetchone()[0] == n
    finally:
        conn.close()
    return elapsed


# --- what one intake update does in SQL ---------------------------------------------------


class SqlTally:
    """Counts transactions and statements on an engine (attach only to untimed work)."""

    def __init__(self, *engines: AsyncEngine | Engine) -> None:
        self.counts: Counter[str] = Counter()
        for engine in engines:
            self._attach(engine.sync_engine if isinstance(engine, AsyncEngine) else engine)

    def _attach(self, sync: Engine) -> None:
        event.listen(sync, "begin", self._begin)
        event.listen(sync, "commit", lambda _conn: self.counts.update(["COMMIT (durable)"]))
        event.listen(sync, "before_cursor_execute", self._statement)
        event.listen(
            sync.pool,
            "checkout",
            lambda *_: self.counts.update(["connection checkout from the pool"]),
        )

    def _begin(self, conn) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        self.counts["write tx (BEGIN IMMEDIATE)" if write else "read tx (BEGIN)"] += 1

    def _statement(self, _conn, _cursor, statement: str, *_args) -> None:
        verb = statement.split(None, 1)[0].upper()
        if verb == "BEGIN":  # counted as a transaction
            return
        pattern = {"SELECT": r"\sFROM\s+(\w+)", "INSERT": r"INTO\s+(\w+)", "UPDATE": r"(\w+)\s"}
        found = re.search(pattern.get(verb, r"$^"), statement[len(verb) :])
        self.counts[f"{verb} {found.group(1) if found else ''}".strip()] += 1


async def sql_per_update(directory: Path, sample: int = 100) -> tuple[Counter[str], int]:
    app, dp, bot, _session = await ready_bot(directory, "tally")
    try:
        await feed_all(dp, bot, intake_updates(10, 20))
        group = getattr(dp.transactions, "group", None)
        # On SQLite the update's statements run on the group's inline engine.
        tally = SqlTally(app.engine, *([group.inline] if group is not None else []))
        await feed_all(dp, bot, intake_updates(30, sample))
    finally:
        await app.close()
    return tally.counts, sample


# --- report -------------------------------------------------------------------------------


def filesystem(path: str) -> str:
    """The file system type holding `path` (fsync cost depends on it)."""
    path, best, kind = os.path.realpath(path), "", "?"
    try:
        with open("/proc/mounts") as mounts:
            for line in mounts:
                _dev, point, fstype, *_ = line.split()
                if path.startswith(point) and len(point) > len(best):
                    best, kind = point, fstype
    except OSError:
        pass
    return kind


def load() -> str:
    """The 1-minute load average: other work on the machine skews every figure."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="updates (and commits) per run")
    parser.add_argument("--runs", type=int, default=3, help="repetitions; the median counts")
    parser.add_argument("--dir", type=Path, default=None, help="where the SQLite files go")
    parser.add_argument(
        "--keepers", type=int, default=KEEPERS, help="keepers sending at once (concurrent mode)"
    )
    args = parser.parse_args()
    n = args.n
    measures: dict[str, Timed] = {
        "intake": intake,
        "concurrent": concurrent_intake(args.keepers, per_commit := []),
        "dispatcher": dispatcher_only,
        "sqlite": sqlite_commits,
        "raw": raw_sqlite_commits,
    }
    rates: dict[str, list[float]] = {name: [] for name in measures}
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cunzhan-bench-", dir=args.dir) as tmp:
        base = Path(tmp)
        print(
            f"ledger intake: N={n}, {args.runs} runs each (median), SQLite in {base} "
            f"({filesystem(tmp)}), {os.cpu_count()} CPUs, load {load()}"
        )
        for run in range(args.runs):
            for name, measure in measures.items():  # interleaved, so drift hits all alike
                directory = base / f"{run}-{name}"
                directory.mkdir()
                rates[name].append(n / await measure(directory, n))
        (tmp_tally := base / "tally").mkdir()
        counts, sample = await sql_per_update(tmp_tally)
    median = {name: statistics.median(values) for name, values in rates.items()}
    combined = 1 / (1 / median["dispatcher"] + 1 / median["sqlite"])

    def line(label: str, name: str, unit: str) -> None:
        runs = ", ".join(f"{r:,.0f}" for r in rates[name])
        per = 1000 / median[name]
        print(f"  {label:<38}{median[name]:9,.1f} {unit}  {per:7.3f} ms each  [{runs}]")

    line("intake, one keeper after another", "intake", "updates/s")
    line(f"intake, {args.keepers} keepers at once", "concurrent", "updates/s")
    shared = ", ".join(f"{u:.1f}" for u in per_commit)
    print(f"    (updates per durable COMMIT at once: {shared})")
    line("limit: dispatcher, no-op handler", "dispatcher", "updates/s")
    line("limit: SQLite commit (SQLAlchemy)", "sqlite", "commits/s")
    line("context: SQLite commit (raw sqlite3)", "raw", "commits/s")
    print(
        f"  {'combined serial limit 1/(1/d + 1/s)':<38}{combined:9,.1f} updates/s  "
        f"{1000 / combined:7.3f} ms each"
    )
    best = {name: max(values) for name, values in rates.items()}
    best_combined = 1 / (1 / best["dispatcher"] + 1 / best["sqlite"])
    print(
        f"  with each one's best run: serial {best['intake'] / best_combined:.2f}, "
        f"concurrent {best['concurrent'] / best_combined:.2f}  (load now {load()})"
    )
    print(f"SQL per intake update (mean of {sample} untimed updates):")
    for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {count / sample:6.2f}  {key}")
    print(f"total time {time.perf_counter() - began:.0f} s")
    for label, name, target in (
        ("one keeper after another", "intake", SERIAL_TARGET),
        (f"{args.keepers} keepers at once", "concurrent", TARGET),
    ):
        ratio = median[name] / combined
        verdict = "met" if ratio >= target else "NOT met"
        print(
            f"ratio {label}: {ratio:.2f} of the combined serial limit "
            f"({median[name]:,.0f} / {combined:,.0f} updates/s; target ≥ {target:.1f}: {verdict})"
        )


if __name__ == "__main__":
    asyncio.run(main())
