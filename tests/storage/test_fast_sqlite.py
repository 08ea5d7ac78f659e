"""The SQLite fast path (storage/fast_sqlite.py) writes and reads exactly what SQLAlchemy
would: the same intake updates through the real Dispatcher, once with the fast path and
once with it switched off, leave the same rows; what it cannot reproduce goes to
SQLAlchemy; errors come out as SQLAlchemy's."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.types import Update
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, bindparam, event, insert, select
from sqlalchemy import exc as sa_exc

from bot.bootstrap import build_app
from bot.commands.keys import cli_key
from bot.config import Settings
from bot.domain.commands import CreateInvite
from bot.domain.roles import Role
from bot.services.invites import CLI_ACTOR
from handlers.telegram import build_dispatcher
from storage.engine import create_engine
from storage.fast_sqlite import FastSqlite, build_plan, prebuilt
from storage.group_commit import CommitGroup
from storage.migrate import upgrade
from storage.repositories.updates import SqlUpdateRepo
from storage.schema import processed_updates
from tests.support.chat import RecordingSession
from tests.support.network import seed_network

KEEPER = 7_100_001
TABLES = (
    "ledger_entries",
    "parcels",
    "tracking_claims",
    "pickup_sequences",
    "processed_updates",
    "dialog_states",
)


def raw_update(update_id: int, text: str) -> dict:
    user = {"id": KEEPER, "is_bot": False, "first_name": "李", "language_code": "zh"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_780_000_000 + update_id,  # fixed, so both runs record the same times
            "chat": {"id": KEEPER, "type": "private", "first_name": "李"},
            "from": user,
            "text": text,
        },
    }


def rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of the update path's tables, without the columns the wall clock fills."""
    out = {}
    with sqlite3.connect(path) as conn:
        for table in TABLES:
            columns = [
                name
                for (_, name, *_rest) in conn.execute(f"PRAGMA table_info({table})")
                if not name.endswith("_at")
            ]
            out[table] = sorted(
                conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall(), key=repr
            )
    return out


async def run_intakes(tmp_path: Path, name: str, *, fast: bool, monkeypatch) -> tuple:
    if not fast:
        monkeypatch.setattr(FastSqlite, "plan", lambda self, statement, params: None)
    ran = []
    real_run = FastSqlite.run

    def counting_run(self, cursor, plan, params):
        ran.append(plan.sql)
        return real_run(self, cursor, plan, params)

    monkeypatch.setattr(FastSqlite, "run", counting_run)
    path = tmp_path / f"{name}.db"
    settings = Settings(
        _env_file=None, database_url=f"sqlite+aiosqlite:///{path}", phone_hash_key="k" * 64
    )
    app = await build_app(settings)
    try:
        await seed_network(app.engine)
        session = RecordingSession()
        bot = Bot("42:TEST", session=session)
        dp = build_dispatcher(app)
        invite = await app.services.run(
            CreateInvite(Role.KEEPER, "A-S1", request_key=cli_key("invite")), CLI_ACTOR
        )
        lines = [f"/start {invite.token}"]
        lines += [f"入 SF{n:012d} 张三 {1000 + n}" for n in range(1, 9)]
        lines += ["入 SF000000000003 张三 1003", "出 SF999900000001 脆李 10斤 80元", "不是命令"]
        for update_id, line in enumerate(lines, start=1):
            update = Update.model_validate(raw_update(update_id, line), context={"bot": bot})
            await dp.feed_update(bot, update)
        # A redelivered update: answered again from its stored replies, not applied again.
        again = Update.model_validate(raw_update(2, lines[1]), context={"bot": bot})
        await dp.feed_update(bot, again)
        texts = [getattr(call, "text", None) for call in session.calls]
    finally:
        await app.close()
    monkeypatch.undo()
    return rows(path), texts, ran


async def test_the_fast_path_leaves_the_same_rows_and_answers_as_sqlalchemy(tmp_path, monkeypatch):
    fast_rows, fast_texts, fast_ran = await run_intakes(
        tmp_path, "fast", fast=True, monkeypatch=monkeypatch
    )
    slow_rows, slow_texts, slow_ran = await run_intakes(
        tmp_path, "slow", fast=False, monkeypatch=monkeypatch
    )
    assert not slow_ran
    # Every statement of an intake took the fast path (the test is not vacuous).
    assert any(sql.startswith("INSERT INTO ledger_entries") for sql in fast_ran)
    assert any(sql.startswith("SELECT dialog_states.state") for sql in fast_ran)
    assert len(fast_rows["ledger_entries"]) == 8  # the repeated number is refused
    # Pickup codes and replies mention times of day only through the fixed message dates.
    assert fast_texts == slow_texts
    assert fast_rows == slow_rows


metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("stamp", DateTime(timezone=True)),
    Column("made", Integer, default=lambda: 7),  # a Python-side default: SQLAlchemy's job
)
_PUT = prebuilt(insert(things).values(n=bindparam("n"), stamp=bindparam("stamp")))
_GET = prebuilt(select(things.c.n, things.c.stamp).where(things.c.id == bindparam("key_id")))


@pytest.fixture
async def group(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'things.db'}")
    await upgrade(engine)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield CommitGroup(engine)
    await engine.dispose()


def test_what_the_plan_cannot_reproduce_is_left_to_sqlalchemy(group):
    dialect = group.inline.dialect
    # Python-side default on `made` (not in the parameters): prefetch, SQLAlchemy's.
    assert build_plan(_PUT, dialect, ("n", "stamp")) is None
    assert build_plan(_PUT, dialect, ("made", "n", "stamp")) is not None
    expanding = select(things.c.n).where(things.c.id.in_(bindparam("ids", expanding=True)))
    assert build_plan(expanding, dialect, ("ids",)) is None
    # A statement that was not registered is never planned.
    assert group.fast.plan(select(things.c.n), {}) is None


async def test_values_and_types_round_trip_like_sqlalchemy(group):
    stamp = datetime(2026, 12, 6, 8, 30, tzinfo=UTC)
    async with group.unit() as uow:
        conn = uow.connection
        await conn.execute(_PUT, {"n": 1, "stamp": stamp, "made": 3})
        row = (await conn.execute(_GET, {"key_id": 1})).first()
        assert (row.n, row[0], row._mapping["n"]) == (1, 1, 1)
        with pytest.raises(sa_exc.MultipleResultsFound):
            await conn.execute(_PUT, {"n": 2, "stamp": None, "made": 3})
            (await conn.execute(prebuilt(select(things.c.n)), {})).scalar_one()
        await uow.commit()
    async with group.engine.connect() as plain:
        expected = (await plain.execute(select(things.c.n, things.c.stamp))).all()
    assert [tuple(r) for r in expected] == [(1, row.stamp), (2, None)]


async def test_errors_come_out_as_sqlalchemys(group):
    async with group.unit() as uow:
        await uow.connection.execute(_PUT, {"n": 1, "stamp": None, "made": 1})
        with pytest.raises(sa_exc.IntegrityError):
            await uow.connection.execute(_PUT, {"n": None, "stamp": None, "made": 1})
        await uow.commit()


async def test_statement_listeners_see_every_statement(group):
    seen = []
    event.listen(group.inline, "before_cursor_execute", lambda *args: seen.append(args[2]))
    async with group.unit() as uow:
        await SqlUpdateRepo(uow.connection).claim(1, 1, datetime.now(UTC))
        await uow.commit()
    assert any(sql.startswith(f"INSERT INTO {processed_updates.name}") for sql in seen)
