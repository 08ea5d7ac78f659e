"""`python -m bot updates poison` lists what the webhook kept aside."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

from tests.test_cli import cli


def test_poison_updates_are_listed_for_operators(tmp_path):
    db = tmp_path / "p.db"
    assert cli("db", "upgrade", db=db).returncode == 0
    assert "no poison updates" in cli("updates", "poison", db=db).stdout
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "INSERT INTO poison_updates (bot_id, update_id, payload, error, created_at)"
            " VALUES (42, 7, '{not json', 'JSONDecodeError: Expecting property name',"
            " '2026-12-01 10:00:00.000000')"
        )
    out = cli("updates", "poison", db=db).stdout
    assert "update 7" in out and "JSONDecodeError" in out and "{not json" in out
    [line] = cli("updates", "poison", "--json", db=db).stdout.splitlines()
    assert json.loads(line)["payload"] == "{not json"
