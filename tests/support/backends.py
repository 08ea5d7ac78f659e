"""The same test, any storage backend: seed a network, look at stored rows, change a row.

Storage tests run on SQLite, PostgreSQL and the in-memory unit of work (`uow_factory` in
tests/conftest.py). What a test would otherwise do with raw SQL on the engine — count rows,
check that a phone number is not stored, backdate a county — goes through these helpers, so
that the test holds the memory backend to exactly what SQL stores. Table and column names
are SQL's; the memory rows use the same ones.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import date
from typing import Any

from sqlalchemy import select, update

from bot.domain.network import StationStatus, Tier
from bot.services.network_import import (
    CountyRecord,
    ImportPlan,
    StationRecord,
    TownshipRecord,
    VillageRecord,
)
from storage import schema
from storage.memory import MemoryUnitOfWorkFactory
from storage.memory.network_import import MemoryNetworkImportStores
from storage.memory.rows import build
from storage.repositories.network_import import SqlNetworkImportStores
from tests.support.network import T0, Net


def is_memory(uow_factory) -> bool:
    return isinstance(uow_factory, MemoryUnitOfWorkFactory)


def network_import_stores(uow_factory):
    """The network import's stores on this backend."""
    if is_memory(uow_factory):
        return MemoryNetworkImportStores(uow_factory)
    return SqlNetworkImportStores(uow_factory)


async def seed_network(uow_factory, *, opened_on: date | None = None) -> Net:
    """The network of `tests.support.network.seed_network`, written through the network
    import's store (the same code on every backend). `opened_on` sets every station's
    opening date (A-S1 otherwise opened on 2025-03-01, the others have none)."""

    def station(code, name, village, tier=Tier.ORDINARY, lat=None, lon=None, opened=None):
        opened = opened_on or opened
        return StationRecord(code, name, village, tier, StationStatus.ACTIVE, lat, lon, opened)

    plan = ImportPlan()
    plan.counties.create += [
        CountyRecord("A", "甲县", "Asia/Shanghai"),
        CountyRecord("B", "乙县", "Asia/Shanghai"),
    ]
    plan.townships.create += [
        TownshipRecord("A-T1", "东乡", "A"),
        TownshipRecord("A-T2", "西乡", "A"),
        TownshipRecord("B-T1", "北乡", "B"),
    ]
    plan.villages.create += [
        VillageRecord("A-V1", "桃园村", "A-T1"),
        VillageRecord("A-V2", "李庄村", "A-T2"),
        VillageRecord("B-V1", "杏花村", "B-T1"),
    ]
    plan.stations.create += [
        station("A-S1", "桃园村服务站", "A-V1", lat=29_123_456, lon=106_654_321,
                opened=date(2025, 3, 1)),
        station("A-S2", "桃园二站", "A-V1", tier=Tier.DEMONSTRATION),
        station("A-S3", "李庄村服务站", "A-V2"),
        station("B-S1", "杏花村服务站", "B-V1"),
    ]  # fmt: skip
    stores = network_import_stores(uow_factory)
    async with stores(write=True) as store:
        await store.apply(plan, T0, lambda n: None)
        await store.commit()
    async with uow_factory() as uow:
        n = uow.network
        county_a, county_b = await n.county_by_code("A"), await n.county_by_code("B")
        t1, t2 = await n.township_by_code("A-T1"), await n.township_by_code("A-T2")
        stations = [await n.station_by_code(c) for c in ("A-S1", "A-S2", "A-S3", "B-S1")]
    return Net(county_a.id, county_b.id, t1.id, t2.id, *(s.id for s in stations))


def _sql_where(table, where: dict[str, Any]):
    return [table.c[name] == value for name, value in where.items()]


async def table_rows(uow_factory, table: str, **where: Any) -> list[dict[str, Any]]:
    """The stored rows of a table (SQL's names), in primary-key order, as dicts."""
    if is_memory(uow_factory):
        async with uow_factory() as uow:
            rows = [
                _as_dict(table, key, row)
                for key, row in sorted(uow.transaction.read(table).items())
            ]
        return [row for row in rows if all(row[k] == v for k, v in where.items())]
    sql_table = schema.metadata.tables[table]
    query = select(sql_table).where(*_sql_where(sql_table, where))
    query = query.order_by(*sql_table.primary_key.columns)
    async with uow_factory() as uow:
        return [dict(row) for row in (await uow.connection.execute(query)).mappings()]


def _as_dict(table: str, key: Any, row: Any) -> dict[str, Any]:
    if table == "tracking_claims":  # key → entry id
        return dict(zip(("station_id", "direction", "tracking_no"), key, strict=True)) | {
            "entry_id": row
        }
    if table == "pickup_sequences":  # station id → last sequence number
        return {"station_id": key, "last_seq": row}
    return asdict(row)


async def count(uow_factory, table: str, **where: Any) -> int:
    return len(await table_rows(uow_factory, table, **where))


async def update_rows(uow_factory, table: str, where: dict[str, Any], **values: Any) -> int:
    """UPDATE table SET values WHERE where; how many rows changed. For setting up a case
    no use case writes (a station opened last month, a county set up late)."""
    if is_memory(uow_factory):
        async with uow_factory(write=True) as uow:
            tx, changed = uow.transaction, 0
            for key, row in list(tx.read(table).items()):
                if all(getattr(row, k) == v for k, v in where.items()):
                    tx.write(table)[key] = build(type(row), asdict(replace(row, **values)))
                    changed += 1
            await uow.commit()
        return changed
    sql_table = schema.metadata.tables[table]
    async with uow_factory(write=True) as uow:
        statement = update(sql_table).where(*_sql_where(sql_table, where)).values(**values)
        changed = (await uow.connection.execute(statement)).rowcount
        await uow.commit()
    return changed


async def delivered(uow_factory, **where: Any):
    """Each notice in the outbox (`where` on its columns) as the Telegram worker would
    deliver it now: (category, chat id, text), read the same way on every backend."""
    from bot.i18n import pick_language
    from bot.services.notice_texts import render
    from storage.repositories.outbox import load_actions
    from tests.support.outbox import Delivered

    people = {p["id"]: p for p in await table_rows(uow_factory, "people")}
    chats: dict[int, str] = {}
    for identity in await table_rows(uow_factory, "identities", channel="telegram"):
        if identity["chat_id"] is not None:  # the newest identity wins, as in the worker
            chats[identity["person_id"]] = identity["chat_id"]
    found = []
    for row in await table_rows(uow_factory, "outbox", **where):
        person = people.get(row["person_id"])
        language = (person or {}).get("language") or row["language"]
        address = row["chat_id"] if row["person_id"] is None else chats.get(row["person_id"])
        notice = render(
            row["kind"], json.loads(row["params"]), load_actions(row["actions"]),
            pick_language(language),
        )  # fmt: skip
        found.append(Delivered(row["category"], address, notice.text))
    return found
