"""How fast is the county desk? `python -m benchmarks.county_desk [--stations N] [--entries M]`

A fresh SQLite file (the production engine), one county of N stations in 20 townships,
M ledger entries this month spread over the stations (bulk-inserted, untimed), a county
staff member. Timed, through `Services.run` as the chat calls it, median of `--runs`:
- `/stations below sort:downstream` (ListStations over the whole county, then a page);
- `/station CODE` (StationDesk: the card, the month, six months of ladder, the shelf).
The notice board (issue 11): `/stations` again once each station has checked in on
`--checkin-days` days (bulk-inserted; every third station not lately), against the same
listing measured before (the baseline), and `/stations nocheckin`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.bootstrap import build_app
from bot.config import Settings
from bot.domain.commands import CreateInvite, ListStations, RedeemInvite, StationDesk
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
from storage.schema import ledger_entries, station_checkins
from tests.conftest import FakeClock

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


async def build(directory: Path, stations: int, entries: int):
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{directory}/desk.db",
        phone_hash_key="bench",
    )
    app = await build_app(settings, clock=FakeClock(NOW))
    plan = ImportPlan()
    plan.counties.create.append(CountyRecord("C", "丙县", "Asia/Shanghai"))
    per = max(1, stations // 20)
    for n in range(stations):
        t = n // per
        if n % per == 0:
            plan.townships.create.append(TownshipRecord(f"C-T{t:02d}", f"镇{t}", "C"))
            plan.villages.create.append(VillageRecord(f"C-V{t:02d}", f"村{t}", f"C-T{t:02d}"))
        plan.stations.create.append(
            StationRecord(
                f"C-S{n:04d}", f"站{n}", f"C-V{t:02d}", Tier.ORDINARY, StationStatus.ACTIVE,
                None, None, None,
            )
        )  # fmt: skip
    stores = SqlNetworkImportStores(app.uow)
    async with stores(write=True) as store:
        await store.apply(plan, NOW, lambda n: None)
        await store.commit()
    rows = [
        {
            "station_id": 1 + n % stations,
            "kind": "proxy_purchase" if (n // stations) % 3 else "upstream_sale",
            "period": "2026-11",
            "occurred_at": NOW,
            "recorded_at": NOW,
            "source": "bench",
            "request_key": f"b{n}",
            "amount_fen": 500 + n % stations * 20,  # the first stations fall short
        }
        for n in range(entries)
    ]
    async with app.engine.begin() as conn:
        await conn.execute(insert(ledger_entries), rows)
    invite = await app.services.run(
        CreateInvite(Role.COUNTY_STAFF, "C", request_key="bench-invite"), CLI_ACTOR
    )
    who = Actor(channel="telegram", external_id="9")
    await app.services.run(
        RedeemInvite(invite.token, "科员", "zh", "9", request_key="bench-redeem"), who
    )
    return app, await app.services.who("telegram", "9")


async def add_checkins(app, staff, stations: int, days: int) -> int:
    """Check-ins of the last `days` days (the first of every three stations stopped a
    week ago), written straight to the table: untimed set-up."""
    rows = [
        {
            "station_id": 1 + n,
            "day": (NOW - timedelta(days=d)).date(),
            "person_id": staff.person_id,
            "at": NOW - timedelta(days=d),
            "lat_e6": 29_000_000 + d,
            "lon_e6": 106_000_000,
            "distance_m": 40,
            "verified": True,
            "request_key": f"c{n}:{d}",
        }
        for n in range(stations)
        for d in range(7 if n % 3 == 0 else 0, days)
    ]
    async with app.engine.begin() as conn:
        await conn.execute(insert(station_checkins), rows)
    return len(rows)


async def timed(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=300)
    parser.add_argument("--entries", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checkin-days", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        app, staff = await build(Path(directory), args.stations, args.entries)
        try:
            listing = ListStations(below=True, sort="downstream")
            page = await app.services.run(listing, staff)
            list_s = await timed(lambda: app.services.run(listing, staff), args.runs)
            card_s = await timed(lambda: app.services.run(StationDesk("C-S0000"), staff), args.runs)
            checkins = await add_checkins(app, staff, args.stations, args.checkin_days)
            with_s = await timed(lambda: app.services.run(listing, staff), args.runs)
            silent = ListStations(no_checkin=True)
            silent_page = await app.services.run(silent, staff)
            silent_s = await timed(lambda: app.services.run(silent, staff), args.runs)
        finally:
            await app.close()
    print(f"stations={args.stations} entries={args.entries} below={page.total}")
    print(f"/stations below sort:downstream: {list_s * 1000:.1f} ms (median of {args.runs})")
    print(f"/station C-S0000: {card_s * 1000:.1f} ms (median of {args.runs})")
    print(
        f"with {checkins} check-ins: /stations below sort:downstream {with_s * 1000:.1f} ms "
        f"(ratio {with_s / list_s:.2f} against the baseline above), /stations nocheckin "
        f"{silent_s * 1000:.1f} ms ({silent_page.total} stations)"
    )


if __name__ == "__main__":
    asyncio.run(main())
