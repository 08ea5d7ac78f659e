"""The notice board's core as another channel (WeChat next) would call it: a text-only
story on the memory unit of work — a villager's scan, the public card as plain text, a
complaint and its answer, an arrival subscription and the notice an intake produces; the
keeper's profile through the core form with numbered replies. Only the core is called:
Services, the presenters, the form engine's text rendering."""

from __future__ import annotations

from bot.domain.board import ScanKind
from bot.domain.commands import (
    AnswerComplaint,
    FileComplaint,
    RecordIntake,
    ScanStation,
    StationQrCode,
    SubscribeArrivals,
)
from bot.domain.phones import PhoneInput
from bot.i18n import Translator
from bot.presenters.board import public_card
from bot.services.authz import Actor
from bot.services.forms import Finished
from bot.services.forms.text import read_reply, render_confirmation, render_question


async def test_a_villager_on_a_text_only_channel(world, uow):
    wechat = Actor(channel="wechat", external_id="oVillager1")
    code = (await world.services.run(StationQrCode("A-S3", request_key="k"), world.staff)).code
    scan = await world.services.run(ScanStation(code), wechat)
    assert scan.kind is ScanKind.PUBLIC
    assert "李庄村服务站" in public_card(
        scan.card, scan.profile, scan.keeper_name, Translator("zh")
    )
    complaint = await world.services.run(
        FileComplaint(code, "不开门", chat_id="oVillager1", request_key="wx:1"), wechat
    )
    answer = AnswerComplaint(complaint.reference, "已整改", request_key="tg:2:1")
    await world.services.run(answer, world.staff)
    await world.services.run(
        SubscribeArrivals("13812345678", chat_id="oVillager1", request_key="wx:2"), wechat
    )
    intake = RecordIntake(
        "SF1234567890", "张三", PhoneInput(full="13812345678"), request_key="tg:3:1"
    )
    assert (await world.services.run(intake, world.keeper)).notified == 1
    async with uow() as tx:
        rows = [r for r in tx.transaction.rows("outbox") if r.channel == "wechat"]
    assert sorted(r.kind for r in rows) == ["complaint_answered", "parcel_arrived"]
    assert all(r.chat_id == "oVillager1" for r in rows)


async def test_the_profile_form_over_numbered_replies(world):
    ctx = world.services.form_context(world.keeper, "zh")
    step = await world.services.forms.start("profile", ctx)
    for answer in ("每天 8:00-20:00", "快递收发", "免费"):
        step = await world.services.forms.answer(step.session, answer, ctx)
    shown = render_question(step, Translator("zh"))
    assert "1. 姓名和电话" in shown and "2. 仅姓名" in shown
    step = await world.services.forms.answer(step.session, read_reply(step, "2"), ctx)
    assert "显示的联系方式：仅姓名" in render_confirmation(step, Translator("zh"))
    done = world.services.forms.finish(step.session)
    assert isinstance(done, Finished) and done.command.contact == "name"
