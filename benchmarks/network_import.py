"""How fast is the network import? `python -m benchmarks.network_import [--rows 10000]`

Times `import_network` (validation, snapshot, plan, bulk apply) for generated rows into a
fresh SQLite file, and into PostgreSQL when CUNZHAN_TEST_POSTGRES_URL (default: the local
server, database `test`) answers, in a throw-away schema. As a baseline, the same rows go
into another fresh database by plain executemany INSERTs with no checks at all; the ratio
says what validation and upsert-by-code cost on top of the bare writes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import SystemClock
from bot.services.network_import import COLUMNS, RawRow, import_network, validate_rows
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.repositories.network_import import SqlNetworkImportStores
from storage.schema import counties, stations, townships, villages
from storage.scratch import reachable, scratch_schema
from storage.uow import SqlUnitOfWorkFactory

PG_URL = os.environ.get(
    "CUNZHAN_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def generate_rows(count: int) -> list[RawRow]:
    """10 counties per 10,000 rows, 50 stations per township, 5 per village."""
    rows = []
    for n in range(count):
        c, t, v = n // 1000, n // 50, n // 5
        values = [
            f"C{c:02}", f"县{c}", f"C{c:02}-T{t:03}", f"乡{t}", f"C{c:02}-V{v:04}", f"村{v}",
            f"C{c:02}-S{n:05}", f"站{n}", "示范" if n % 7 == 0 else "普通", "正常",
            f"27.{n:06}", f"115.{n:06}", "2024-01-15",
        ]  # fmt: skip
        rows.append(RawRow(n + 2, dict(zip(COLUMNS, values, strict=True)), {}))
    return rows


async def baseline_insert(engine: AsyncEngine, rows: list[RawRow]) -> float:
    """The same network by bare executemany INSERTs: ids known, nothing checked."""
    valid, errors = validate_rows(rows)  # parsing is not what the baseline measures
    assert not errors
    now = datetime.now(UTC)
    stamp = {"created_at": now, "updated_at": now}
    ids: dict[str, dict[str, int]] = {"c": {}, "t": {}, "v": {}}
    params: dict[str, list[dict]] = {"c": [], "t": [], "v": [], "s": []}

    def new_id(kind: str, code: str) -> int | None:
        if code in ids[kind]:
            return None
        ids[kind][code] = len(ids[kind]) + 1
        return ids[kind][code]

    for r in valid:
        if (i := new_id("c", r.county_code)) is not None:
            params["c"].append(
                {"id": i, "code": r.county_code, "name": r.county_name, "timezone": "Asia/Shanghai"}
            )
        if (i := new_id("t", r.township_code)) is not None:
            county_id = ids["c"][r.county_code]
            params["t"].append(
                {"id": i, "code": r.township_code, "name": r.township_name, "county_id": county_id}
            )
        if (i := new_id("v", r.village_code)) is not None:
            township_id = ids["t"][r.township_code]
            params["v"].append(
                {
                    "id": i,
                    "code": r.village_code,
                    "name": r.village_name,
                    "township_id": township_id,
                }
            )
        lat, lon = r.gps or (None, None)
        params["s"].append(
            {
                "code": r.station_code,
                "name": r.station_name,
                "village_id": ids["v"][r.village_code],
                "tier": r.tier.value,
                "status": str(r.status or "active"),
                "lat_e6": lat,
                "lon_e6": lon,
                "opened_on": r.opened_on,
            }
        )
    started = time.perf_counter()
    async with engine.begin() as conn:
        for table, key in ((counties, "c"), (townships, "t"), (villages, "v"), (stations, "s")):
            await conn.execute(insert(table), [p | stamp for p in params[key]])
    return time.perf_counter() - started


async def timed_import(engine: AsyncEngine, rows: list[RawRow]) -> tuple[float, float]:
    stores = SqlNetworkImportStores(SqlUnitOfWorkFactory(engine))
    times = []
    for _ in range(2):  # the second run finds everything unchanged
        started = time.perf_counter()
        report = await import_network(stores, SystemClock(), rows, default_timezone="Asia/Shanghai")
        times.append(time.perf_counter() - started)
        assert report.ok, report.errors[:5]
    return times[0], times[1]


@asynccontextmanager
async def sqlite_engine(directory: Path, name: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{directory / name}.db")
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def postgres_engine(_directory: Path, name: str) -> AsyncIterator[AsyncEngine]:
    """A fresh schema on the test server, dropped afterwards."""
    async with scratch_schema(PG_URL, f"bench_{name}") as engine:
        yield engine


async def postgres_reachable() -> bool:
    return await reachable(PG_URL)


async def bench(label: str, engines: Callable, directory: Path, rows: list[RawRow]) -> None:
    async with engines(directory, "import") as engine:
        first, again = await timed_import(engine, rows)
    async with engines(directory, "baseline") as engine:
        baseline = await baseline_insert(engine, rows)
    n = len(rows)
    print(f"{label}:")
    print(f"  import      {first:7.3f} s  {n / first:9,.0f} rows/s")
    print(f"  re-import   {again:7.3f} s  {n / again:9,.0f} rows/s  (all unchanged)")
    print(f"  bare INSERT {baseline:7.3f} s  {n / baseline:9,.0f} rows/s  (executemany baseline)")
    print(f"  ratio       {first / baseline:7.1f} × the bare INSERT")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    rows = generate_rows(args.rows)
    with tempfile.TemporaryDirectory(prefix="cunzhan-bench-") as directory:
        await bench("SQLite", sqlite_engine, Path(directory), rows)
        if await postgres_reachable():
            await bench("PostgreSQL", postgres_engine, Path(directory), rows)
        else:
            print(f"PostgreSQL: unreachable at {PG_URL}, skipped")


if __name__ == "__main__":
    asyncio.run(main())
