"""A month's scoring run as production runs it: `python -m bot jobs run scoring` as its own
process, on SQLite and PostgreSQL.

- Killed with SIGKILL midway (after its claim committed; or inside the open transaction
  that writes the results), the run is not taken over while its claim is younger than the
  lease, then a run with a short lease (CUNZHAN_JOB_LEASE_SECONDS) takes it over and
  completes it: scores, status changes, the month lock, the notices and the audit record
  exist exactly once, and a later run finds the month done.
- Two processes scoring the same month at once (both held just after their claim, so both
  are alive together): one scores it, the other says it is taken and writes nothing.

The pause is the CLI's test hook (`CUNZHAN_TEST_PAUSE_AT`, bot/commands/jobs.py)."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.bootstrap import App, build_app
from bot.config import Settings
from storage.engine import create_engine
from storage.scratch import reachable
from tests.conftest import PG_URL, REQUIRE_PG, FakeClock
from tests.support.scoring import make_county

ROOT = Path(__file__).resolve().parents[2]
MONTH = "2026-10"
KEY = "job-kills-" + "0" * 54
pytestmark = pytest.mark.parametrize("db", ["sqlite", "postgresql"])


@pytest.fixture
async def database_url(db, tmp_path) -> AsyncIterator[str]:
    """A database of its own that child processes can open by URL: a SQLite file, or a
    fresh PostgreSQL database (a schema would need a search_path the URL cannot carry)."""
    if db == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/jobs.db"
        return
    if not await reachable(PG_URL):
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL required but unreachable at {PG_URL}")
        pytest.skip("PostgreSQL unreachable")
    name = f"jobs_{secrets.token_hex(6)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        await admin.dispose()


@pytest.fixture
async def app(database_url) -> AsyncIterator[App]:
    """County A (3 stations open since 2025, none selling: all fail October) with its
    keeper and staff member registered, so the run changes statuses and sends notices."""
    app = await build_app(Settings(_env_file=None, database_url=database_url, phone_hash_key=KEY))
    await make_county(app.uow, FakeClock())
    yield app
    await app.close()


async def start(database_url: str, *, pause_file: Path | None = None, phase="", lease=None):
    env = {
        **os.environ,
        "CUNZHAN_DATABASE_URL": database_url,
        "CUNZHAN_PHONE_HASH_KEY": KEY,
        "CUNZHAN_BOT_TOKEN": "",
        "CUNZHAN_DEFAULT_LANGUAGE": "en",
    }
    for name in ("CUNZHAN_TEST_PAUSE_AT", "CUNZHAN_TEST_PAUSE_FILE", "CUNZHAN_JOB_LEASE_SECONDS"):
        env.pop(name, None)
    if pause_file is not None:
        env |= {"CUNZHAN_TEST_PAUSE_AT": phase, "CUNZHAN_TEST_PAUSE_FILE": str(pause_file)}
    if lease is not None:
        env["CUNZHAN_JOB_LEASE_SECONDS"] = str(lease)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot", "jobs", "run", "scoring", "--county", "A", "--month", MONTH),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def reached(pause_file: Path, phase: str) -> bool:
    return pause_file.exists() and pause_file.read_text() == phase


async def paused(process, pause_file: Path, phase: str) -> None:
    async with asyncio.timeout(60):
        while not reached(pause_file, phase):
            assert process.returncode is None, (await process.stderr.read()).decode()
            await asyncio.sleep(0.05)


async def finish(process) -> str:
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def counts(app: App) -> dict[str, int]:
    queries = {
        "claims": "SELECT count(*) FROM job_runs WHERE job = 'scoring'",
        "finished": "SELECT count(*) FROM job_runs WHERE finished_at IS NOT NULL",
        "scores": "SELECT count(*) FROM station_scores",
        "distinct scores": "SELECT count(DISTINCT station_id) FROM station_scores",
        "status changes": "SELECT count(*) FROM stations WHERE status <> 'active'",
        "locks": "SELECT count(*) FROM period_locks",
        "notices": "SELECT count(*) FROM outbox",
        "audit": "SELECT count(*) FROM audit_log WHERE action = 'scoring.run'",
    }
    async with app.engine.connect() as conn:
        return {name: (await conn.execute(text(sql))).scalar_one() for name, sql in queries.items()}


DONE_ONCE = {
    "claims": 1,
    "finished": 1,
    "scores": 3,
    "distinct scores": 3,
    "status changes": 3,  # every station of A failed its first month: warned
    "locks": 1,
    "notices": 2,  # the keeper's verdict, the staff member's digest
    "audit": 1,
}
NOTHING = dict.fromkeys(DONE_ONCE, 0) | {"claims": 1}


@pytest.mark.parametrize("phase", ["claim", "write scores"])
async def test_a_run_killed_midway_is_taken_over_and_completed_once(
    app, database_url, tmp_path, phase
):
    pause = tmp_path / "pause"
    first = await start(database_url, pause_file=pause, phase=phase)
    await paused(first, pause, phase)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    assert first.returncode == -signal.SIGKILL
    # The claim survives the kill; anything written after it (the scores were in an
    # open transaction at "write scores") does not.
    assert await counts(app) == NOTHING

    # Within the lease the dead run's claim still counts: nothing runs twice.
    out = await finish(await start(database_url))
    assert "another process is scoring it" in out
    assert await counts(app) == NOTHING

    await asyncio.sleep(1.2)  # older than a 1-second lease
    out = await finish(await start(database_url, lease=1))
    assert f"A {MONTH} run 1" in out and "A-S1" in out, out
    assert await counts(app) == DONE_ONCE

    out = await finish(await start(database_url, lease=1))
    assert "already scored" in out
    assert await counts(app) == DONE_ONCE


async def test_two_processes_scoring_one_month_at_once_score_it_once(app, database_url, tmp_path):
    pauses = [tmp_path / "pause-1", tmp_path / "pause-2"]
    processes = [await start(database_url, pause_file=p, phase="claim") for p in pauses]
    # Both have tried to claim the month and both are alive: only then let them go on.
    for process, pause in zip(processes, pauses, strict=True):
        await paused(process, pause, "claim")
    for pause in pauses:
        pause.unlink()
    outputs = [await finish(p) for p in processes]
    scored = [out for out in outputs if f"A {MONTH} run 1" in out]
    refused = [out for out in outputs if "another process is scoring it" in out]
    assert (len(scored), len(refused)) == (1, 1), outputs
    assert await counts(app) == DONE_ONCE


async def test_a_stalled_run_taken_over_writes_nothing_when_it_wakes(app, database_url, tmp_path):
    """Not dead, only stopped past its lease (a paused VM, a stuck disk): the run that took
    it over completes the month, and the stalled one, resumed, finds its claim gone."""
    pause = tmp_path / "pause"
    stalled = await start(database_url, pause_file=pause, phase="aggregate", lease=1)
    await paused(stalled, pause, "aggregate")
    await asyncio.sleep(1.2)
    out = await finish(await start(database_url, lease=1))
    assert f"A {MONTH} run 1" in out, out
    pause.unlink()
    assert "another process is scoring it" in await finish(stalled)
    assert await counts(app) == DONE_ONCE
