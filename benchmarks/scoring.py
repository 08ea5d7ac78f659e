"""How fast is a county's monthly scoring?
`python -m benchmarks.scoring [--stations 10000] [--entries 3000000] [--engine both]`

Builds a fresh database per engine (a SQLite file in a temp dir; PostgreSQL in a throw-away
schema on CUNZHAN_TEST_POSTGRES_URL, default the local server, database `test`), migrates
it and bulk-loads one county: ~50 townships, ~1,000 villages, N stations (ordinary and
demonstration tiers, a few on yellow card or probation, a few removed, a few new ones in
their grace months), last month's scores, a keeper with a Telegram chat per station (so
every verdict is an alert, as in production; `--keepers` changes the fraction), three
county staff (so a digest is produced), and M ledger entries in October 2026 spread over
the stations (unevenly) and the kinds, in time order, with about 1 % reversal rows. The
ledger goes in through the driver's bulk path (executemany on a raw sqlite3 connection
with synchronous=OFF; asyncpg COPY), then ANALYZE (VACUUM ANALYZE on PostgreSQL).

Measured in the same run, on the production engine (`storage.engine.create_engine`:
WAL and synchronous=FULL on SQLite), each repeated `--repeat` times, median reported:

- score: the whole `ScoringService.score(county, 2026-10)`: claim, aggregate, judge every
  station, write the score rows, status changes, month lock, verdict and digest alerts
  into the outbox, finish; every repetition scores the month for the first time, because
  before each the script deletes what the previous one wrote (outbox, audit, period lock,
  October scores, job runs) and puts the station statuses back (untimed; then a WAL
  checkpoint on SQLite, VACUUM of the touched tables on PostgreSQL);
- plain: the bare aggregate the scoring needs, as hand-written SQL, over the same rows:
  `SELECT station_id, SUM(CASE …) ×3 FROM ledger_entries WHERE period = … GROUP BY
  station_id`, executed and fully fetched through the same engine;
- repo: the production aggregate alone (`SqlScoreRepo.window_totals`, with its
  county filter), for the breakdown.

The target is score ≤ 1.5 × plain. The order of the timed steps alternates between
repetitions, after one untimed warm-up aggregate. Where the time goes is the service's
own phases (`ScoringService(on_phase=…)` reports each as it ends), timed inside the same
runs: nothing is replayed, so the breakdown cannot drift from the service.

The alert fan-out rate (the other half of the issue's benchmark) is
`benchmarks/alert_fanout.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import secrets
import sqlite3
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.assessment import LadderStep, Verdict
from bot.domain.network import StationStatus
from bot.domain.periods import Period
from bot.services.scoring import ScoringService
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.schema import (
    counties,
    identities,
    ledger_entries,
    outbox,
    people,
    role_grants,
    station_scores,
    stations,
    townships,
    villages,
)
from storage.scratch import reachable
from storage.uow import SqlUnitOfWorkFactory

PG_URL = os.environ.get(
    "CUNZHAN_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
TARGET = 1.5
COUNTY = "BENCH"
TIMEZONE = "Asia/Shanghai"
PERIOD = Period(2026, 10)
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # October has ended in Beijing
STATIONS_PER_VILLAGE = 10
VILLAGES_PER_TOWNSHIP = 20
STAFF = 3
CHUNK = 100_000  # ledger rows per generated batch

KINDS = (
    "parcel_in",
    "parcel_pickup",
    "proxy_purchase",
    "upstream_sale",
    "upstream_shipment",
    "service",
)
KIND_CUM_WEIGHTS = tuple(itertools.accumulate((35, 30, 12, 8, 10, 5)))
LEDGER_COLUMNS = (
    "id", "station_id", "kind", "period", "occurred_at", "recorded_at", "recorded_by",
    "source", "request_key", "amount_fen", "fee_fen", "parcel_count", "tracking_no",
    "carrier", "recipient_name", "phone_last4", "phone_hash", "pickup_code", "notified",
    "item", "service_kind", "channel", "reverses_id", "reason", "post_close",
)  # fmt: skip

# The default policy's metrics: downstream = proxy purchases (fen), upstream = sales (fen)
# or shipments (parcels). Written by hand, as an engineer would write it.
PLAIN_SQL = f"""
SELECT station_id,
       SUM(CASE WHEN kind = 'proxy_purchase' THEN amount_fen ELSE 0 END),
       SUM(CASE WHEN kind = 'upstream_sale' THEN amount_fen ELSE 0 END),
       SUM(CASE WHEN kind = 'upstream_shipment' THEN parcel_count ELSE 0 END)
FROM ledger_entries
WHERE period = '{PERIOD}'
GROUP BY station_id
"""


class FixedClock:
    def now(self) -> datetime:
        return NOW


# --- the network --------------------------------------------------------------------------


def station_status(sid: int) -> str:
    """Statuses before the run; RESET_STATUS_SQL is the same rule in SQL."""
    if sid % 97 == 0:
        return StationStatus.REMOVED.value
    if sid % 10 == 3:
        return StationStatus.WARNED.value
    if sid % 20 == 7:
        return StationStatus.PROBATION.value
    return StationStatus.ACTIVE.value


RESET_STATUS_SQL = """
UPDATE stations SET status = CASE
    WHEN id % 97 = 0 THEN 'removed'
    WHEN id % 10 = 3 THEN 'warned'
    WHEN id % 20 = 7 THEN 'probation'
    ELSE 'active' END,
  updated_at = created_at
"""

PREVIOUS_FAILING = {"active": 0, "warned": 1, "probation": 2, "removed": 0}


def is_demonstration(sid: int) -> bool:
    return sid % 7 == 0


def opened_on(sid: int) -> date:
    # One in 50 opened in September 2026: still in its grace months.
    return date(2026, 9, 1) if sid % 50 == 1 else date(2019 + sid % 6, 1 + sid % 12, 1)


def network_params(n_stations: int, keeper_fraction: float) -> dict[str, list[dict]]:
    now = NOW - timedelta(days=400)
    stamp = {"created_at": now, "updated_at": now}
    n_villages = -(-n_stations // STATIONS_PER_VILLAGE)
    n_townships = -(-n_villages // VILLAGES_PER_TOWNSHIP)
    params: dict[str, list[dict]] = {
        "counties": [{"id": 1, "code": COUNTY, "name": "基准县", "timezone": TIMEZONE, **stamp}],
        "townships": [
            {"id": t, "county_id": 1, "code": f"{COUNTY}-T{t:03}", "name": f"乡{t}", **stamp}
            for t in range(1, n_townships + 1)
        ],
        "villages": [
            {
                "id": v,
                "township_id": (v - 1) // VILLAGES_PER_TOWNSHIP + 1,
                "code": f"{COUNTY}-V{v:04}",
                "name": f"村{v}",
                **stamp,
            }
            for v in range(1, n_villages + 1)
        ],
        "stations": [
            {
                "id": s,
                "code": f"{COUNTY}-S{s:05}",
                "name": f"服务站{s}",
                "village_id": (s - 1) // STATIONS_PER_VILLAGE + 1,
                "tier": "demonstration" if is_demonstration(s) else "ordinary",
                "status": station_status(s),
                "lat_e6": 27_000_000 + s,
                "lon_e6": 115_000_000 + s,
                "opened_on": opened_on(s),
                **stamp,
            }
            for s in range(1, n_stations + 1)
        ],
        "people": [],
        "identities": [],
        "role_grants": [],
        "station_scores": [],
    }
    keepers = [s for s in range(1, n_stations + 1) if (s * 7919) % 1000 < keeper_fraction * 1000]
    grants = [(s, "keeper", s) for s in keepers] + [
        (n_stations + i, "county_staff", None) for i in range(1, STAFF + 1)
    ]
    for person_id, role, station_id in grants:
        params["people"].append(
            {
                "id": person_id,
                "display_name": f"站长{person_id}" if station_id else f"县级{person_id}",
                "language": "zh" if person_id % 5 else "en",
                "created_at": now,
            }
        )
        params["identities"].append(
            {
                "person_id": person_id,
                "channel": "telegram",
                "external_id": str(5_000_000 + person_id),
                "chat_id": str(5_000_000 + person_id),
                "created_at": now,
            }
        )
        village = (station_id - 1) // STATIONS_PER_VILLAGE + 1 if station_id else None
        params["role_grants"].append(
            {
                "person_id": person_id,
                "role": role,
                "county_id": 1,
                "township_id": (village - 1) // VILLAGES_PER_TOWNSHIP + 1 if village else None,
                "station_id": station_id,
                "granted_at": now,
            }
        )
    previous = str(PERIOD.previous())
    for s in range(1, n_stations + 1):
        status = station_status(s)
        failing = PREVIOUS_FAILING[status]
        params["station_scores"].append(
            {
                "station_id": s,
                "period": previous,
                "run_no": 1,
                "policy_version": 0,
                "tier": "demonstration" if is_demonstration(s) else "ordinary",
                "window_months": 1,
                "downstream_fen": 0,
                "upstream_fen": 0,
                "upstream_parcels": 0,
                "threshold_downstream_fen": 0,
                "threshold_upstream_fen": 0,
                "threshold_upstream_parcels": 0,
                "verdict": "fail" if failing else "pass",
                "failing_months": failing,
                "ladder_step": status if status != "removed" else "active",
                "status_before": status,
                "scored_at": NOW - timedelta(days=31),
            }
        )
    return params


async def load_network(engine: AsyncEngine, params: dict[str, list[dict]]) -> None:
    tables = (
        counties, townships, villages, stations, people, identities, role_grants, station_scores,
    )  # fmt: skip
    async with engine.begin() as conn:
        for table in tables:
            if params[table.name]:
                await conn.execute(insert(table), params[table.name])


# --- the ledger ---------------------------------------------------------------------------


def ledger_batches(
    n_stations: int, n_entries: int, *, text_times: bool, seed: int = 20261031
) -> Iterator[list[tuple]]:
    """The month's entries in time order, CHUNK at a time, as tuples in LEDGER_COLUMNS
    order. Stations differ in activity (so some pass, some fail); every 100th id
    reverses the same station's latest entry, if it has one not yet reversed."""
    rng = random.Random(seed)
    ids = range(1, n_stations + 1)
    activity = [
        (2.0 if is_demonstration(s) else 1.0) * rng.uniform(0.3, 1.7) for s in ids
    ]  # entries per station ∝ activity
    cum = list(itertools.accumulate(activity))
    scale = [2.5 if is_demonstration(s) else 1.0 for s in ids]  # bigger tickets
    phone_hashes = [f"{rng.getrandbits(256):064x}" for _ in ids]
    start, end = PERIOD.bounds(TIMEZONE)
    seconds = int((end - start).total_seconds())
    base_time = start.replace(tzinfo=None) if text_times else start
    period = str(PERIOD)
    last: dict[int, tuple] = {}  # station → its latest entry not yet reversed
    rand = rng.random
    for first in range(0, n_entries, CHUNK):
        n = min(CHUNK, n_entries - first)
        sids = rng.choices(ids, cum_weights=cum, k=n)
        kinds = rng.choices(KINDS, cum_weights=KIND_CUM_WEIGHTS, k=n)
        batch = []
        for j in range(n):
            eid = first + j + 1
            sid = sids[j]
            at: Any = base_time + timedelta(seconds=(eid - 1) * seconds // n_entries)
            if text_times:
                at = at.isoformat(sep=" ")
            key = f"bench:{eid}"
            if eid % 100 == 0 and (prev := last.pop(sid, None)) is not None:
                prev_id, kind, amount, fee, count, tracking = prev
                batch.append(
                    (eid, sid, kind, period, at, at, None, "telegram", key, -amount, -fee,
                     -count, tracking, None, None, None, None, None, None, None, None, None,
                     prev_id, "金额输错", False)
                )  # fmt: skip
                continue
            kind = kinds[j]
            tracking = carrier = name = last4 = phone = code = notified = None
            item = service_kind = channel = None
            amount = fee = count = 0
            if kind == "parcel_in":
                tracking, carrier, name, count = f"SF{eid:013d}", "sf", "张三", 1
                last4, phone, notified = f"{eid % 10000:04d}", phone_hashes[sid - 1], "sms"
                code = f"{chr(65 + eid % 26)}-{eid % 999 + 1:03d}"
            elif kind == "parcel_pickup":
                tracking, count = f"SF{eid - 7:013d}", 1
                code = f"{chr(65 + eid % 26)}-{eid % 999 + 1:03d}"
            elif kind == "proxy_purchase":
                amount = int((1000 + 11000 * rand()) * scale[sid - 1])
                fee, item = (200 if eid % 3 == 0 else 0), "化肥"
            elif kind == "upstream_sale":
                amount = int((1000 + 8000 * rand()) * scale[sid - 1])
                channel = "wechat"
            elif kind == "upstream_shipment":
                tracking, carrier, count = f"YT{eid:013d}", "yto", 1
                amount = int(500 + 4500 * rand())
            else:
                service_kind, amount, fee = "utility", int(1000 + 19000 * rand()), 100
            last[sid] = (eid, kind, amount, fee, count, tracking)
            batch.append(
                (eid, sid, kind, period, at, at, None, "telegram", key, amount, fee, count,
                 tracking, carrier, name, last4, phone, code, notified, item, service_kind,
                 channel, None, None, False)
            )  # fmt: skip
        yield batch


def sqlite_load_ledger(path: Path, batches: Iterator[list[tuple]]) -> None:
    """executemany on a raw sqlite3 connection: rollback journal and synchronous=OFF while
    loading (the file is thrown away if this fails), WAL again at the end."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-262144")  # 256 MiB, for the index B-trees
        sql = (
            f"INSERT INTO ledger_entries ({', '.join(LEDGER_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(LEDGER_COLUMNS))})"
        )
        con.execute("BEGIN")
        for n, batch in enumerate(batches, 1):
            con.executemany(sql, batch)
            if n % 5 == 0:
                con.execute("COMMIT")
                con.execute("BEGIN")
        con.execute("COMMIT")
        con.execute("ANALYZE")
        con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()


def sqlite_checkpoint(path: Path) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


async def postgres_load_ledger(engine: AsyncEngine, batches: Iterator[list[tuple]]) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        apg = raw.driver_connection
        assert apg is not None
        schema = await apg.fetchval("SELECT current_schema()")
        for batch in batches:
            await apg.copy_records_to_table(
                "ledger_entries", records=batch, columns=LEDGER_COLUMNS, schema_name=schema
            )
        await apg.execute(
            "SELECT setval(pg_get_serial_sequence('ledger_entries', 'id'), "
            "(SELECT max(id) FROM ledger_entries))"
        )
    await postgres_maintenance(engine, "VACUUM ANALYZE")


async def postgres_maintenance(engine: AsyncEngine, statement: str) -> None:
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.exec_driver_sql(statement)


# --- engines --------------------------------------------------------------------------------


@dataclass
class Target:
    label: str
    engine: AsyncEngine
    load_ledger: Callable[[Iterator[list[tuple]]], Awaitable[None]]
    after_reset: Callable[[], Awaitable[None]]
    text_times: bool


@asynccontextmanager
async def sqlite_target(directory: Path) -> AsyncIterator[Target]:
    path = directory / "scoring.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")

    async def load(batches: Iterator[list[tuple]]) -> None:
        await engine.dispose()  # the loader switches the journal mode: no other connection
        await asyncio.to_thread(sqlite_load_ledger, path, batches)

    async def after_reset() -> None:
        await engine.dispose()
        await asyncio.to_thread(sqlite_checkpoint, path)

    try:
        await upgrade(engine)
        yield Target("SQLite", engine, load, after_reset, text_times=True)
    finally:
        await engine.dispose()


@asynccontextmanager
async def postgres_target(_directory: Path) -> AsyncIterator[Target]:
    """A fresh schema on the test server, dropped afterwards."""
    schema = f"bench_scoring_{secrets.token_hex(4)}"
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = create_engine(PG_URL, connect_args={"server_settings": {"search_path": schema}})

    async def load(batches: Iterator[list[tuple]]) -> None:
        await postgres_load_ledger(engine, batches)

    async def after_reset() -> None:
        await postgres_maintenance(
            engine,
            "VACUUM ANALYZE station_scores, stations, outbox, job_runs, audit_log, period_locks",
        )

    try:
        await upgrade(engine)
        yield Target("PostgreSQL", engine, load, after_reset, text_times=False)
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        await admin.dispose()


async def postgres_reachable() -> bool:
    return await reachable(PG_URL)


# --- what is timed ----------------------------------------------------------------------------


async def reset(target: Target) -> None:
    """Undo a scoring run: the month is unscored again, statuses as before."""
    async with target.engine.begin() as conn:
        for statement in (
            "DELETE FROM outbox",
            "DELETE FROM audit_log",
            "DELETE FROM period_locks",
            f"DELETE FROM station_scores WHERE period = '{PERIOD}'",
            "DELETE FROM job_runs",
            RESET_STATUS_SQL,
        ):
            await conn.exec_driver_sql(statement)
    await target.after_reset()


class PhaseTimer:
    """Receives the service's phase names as each ends; the time since the previous one."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self.mark = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self.mark
        self.mark = now


async def run_score(engine: AsyncEngine) -> tuple[float, Any, dict[str, float]]:
    timer = PhaseTimer()
    service = ScoringService(
        SqlUnitOfWorkFactory(engine), FixedClock(), claimer="bench", on_phase=timer
    )
    started = timer.mark = time.perf_counter()
    report = await service.score(COUNTY, PERIOD)
    elapsed = time.perf_counter() - started
    assert report.claimed and not report.dry_run, report
    return elapsed, report, timer.phases


async def run_plain(engine: AsyncEngine) -> tuple[float, list]:
    started = time.perf_counter()
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql(PLAIN_SQL)).all()
    return time.perf_counter() - started, rows


async def run_repo(engine: AsyncEngine) -> float:
    uow_factory = SqlUnitOfWorkFactory(engine)
    service = ScoringService(uow_factory, FixedClock())
    started = time.perf_counter()
    async with uow_factory() as uow:
        _, policy = await service.policy(uow, 1)
        m = policy.metrics
        await uow.scores.window_totals(
            1,
            [str(PERIOD)],
            m.downstream_kinds,
            m.upstream_yuan_kinds,
            m.upstream_parcel_kinds,
        )
    return time.perf_counter() - started


async def check_same_figures(engine: AsyncEngine, report: Any, plain_rows: list) -> None:
    """The plain query and the scoring saw the same numbers; the run wrote its rows."""
    plain = {sid: (int(d), int(u), int(p)) for sid, d, u, p in plain_rows}
    for v in report.verdicts:
        got = (v.downstream_fen, v.upstream_fen, v.upstream_parcels)
        assert got == plain.get(v.station_id, (0, 0, 0)), (v.station_id, got)
    async with engine.connect() as conn:
        written = (
            await conn.execute(select(func.count()).where(station_scores.c.period == str(PERIOD)))
        ).scalar_one()
        queued = (await conn.execute(select(func.count()).select_from(outbox))).scalar_one()
    assert written == len(report.verdicts), (written, len(report.verdicts))
    assert queued == report.alerts, (queued, report.alerts)


def fmt(seconds: float) -> str:
    return f"{seconds:7.3f} s"


async def bench(target: Target, args: argparse.Namespace) -> None:
    engine = target.engine
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{target.label}: {args.stations:,} stations, {args.entries:,} ledger entries in "
          f"{PERIOD} (machine load average {load})", flush=True)  # fmt: skip
    started = time.perf_counter()
    await load_network(engine, network_params(args.stations, args.keepers))
    network_s = time.perf_counter() - started
    started = time.perf_counter()
    await target.load_ledger(
        ledger_batches(args.stations, args.entries, text_times=target.text_times)
    )
    ledger_s = time.perf_counter() - started
    async with engine.connect() as conn:
        loaded = (await conn.execute(select(func.count()).select_from(ledger_entries))).scalar_one()
        reversals = (
            await conn.execute(
                select(func.count()).where(ledger_entries.c.reverses_id.is_not(None))
            )
        ).scalar_one()
    assert loaded == args.entries, loaded
    print(f"  load: network + last month's scores {fmt(network_s)}; ledger {fmt(ledger_s)} "
          f"({loaded:,} rows, {reversals:,} reversals, generation included, then ANALYZE)",
          flush=True)  # fmt: skip

    _, plain_rows = await run_plain(engine)  # warm-up, untimed
    times: dict[str, list[float]] = {"score": [], "plain": [], "repo": []}
    phases: dict[str, list[float]] = {}
    report = None
    for rep in range(args.repeat):
        await reset(target)
        steps: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("plain", lambda: run_plain(engine)),
            ("score", lambda: run_score(engine)),
            ("repo", lambda: run_repo(engine)),
        ]
        if rep % 2:
            steps.reverse()
        for name, step in steps:
            result = await step()
            if name == "score":
                elapsed, report, laps = result
                for phase, seconds in laps.items():
                    phases.setdefault(phase, []).append(seconds)
                if rep == 0:
                    await check_same_figures(engine, report, plain_rows)
            elif name == "plain":
                elapsed, plain_rows = result
            else:
                elapsed = result
            times[name].append(elapsed)
        print(
            f"  rep {rep + 1}: score {fmt(times['score'][-1])}, plain {fmt(times['plain'][-1])}"
            f", repo aggregate {fmt(times['repo'][-1])}",
            flush=True,
        )
    assert report is not None
    score, plain, repo = (statistics.median(times[k]) for k in ("score", "plain", "repo"))
    ratio = score / plain
    verdicts = report.verdicts
    print(f"  scored {len(verdicts):,} stations: "
          + ", ".join(f"{step} {report.count(step):,}" for step in LadderStep)
          + f", grace {sum(v.verdict is Verdict.GRACE for v in verdicts):,}; "
          f"{report.alerts:,} alerts enqueued")  # fmt: skip
    print(f"  median of {args.repeat}:")
    print(f"    score()          {fmt(score)}   (ScoringService.score, whole run)")
    print(f"    plain aggregate  {fmt(plain)}   (hand-written GROUP BY, fetched)")
    print(f"    repo aggregate   {fmt(repo)}   (SqlScoreRepo.window_totals alone)")
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"    ratio            {ratio:7.2f} ×   the plain aggregate (target ≤ {TARGET} ×: "
          f"{verdict})", flush=True)  # fmt: skip

    medians = {name: statistics.median(laps) for name, laps in phases.items()}
    total = sum(medians.values())
    changes = sum(v.status_after != v.status_before for v in verdicts)
    print(
        f"  where the time goes (the service's own phases, median of {args.repeat}; "
        f"{len(verdicts):,} stations, {changes:,} status changes, {report.alerts:,} alerts):"
    )
    for name, seconds in medians.items():
        print(f"    {name:<28} {fmt(seconds)}  {100 * seconds / total:5.1f} %")
    await reset(target)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=3_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--keepers", type=float, default=1.0, help="fraction of stations with a keeper"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cunzhan-bench-") as directory:
        if args.engine in ("sqlite", "both"):
            async with sqlite_target(Path(directory)) as target:
                await bench(target, args)
        if args.engine in ("postgresql", "both"):
            if await postgres_reachable():
                async with postgres_target(Path(directory)) as target:
                    await bench(target, args)
            else:
                print(f"PostgreSQL: unreachable at {PG_URL}, skipped")
    print(f"total wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
