"""`python -m bot updates poison`: the updates that could never be handled, for operators.

Each was answered 200 to Telegram (so it did not block the queue) and kept with its
payload and the error; fix the cause, then replay it by hand if it matters.
"""

from __future__ import annotations

import argparse
import json

from bot.config import Settings
from storage.engine import create_engine
from storage.repositories.updates import SqlUpdateRepo


def add_updates_parser(sub) -> None:
    updates = sub.add_parser("updates", help="Telegram updates the bot kept aside")
    actions = updates.add_subparsers(dest="updates_command", required=True, metavar="ACTION")
    poison = actions.add_parser("poison", help="list updates that can never succeed (newest first)")
    poison.add_argument("--limit", type=int, default=20)
    poison.add_argument("--json", action="store_true", help="one JSON object per line")


async def updates(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            rows = await SqlUpdateRepo(conn).poison(args.limit)
    finally:
        await engine.dispose()
    for row in rows:
        if args.json:
            print(
                json.dumps(
                    {
                        "id": row.id,
                        "update_id": row.update_id,
                        "at": row.created_at.isoformat(),
                        "error": row.error,
                        "payload": row.payload,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            last = (row.error.strip().splitlines() or [""])[-1]
            print(
                f"#{row.id} update {row.update_id} at {row.created_at:%Y-%m-%d %H:%M:%SZ}: {last}"
            )
            print(f"    {row.payload[:300]}")
    if not rows and not args.json:
        print("no poison updates")
    return 0
