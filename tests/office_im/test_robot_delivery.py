"""Staff alerts to WeCom and DingTalk robots end to end: the folding outbox worker and the
robot senders over real HTTP against the local doubles, which check DingTalk's signature
and enforce the robots' limit as a sliding window (answering 45009 / 130101 as the real
APIs do, DingTalk then muting the robot).

What is scaled to keep the run short: the limit is 20 messages per **3 s** per robot
instead of per minute, on the double and the worker alike (`per_chat_per_second=20/3`);
leases are 6 s instead of 2 minutes. Everything else is production code and settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.notices import Address, Notice, NoticeKind
from devtools.office_im_double import RobotDouble
from handlers.office_im.clients import DingTalkClient, WeComClient
from handlers.office_im.sender import RobotDirectory, RobotSender
from jobs.outbox_worker import Tuning
from jobs.rate_limit import Limits
from jobs.robot_worker import FoldingOutboxWorker
from storage.engine import create_engine, write_transaction
from storage.migrate import upgrade
from storage.repositories.outbox import SqlOutboxRepo
from storage.repositories.robots import SqlRobotRepo
from storage.schema import counties, outbox

WINDOW = 3.0  # seconds in which a robot takes 20 messages (60 in production)
SCALED = Limits(per_second=100, per_chat_per_second=20 / WINDOW, per_group_per_minute=20)
FAST = Tuning(
    horizon=float("inf"),
    poll_interval=0.2,
    lease=timedelta(seconds=6),
    lease_margin=2.0,
    send_timeout=2.0,
    backoff_base=0.2,
    backoff_cap=1.0,
    pause_base=0.1,
    pause_cap=0.5,
)
WECOM_KEYS = ["wecom-key-aaaa-0001", "wecom-key-bbbb-0002"]
DING_TOKEN, DING_SECRET = "ding-token-cccc-0003", "SECsigning0secret0for0the0double0robot0x"
MARK = re.compile(r"N\d{5}")


@dataclass
class World:
    double: RobotDouble
    engine: AsyncEngine
    session: aiohttp.ClientSession
    robots: dict[str, int]  # robot name → id

    def worker(
        self, kind: str, limits: Limits = SCALED, tuning: Tuning = FAST, **kwargs
    ) -> FoldingOutboxWorker:
        client = (
            WeComClient(self.session, self.double.base_url)
            if kind == "wecom"
            else DingTalkClient(self.session, self.double.base_url)
        )
        sender = RobotSender(kind, RobotDirectory(self.engine, ttl=0.5), client)
        return FoldingOutboxWorker(
            self.engine, sender, channel=kind, limits=limits, tuning=tuning, **kwargs
        )


@pytest.fixture
async def world(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/robots.db")
    await upgrade(engine)
    double = RobotDouble(window=WINDOW, per_window=20, mute_seconds=30)
    await double.start()
    now = datetime.now(UTC)
    async with write_transaction(engine) as conn:
        county = (
            await conn.execute(
                counties.insert()
                .values(
                    code="A",
                    name="示范县",
                    timezone="Asia/Shanghai",
                    created_at=now,
                    updated_at=now,
                )
                .returning(counties.c.id)
            )
        ).scalar_one()
        repo = SqlRobotRepo(conn)
        robots = {}
        for n, key in enumerate(WECOM_KEYS):
            double.wecom(key)
            robots[f"wecom{n}"] = await repo.add(
                county, "wecom", f"群{n}", key, None, "zh", False, now
            )
        double.dingtalk(DING_TOKEN, DING_SECRET)
        robots["dingtalk"] = await repo.add(
            county, "dingtalk", "钉钉群", DING_TOKEN, DING_SECRET, "zh", False, now
        )
    async with aiohttp.ClientSession() as session:
        yield World(double, engine, session, robots)
    await double.close()
    await engine.dispose()


def alert(n: int, channel: str, robot_id: int) -> Notice:
    """A staff notice with a unique mark (N00042) in its text, ~600 bytes rendered."""
    stations = [[f"N{n:05d}", f"第{i}号村级电商服务站", 9 + i] for i in range(8)]
    return Notice(
        dedup_key=f"robot-e2e:{n}",
        kind=NoticeKind.IDLE_DIGEST,
        params={"min_days": 7, "stations": stations},
        address=Address(channel, f"robot:{robot_id}", "zh"),
    )


def alerts_for(world: World, per_robot: int) -> list[Notice]:
    out, n = [], 0
    for name, robot_id in world.robots.items():
        channel = "dingtalk" if name == "dingtalk" else "wecom"
        for _ in range(per_robot):
            out.append(alert(n, channel, robot_id))
            n += 1
    return out


async def enqueue(engine, notices: list[Notice]) -> None:
    async with write_transaction(engine) as conn:
        await SqlOutboxRepo(conn).enqueue(notices, datetime.now(UTC))


def marks(double: RobotDouble) -> Counter:
    """How often each notice's mark arrived, over every accepted message."""
    return Counter(m for accepted in double.received for m in set(MARK.findall(accepted.text)))


async def statuses(engine) -> Counter:
    async with engine.connect() as conn:
        return Counter((await conn.execute(select(outbox.c.status))).scalars())


async def wait_for(predicate, timeout: float) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 (the double has no event per message)
            await asyncio.sleep(0.05)


def within_limits(double: RobotDouble) -> None:
    """No robot ever saw more than 20 accepted messages in a window, and none refused."""
    assert double.violations == []
    assert double.bad_signatures == 0
    by_robot: dict[str, list[float]] = {}
    for accepted in double.received:
        by_robot.setdefault(accepted.robot, []).append(accepted.at)
    for times in by_robot.values():
        for i, start in enumerate(times):
            assert sum(1 for t in times[i:] if t < start + WINDOW) <= 20


async def test_a_backlog_is_folded_and_arrives_once_within_the_limits(world: World):
    notices = alerts_for(world, per_robot=400)
    await enqueue(world.engine, notices)
    workers = [world.worker("wecom"), world.worker("dingtalk")]
    for w in workers:
        w.start()
    try:
        await wait_for(lambda: len(marks(world.double)) == len(notices), timeout=60)
    finally:
        for w in workers:
            await w.stop()
    got = marks(world.double)
    assert set(got) == {f"N{n:05d}" for n in range(len(notices))}
    assert max(got.values()) == 1
    within_limits(world.double)
    messages = len(world.double.received)
    # Folded: about six notices per message, not 600 messages (30 minutes at 20/min).
    assert messages < len(notices) / 4, messages
    assert sum(w.messages for w in workers) == messages
    assert await statuses(world.engine) == {"sent": len(notices)}
    # Each message is Markdown in Chinese with its count first, DingTalk's with a title.
    for accepted in world.double.received:
        payload = accepted.payload
        assert payload["msgtype"] == "markdown"
        body = payload["markdown"].get("content") or payload["markdown"]["text"]
        assert body.startswith("### 共 ") and "条通知" in body
        if accepted.kind == "dingtalk":
            assert payload["markdown"]["title"].startswith("共 ")


async def test_a_graceful_restart_midway_loses_nothing_and_doubles_nothing(world: World):
    notices = alerts_for(world, per_robot=150)
    await enqueue(world.engine, notices)
    worker = world.worker("wecom")
    worker.start()
    await wait_for(lambda: len(world.double.received) >= 6, timeout=30)
    await worker.stop()
    assert 0 < len(marks(world.double)) < 300  # stopped midway
    for w in (world.worker("wecom"), world.worker("dingtalk")):
        w.start()
        try:
            await wait_for(
                lambda kind=w.channel: (
                    len(marks(world.double)) >= (300 if kind == "wecom" else 450)
                ),
                timeout=60,
            )
        finally:
            await w.stop()
    got = marks(world.double)
    assert len(got) == len(notices) and max(got.values()) == 1
    within_limits(world.double)


async def test_a_worker_killed_mid_stream_loses_nothing_and_doubles_only_its_window(world: World):
    notices = alerts_for(world, per_robot=100)
    await enqueue(world.engine, notices)
    worker = world.worker("wecom")
    task = worker.start()
    crash = asyncio.Event()

    def kill_after_tenth(accepted):
        # The robot accepted the message; the worker has not read the answer yet.
        if len(world.double.received) == 10 and not crash.is_set():
            crash.set()
            task.cancel()

    world.double.on_accept = kill_after_tenth
    await crash.wait()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    world.double.on_accept = None
    before = marks(world.double)
    async with world.engine.connect() as conn:
        sent = set(
            (
                await conn.execute(select(outbox.c.dedup_key).where(outbox.c.status == "sent"))
            ).scalars()
        )
    # The window: notices a robot accepted whose `sent` mark never committed.
    window = {m for m in before if f"robot-e2e:{int(m[1:])}" not in sent}
    assert window, "the kill should leave at least the message it interrupted unmarked"

    # A new process: the dead worker's lease runs out, and everything goes out.
    for w in (world.worker("wecom"), world.worker("dingtalk")):
        w.start()
        try:
            await wait_for(
                lambda kind=w.channel: (
                    len(marks(world.double)) >= (200 if kind == "wecom" else 300)
                ),
                timeout=60,
            )
            await wait_for(
                lambda: not window - {m for m, n in marks(world.double).items() if n > 1}, 30
            )
        finally:
            await w.stop()
    got = marks(world.double)
    assert len(got) == len(notices)
    doubled = {m for m, n in got.items() if n > 1}
    assert doubled == window and max(got.values()) == 2
    within_limits(world.double)
    assert await statuses(world.engine) == {"sent": len(notices)}


async def test_a_removed_or_unknown_robot_blocks_its_notices_and_transient_errors_are_retried(
    world: World,
):
    notices = alerts_for(world, per_robot=3)
    async with write_transaction(world.engine) as conn:
        await SqlRobotRepo(conn).remove(world.robots["wecom1"], datetime.now(UTC))
    nowhere = alert(999, "wecom", 4242)
    await enqueue(world.engine, [*notices, nowhere])
    world.double.fail_next("wecom", WECOM_KEYS[0], 2, errcode=-1)
    world.double.fail_next("dingtalk", DING_TOKEN, 1, status=502)
    workers = [world.worker("wecom"), world.worker("dingtalk")]
    for w in workers:
        w.start()
    try:
        await wait_for(lambda: len(marks(world.double)) == 6, timeout=30)
        await asyncio.sleep(0.5)
    finally:
        for w in workers:
            await w.stop()
    assert await statuses(world.engine) == {"sent": 6, "blocked": 4}
    assert sum(w.stats.retried for w in workers) >= 3
    assert max(marks(world.double).values()) == 1


async def test_the_spacing_holds_across_a_restart(world: World):
    """A new worker does not know when the last one sent: it waits one interval first, so
    a robot never gets two messages closer than its pace (20 per window, 5 % headroom)."""
    window = 20.0  # one message every 1.05 s: a restart takes far less
    limits = Limits(per_second=100, per_chat_per_second=20 / window, per_group_per_minute=20)
    interval = 1 / (20 / window * 0.95)
    notices = [alert(n, "wecom", world.robots["wecom0"]) for n in range(5)]
    await enqueue(world.engine, notices)
    first = world.worker("wecom", limits=limits, max_fold=1)  # one notice per message
    first.start()
    await wait_for(lambda: len(world.double.received) >= 2, timeout=10)
    await first.stop()
    second = world.worker("wecom", limits=limits, max_fold=1)
    second.start()
    try:
        await wait_for(lambda: len(world.double.received) >= 4, timeout=10)
    finally:
        await second.stop()
    times = [a.at for a in world.double.received]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # Paced at `interval` (1.05 s); arrivals jitter by a few hundredths on a loaded
    # machine. Without the start-up wait the gap across the restart is ~0.06 s.
    assert min(gaps) >= interval - 0.1, gaps


async def test_two_bot_processes_keep_one_robots_pace_together(world: World):
    """Two workers (two bot processes, each with its own pacing) deliver to the same
    robots: the robots' send slots in the database keep them at one pace together."""
    from handlers.office_im.workers import send_slots

    notices = [alert(n, "wecom", world.robots["wecom0"]) for n in range(60)]
    await enqueue(world.engine, notices)
    # One notice per message and a small batch, so both workers hold rows of the robot.
    tuning = dataclasses.replace(FAST, batch_size=5)
    workers = [
        world.worker("wecom", max_fold=1, gate=send_slots(world.engine), tuning=tuning)
        for _ in range(2)
    ]
    for w in workers:
        w.start()
    try:
        await wait_for(lambda: len(marks(world.double)) == 60, timeout=60)
    finally:
        for w in workers:
            await w.stop()
    assert all(w.messages > 5 for w in workers), [w.messages for w in workers]
    # The double refused nothing: no 3-second window saw more than 20 (without the
    # slots, the two workers together send at twice the pace and are refused).
    within_limits(world.double)
    assert max(marks(world.double).values()) == 1


async def test_a_refused_folded_message_is_sent_one_by_one(world: World):
    """A robot that refuses a message as folded (`Rejected`) gets its notices singly; a
    notice refused alone is `failed`, the others still go."""
    from jobs.outbox_worker import Rejected

    sent: list[list[str]] = []

    class Picky:
        async def send(self, chat_id, notice):
            await self.send_many(chat_id, [notice])

        async def send_many(self, chat_id, notices):
            if len(notices) > 1:
                raise Rejected("content exceed max length")
            [mark] = MARK.findall(notices[0].text)[:1]
            if mark == "N00002":
                raise Rejected("refused for good")
            sent.append([mark])
            return 1

    await enqueue(world.engine, [alert(n, "wecom", world.robots["wecom0"]) for n in range(5)])
    worker = FoldingOutboxWorker(world.engine, Picky(), channel="wecom", limits=SCALED, tuning=FAST)
    worker.start()
    try:
        await wait_for(lambda: len(sent) == 4, timeout=20)
        await asyncio.sleep(0.3)
    finally:
        await worker.stop()
    assert sorted(m for [m] in sent) == ["N00000", "N00001", "N00003", "N00004"]
    assert await statuses(world.engine) == {"sent": 4, "failed": 1}
