"""WeChat messages on SQLite share the process's group commit (storage/group_commit.py).

Posted at once over HTTP (signed, AES) to the running webhook, keepers' messages share
COMMITs, each in its own SAVEPOINT with its claim and stored reply; none is answered
before the COMMIT covering it is durable (looked at from a second connection, as another
process would, the moment its passive reply is made); a failing message rolls back alone
and the others keep their work; a redelivery gets the first answer; and one process has
one CommitGroup, Telegram's and WeChat's."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.bootstrap import build_app
from bot.config import Settings
from bot.domain import commands as c
from bot.i18n import Translator
from handlers.wechat.webhook import WENT_WRONG
from storage.engine import create_engine
from storage.group_commit import CommitGroup
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.support.backends import count, seed_network
from tests.support.wechat import APPID, running_wechat
from tests.wechat.test_webhook import hold_writes

STATIONS = ["A-S1", "A-S2", "A-S3", "B-S1"]
BROKEN_FEN = 66_600  # a sale of this amount fails with a bug (not a refusal)


@pytest.fixture
async def db(tmp_path):
    path = tmp_path / "wechat.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    yield engine, path
    await engine.dispose()


def committed(path: Path, dedup_key: str) -> tuple[str | None, int] | None:
    """What another connection sees of a message: its stored reply, and the ledger."""
    with closing(sqlite3.connect(path)) as conn:
        row = conn.execute(
            "SELECT reply FROM wechat_messages WHERE account = ? AND dedup_key = ?",
            (APPID, dedup_key),
        ).fetchone()
        entries = conn.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]
    return None if row is None else (row[0], entries)


class BrokenForOneAmount:
    """The services, except that one sale fails as a bug would (not a refusal)."""

    def __init__(self, services) -> None:
        self._services = services

    async def run(self, command, actor, uow=None):
        if isinstance(command, c.RecordSale) and command.amount_fen == BROKEN_FEN:
            raise RuntimeError("a bug in this one message")
        return await self._services.run(command, actor, uow)

    def __getattr__(self, name):
        return getattr(self._services, name)


async def test_messages_at_once_share_commits_none_answered_before_durable(db, clock):
    engine, path = db
    await seed_network(SqlUnitOfWorkFactory(engine))
    group = CommitGroup(engine)
    async with running_wechat(engine, clock, group=group) as stack:
        phone = stack.phone
        for n, code in enumerate(STATIONS):
            token = await stack.invite(code, key=f"cli:wx{n}")
            bound = await phone.post(phone.event(f"o-{n}", "subscribe", f"qrscene_{token}"))
            assert "欢迎" in (bound.text or "")
        stack.inbound.services = BrokenForOneAmount(stack.inbound.services)

        # The moment each passive reply is made: is its message durable already?
        seen: dict[str, tuple[str, tuple[str | None, int] | None]] = {}
        passive = stack.webhook._passive

        def answering(message, reply, nonce):
            seen[message.dedup_key] = (reply, committed(path, message.dedup_key))
            return passive(message, reply, nonce)

        stack.webhook._passive = answering
        bodies = [
            phone.text(f"o-{k}", f"售 脆李 {n + 1}斤 {100 * (n + 1)}", msg_id=1000 + 10 * k + n)
            for k in range(len(STATIONS))
            for n in range(3)
        ]
        broken = phone.text("o-0", f"售 脆李 9斤 {BROKEN_FEN // 100}", msg_id=1999)
        commits, units = group.commits, group.committed_units
        # Another process holds the write lock while they all arrive, so they are handled
        # together when it lets go (without it they share commits too, but not always).
        async with hold_writes(engine):
            posted = [asyncio.create_task(phone.post(b)) for b in [*bodies, broken]]
            for _ in range(200):
                if group._waiting == len(posted) - 1:  # one waits in BEGIN IMMEDIATE
                    break
                await asyncio.sleep(0.02)
            assert group._waiting == len(posted) - 1
        answers = await asyncio.gather(*posted)

    assert all("已保存" in (a.text or "") for a in answers[:-1]), answers
    assert answers[-1].text == Translator("zh")(WENT_WRONG)
    # One durable COMMIT for the twelve good ones; the broken one rolled back alone.
    assert group.commits - commits == 1
    assert group.committed_units - units == len(bodies)
    good = {key: got for key, got in seen.items() if key != "m:1999"}
    assert len(good) == len(bodies)
    for key, (reply, durable) in good.items():
        assert durable is not None, f"message {key} answered before its commit was durable"
        assert durable[0] == reply and durable[1] >= 1
    assert seen["m:1999"][1] is None  # its claim, dialog and reply are not there
    assert await count(SqlUnitOfWorkFactory(engine), "ledger_entries") == len(bodies)
    assert await count(SqlUnitOfWorkFactory(engine), "wechat_messages") == len(bodies) + 4


async def test_a_redelivery_in_a_grouped_batch_gets_the_first_answer(db, clock):
    engine, _path = db
    await seed_network(SqlUnitOfWorkFactory(engine))
    async with running_wechat(engine, clock, group=CommitGroup(engine)) as stack:
        phone = stack.phone
        token = await stack.invite()
        await phone.post(phone.event("o-k", "subscribe", f"qrscene_{token}"))
        body = phone.text("o-k", "售 脆李 20斤 400", msg_id=4242)
        first = await phone.post(body)
        # WeChat's retries arriving together with new messages: answered as the first.
        others = [phone.text("o-k", f"售 脆李 1斤 {n + 1}") for n in range(5)]
        answers = await asyncio.gather(*(phone.post(b) for b in [body, *others, body]))
    assert "已保存" in (first.text or "")
    assert answers[0].text == answers[-1].text == first.text
    assert await count(SqlUnitOfWorkFactory(engine), "ledger_entries") == 1 + len(others)


async def test_one_process_has_one_commit_group_for_telegram_and_wechat(tmp_path):
    from handlers.telegram import build_dispatcher
    from handlers.wechat.runner import build_front_end

    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        phone_hash_key="k",
        wechat_appid=APPID,
        wechat_token="t",
        evidence_dir=str(tmp_path / "evidence"),
    )
    app = await build_app(settings)
    try:
        group = build_front_end(app).webhook.inbound.group
        assert isinstance(group, CommitGroup)
        assert build_dispatcher(app).transactions.group is group
    finally:
        await app.close()


async def test_a_message_in_a_lost_shared_transaction_is_run_again(db, clock):
    """Another update in the same shared transaction ends it (as SQLite does on an I/O
    error) after the message's savepoint was released: nothing of the message committed,
    so it is run again at once and answered, once."""
    engine, _path = db
    await seed_network(SqlUnitOfWorkFactory(engine))
    group = CommitGroup(engine)
    async with running_wechat(engine, clock, group=group) as stack:
        phone = stack.phone
        token = await stack.invite()
        await phone.post(phone.event("o-k", "subscribe", f"qrscene_{token}"))

        async def ends_the_transaction() -> None:
            async with group.unit() as uow:
                raw = await uow.connection.get_raw_connection()
                raw.driver_connection.execute("ROLLBACK")
                raise OSError("disk I/O error")

        async with hold_writes(engine):
            message = asyncio.create_task(phone.post(phone.text("o-k", "售 脆李 20斤 400")))
            for _ in range(200):  # the message has the group, waiting in BEGIN IMMEDIATE
                if group._lock.locked():
                    break
                await asyncio.sleep(0.02)
            breaker = asyncio.create_task(ends_the_transaction())
            for _ in range(200):
                if group._waiting == 1:
                    break
                await asyncio.sleep(0.02)
        answer = await message
        with pytest.raises(OSError):
            await breaker
    assert "已保存" in (answer.text or ""), answer
    assert await count(SqlUnitOfWorkFactory(engine), "ledger_entries") == 1
