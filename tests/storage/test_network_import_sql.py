"""The network import against the stores of every backend (SQLite, PostgreSQL and memory
via `uow_factory`); the CLI against SQLite."""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from adapters.tabular import read_table
from bot.config import Settings
from bot.services.network_import import (
    COLUMNS,
    HEADER_ALIASES,
    ImportReport,
    RawRow,
    import_network,
)
from storage.engine import create_engine
from storage.uow import SqlUnitOfWorkFactory
from tests.support.backends import count, network_import_stores, table_rows, update_rows

ROOT = Path(__file__).parents[2]
SAMPLES = ROOT / "bot" / "samples"
TZ = "Asia/Shanghai"


def sample(name: str) -> list[RawRow]:
    table = read_table(SAMPLES / name)
    assert table.errors == []
    return table.rows


async def run(uow_factory, clock, rows, **kwargs) -> ImportReport:
    return await import_network(
        network_import_stores(uow_factory), clock, rows, default_timezone=TZ, **kwargs
    )


def counted(report: ImportReport) -> dict[str, tuple[int, int, int]]:
    assert report.ok, report.errors
    return {k: (c.created, c.updated, c.unchanged) for k, c in report.counts.items()}


async def table_sizes(uow_factory) -> tuple[int, ...]:
    return tuple(
        [await count(uow_factory, t) for t in ("counties", "townships", "villages", "stations")]
    )


async def test_sample_csv_creates_the_demo_county(uow_factory, clock):
    report = await run(uow_factory, clock, sample("network_sample.csv"))
    assert counted(report) == {
        "counties": (1, 0, 0),
        "townships": (3, 0, 0),
        "villages": (8, 0, 0),
        "stations": (8, 0, 0),
    }
    assert report.written
    async with uow_factory() as uow:
        county = await uow.network.county_by_code("DEMO")
        card = await uow.network.station_by_code("DEMO-S001")
        s003 = await uow.network.station_by_code("DEMO-S003")
    stamp = (await table_rows(uow_factory, "stations"))[0]
    assert (county.name, county.timezone) == ("示范县", TZ)
    assert card.tier == "demonstration" and card.status == "active"
    assert (card.latitude, card.longitude) == ("27.812345", "115.401234")
    assert card.opened_on == date(2023, 5, 18)
    assert (card.village_name, card.township_name) == ("青山村", "青山镇")
    assert s003.latitude is None and s003.status == "active"  # blank status → active
    assert stamp["created_at"] == stamp["updated_at"] == clock.now()


async def test_the_xlsx_sample_is_the_same_network_and_reimport_changes_nothing(uow_factory, clock):
    await run(uow_factory, clock, sample("network_sample.xlsx"))
    first_import = clock.now()
    clock.advance(hours=1)
    for name in ("network_sample.xlsx", "network_sample.csv"):
        report = await run(uow_factory, clock, sample(name))
        assert counted(report) == {
            "counties": (0, 0, 1),
            "townships": (0, 0, 3),
            "villages": (0, 0, 8),
            "stations": (0, 0, 8),
        }
        assert not report.written
    newest = max(row["updated_at"] for row in await table_rows(uow_factory, "stations"))
    assert newest == first_import


async def test_renaming_one_station_is_one_update(uow_factory, clock):
    rows = sample("network_sample.csv")
    await run(uow_factory, clock, rows)
    clock.advance(days=1)
    rows[4].values["station_name"] = "柳塘村益农信息社"
    report = await run(uow_factory, clock, rows)
    assert counted(report)["stations"] == (0, 1, 7)
    assert counted(report)["villages"] == (0, 0, 8)
    [row] = await table_rows(uow_factory, "stations", code="DEMO-S005")
    assert row["name"] == "柳塘村益农信息社"
    assert row["updated_at"] == clock.now() and row["created_at"] < row["updated_at"]


async def test_bad_rows_report_three_errors_and_write_nothing(uow_factory, clock):
    report = await run(uow_factory, clock, sample("network_bad_rows.csv"))
    assert [(e.line, e.column, e.cell) for e in report.errors] == [
        (4, "tier", "tier"),
        (6, "latitude", "latitude"),
        (10, "station_code", "station_code"),
    ]
    assert "line 3" in report.errors[2].text.msgid.format(**report.errors[2].text.params)
    assert not report.written
    assert await table_sizes(uow_factory) == (0, 0, 0, 0)


async def test_blank_optional_cells_keep_what_is_stored(uow_factory, clock):
    await run(uow_factory, clock, sample("network_sample.csv"))
    await update_rows(uow_factory, "stations", {"code": "DEMO-S002"}, status="warned")
    rows = sample("network_sample.csv")
    for column in ("status", "latitude", "longitude", "opened_on"):
        rows[1].values[column] = ""
    report = await run(uow_factory, clock, rows)
    assert counted(report)["stations"] == (0, 0, 8)
    async with uow_factory() as uow:
        card = await uow.network.station_by_code("DEMO-S002")
    assert card.status == "warned" and card.latitude == "27.823456"


async def test_moves_within_the_county_update_moves_across_counties_write_nothing(
    uow_factory, clock
):
    rows = sample("network_sample.csv")
    await run(uow_factory, clock, rows)
    # S008 moves to 石桥村 in the same county, and its old village to township T01.
    rows[7].values.update(village_code="DEMO-V0301", village_name="石桥村")
    report = await run(uow_factory, clock, rows)
    assert counted(report)["stations"] == (0, 1, 7)
    async with uow_factory() as uow:
        card = await uow.network.station_by_code("DEMO-S008")
    assert card.village_name == "石桥村"

    other = dict(rows[0].values)
    other.update(county_code="OTHER", county_name="邻县", township_code="O-T1")
    report = await run(uow_factory, clock, [RawRow(2, other, {})])
    assert [(e.line, e.column) for e in report.errors] == [(2, "village_code")]
    assert await table_sizes(uow_factory) == (1, 3, 8, 8)  # no county OTHER either


async def test_dry_run_counts_but_writes_nothing(uow_factory, clock):
    report = await run(uow_factory, clock, sample("network_sample.csv"), dry_run=True)
    assert counted(report)["stations"] == (8, 0, 0)
    assert await table_sizes(uow_factory) == (0, 0, 0, 0)


def write_big_csv(path: Path, stations_count: int) -> None:
    """A province-sized file: 10 counties, 20 townships each, 5 stations per village."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([HEADER_ALIASES[column][0] for column in COLUMNS])  # Chinese headers
        for n in range(stations_count):
            c, t, v = n // 1000, n // 50, n // 5
            place = [f"C{c:02}", f"县{c}", f"C{c:02}-T{t:03}", f"乡{t}", f"C{c:02}-V{v:04}"]
            station = [f"村{v}", f"C{c:02}-S{n:05}", f"站{n}", "示范" if n % 7 == 0 else "普通"]
            # GPS as text built from integers: the test data itself has no float in it.
            gps = [f"27.{n:06}", f"115.{n:06}"]
            writer.writerow([*place, *station, "正常", *gps, "2024-01-15"])


async def test_ten_thousand_rows_import_quickly(uow_factory, clock, tmp_path):
    path = tmp_path / "big.csv"
    write_big_csv(path, 10_000)
    rows = read_table(path).rows
    seen = []
    started = time.perf_counter()
    report = await run(uow_factory, clock, rows, progress=lambda d, t: seen.append((d, t)))
    elapsed = time.perf_counter() - started
    assert counted(report) == {
        "counties": (10, 0, 0),
        "townships": (200, 0, 0),
        "villages": (2000, 0, 0),
        "stations": (10_000, 0, 0),
    }
    assert seen[-1] == (22_210, 22_210)  # rows validated + records written
    assert elapsed < 30, elapsed  # a few seconds in practice; generous for slow CI
    again = await run(uow_factory, clock, rows)
    assert counted(again)["stations"] == (0, 0, 10_000)


# --- the CLI -----------------------------------------------------------------------------


def cli_args(path: Path, dry_run: bool = False) -> argparse.Namespace:
    from bot.commands.network import add_network_parser

    parser = argparse.ArgumentParser()
    add_network_parser(parser.add_subparsers(dest="command"))
    argv = ["network", "import", str(path)] + (["--dry-run"] if dry_run else [])
    return parser.parse_args(argv)


async def test_cli_imports_reports_and_refuses_bad_files(tmp_path, capsys):
    from bot.commands.network import run_network_import

    db = tmp_path / "cli.db"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db}", timezone="Asia/Urumqi")

    assert await run_network_import(cli_args(SAMPLES / "network_bad_rows.csv"), settings) == 1
    out = capsys.readouterr().out
    assert "line 4, column tier: “高级站” is not a station type." in out
    assert "line 6, column latitude: 115.338406 is out of range" in out
    assert "line 10, column station_code: Station DEMO-S002 is already on line 3." in out
    assert "3 errors; nothing was written." in out
    engine = create_engine(settings.database_url)
    try:
        assert await table_sizes(SqlUnitOfWorkFactory(engine)) == (0, 0, 0, 0)
    finally:
        await engine.dispose()

    assert await run_network_import(cli_args(SAMPLES / "network_sample.xlsx", True), settings) == 0
    assert "Dry run: nothing was written." in capsys.readouterr().out

    assert await run_network_import(cli_args(SAMPLES / "network_sample.xlsx"), settings) == 0
    out = capsys.readouterr().out
    assert "stations        8 created      0 updated      0 unchanged" in out

    assert await run_network_import(cli_args(SAMPLES / "network_sample.csv"), settings) == 0
    out = capsys.readouterr().out
    assert "stations        0 created      0 updated      8 unchanged" in out
    assert "Nothing changed." in out

    assert await run_network_import(cli_args(tmp_path / "missing.csv"), settings) == 1
    assert await run_network_import(cli_args(tmp_path / "old.xls"), settings) == 1


def test_cli_as_a_process_shows_xlsx_cell_letters(tmp_path):
    from openpyxl import load_workbook

    workbook = load_workbook(SAMPLES / "network_sample.xlsx")
    workbook.active["I3"] = "高级站"
    bad = tmp_path / "bad.xlsx"
    workbook.save(bad)
    env = os.environ | {"CUNZHAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/p.db"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "network", "import", str(bad)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("line 3, column tier (I): “高级站” is not a station type.")
