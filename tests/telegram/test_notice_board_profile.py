"""The keeper writes the station's notice board step by step (/profile); a too-long answer
is refused and the form stays on its step; saving tells county staff through the outbox;
a villager scanning the poster sees exactly what the keeper chose to show."""

from __future__ import annotations

from bot.domain.roles import Role
from tests.support.outbox import rendered
from tests.telegram.test_notice_board_scans import station_code


async def fill_profile(chat, keeper, contact_label: str, phone: str | None = None, save="Save"):
    await chat.send(keeper, "/profile")
    await chat.send(keeper, "每天 8:00-20:00")
    await chat.send(keeper, "快递收发、代购代销、话费充值")
    step = await chat.send(keeper, "代收快递免费；寄件首重8元")
    step = await chat.press(keeper, step, contact_label)
    if phone is not None:
        step = await chat.send(keeper, phone)
    return await chat.press(keeper, step, save)


async def test_the_keeper_writes_the_board_and_staff_are_told(app, chat, people):
    staff = await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    opened = await chat.send(keeper, "/profile")
    assert "Your notice board now" in opened.text and "Opening hours" in opened.text
    too_long = await chat.send(keeper, "长" * 101)
    assert "Too long: at most 100 characters" in too_long.text
    await chat.send(keeper, "每天 8:00-20:00")  # the same step, answered properly
    await chat.send(keeper, "快递收发、代购代销、话费充值")
    step = await chat.send(keeper, "代收快递免费；寄件首重8元")
    step = await chat.press(keeper, step, "name and phone")
    bad = await chat.send(keeper, "call me")
    assert "not a phone number" in bad.text
    step = await chat.send(keeper, "138 1234 5678")
    assert "Phone shown: 138 1234 5678" in step.text
    saved = await chat.press(keeper, step, "Save")
    assert "Saved" in saved.text and "寄件首重8元" in saved.text, saved.text
    again = await chat.press(keeper, step, "Save")  # a double tap saves once
    assert "Already saved" in again.text or "Already saved" in " ".join(again.alerts)
    told = [n.text for n in await rendered(app.engine, "kind = 'profile_changed'")]
    assert len(told) == 1 and "桃园村服务站" in told[0] and "每天 8:00-20:00" in told[0]
    # What a villager sees follows the profile, with the phone the keeper chose to show.
    villager = chat.user(900, "en")
    card = await chat.send(villager, f"/start {await station_code(app)}")
    assert "每天 8:00-20:00" in card.text and "138 1234 5678" in card.text
    assert "代收快递免费" in card.text
    assert staff  # staff themselves never scanned anything


async def test_a_keeper_may_hide_their_contact(app, chat, people):
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    await fill_profile(chat, keeper, "name and phone", "13812345678")
    await fill_profile(chat, keeper, "neither")
    villager = chat.user(900, "en")
    card = await chat.send(villager, f"/start {await station_code(app)}")
    assert "13812345678" not in card.text and "Keeper:" not in card.text


async def test_only_a_keeper_edits_a_board(app, chat, people):
    staff = await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    assert "not allowed" in (await chat.send(staff, "/profile")).text
