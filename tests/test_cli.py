"""The operator's command line, run as a subprocess exactly as documented."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.periods import Period

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "CUNZHAN_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "CUNZHAN_BOT_TOKEN": "",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_the_subcommands(tmp_path):
    out = cli("--help", db=tmp_path / "x.db").stdout
    for command in ("run", "demo", "db", "invite", "network"):
        assert re.search(rf"^\s+{command}\s", out, re.M), out


def test_db_upgrade_then_current(tmp_path):
    db = tmp_path / "c.db"
    assert cli("db", "upgrade", db=db).returncode == 0
    current = cli("db", "current", db=db)
    assert current.returncode == 0 and current.stdout.strip().startswith("0")


def test_first_admin_invite_with_qr_png(tmp_path):
    png = tmp_path / "admin.png"
    result = cli(
        "invite", "admin", "--bot-username", "cunzhan_bot", "--png", str(png), db=tmp_path / "a.db"
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"https://t\.me/cunzhan_bot\?start=i_[A-Za-z0-9_-]{32}", result.stdout)
    assert png.read_bytes().startswith(b"\x89PNG")


def test_keeper_invite_for_unknown_station_fails_clearly(tmp_path):
    result = cli("invite", "keeper", "NOPE-1", db=tmp_path / "k.db", CUNZHAN_DEFAULT_LANGUAGE="en")
    assert result.returncode == 1
    assert "No station has the code NOPE-1" in result.stdout


def test_run_without_token_explains_what_to_do(tmp_path):
    result = cli("run", db=tmp_path / "r.db")
    assert result.returncode == 2 and "CUNZHAN_BOT_TOKEN" in result.stdout


def test_import_sample_twice_reports_unchanged(tmp_path):
    db = tmp_path / "n.db"
    sample = ROOT / "bot" / "samples" / "network_sample.csv"
    first = cli("network", "import", str(sample), db=db)
    second = cli("network", "import", str(sample), db=db)
    assert first.returncode == 0 and second.returncode == 0, first.stdout + first.stderr
    assert "created" in first.stdout
    assert re.search(r"stations\D+0 created\D+0 updated\D+\d+ unchanged", second.stdout) or (
        "unchanged" in second.stdout and " 0 created" not in first.stdout
    ), second.stdout


def test_bad_rows_file_reports_three_errors_and_writes_nothing(tmp_path):
    db = tmp_path / "b.db"
    bad = ROOT / "bot" / "samples" / "network_bad_rows.csv"
    result = cli("network", "import", str(bad), db=db)
    assert result.returncode == 1
    assert len(re.findall(r"^line \d+", result.stdout, re.M)) == 3, result.stdout
    assert "nothing was written" in result.stdout


def _imported(tmp_path, name: str) -> Path:
    db = tmp_path / name
    sample = ROOT / "bot" / "samples" / "network_sample.csv"
    assert cli("network", "import", str(sample), db=db).returncode == 0
    return db


def _rows(db: Path, table: str) -> int:
    with closing(sqlite3.connect(db)) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_scoring_a_month_before_the_county_was_set_up_is_refused(tmp_path):
    db = _imported(tmp_path, "early.db")  # the county is set up now
    first = Period.of(datetime.now(UTC), "Asia/Shanghai").next()
    for extra in ((), ("--dry-run",)):
        result = cli(
            "jobs", "run", "scoring", "--county", "DEMO", "--month", "2025-01", *extra,
            db=db, CUNZHAN_DEFAULT_LANGUAGE="en",
        )  # fmt: skip
        assert result.returncode == 1, result.stdout + result.stderr
        assert "2025-01 is never scored" in result.stdout, result.stdout
        assert f"The first month that can be scored is {first}." in result.stdout
    assert _rows(db, "job_runs") == 0 and _rows(db, "station_scores") == 0


def test_dry_runs_claim_nothing_and_enqueue_nothing(tmp_path):
    db = _imported(tmp_path, "dry.db")
    due = cli("jobs", "run", "due", "--dry-run", db=db)
    assert due.returncode == 0, due.stdout + due.stderr
    assert "dry run: nothing claimed or written" in due.stdout
    assert re.search(r"^would run idle DEMO \d{4}-\d\d-\d\d$", due.stdout, re.M), due.stdout
    for job in ("nudge", "idle", "stranded"):
        result = cli("jobs", "run", job, "--county", "DEMO", "--dry-run", db=db)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "dry run, nothing written" in result.stdout, result.stdout
    assert _rows(db, "job_runs") == 0 and _rows(db, "outbox") == 0
    ran = cli("jobs", "run", "due", db=db)  # the real run claims what the dry run listed
    assert ran.returncode == 0 and re.search(r"^idle DEMO ", ran.stdout, re.M), ran.stdout
    assert _rows(db, "job_runs") > 0
