from __future__ import annotations

from bot.config import Settings
from storage.engine import create_engine, safe_url
from storage.migrate import current_revision, head_revision, upgrade


async def db(settings: Settings, action: str) -> int:
    engine = create_engine(settings.database_url)
    try:
        if action == "upgrade":
            await upgrade(engine)
            print(f"schema at {head_revision()} on {safe_url(settings.database_url)}")
        elif action == "current":
            print(await current_revision(engine) or "empty (run: python -m bot db upgrade)")
    finally:
        await engine.dispose()
    return 0
