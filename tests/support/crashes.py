"""The crash rig: the bot as its own process, many keepers, kills, and the audit after.

A `Rig` is a fresh SQLite file with one county of N stations, the Bot API double in this
process, and `python -m bot run` as a child (devtools.harness.BotProcess). Keepers are
registered through the real invite flow. `stream` sends one-line intakes
(`入 SF… 张三 1234`, every tracking number unique) round-robin across keepers at a set
rate; `audit` then reads the ledger and the double's record of what the bot sent and
counts what went wrong: updates lost (no entry), doubled (more than one), unanswered (no
reply naming the tracking number), order inversions (a keeper's pickup codes not rising
in the order sent), and `PRAGMA integrity_check`.
"""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.bootstrap import App, build_app
from bot.commands.keys import cli_key
from bot.config import Settings
from bot.domain.commands import CreateInvite
from bot.domain.roles import Role
from bot.services.invites import CLI_ACTOR
from devtools.harness import BotProcess
from devtools.telegram_double.server import FakeTelegram, FakeUser
from storage.schema import counties, stations, townships, villages

PHONE_KEY = "crash-rig-" + "0" * 54
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Sent:
    keeper: int  # index into Rig.keepers
    tracking: str
    update_id: int


@dataclass
class Audit:
    sent: int
    entries: int
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    inversions: list[str] = field(default_factory=list)
    integrity: str = ""

    @property
    def clean(self) -> bool:
        return (
            not (self.lost or self.doubled or self.unanswered or self.inversions)
            and self.integrity == "ok"
        )

    def line(self) -> str:
        return (
            f"sent {self.sent}, entries {self.entries}, lost {len(self.lost)}, "
            f"doubled {len(self.doubled)}, unanswered {len(self.unanswered)}, "
            f"order inversions {len(self.inversions)}, integrity {self.integrity}"
        )


async def seed_stations(app: App, count: int) -> list[str]:
    stamp = {"created_at": T0, "updated_at": T0}
    async with app.engine.begin() as conn:

        async def add(table, **values) -> int:
            result = await conn.execute(
                table.insert().values(**values, **stamp).returning(table.c.id)
            )
            return result.scalar_one()

        county = await add(counties, code="K", name="压测县", timezone="Asia/Shanghai")
        township = await add(townships, county_id=county, code="K-T1", name="东乡")
        village = await add(villages, township_id=township, code="K-V1", name="桃园村")
        codes = [f"K-S{n:03d}" for n in range(1, count + 1)]
        for n, code in enumerate(codes, 1):
            await add(
                stations,
                code=code,
                name=f"第{n}站",
                village_id=village,
                tier="ordinary",
                status="active",
            )
    return codes


class Rig:
    def __init__(self, directory: Path, fake: FakeTelegram, *, env: dict[str, str] | None = None):
        self.directory = directory
        self.fake = fake
        self.db_path = directory / "crash.db"
        self.database_url = f"sqlite+aiosqlite:///{self.db_path}"
        self.log_path = directory / "bot.log"
        self.bot = BotProcess(
            fake,
            self.database_url,
            str(self.log_path),
            env={"CUNZHAN_PHONE_HASH_KEY": PHONE_KEY, **(env or {})},
        )
        self.app: App | None = None
        self.keepers: list[FakeUser] = []
        self.sent: list[Sent] = []
        self.backlog_at_kills: list[int] = []  # updates sent but not yet answered
        self.locked_for = 0.0
        self.drains: list[int] = []  # exit codes after each SIGTERM mid-run

    async def prepare(self, keepers: int) -> None:
        """Database, stations, the bot started, and `keepers` keepers registered."""
        settings = Settings(
            _env_file=None, database_url=self.database_url, phone_hash_key=PHONE_KEY
        )
        self.app = await build_app(settings)
        codes = await seed_stations(self.app, keepers)
        await self.bot.start()
        await self.bot.wait_polling()
        starts = []
        for n, code in enumerate(codes):
            user = self.fake.create_user(f"站长{n}", language_code="zh")
            created = await self.app.services.run(
                CreateInvite(Role.KEEPER, code, request_key=cli_key("invite")), CLI_ACTOR
            )
            self.keepers.append(user)
            starts.append((user, self.fake.send_text(user, f"/start {created.token}")))
        for user, _update in starts:
            replies = await self.fake.wait_for_messages(user.id, 1, timeout=30)
            assert replies[0].buttons, f"{user.first_name} not registered: {replies[0].body}"
        await self.fake.wait_for(lambda: not self.fake.pending_updates, timeout=30)

    async def close(self) -> None:
        if self.bot.process is not None and self.bot.process.returncode is None:
            await self.bot.terminate()
        if self.app is not None:
            await self.app.close()

    # -- load -----------------------------------------------------------------------------

    def tracking(self, keeper: int, n: int) -> str:
        return f"SF{keeper + 100:03d}{n:09d}"

    async def stream(self, per_keeper: int, rate: float) -> None:
        """`per_keeper` intakes from every keeper, round-robin, `rate` updates a second."""
        start = time.monotonic()
        count = 0
        for n in range(per_keeper):
            for k, user in enumerate(self.keepers):
                tracking = self.tracking(k, n)
                update = self.fake.send_text(user, f"入 {tracking} 张三 {1000 + n % 9000}")
                self.sent.append(Sent(k, tracking, update["update_id"]))
                count += 1
                ahead = start + count / rate - time.monotonic()
                if ahead > 0:
                    await asyncio.sleep(ahead)

    async def kill_at_random(
        self,
        kills: int,
        within: float,
        rng: random.Random,
        pause: float = 0.3,
        sigterms: int = 0,
    ) -> None:
        """Stop the bot `kills` times with SIGKILL and `sigterms` times with SIGTERM (a
        drain), in random order, each at a random moment while it runs (up to
        2 × within / stops seconds after it is back), restarting it every time."""
        stops = ["kill"] * kills + ["term"] * sigterms
        rng.shuffle(stops)
        gap = 2 * within / max(1, len(stops))
        for stop in stops:
            await asyncio.sleep(rng.uniform(0.2, gap))
            self.backlog_at_kills.append(len(self.sent) - len(self.answered()))
            if stop == "kill":
                await self.bot.kill()
            else:
                self.drains.append(await self.bot.terminate())
            await asyncio.sleep(pause)
            await self.bot.start()
            await self.bot.wait_polling()

    async def hold_write_lock(self, seconds: float, after: float = 0) -> None:
        """Another process takes SQLite's write lock (BEGIN IMMEDIATE) for `seconds`."""
        await asyncio.sleep(after)
        script = (
            "import sqlite3, sys, time\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(float(sys.argv[2]))\n"
            "db.execute('ROLLBACK')\n"
        )
        locker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            script,
            str(self.db_path),
            str(seconds),
            stdout=asyncio.subprocess.PIPE,
        )
        assert locker.stdout is not None
        assert (await locker.stdout.readline()).strip() == b"locked"
        self.locked_for += seconds
        assert await locker.wait() == 0

    def answered(self) -> set[str]:
        found: set[str] = set()
        for message in self.fake.sent:
            found.update(re.findall(r"SF\d{12}", message.body))
        return found

    async def wait_all_answered(self, timeout: float) -> None:  # noqa: ASYNC109
        wanted = {s.tracking for s in self.sent}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if wanted <= self.answered():
                return
            await asyncio.sleep(0.2)

    # -- audit ----------------------------------------------------------------------------

    def audit(self) -> Audit:
        with sqlite3.connect(self.db_path) as db:
            rows = db.execute(
                "SELECT tracking_no, pickup_code, id FROM ledger_entries "
                "WHERE kind = 'parcel_in' AND tracking_no LIKE 'SF%' AND reverses_id IS NULL"
            ).fetchall()
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        per_tracking = Counter(tracking for tracking, _, _ in rows)
        code_of = {tracking: code for tracking, code, _ in rows}
        audit = Audit(sent=len(self.sent), entries=len(rows), integrity=integrity)
        answered = self.answered()
        by_keeper: dict[int, list[str]] = defaultdict(list)
        for sent in self.sent:
            seen = per_tracking.get(sent.tracking, 0)
            if seen == 0:
                audit.lost.append(sent.tracking)
            elif seen > 1:
                audit.doubled.append(sent.tracking)
            if sent.tracking not in answered:
                audit.unanswered.append(sent.tracking)
            if sent.tracking in code_of:
                by_keeper[sent.keeper].append(sent.tracking)
        for trackings in by_keeper.values():
            codes = [code_of[t] for t in trackings]
            for earlier, later, code_a, code_b in zip(
                trackings, trackings[1:], codes, codes[1:], strict=False
            ):
                if code_b <= code_a:  # A-001 < A-002 …: one shelf letter per 999 parcels
                    audit.inversions.append(f"{earlier} {code_a} then {later} {code_b}")
        return audit

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])
