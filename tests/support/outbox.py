"""A look into the outbox as its readers would get it now: each notice addressed and
worded as the delivery worker would (a person's Telegram chat and language as they are
at this moment), without sending anything."""

from __future__ import annotations

import json
from typing import NamedTuple

from sqlalchemy import text

from bot.i18n import pick_language
from bot.services.notice_texts import RenderedNotice, render
from storage.repositories.outbox import load_actions


class Delivered(NamedTuple):
    category: str | None
    chat_id: str | None  # None: the person has no Telegram chat
    text: str


async def rendered(engine, where: str = "1=1") -> list[RenderedNotice]:
    return [notice for _, notice in await _read(engine, where)]


async def delivered(engine, where: str = "1=1") -> list[Delivered]:
    return [
        Delivered(row.category, row.address, notice.text)
        for row, notice in await _read(engine, where)
    ]


async def _read(engine, where: str):
    query = f"""
        SELECT o.category, o.kind, o.params, o.actions,
               COALESCE(p.language, o.language) AS language,
               CASE WHEN o.person_id IS NULL THEN o.chat_id ELSE (
                   SELECT i.chat_id FROM identities i
                   WHERE i.person_id = o.person_id AND i.channel = 'telegram'
                     AND i.chat_id IS NOT NULL
                   ORDER BY i.id DESC LIMIT 1
               ) END AS address
        FROM outbox o LEFT JOIN people p ON p.id = o.person_id
        WHERE {where} ORDER BY o.id
    """
    async with engine.connect() as conn:
        rows = (await conn.execute(text(query))).all()
    return [
        (
            row,
            render(
                row.kind,
                json.loads(row.params),
                load_actions(row.actions),
                pick_language(row.language),
            ),
        )
        for row in rows
    ]
