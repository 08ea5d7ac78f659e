"""One update, one transaction: the claim, who is talking, the dialog state, the ledger
write and the replies commit together, once; replies go out after the commit."""

from __future__ import annotations

import asyncio
import sqlite3

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text

from bot.domain.roles import Role
from handlers.telegram.pipeline import Retryable
from handlers.telegram.pipeline.busy import Backoff
from handlers.telegram.pipeline.capture import deserialise
from handlers.telegram.pipeline.process import UpdatePipeline
from handlers.telegram.pipeline.webhook import build_webhook_app
from storage.repositories.ledger import SqlLedgerRepo

WAIT_ZH = "系统忙"
WEBHOOK_PATH = "/telegram"


@pytest.fixture
async def keeper(people):
    return await people.register(100, Role.KEEPER, "A-S1", language="zh")


async def scalar(app, sql: str):
    async with app.engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar()


async def dialog(app) -> list:
    async with app.engine.connect() as conn:
        rows = await conn.exec_driver_sql(
            "SELECT state, data FROM dialog_states WHERE user_id = 100 AND destiny = 'default'"
        )
        return [tuple(r) for r in rows.all()]


async def test_a_redelivered_update_is_not_applied_again_and_gets_the_same_answer(
    app, chat, keeper
):
    update = chat.message_update(keeper, "入 SF1234567890 张三 1234", update_id=5001)
    first = await chat.feed(update)
    again = await chat.feed(update)
    assert "A-001" in first.text and again.texts == first.texts
    assert await scalar(app, "SELECT count(*) FROM ledger_entries") == 1
    stored = await scalar(app, "SELECT replies FROM processed_updates WHERE update_id = 5001")
    assert [m.text for m in deserialise(stored)] == first.texts


async def test_a_refused_command_is_a_committed_answer_that_writes_nothing(app, chat, keeper):
    await chat.send(keeper, "入 SF1234567890 张三 1234")
    update = chat.message_update(keeper, "入 SF1234567890 李四 5678", update_id=5002)
    sent = await chat.feed(update)
    assert "已登记" in sent.text
    assert await scalar(app, "SELECT count(*) FROM ledger_entries") == 1
    assert await scalar(app, "SELECT count(*) FROM processed_updates WHERE update_id=5002") == 1


async def test_a_failure_after_the_ledger_write_rolls_back_dialog_ledger_and_claim(
    app, chat, keeper, monkeypatch
):
    await chat.send(keeper, "/intake")
    await chat.send(keeper, "SF1234567890123")
    await chat.send(keeper, "张三")
    sent = await chat.send(keeper, "138 1234 5678")
    before = await dialog(app)
    assert before and before[0][0] is not None

    async def broken(self, *args, **kwargs):
        raise RuntimeError("the disk caught fire after the ledger insert")

    monkeypatch.setattr(SqlLedgerRepo, "add_parcel", broken)
    press = chat.callback_update(keeper, next(d for label, d in sent.buttons if "电话" in label))
    with pytest.raises(RuntimeError):
        await chat.feed(press)
    assert await scalar(app, "SELECT count(*) FROM ledger_entries") == 0
    assert await dialog(app) == before  # the dialog did not move either
    claimed = f"SELECT count(*) FROM processed_updates WHERE update_id = {press.update_id}"
    assert await scalar(app, claimed) == 0
    # The same update, delivered again once the cause is gone, is applied as new.
    monkeypatch.undo()
    assert "A-001" in (await chat.feed(press)).text
    assert await scalar(app, "SELECT count(*) FROM ledger_entries") == 1
    assert await dialog(app) != before


def hold_write_lock(path: str, seconds: float, started) -> None:
    """Another connection (as another process would) holding BEGIN IMMEDIATE."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    started.set()
    import time

    time.sleep(seconds)
    conn.execute("ROLLBACK")
    conn.close()


@pytest.fixture
def short_busy_timeout(monkeypatch):
    # SQLite's own wait is 10 s; shortened so the pipeline's retries are what is tested.
    monkeypatch.setattr("storage.engine.SQLITE_BUSY_TIMEOUT_MS", 100)


async def locked(app, seconds: float):
    await app.engine.dispose()  # new connections get the short busy timeout
    import threading

    started = threading.Event()
    path = app.settings.database_url.split("///", 1)[1]
    thread = threading.Thread(target=hold_write_lock, args=(path, seconds, started))
    thread.start()
    started.wait()
    return thread


async def test_a_lock_held_a_few_seconds_is_waited_out_by_retries(
    app, chat, keeper, short_busy_timeout
):
    chat.dp.transactions.backoff = Backoff(attempts=12, first=0.05, cap=0.5)
    thread = await locked(app, 1.5)
    try:
        sent = await chat.send(keeper, "入 SF1234567890 张三 1234")
    finally:
        await asyncio.to_thread(thread.join)
    assert "A-001" in sent.text
    assert await scalar(app, "SELECT count(*) FROM ledger_entries") == 1


async def test_a_database_that_stays_locked_tells_the_person_once_and_is_not_confirmed(
    app, chat, keeper, short_busy_timeout
):
    chat.dp.transactions.backoff = Backoff(attempts=3, first=0.05, cap=0.1)
    update = chat.message_update(keeper, "入 SF1234567890 张三 1234", update_id=5003)
    thread = await locked(app, 3)
    try:
        start = len(chat.session.calls)
        with pytest.raises(Retryable):
            await chat.feed(update)
        told = [getattr(c, "text", "") for c in chat.session.calls[start:]]
        assert len(told) == 1 and WAIT_ZH in told[0]
        start = len(chat.session.calls)
        with pytest.raises(Retryable):  # delivered again while still locked: told once
            await chat.feed(update)
        assert chat.session.calls[start:] == []
    finally:
        await asyncio.to_thread(thread.join)
    assert "A-001" in (await chat.feed(update)).text  # the lock is gone: applied, once
    assert await scalar(app, "SELECT count(*) FROM ledger_entries") == 1


async def serve(app, chat):
    pipeline = UpdatePipeline(chat.dp, chat.bot)
    runner = web.AppRunner(build_webhook_app(pipeline, chat.bot, WEBHOOK_PATH, "s3cret"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}{WEBHOOK_PATH}"


HEADERS = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}


async def test_webhook_answers_503_while_busy_and_200_once_committed(
    app, chat, keeper, short_busy_timeout
):
    chat.dp.transactions.backoff = Backoff(attempts=2, first=0.05, cap=0.1)
    body = chat.message_update(keeper, "入 SF1234567890 张三 1234", update_id=5004).model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    runner, url = await serve(app, chat)
    try:
        async with aiohttp.ClientSession() as client:
            thread = await locked(app, 2)
            try:
                async with client.post(url, json=body, headers=HEADERS) as response:
                    assert response.status == 503
            finally:
                await asyncio.to_thread(thread.join)
            assert await scalar(app, "SELECT count(*) FROM ledger_entries") == 0
            for _ in range(2):  # Telegram retries; the second one only repeats the answer
                async with client.post(url, json=body, headers=HEADERS) as response:
                    assert response.status == 200
    finally:
        await runner.cleanup()
    assert await scalar(app, "SELECT count(*) FROM ledger_entries") == 1


async def test_webhook_keeps_poison_and_answers_200(app, chat, keeper, monkeypatch):
    runner, url = await serve(app, chat)
    from handlers.telegram import oneline

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a handler bug that fails every time")

    monkeypatch.setattr(oneline, "entry_saved", bug)
    bad = chat.message_update(keeper, "入 SF1234567890 张三 1234", update_id=5005)
    try:
        async with aiohttp.ClientSession() as client:
            async with client.post(url, data=b"{not json", headers=HEADERS) as response:
                assert response.status == 200
            invalid = {"update_id": 5006, "message": {"text": "no chat, no date"}}
            async with client.post(url, json=invalid, headers=HEADERS) as response:
                assert response.status == 200
            async with client.post(
                url,
                json=bad.model_dump(mode="json", by_alias=True, exclude_none=True),
                headers=HEADERS,
            ) as response:
                assert response.status == 200
    finally:
        await runner.cleanup()
    async with app.engine.connect() as conn:
        rows = (
            await conn.exec_driver_sql("SELECT update_id, payload, error FROM poison_updates")
        ).all()
    assert rows[0][0] is None and rows[0][1] == "{not json"
    assert rows[1][0] == 5006 and "ValidationError" in rows[1][2]
    assert await scalar(app, "SELECT count(*) FROM processed_updates WHERE update_id=5005") == 0


async def test_webhook_does_not_answer_200_for_an_update_still_running(
    app, chat, keeper, monkeypatch
):
    """aiogram would answer 200 after 55 s and go on in the background; here the update is
    cancelled (rolled back) and answered 503, so Telegram sends it again."""
    from handlers.telegram import oneline

    saved = oneline.entry_saved

    async def stall(*args, **kwargs):
        await asyncio.sleep(5)

    monkeypatch.setattr(SqlLedgerRepo, "add_parcel", stall)
    pipeline = UpdatePipeline(chat.dp, chat.bot)
    from handlers.telegram.pipeline.webhook import webhook_handler

    web_app = web.Application()
    web_app.router.add_post(WEBHOOK_PATH, webhook_handler(pipeline, None, deadline=0.5))
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    body = chat.message_update(keeper, "入 SF1234567890 张三 1234", update_id=5007).model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    try:
        async with aiohttp.ClientSession() as client:
            url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
            async with client.post(url, json=body) as response:
                assert response.status == 503
            assert await scalar(app, "SELECT count(*) FROM ledger_entries") == 0
            claimed = "SELECT count(*) FROM processed_updates WHERE update_id = 5007"
            assert await scalar(app, claimed) == 0
            monkeypatch.undo()
            assert oneline.entry_saved is saved
            async with client.post(url, json=body) as response:
                assert response.status == 200
    finally:
        await runner.cleanup()
    assert await scalar(app, "SELECT count(*) FROM ledger_entries") == 1


async def test_concurrent_webhook_updates_share_commits_and_are_answered_only_once_durable(
    app, chat, people, monkeypatch
):
    """12 POSTs at once from 4 keepers (SQLite: group commit). Each 200 and each reply
    comes only after a second connection sees the update's claim committed; a failing
    update rolls back alone (kept as poison, its entry absent); the others share COMMITs."""
    from handlers.telegram import oneline
    from handlers.telegram.pipeline.transaction import UpdateTransactions

    keepers = [
        await people.register(200 + n, Role.KEEPER, code, language="zh")
        for n, code in enumerate(("A-S1", "A-S2", "A-S3", "B-S1"))
    ]
    db = app.engine.url.database

    def durable(update_id: int) -> bool:
        with sqlite3.connect(db) as conn:
            found = conn.execute(
                "SELECT count(*) FROM processed_updates WHERE update_id = ?", (update_id,)
            ).fetchone()
        return found[0] == 1

    early: list[int] = []
    send = UpdateTransactions.send

    async def checked_send(self, bot, key, calls):
        if calls and not await asyncio.to_thread(durable, key[1]):
            early.append(key[1])
        return await send(self, bot, key, calls)

    monkeypatch.setattr(UpdateTransactions, "send", checked_send)
    saved = oneline.entry_saved

    def bug_for_one(recorded, *args, **kwargs):
        if recorded.entry.tracking_no == "SF9000000000007":
            raise ZeroDivisionError("a handler bug in one update of the group")
        return saved(recorded, *args, **kwargs)

    monkeypatch.setattr(oneline, "entry_saved", bug_for_one)
    bodies = {
        9000 + n: chat.message_update(
            keepers[n % 4], f"入 SF{9000000000000 + n} 张三 1234", update_id=9000 + n
        ).model_dump(mode="json", by_alias=True, exclude_none=True)
        for n in range(12)
    }
    group = chat.dp.transactions.group
    commits_before = group.commits
    runner, url = await serve(app, chat)
    try:
        async with aiohttp.ClientSession() as client:

            async def post(update_id: int, body: dict) -> None:
                async with client.post(url, json=body, headers=HEADERS) as response:
                    assert response.status == 200
                if update_id != 9007:
                    assert await asyncio.to_thread(durable, update_id), f"200 before {update_id}"

            await asyncio.gather(*(post(uid, body) for uid, body in bodies.items()))
    finally:
        await runner.cleanup()
    assert early == []
    assert await scalar(app, "SELECT count(*) FROM ledger_entries") == 11
    assert await scalar(app, "SELECT count(*) FROM processed_updates WHERE update_id=9007") == 0
    assert await scalar(app, "SELECT count(*) FROM poison_updates WHERE update_id=9007") == 1
    assert group.commits - commits_before < 11, "no update shared a commit"
