"""Migration 0013 creates what storage/schema.py declares for office IM: the robots table
and the two preferred-channel columns, on SQLite and PostgreSQL (alembic's own compare)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.schema import metadata

MINE = ("office_robots", "notice_channel", "last_seen_at")


@pytest.mark.sql
async def test_the_migration_matches_the_schema(engine):
    async with engine.connect() as conn:
        diffs = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    mine = [d for d in diffs if any(name in repr(d) for name in MINE)]
    assert mine == []
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: sync.dialect.get_table_names(sync))
    assert "office_robots" in tables
