"""What `python -m bot run` starts for office IM (`start_robot_workers`), with production
limits and settings, against the robot doubles: the real stranded-parcels job writes a
county's staff alert, and it reaches the county's WeCom and DingTalk robots, signed, in
Chinese, once each."""

from __future__ import annotations

import asyncio

from bot.bootstrap import build_app
from bot.config import Settings
from devtools.office_im_double import RobotDouble
from handlers.office_im.workers import start_robot_workers
from storage.engine import write_transaction
from storage.repositories.robots import SqlRobotRepo
from tests.office_im.test_robot_routing import strand_parcels
from tests.support.scoring import make_county

SECRET = "SECwiring0test0signing0secret0000000000000000000"


async def test_the_bot_process_delivers_staff_alerts_to_the_county_robots(tmp_path, clock):
    double = RobotDouble()  # the real limit: 20 per minute
    await double.start()
    double.wecom("wiring-key-0001")
    double.dingtalk("wiring-token-0002", SECRET)
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        wecom_api_base=double.base_url,
        dingtalk_api_base=double.base_url,
    )
    app = await build_app(settings, clock=clock)
    try:
        county = await make_county(app.uow, clock)
        async with write_transaction(app.engine) as conn:
            robots = SqlRobotRepo(conn)
            now = clock.now()
            await robots.add(
                county[0].county_a, "wecom", "县群", "wiring-key-0001", None, "zh", False, now
            )
            await robots.add(
                county[0].county_a, "dingtalk", "钉群", "wiring-token-0002", SECRET, "zh", True, now
            )
        await strand_parcels(app.uow, clock, county)
        report = await app.services.reminders.stranded("A")
        # The keeper's own and the two robots'; not the staff member's chat, as the
        # DingTalk robot was added "instead of staff chats".
        assert report.alerts == 3
        running = start_robot_workers(app)
        try:
            async with asyncio.timeout(20):
                while len(double.received) < 2:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
        finally:
            await running.stop()
        assert sorted(a.kind for a in double.received) == ["dingtalk", "wecom"]
        for accepted in double.received:
            assert "A-S1" in accepted.text and "10 件" in accepted.text, accepted.text
        assert double.violations == [] and double.bad_signatures == 0
    finally:
        await app.close()
        await double.close()
