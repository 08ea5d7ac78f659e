"""The outbox worker's Sender for one robot kind: a notice to chat `robot:<id>` goes to
that robot's webhook, with the robot's key (WeCom) or token and signature (DingTalk).

The robot's configuration is read from `office_robots` when first needed and kept for a
minute, so a robot added, changed or removed with `python -m bot channels …` is seen
within a minute without a restart. A removed robot answers `Blocked`: its waiting
notices are marked `blocked`, not sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import Translator
from bot.services.notice_texts import RenderedNotice
from handlers.office_im.clients import DingTalkClient, WeComClient
from handlers.office_im.messages import RobotMessage, fold
from jobs.outbox_worker import Blocked, Rejected
from storage.repositories.robots import RobotRow, SqlRobotRepo

CACHE_SECONDS = 60.0


class RobotDirectory:
    """Robot id → its configuration, cached for `ttl` seconds."""

    def __init__(
        self,
        engine: AsyncEngine,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.engine, self.ttl, self.clock = engine, ttl, clock
        self._cache: dict[int, tuple[float, RobotRow | None]] = {}

    async def get(self, robot_id: int) -> RobotRow | None:
        now = self.clock()
        cached = self._cache.get(robot_id)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        async with self.engine.connect() as conn:
            row = await SqlRobotRepo(conn).robot(robot_id)
        self._cache[robot_id] = (now, row)
        return row


def robot_id(chat_id: str) -> int:
    prefix, _, number = chat_id.partition(":")
    if prefix != "robot" or not number.isdigit():
        raise Rejected(f"not a robot address: {chat_id!r}")
    return int(number)


class RobotSender:
    """`send` one notice, or `send_many`: as many of several as fit one message."""

    def __init__(
        self, kind: str, directory: RobotDirectory, client: WeComClient | DingTalkClient
    ) -> None:
        self.kind, self.directory, self.client = kind, directory, client

    async def _robot(self, chat_id: str) -> RobotRow:
        robot = await self.directory.get(robot_id(chat_id))
        if robot is None or robot.kind != self.kind:
            raise Blocked(f"no {self.kind} robot {chat_id}")
        if robot.removed_at is not None:
            raise Blocked(f"{self.kind} robot {chat_id} was removed")
        return robot

    async def send(self, chat_id: str, notice: RenderedNotice) -> None:
        await self.send_many(chat_id, [notice])

    async def send_many(self, chat_id: str, notices: Sequence[RenderedNotice]) -> int:
        """Send the first notices that fit one message; how many that was."""
        robot = await self._robot(chat_id)
        message = fold(notices, Translator(robot.language))
        await self._post(robot, message)
        return message.count

    async def _post(self, robot: RobotRow, message: RobotMessage) -> None:
        if isinstance(self.client, WeComClient):
            await self.client.send(robot.secret, message.wecom())
        else:
            await self.client.send(robot.secret, robot.sign_secret, message.dingtalk())
