"""`python -m bot claims list|statement` against a SQLite database with claims in it."""

from __future__ import annotations

import asyncio

import openpyxl

from bot.bootstrap import build_app
from bot.cli import main
from bot.config import Settings
from bot.domain.commands import DecideClaim, FileClaim, SubmitClaim
from tests.conftest import FakeClock
from tests.support.claims import OCTOBER, claims_world, close_october, ship


async def _county_with_claims(url: str) -> None:
    clock = FakeClock()
    app = await build_app(Settings(_env_file=None, database_url=url), clock=clock)
    try:
        world = await claims_world(app.uow, clock)
        for n in range(3):
            await ship(world, world.keeper, f"SF100000000{n}")
        await ship(world, world.other_keeper, "SF2000000000")
        await close_october(world)
        for keeper, key in ((world.keeper, "a"), (world.other_keeper, "b")):
            filed = await world.services.run(FileClaim("parcel", OCTOBER, request_key=key), keeper)
            await world.services.run(SubmitClaim(filed.claim.id, request_key=f"{key}s"), keeper)
        await world.services.run(DecideClaim(1, "approve", request_key="ok"), world.staff)
    finally:
        await app.close()


def test_list_and_statement(tmp_path, monkeypatch, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path}/claims.db"
    asyncio.run(_county_with_claims(url))
    monkeypatch.setenv("CUNZHAN_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no .env is read from the worktree
    assert main(["claims", "list", "--county", "A"]) == 0
    out = capsys.readouterr().out
    assert "#1\tA-S1\tparcel\t2026-10\t6.00\t已批准" in out
    assert "#2\tA-S3\tparcel\t2026-10\t2.00\t已提交" in out and "2 claim(s)" in out
    # The approved claim is a payable line of its fund's account; nothing settled yet.
    account = "account 物流补贴专项: payable 6.00 yuan (1 line(s)), settled 0.00 yuan (0 line(s))"
    assert account in out
    assert main(["claims", "list", "--county", "A", "--state", "approved"]) == 0
    assert "1 claim(s)" in capsys.readouterr().out
    assert main(["claims", "list", "--county", "A", "--state", "lost"]) == 1
    assert "未知状态 lost" in capsys.readouterr().out
    target = tmp_path / "A-2026-10.xlsx"
    assert main(["claims", "statement", "--county", "A", "--month", OCTOBER, str(target)]) == 0
    assert "2 claim(s), 3 parcel line(s), approved 6.00 yuan" in capsys.readouterr().out
    book = openpyxl.load_workbook(target, read_only=True)
    assert len(list(book["包裹明细"].iter_rows(min_row=2))) == 3
    assert main(["claims", "statement", "--county", "Z", "--month", OCTOBER, str(target)]) == 1
    capsys.readouterr()
    assert (
        main(["claims", "forecast", "--county", "A", "--rule", "parcel", "--month", OCTOBER]) == 0
    )
    forecast = capsys.readouterr().out
    # A-S1's three parcels are approved already; A-S3's one still counts.
    assert "station 1\t0\t0.00" in forecast and "station 3\t1\t2.00" in forecast
    assert "2 station(s), 2.00 of a yearly budget of 200,000.00 yuan" in forecast
