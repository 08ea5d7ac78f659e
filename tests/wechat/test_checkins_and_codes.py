"""Check-ins and the notice-board station code over the WeChat webhook, on the same core
use cases as Telegram (tests/telegram/test_notice_board_scans.py): the keeper scans their
station's code as a WeChat QR scene, then sends a location message — verified inside the
geofence, unverified with the distance outside it, once a day; a villager scanning the
same scene sees the public card."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.bootstrap import build_app
from bot.commands.keys import cli_key
from bot.config import Settings
from bot.domain.commands import RevokeStationQr, StationQrCode
from bot.services.invites import CLI_ACTOR
from storage.uow import SqlUnitOfWorkFactory
from tests.support.backends import seed_network as seed_any_backend
from tests.support.network import seed_network
from tests.support.scoring import at
from tests.support.wechat import running_wechat

# A-S1 is at 29.123456, 106.654321 (tests/support/network.py).
AT_STATION = ("29.124000", "106.655000")  # ~90 m away
FAR = ("29.140000", "106.654321")  # ~1.8 km north


@pytest.fixture
async def app(tmp_path, clock):
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    application = await build_app(settings, clock=clock)
    application.net = await seed_network(application.engine)
    yield application
    await application.close()


@pytest.fixture
async def wechat(app, clock):
    async with running_wechat(
        app.engine, clock, services=app.services, group=app.commit_group
    ) as stack:
        yield stack


async def station_code(app, code="A-S1") -> str:
    qr = await app.services.run(StationQrCode(code, request_key=cli_key("qr")), CLI_ACTOR)
    return qr.code


async def rows(app, sql: str) -> list:
    async with app.engine.connect() as conn:
        return list((await conn.execute(text(sql))).mappings())


async def bound(wechat, openid: str, station: str = "A-S1") -> None:
    token = await wechat.invite(station, key=f"cli:{openid}")
    answer = await wechat.phone.post(wechat.phone.event(openid, "subscribe", f"qrscene_{token}"))
    assert "欢迎" in answer.text


async def test_a_keeper_checks_in_by_scene_and_location_once_a_day(app, wechat, clock):
    phone, me = wechat.phone, "o-keeper"
    clock._now = at("2026-11-05")
    await bound(wechat, me)
    code = await station_code(app)
    # A location with nothing pending is answered with how to check in; nothing is written.
    assert "扫一扫" in (await phone.post(phone.location(me, *AT_STATION))).text
    assert "扫一扫" in await phone.say(me, "签到")
    assert await rows(app, "SELECT * FROM station_checkins") == []
    # The station's code scanned in WeChat (a follower's SCAN): asked for the location.
    asked = (await phone.post(phone.event(me, "SCAN", code))).text
    assert "桃园村服务站" in asked and "位置" in asked
    assert "位置" in await phone.say(me, "好的")  # a word does not answer it; still waiting
    checked = (await phone.post(phone.location(me, *AT_STATION))).text
    assert "已在桃园村服务站签到" in checked and "已通过位置核验" in checked, checked
    assert "300 米范围内" in checked
    [row] = await rows(app, "SELECT * FROM station_checkins")
    assert row["verified"] and 50 < row["distance_m"] < 150
    assert row["lat_e6"] == 29_124_000 and row["lon_e6"] == 106_655_000  # exact, no float
    # Once a day: a second scan and location the same day answers with the first.
    clock.advance(minutes=5)
    await phone.post(phone.event(me, "SCAN", code))
    again = (await phone.post(phone.location(me, *FAR))).text
    assert "今天已" in again, again
    assert len(await rows(app, "SELECT * FROM station_checkins")) == 1
    # The next day, far from the station: kept, unverified, with the distance.
    clock.advance(days=1)
    await phone.post(phone.event(me, "SCAN", code))
    far = (await phone.post(phone.location(me, *FAR))).text
    assert "未核验" in far and "300" in far, far
    latest = (await rows(app, "SELECT * FROM station_checkins ORDER BY id"))[-1]
    assert not latest["verified"] and latest["distance_m"] > 1500


async def test_a_nonsense_location_is_refused_and_the_check_in_still_waits(app, wechat, clock):
    phone, me = wechat.phone, "o-keeper"
    await bound(wechat, me)
    await phone.post(phone.event(me, "SCAN", await station_code(app)))
    refused = (await phone.post(phone.location(me, "123.5", "106.6"))).text
    assert "该位置无效" in refused, refused
    assert "位置" in refused  # the prompt again
    for lat, lon in [("NaN", "106.6"), ("Infinity", "106.6"), ("北纬", "106.6")]:
        assert "该位置无效" in (await phone.post(phone.location(me, lat, lon))).text
    assert await rows(app, "SELECT * FROM station_checkins") == []
    done = (await phone.post(phone.location(me, *AT_STATION))).text
    assert "已在桃园村服务站签到" in done


async def test_the_station_scene_for_a_villager_another_keeper_and_a_revoked_code(app, wechat):
    phone = wechat.phone
    code = await station_code(app)
    # A villager following the account through the station's code sees the public card.
    card = (await phone.post(phone.event("o-villager", "subscribe", f"qrscene_{code}"))).text
    assert "桃园村服务站" in card and "A-S1" not in card, card
    assert "签到" not in card
    # The keeper of another station is told it is not theirs, and nothing is written.
    await bound(wechat, "o-other", "A-S2")
    other = (await phone.post(phone.event("o-other", "SCAN", code))).text
    assert "不是您的服务站" in other, other
    assert (await phone.post(phone.location("o-other", *AT_STATION))).text.count("扫一扫") == 1
    assert await rows(app, "SELECT * FROM station_checkins") == []
    # Revoked by staff: the old code says so, and whom to call.
    await app.services.run(RevokeStationQr("A-S1", request_key=cli_key("rv")), CLI_ACTOR)
    old = (await phone.post(phone.event("o-villager", "SCAN", code))).text
    assert "此二维码已失效" in old, old
    # Not a code of ours at all.
    assert "无法识别" in (await phone.post(phone.event("o-villager", "SCAN", "s_nope"))).text


async def test_a_check_in_over_wechat_on_each_database(engine, clock):
    """The check-in's insert and its once-a-day conflict run inside the message's savepoint
    (inbound.py): on SQLite and PostgreSQL alike, a redelivered location is the same answer
    and two check-ins of one day are one row."""
    await seed_any_backend(SqlUnitOfWorkFactory(engine))
    async with running_wechat(engine, clock) as stack:
        phone, me = stack.phone, "o-db"
        await bound(stack, me)
        qr = await stack.services.run(StationQrCode("A-S1", request_key="cli:qr"), CLI_ACTOR)
        await phone.post(phone.event(me, "SCAN", qr.code))
        body = phone.location(me, *AT_STATION)
        first, again = await phone.post(body), await phone.post(body)  # WeChat's retry
        assert "已通过位置核验" in first.text and again.text == first.text
        clock.advance(minutes=3)
        await phone.post(phone.event(me, "SCAN", qr.code))
        assert "今天已" in (await phone.post(phone.location(me, *FAR))).text
        async with engine.connect() as conn:
            total = await conn.execute(text("SELECT count(*) FROM station_checkins"))
            assert total.scalar() == 1
