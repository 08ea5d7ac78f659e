"""Rows given as tuples of named columns (what the outbox sends a month's notices as) are
written as the same rows given as dicts: by COPY straight into the table, by COPY through
the staging table when one exists, or by executemany."""

from __future__ import annotations

import pytest

from storage.repositories.bulk import insert_new
from storage.schema import outbox
from tests.support.backends import table_rows
from tests.support.scoring import at

COLUMNS = ("dedup_key", "kind", "params", "channel", "chat_id", "status", "attempts",
           "next_attempt_at", "created_at")  # fmt: skip


def row(key: str) -> tuple:
    now = at("2026-11-03")
    return (key, "digest", '{"n":1}', "telegram", "-100", "pending", 0, now, now)


@pytest.mark.parametrize("copy_from", [1, 10_000], ids=["copy", "executemany"])
async def test_tuple_rows_are_inserted_once(engine, uow_factory, copy_from):
    async with uow_factory(write=True) as uow:
        first = await insert_new(
            uow.connection, outbox, [row("a"), row("b")], columns=COLUMNS,
            conflict=["dedup_key"], copy_from=copy_from, count=True,
        )  # fmt: skip
        again = await insert_new(
            uow.connection, outbox, [row("b"), row("c"), row("c")], columns=COLUMNS,
            conflict=["dedup_key"], copy_from=copy_from, count=True,
        )  # fmt: skip
        await uow.commit()
    assert (first, again) == (2, 1)
    rows = await table_rows(uow_factory, "outbox")
    assert [(r["dedup_key"], r["params"], r["chat_id"]) for r in rows] == [
        ("a", '{"n":1}', "-100"),
        ("b", '{"n":1}', "-100"),
        ("c", '{"n":1}', "-100"),
    ]
    assert rows[0]["next_attempt_at"] == at("2026-11-03")
