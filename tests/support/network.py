"""A small two-county network written straight into the tables, for tests that need one
without going through the importer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.schema import counties, stations, townships, villages

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Net:
    """Codes: county A (A-T1 → A-V1 → A-S1, A-S2; A-T2 → A-V2 → A-S3); county B (B-S1)."""

    county_a: int
    county_b: int
    township_a1: int
    township_a2: int
    station_a1: int
    station_a2: int
    station_a3: int
    station_b1: int


async def seed_network(engine: AsyncEngine) -> Net:
    stamp = {"created_at": T0, "updated_at": T0}
    async with engine.begin() as conn:

        async def add(table, **values) -> int:
            result = await conn.execute(
                table.insert().values(**values, **stamp).returning(table.c.id)
            )
            return result.scalar_one()

        ca = await add(counties, code="A", name="甲县", timezone="Asia/Shanghai")
        cb = await add(counties, code="B", name="乙县", timezone="Asia/Shanghai")
        ta1 = await add(townships, county_id=ca, code="A-T1", name="东乡")
        ta2 = await add(townships, county_id=ca, code="A-T2", name="西乡")
        tb1 = await add(townships, county_id=cb, code="B-T1", name="北乡")
        va1 = await add(villages, township_id=ta1, code="A-V1", name="桃园村")
        va2 = await add(villages, township_id=ta2, code="A-V2", name="李庄村")
        vb1 = await add(villages, township_id=tb1, code="B-V1", name="杏花村")

        def station(code, name, village, tier="ordinary", **extra):
            return add(
                stations,
                code=code,
                name=name,
                village_id=village,
                tier=tier,
                status="active",
                **extra,
            )

        sa1 = await station(
            "A-S1",
            "桃园村服务站",
            va1,
            lat_e6=29_123_456,
            lon_e6=106_654_321,
            opened_on=date(2025, 3, 1),
        )
        sa2 = await station("A-S2", "桃园二站", va1, tier="demonstration")
        sa3 = await station("A-S3", "李庄村服务站", va2)
        sb1 = await station("B-S1", "杏花村服务站", vb1)
    return Net(ca, cb, ta1, ta2, sa1, sa2, sa3, sb1)
