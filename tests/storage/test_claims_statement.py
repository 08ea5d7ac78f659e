"""The XLSX statement, read back with openpyxl: one row per claim, totals per rule equal to
the approved (and paid) claims, and every approved yuan of a per-parcel claim mapped to a
parcel of the ledger. On SQLite, PostgreSQL and memory (the parcel lines stream)."""

from __future__ import annotations

from collections import defaultdict

import openpyxl
import pytest

from adapters.statement_xlsx import write_statement
from bot.domain.commands import (
    AddEvidence,
    ClaimStatement,
    DecideClaim,
    FileClaim,
    MarkClaimsPaid,
    SubmitClaim,
)
from bot.i18n import Translator
from bot.services.invites import CLI_ACTOR
from tests.support.backends import table_rows
from tests.support.claims import OCTOBER, claims_world, close_october, ship


@pytest.fixture
async def world(uow_factory, clock):
    return await claims_world(uow_factory, clock)


async def claim(world, keeper, key, rule="parcel", **extra):
    filed = await world.services.run(FileClaim(rule, OCTOBER, request_key=key, **extra), keeper)
    if rule == "other":
        await world.services.run(
            AddEvidence(filed.claim.id, key.ljust(64, "0"), 9, "x.jpg", request_key=f"{key}:e"),
            keeper,
        )
    await world.services.run(SubmitClaim(filed.claim.id, request_key=f"{key}:s"), keeper)
    return filed.claim.id


def decide(world, claim_id, step, reason=""):
    command = DecideClaim(claim_id, step, reason, request_key=f"d:{claim_id}:{step}")
    return world.services.run(command, world.staff)


async def test_statement_totals_and_every_yuan_maps_to_a_ledger_parcel(world, tmp_path):
    for n in range(160):  # over the cap at A-S1: 32,000 fen trimmed to 30,000
        await ship(world, world.keeper, f"YT{n:013d}")
    await ship(world, world.other_keeper, "SF1000000000")
    await ship(world, world.other_keeper, "SF1000000001", grams=300)  # under the weight
    await close_october(world)
    big = await claim(world, world.keeper, "c1")
    small = await claim(world, world.other_keeper, "c2")
    other = await claim(
        world, world.other_keeper, "c3", rule="other", amount_fen=12_345, description="冷库电费十月"
    )
    rejected = await claim(
        world, world.keeper, "c4", rule="other", amount_fen=100, description="重复申请的电费"
    )
    for claim_id in (big, small, other):
        await decide(world, claim_id, "approve")
    await decide(world, rejected, "reject", "重复")
    await world.services.run(MarkClaimsPaid((small,), "PAY-7", request_key="p"), world.staff)

    path = tmp_path / "statement.xlsx"
    async with world.uow() as uow:
        statement = await world.services.run(ClaimStatement("A", OCTOBER), CLI_ACTOR, uow)
        lines = await write_statement(statement, path, Translator("zh"))
    assert lines == 151  # 150 parcels at 2 yuan fill the 300 yuan cap, 1 at A-S3

    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["申请", "按规则汇总", "包裹明细"]
    claims_rows = list(book["申请"].iter_rows(min_row=2, values_only=True))
    by_id = {row[0]: row for row in claims_rows}
    assert sorted(by_id) == sorted([big, small, other, rejected])
    assert by_id[big][8] == 30_000 and by_id[big][7] == 300.0 and by_id[big][9] == "已批准"
    assert "160 件 × 2.00 元 = 320.00 元，封顶 300.00 元" in by_id[big][6]
    assert by_id[small][9] == "已付款" and by_id[small][11] == "PAY-7"
    assert by_id[rejected][9] == "已驳回" and by_id[big][10] == "u2"  # the reviewer

    stored = {c["id"]: c for c in await table_rows(world.uow, "claims")}
    approved = defaultdict(int)
    for c in stored.values():
        if c["state"] in ("approved", "paid"):
            approved[c["rule_code"]] += c["amount_fen"]
    totals = {row[0]: row for row in book["按规则汇总"].iter_rows(min_row=2, values_only=True)}
    assert totals["农产品上行物流补贴"][4] == approved["parcel"] == 30_200
    assert totals["其他补贴"][4] == approved["other"] == 12_345
    assert totals["农产品上行物流补贴"][6] == 200  # paid
    assert sum(row[4] for row in totals.values()) == statement.approved_fen

    entries = {e["id"]: e for e in await table_rows(world.uow, "ledger_entries")}
    codes = {s["id"]: s["code"] for s in await table_rows(world.uow, "stations")}
    per_claim = defaultdict(int)
    for claim_id, code, entry_id, tracking, product, weight, day, yuan, fen in book[
        "包裹明细"
    ].iter_rows(min_row=2, values_only=True):
        entry = entries[entry_id]  # every approved yuan is a parcel of the ledger …
        assert (entry["kind"], entry["tracking_no"]) == ("upstream_shipment", tracking)
        assert entry["station_id"] == stored[claim_id]["station_id"]
        assert code == codes[entry["station_id"]] and day.startswith(OCTOBER)
        assert stored[claim_id]["state"] in ("approved", "paid") and fen > 0
        assert product == "脆李" and weight == entry["weight_g"] and round(yuan * 100) == fen
        per_claim[claim_id] += fen
    # … and the parcels add up to each per-parcel claim's amount, to the fen.
    assert dict(per_claim) == {big: 30_000, small: 200}


async def test_a_station_statement_holds_only_that_stations_claims_and_parcels(world, tmp_path):
    from bot.domain.commands import StationClaimStatement
    from bot.domain.errors import NotAllowed

    await ship(world, world.keeper, "YT0000000000001")
    await ship(world, world.other_keeper, "SF1000000000")
    await close_october(world)
    mine = await claim(world, world.keeper, "c1")
    theirs = await claim(world, world.other_keeper, "c2")
    for claim_id in (mine, theirs):
        await decide(world, claim_id, "approve")
    path = tmp_path / "station.xlsx"
    async with world.uow() as uow:
        statement = await world.services.run(StationClaimStatement(OCTOBER), world.keeper, uow)
        lines = await write_statement(statement, path, Translator("zh"))
    assert lines == 1 and [c.id for c in statement.claims] == [mine]
    assert statement.approved_fen == 200
    book = openpyxl.load_workbook(path, read_only=True)
    [row] = book["包裹明细"].iter_rows(min_row=2, values_only=True)
    assert (row[0], row[3], row[8]) == (mine, "YT0000000000001", 200)
    with pytest.raises(NotAllowed):
        async with world.uow() as uow:
            code = statement.station_code
            other = StationClaimStatement(OCTOBER, "A-S3" if code != "A-S3" else "A-S1")
            await world.services.run(other, world.keeper, uow)
