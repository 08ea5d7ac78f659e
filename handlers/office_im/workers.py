"""The robot workers of one bot process: one `FoldingOutboxWorker` per robot kind, with
one aiohttp session between them. Started by `python -m bot run` beside the Telegram bot
(or whatever front end runs); they idle (a claim every 2 s) when no robot is configured,
so a robot added with `python -m bot channels add` is served without a restart."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp

from bot.bootstrap import App
from handlers.office_im.clients import DingTalkClient, WeComClient
from handlers.office_im.sender import RobotDirectory, RobotSender, robot_id
from jobs.robot_worker import FoldingOutboxWorker, Gate
from storage.engine import write_transaction
from storage.repositories.robots import SqlRobotRepo


@dataclass
class RobotWorkers:
    session: aiohttp.ClientSession
    workers: dict[str, FoldingOutboxWorker] = field(default_factory=dict)

    async def stop(self) -> None:
        """Finish the messages in flight, commit their marks, release the rest."""
        await asyncio.gather(*(w.stop() for w in self.workers.values()))
        await self.session.close()


def send_slots(engine) -> Gate:
    """Each robot's pace shared by every process through `office_robots.next_send_at`
    (on the wall clock: it is the robots' clock that counts, not the app's)."""

    async def take(chat_id: str, interval: float) -> float:
        async with write_transaction(engine) as conn:
            return await SqlRobotRepo(conn).take_slot(
                robot_id(chat_id), datetime.now(UTC), interval
            )

    return take


def robot_workers(
    app: App, session: aiohttp.ClientSession, *, wecom_api: str, dingtalk_api: str, **kwargs
) -> RobotWorkers:
    directory = RobotDirectory(app.engine)
    clients = {
        "wecom": WeComClient(session, wecom_api),
        "dingtalk": DingTalkClient(session, dingtalk_api),
    }
    return RobotWorkers(
        session,
        {
            kind: FoldingOutboxWorker(
                app.engine,
                RobotSender(kind, directory, client),
                channel=kind,
                clock=app.clock,
                gate=send_slots(app.engine),
                **kwargs,
            )
            for kind, client in clients.items()
        },
    )


def start_robot_workers(app: App) -> RobotWorkers:
    settings = app.settings
    running = robot_workers(
        app,
        aiohttp.ClientSession(),
        wecom_api=settings.wecom_api_base,
        dingtalk_api=settings.dingtalk_api_base,
    )
    for worker in running.workers.values():
        worker.start()
    return running
