"""Throw-away PostgreSQL schemas, migrated to head, for tests and benchmarks."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.migrate import upgrade


async def reachable(url: str, seconds: float = 5) -> bool:
    engine = create_engine(url)
    try:
        async with asyncio.timeout(seconds), engine.connect():
            return True
    except Exception:
        return False
    finally:
        await engine.dispose()


@asynccontextmanager
async def scratch_schema(url: str, prefix: str = "t") -> AsyncIterator[AsyncEngine]:
    """An engine whose search_path is a fresh schema, dropped (with everything in it) after."""
    schema = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        await admin.dispose()
