"""Onboarding and chat basics through the real Dispatcher."""

from __future__ import annotations

import re

from aiogram.methods import SendPhoto, SetMyCommands

from bot.commands.keys import cli_key
from bot.domain.commands import CreateInvite
from bot.domain.roles import Role
from bot.services.invites import CLI_ACTOR

TOKEN_IN_LINK = re.compile(r"start=(i_[A-Za-z0-9_-]{32})")


async def test_unknown_user_is_told_how_to_get_an_invite(chat):
    sent = await chat.send(chat.user(1, "en"), "/start")
    assert "invite QR code" in sent.text
    sent = await chat.send(chat.user(2, "zh"), "你好")
    assert "邀请二维码" in sent.text


async def test_staff_invites_a_keeper_who_scans_and_gets_the_menu(app, chat, people):
    staff = await people.register(10, Role.COUNTY_STAFF, "A", language="en")
    sent = await chat.send(staff, "/invite A-S1")
    photo = next(c for c in sent.calls if isinstance(c, SendPhoto))
    link = TOKEN_IN_LINK.search(photo.caption)
    assert link and "t.me/cunzhan_test_bot?start=" in photo.caption
    png = photo.photo.data
    assert png.startswith(b"\x89PNG")
    keeper = chat.user(20, "en", name="王站长")
    sent = await chat.send(keeper, f"/start {link.group(1)}")
    assert "registered as station keeper: 桃园村服务站 (A-S1)" in sent.text
    assert any("My station" in label for label, _ in sent.buttons)
    assert any(isinstance(c, SetMyCommands) for c in sent.calls)
    actor = await app.services.who("telegram", "20")
    assert actor.role is Role.KEEPER and actor.scope.station_id == app.net.station_a1
    # START again: harmless.
    sent = await chat.send(keeper, f"/start {link.group(1)}")
    assert "already registered" in sent.text
    # Someone else with the same QR: refused, nothing changes.
    sent = await chat.send(chat.user(21, "en"), f"/start {link.group(1)}")
    assert "already been used" in sent.text
    assert (await app.services.who("telegram", "21")).person_id is None


async def test_expired_and_malformed_tokens(app, chat):
    created = await app.services.run(
        CreateInvite(Role.KEEPER, "A-S1", request_key=cli_key("invite")), CLI_ACTOR
    )
    app.clock.advance(hours=73)
    user = chat.user(30, "en")
    assert "expired" in (await chat.send(user, f"/start {created.token}")).text
    assert "not valid" in (await chat.send(user, "/start i_bad")).text
    assert "not recognised" in (await chat.send(user, "/start station_xyz")).text
    assert (await app.services.who("telegram", "30")).person_id is None


async def test_menu_button_shows_own_station(chat, people):
    keeper = await people.register(40, Role.KEEPER, "A-S1", language="en")
    menu = await chat.send(keeper, "/menu")
    sent = await chat.press(keeper, menu, "My station")
    assert "桃园村服务站 (A-S1)" in sent.text
    assert "29.123456, 106.654321" in sent.text


async def test_language_switch(chat, people):
    keeper = await people.register(50, Role.KEEPER, "A-S1")
    assert "主菜单" in (await chat.send(keeper, "/menu")).text
    sent = await chat.send(keeper, "/lang en")
    assert "Language set: English." in sent.text
    assert "Main menu" in (await chat.send(keeper, "/menu")).text
    assert "Unknown language" in (await chat.send(keeper, "/lang fr")).text
    picker = await chat.send(keeper, "/lang")
    sent = await chat.press(keeper, picker, "中文")
    assert "语言" in sent.text


async def test_stranger_language_choice_is_remembered(chat):
    stranger = chat.user(60, "zh")
    await chat.send(stranger, "/lang en")
    assert "invite QR code" in (await chat.send(stranger, "hello")).text


async def test_help_lists_commands_by_role(chat, people):
    keeper = await people.register(70, Role.KEEPER, "A-S1", language="en")
    staff = await people.register(71, Role.COUNTY_STAFF, "A", language="en")
    keeper_help = (await chat.send(keeper, "/help")).text
    staff_help = (await chat.send(staff, "/help")).text
    assert "/station" in keeper_help and "/invite" not in keeper_help
    assert "/invite " in staff_help and "/invite_staff" not in staff_help


async def test_a_chinese_invite_and_welcome_put_the_code_in_full_width_parentheses(chat, people):
    staff = await people.register(11, Role.COUNTY_STAFF, "A")
    sent = await chat.send(staff, "/invite A-S1")
    photo = next(c for c in sent.calls if isinstance(c, SendPhoto))
    assert "站长邀请码：桃园村服务站（A-S1）" in photo.caption and "北京时间" in photo.caption
    link = TOKEN_IN_LINK.search(photo.caption)
    sent = await chat.send(chat.user(21, "zh", name="李站长"), f"/start {link.group(1)}")
    assert "您已登记为站长：桃园村服务站（A-S1）。" in sent.text, sent.text
