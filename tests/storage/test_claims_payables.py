"""The subsidy account per county and fund, on SQLite, PostgreSQL and memory: approving a
claim makes one payable line of its fund (a double-tapped approve, one line), paying it
settles the line with the payment reference; and migration 0016 creates the table as
storage/schema.py declares it."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.domain.claims import FundTotal
from bot.domain.commands import (
    AddEvidence,
    DecideClaim,
    FileClaim,
    MarkClaimsPaid,
    SubmitClaim,
    SubsidyAccount,
)
from bot.domain.errors import NotAllowed
from bot.services.policy import default_policy, to_json
from storage.schema import metadata
from tests.support.backends import table_rows
from tests.support.claims import OCTOBER, claims_world, close_october, ship


@pytest.fixture
async def world(uow_factory, clock):
    return await claims_world(uow_factory, clock)


async def filed(world, keeper, key, rule="parcel", **extra):
    claim = (
        await world.services.run(FileClaim(rule, OCTOBER, request_key=key, **extra), keeper)
    ).claim
    if rule == "other":
        await world.services.run(
            AddEvidence(claim.id, key.ljust(64, "0"), 9, "x.jpg", request_key=f"{key}:e"), keeper
        )
    await world.services.run(SubmitClaim(claim.id, request_key=f"{key}:s"), keeper)
    return claim.id


async def test_approved_claims_are_payable_lines_paid_ones_settled_per_fund(world):
    base = default_policy()  # the "other" rule paid from a fund of its own: two accounts
    rules = [
        r.model_copy(update={"fund": "县级运营补助"}) if r.code == "other" else r
        for r in base.subsidies
    ]
    async with world.uow(write=True) as uow:
        policy = base.model_copy(update={"subsidies": rules})
        await uow.policies.put(world.net.county_a, to_json(policy), "test", world.clock.now())
        await uow.commit()
    funds = {rule.code: rule.fund_name for rule in rules}
    assert funds["parcel"] != funds["other"]
    for n in range(3):
        await ship(world, world.keeper, f"SF10000000{n:02d}")
    await ship(world, world.other_keeper, "SF2000000000")
    await close_october(world)
    big = await filed(world, world.keeper, "c1")
    small = await filed(world, world.other_keeper, "c2")
    other = await filed(
        world, world.other_keeper, "c3", rule="other", amount_fen=12_345, description="冷库电费"
    )
    for claim_id in (big, small, other):
        approve = DecideClaim(claim_id, "approve", request_key=f"a{claim_id}")
        await world.services.run(approve, world.staff)
        await world.services.run(approve, world.staff)  # a double tap: one line
    await world.services.run(MarkClaimsPaid((small,), "PAY-7", request_key="p"), world.staff)

    account = await world.services.run(SubsidyAccount("a"), world.staff)
    assert account == sorted(
        [
            FundTotal(funds["parcel"], 1, 600, 1, 200),
            FundTotal(funds["other"], 1, 12_345, 0, 0),
        ],
        key=lambda f: f.fund,
    )
    lines = {row["claim_id"]: row for row in await table_rows(world.uow, "subsidy_payables")}
    assert sorted(lines) == sorted([big, small, other])
    assert lines[small]["payment_ref"] == "PAY-7" and lines[small]["settled_at"] is not None
    assert lines[big]["settled_at"] is None and lines[big]["fund"] == funds["parcel"]
    with pytest.raises(NotAllowed):
        await world.services.run(SubsidyAccount("A"), world.foreign_staff)


@pytest.mark.sql
async def test_the_migration_matches_the_schema(engine):
    async with engine.connect() as conn:
        diffs = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    assert [d for d in diffs if "subsidy_payables" in repr(d)] == []
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: sync.dialect.get_table_names(sync))
    assert "subsidy_payables" in tables
