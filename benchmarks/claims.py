"""How fast is a county's month of per-parcel subsidy claims, and does the statement stream?
`python -m benchmarks.claims [--stations 10000] [--entries 3000000] [--engine sqlite|both]`

The county, network and ledger are those of `benchmarks/scoring.py` (its generators are
reused: N stations, M entries in October 2026, about 10 % of them upstream shipments, about
1 % reversals); then every shipment gets a product (four in five 脆李, eligible under the
default policy's per-parcel rule; one in five 手机壳, not) and a weight from 0.3 to 5.3 kg
(about one in five under the rule's 1 kg). October is closed.

Timed, on the production engine, `--repeat` times (median reported):

- working: `ClaimForecast` through `Services.run`: the default policy's per-parcel rule
  for every station of the county's month (not produce, under weight, already approved
  elsewhere, voided, each tracking number once; the cap per station and month) as one
  aggregate query (`county_parcel_counts`, held to `per_parcel_working` by
  tests/storage/test_claims.py);
- statement: `ClaimStatement` + `adapters.statement_xlsx.write_statement` for the month,
  after every station's claim was filed and approved (untimed set-up: one approved claim
  per station, with its parcel lines, as `claim_lines` rows, computed parcel by parcel with
  `per_parcel_working`): the real .xlsx with one row per claim, totals per rule and every
  parcel behind every approved yuan, streamed from a server-side cursor into
  rustpy-xlsxwriter's constant-memory mode;
- plain: the bare aggregate over the same rows (scoring's hand-written
  `SELECT station_id, SUM(CASE …) … GROUP BY station_id` of the month).

Target: working + statement ≤ 2 × plain. Memory: the statement is written once more
under tracemalloc (untimed) and its peak Python allocation is printed next to the number
of parcel lines, with the process's RSS growth (the Rust writer's memory is not Python's);
both stay flat as the lines grow because nothing holds them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

from adapters.statement_xlsx import write_statement
from benchmarks.scoring import (
    COUNTY,
    PERIOD,
    ledger_batches,
    load_network,
    network_params,
    postgres_reachable,
    postgres_target,
    run_plain,
    sqlite_target,
)
from bot.domain.claims import ClaimState
from bot.domain.commands import ClaimForecast, ClaimStatement
from bot.i18n import Translator
from bot.services.bus import Services
from bot.services.claims.forecast import county_workings
from bot.services.env import Env
from bot.services.invites import CLI_ACTOR
from bot.services.policy import default_policy
from storage.schema import claim_lines, claims, period_locks, products
from storage.uow import SqlUnitOfWorkFactory

TARGET = 2.0
NOW = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
RULE = "parcel"

SHIPMENT_DETAILS = """
UPDATE ledger_entries
SET product_id = CASE WHEN id % 5 = 0 THEN 2 ELSE 1 END,
    weight_g = 300 + (id * 37) % 5000
WHERE kind = 'upstream_shipment'
"""


class RssSampler:
    """The process's resident memory sampled every 5 ms while the block runs: tracemalloc
    sees only Python's allocations, not the Rust writer's. Linux (/proc); 0 elsewhere."""

    STATM = Path("/proc/self/statm")

    def __enter__(self) -> RssSampler:
        self.start = self.peak = self._rss()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.start

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, self._rss())

    def _rss(self) -> int:
        if not self.STATM.exists():
            return 0
        return int(self.STATM.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class FixedClock:
    def now(self) -> datetime:
        return NOW


async def prepare(target, args) -> None:
    await load_network(target.engine, network_params(args.stations, 0.0))
    await target.load_ledger(
        ledger_batches(args.stations, args.entries, text_times=target.text_times)
    )
    async with target.engine.begin() as conn:
        await conn.execute(
            insert(products),
            [
                {"id": 1, "county_id": 1, "name": "脆李", "created_at": NOW},
                {"id": 2, "county_id": 1, "name": "手机壳", "created_at": NOW},
            ],
        )
        await conn.execute(text(SHIPMENT_DETAILS))
        await conn.execute(
            insert(period_locks).values(county_id=1, period=str(PERIOD), locked_at=NOW)
        )
    async with target.engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.exec_driver_sql("ANALYZE")


async def approve_every_station(uow_factory: SqlUnitOfWorkFactory) -> tuple[int, int]:
    """Untimed: one approved per-parcel claim per station, with its lines (as filing and
    approving would leave them)."""
    rule = default_policy().subsidy_rule(RULE)
    rows, lines = [], []
    async with uow_factory() as uow:
        async for station_id, working in county_workings(uow, 1, rule, str(PERIOD)):
            if working.amount_fen <= 0:
                continue
            rows.append(
                {
                    "id": station_id,
                    "county_id": 1,
                    "station_id": station_id,
                    "rule_code": RULE,
                    "rule_kind": "per_parcel",
                    "fund": rule.fund_name,
                    "period": str(PERIOD),
                    "state": ClaimState.APPROVED.value,
                    "amount_fen": working.amount_fen,
                    "working": f'{{"kind": "per_parcel", "counted": {len(working.counted)}, '
                    f'"fen_per_parcel": {working.fen_per_parcel}, "gross_fen": '
                    f'{working.gross_fen}, "cap_fen": {working.cap_fen}, "amount_fen": '
                    f'{working.amount_fen}, "trimmed_fen": {working.trimmed_fen}}}',
                    "flags": "[]",
                    "policy_version": 0,
                    "created_at": NOW,
                    "updated_at": NOW,
                    "request_key": f"bench:{station_id}",
                }
            )
            lines += [
                {
                    "claim_id": station_id,
                    "entry_id": parcel.entry_id,
                    "tracking_no": parcel.tracking_no,
                    "amount_fen": fen,
                }
                for parcel, fen in working.line_amounts()
            ]
    async with uow_factory(write=True) as uow:
        conn = uow.connection
        await conn.execute(insert(claims), rows)
        for start in range(0, len(lines), 50_000):
            await conn.execute(insert(claim_lines), lines[start : start + 50_000])
        await uow.commit()
    return len(rows), len(lines)


async def run_working(services: Services) -> tuple[float, int, int]:
    started = time.perf_counter()
    forecast = await services.run(ClaimForecast(COUNTY, RULE, str(PERIOD)), CLI_ACTOR)
    paying = sum(1 for station in forecast.stations if station.amount_fen > 0)
    return time.perf_counter() - started, paying, forecast.amount_fen


async def run_statement(services: Services, path: Path) -> tuple[float, int, int]:
    started = time.perf_counter()
    async with services.uow() as uow:
        statement = await services.run(ClaimStatement(COUNTY, str(PERIOD)), CLI_ACTOR, uow)
        lines = await write_statement(statement, path, Translator("zh"))
    return time.perf_counter() - started, lines, statement.approved_fen


async def bench(target, args) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{target.label}: {args.stations:,} stations, {args.entries:,} ledger entries in "
        f"{PERIOD} (machine load average {load})",
        flush=True,
    )
    started = time.perf_counter()
    await prepare(target, args)
    print(f"  loaded in {time.perf_counter() - started:.1f} s", flush=True)
    uow_factory = SqlUnitOfWorkFactory(target.engine)
    services = Services(uow_factory, Env(FixedClock(), b"bench"))
    await run_plain(target.engine)  # warm-up
    workings, plains = [], []
    for _ in range(args.repeat):
        elapsed, stations, forecast_fen = await run_working(services)
        workings.append(elapsed)
        plains.append((await run_plain(target.engine))[0])
    approved, line_rows = await approve_every_station(uow_factory)
    assert approved == stations, (approved, stations)
    statements = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "statement.xlsx"
        for _ in range(args.repeat):
            elapsed, lines, approved_fen = await run_statement(services, path)
            statements.append(elapsed)
            plains.append((await run_plain(target.engine))[0])
        assert lines == line_rows and approved_fen == forecast_fen, (lines, line_rows)
        size = path.stat().st_size
        tracemalloc.start()
        with RssSampler() as rss:
            await run_statement(services, path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    working, statement, plain = (
        statistics.median(workings),
        statistics.median(statements),
        statistics.median(plains),
    )
    ratio = (working + statement) / plain
    print(
        f"  working   {working:7.3f} s  ({stations:,} stations with a claim, "
        f"{forecast_fen / 100:,.2f} yuan)"
    )
    print(
        f"  statement {statement:7.3f} s  ({approved:,} claims, {lines:,} parcel lines, "
        f"{size / 1e6:.1f} MB .xlsx)"
    )
    print(f"  plain     {plain:7.3f} s  (the month's aggregate, same rows)")
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"ratio (working + statement) / plain = {ratio:.2f}×  (target ≤ {TARGET}×: {verdict})")
    print(
        f"  statement peak Python memory {peak / 1e6:.1f} MB, process RSS growth "
        f"{rss.growth / 1e6:.1f} MB (the Rust writer's too) for {lines:,} lines (streamed)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=3_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for name in engines:
        if name == "postgresql" and not await postgres_reachable():
            print("PostgreSQL not reachable: skipped")
            continue
        make = sqlite_target if name == "sqlite" else postgres_target
        with tempfile.TemporaryDirectory() as tmp:
            async with make(Path(tmp)) as target:
                await bench(target, args)


if __name__ == "__main__":
    asyncio.run(main())
