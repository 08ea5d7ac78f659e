"""How much does the sale plausibility check cost? `python -m benchmarks.usual_prices
[--stations N] [--entries M] [--runs R]`

A fresh SQLite file (the production engine), one county of N stations, M ledger entries
(two in three parcels without a product, one in three sales, spread over the stations:
脆李 in most of them, 蜂蜜 in one sale of 300; bulk-inserted, untimed). Timed through
`Services.run`, as the chat asks before a sale is confirmed, median of R:
- the station path: a station with its own history of 脆李 (one indexed read);
- the county path: a station that never sold it (its read finds too little, then the
  county's), for the common 脆李 and for the rare 蜂蜜 (whose last 50 sales lie far back);
- the baseline, measured in the same run: `ListProducts`, the cheapest query a keeper's
  form makes (one small table) — the ratio says what the check adds to a sale;
- the same two look-ups with migration 0009's indexes dropped (what they save).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

from bot.bootstrap import build_app
from bot.config import Settings
from bot.domain.commands import CreateInvite, ListProducts, RedeemInvite, UsualUnitPrice
from bot.domain.network import StationStatus, Tier
from bot.domain.roles import Role
from bot.services.authz import Actor
from bot.services.invites import CLI_ACTOR
from bot.services.network_import import (
    CountyRecord,
    ImportPlan,
    StationRecord,
    TownshipRecord,
    VillageRecord,
)
from storage.repositories.network_import import SqlNetworkImportStores
from storage.schema import ledger_entries, products
from tests.conftest import FakeClock

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
PRODUCTS = ("脆李", "核桃", "蜂蜜")
INDEXES = ("ix_ledger_product_station", "ix_ledger_product_recent")


async def build(directory: Path, stations: int, entries: int):
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{directory}/prices.db",
        phone_hash_key="bench",
    )
    app = await build_app(settings, clock=FakeClock(NOW))
    plan = ImportPlan()
    plan.counties.create.append(CountyRecord("C", "丙县", "Asia/Shanghai"))
    plan.townships.create.append(TownshipRecord("C-T00", "镇", "C"))
    plan.villages.create.append(VillageRecord("C-V00", "村", "C-T00"))
    for n in range(stations):
        plan.stations.create.append(
            StationRecord(
                f"C-S{n:04d}", f"站{n}", "C-V00", Tier.ORDINARY, StationStatus.ACTIVE,
                None, None, None,
            )
        )  # fmt: skip
    stores = SqlNetworkImportStores(app.uow)
    async with stores(write=True) as store:
        await store.apply(plan, NOW, lambda n: None)
        await store.commit()
    async with app.engine.begin() as conn:
        await conn.execute(
            insert(products), [{"county_id": 1, "name": p, "created_at": NOW} for p in PRODUCTS]
        )
        rows = []
        for n in range(entries):
            # Station 1 (C-S0000) sells; the last station never sells anything.
            station = 1 + n % (stations - 1)
            sale = n % 3 == 0
            rows.append(
                {
                    "station_id": station,
                    "kind": "upstream_sale" if sale else "parcel_in",
                    "period": "2026-11",
                    "occurred_at": NOW,
                    "recorded_at": NOW,
                    "source": "bench",
                    "request_key": f"b{n}",
                    "amount_fen": 400_00 + n % 97 * 100,
                    "product_id": (3 if n % 900 == 0 else 1) if sale else None,
                    "quantity_milli": 20_000 if sale else None,
                    "unit": "jin" if sale else None,
                }
            )
            if len(rows) == 20_000:
                await conn.execute(insert(ledger_entries), rows)
                rows = []
        if rows:
            await conn.execute(insert(ledger_entries), rows)
    keepers = []
    for code in ("C-S0000", f"C-S{stations - 1:04d}"):
        invite = await app.services.run(
            CreateInvite(Role.KEEPER, code, request_key=f"bench-{code}"), CLI_ACTOR
        )
        who = Actor(channel="telegram", external_id=code)
        await app.services.run(
            RedeemInvite(invite.token, "站长", "zh", code, request_key=f"r-{code}"), who
        )
        keepers.append(await app.services.who("telegram", code))
    return app, keepers


async def timed(call, runs: int) -> float:
    await call()  # warm: statements compiled, pages cached
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=300)
    parser.add_argument("--entries", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    query, rare = UsualUnitPrice("脆李", "jin"), UsualUnitPrice("蜂蜜", "jin")
    with tempfile.TemporaryDirectory() as directory:
        app, (seller, newcomer) = await build(Path(directory), args.stations, args.entries)
        try:
            run = app.services.run
            here = await run(query, seller)
            county = await run(query, newcomer)
            base = await timed(lambda: run(ListProducts(), seller), args.runs)
            station_s = await timed(lambda: run(query, seller), args.runs)
            county_s = await timed(lambda: run(query, newcomer), args.runs)
            rare_s = await timed(lambda: run(rare, newcomer), args.runs)
            async with app.engine.begin() as conn:
                for name in INDEXES:
                    await conn.execute(text(f"DROP INDEX {name}"))
            bare_station = await timed(lambda: run(query, seller), args.runs)
            bare_county = await timed(lambda: run(query, newcomer), args.runs)
            bare_rare = await timed(lambda: run(rare, newcomer), args.runs)
        finally:
            await app.close()
    ms = lambda s: f"{s * 1000:.2f} ms"  # noqa: E731
    print(f"stations={args.stations} entries={args.entries} runs={args.runs} (medians)")
    print(f"usual range: station {here.low_fen}–{here.high_fen} fen/jin from {here.sales} sales;")
    print(f"             county {county.low_fen}–{county.high_fen} fen/jin from {county.sales}")
    print(f"baseline ListProducts:      {ms(base)}")
    print(f"station path:               {ms(station_s)} = {station_s / base:.2f}x the baseline")
    print(f"county path:                {ms(county_s)} = {county_s / base:.2f}x the baseline")
    print(f"county path, rare product:  {ms(rare_s)} = {rare_s / base:.2f}x the baseline")
    print(
        f"without the 0009 indexes:   station {ms(bare_station)}, county {ms(bare_county)}, "
        f"rare product {ms(bare_rare)}"
    )


if __name__ == "__main__":
    asyncio.run(main())
