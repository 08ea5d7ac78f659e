"""Onboarding end to end: the real bot long-polls the Bot API double over HTTP.

Everything between the user's tap and the bot's reply is production code: aiogram's HTTP
session and polling loop, the dispatcher with its middlewares, the services and SQLite.
People here speak English (language_code="en"), so the texts checked are the source
strings in the handlers, whatever the Chinese catalog says.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
from aiogram.types import BufferedInputFile

from adapters.qr import qr_png
from bot.domain.roles import Role
from handlers.telegram.runner import make_bot
from tests.support.fake_telegram import (
    DEMO_TOKEN,
    START_LINK_RE,
    FakeTelegram,
    LiveBot,
    cli_invite,
    decode_qr,
)

ROOT = Path(__file__).resolve().parents[2]
FIRST_STATION = "DEMO-S001"  # first row of bot/samples/network_sample.csv


async def say(fake: FakeTelegram, user, text: str, count: int = 1):
    fake.send_text(user, text)
    return await fake.wait_for_messages(user.id, count, timeout=5)


async def register(live: LiveBot, name: str, role: Role, code: str | None, language="en"):
    """A person bound through a CLI invite and `/start <token>`, as a QR scan does."""
    token = await cli_invite(live.app, role, code)
    user = live.fake.create_user(name, language_code=language)
    (welcome,) = await say(live.fake, user, f"/start {token}")
    assert name in welcome.text and welcome.buttons, welcome.text
    if language == "en":
        assert welcome.text.startswith(f"Welcome, {name}!"), welcome.text
    return user, welcome


def labels(message) -> list[str]:
    return [b.text for b in message.buttons]


async def role_of(live: LiveBot, user) -> Role | None:
    async with live.app.uow() as uow:
        person = await uow.people.by_identity("telegram", str(user.id))
    return person.grant.role if person and person.grant else None


# --- onboarding --------------------------------------------------------------------


async def test_staff_invites_a_keeper_by_qr_code(live: LiveBot):
    fake = live.fake
    staff, welcome = await register(live, "Wang", Role.COUNTY_STAFF, "DEMO")
    assert "registered as county staff: 示范县 (DEMO)" in welcome.text
    assert await role_of(live, staff) is Role.COUNTY_STAFF
    assert "➕ Invite a keeper" in labels(welcome)
    chat_commands = fake.get_commands({"type": "chat", "chat_id": staff.id})
    assert {"invite", "stations"} <= {c["command"] for c in chat_commands}

    (photo,) = await say(fake, staff, f"/invite {FIRST_STATION}")
    assert photo.method == "sendPhoto" and photo.photo is not None
    link = decode_qr(photo.photo)
    match = START_LINK_RE.fullmatch(link)
    assert match is not None, link
    assert match.group(1) == fake.bot_username
    assert link in photo.caption
    token = match.group(2)

    keeper = fake.create_user("Li", language_code="en")
    (greeting,) = await say(fake, keeper, f"/start {token}")
    assert greeting.text.startswith("Welcome, Li! You are now registered as station keeper:")
    assert f"({FIRST_STATION})" in greeting.text
    assert await role_of(live, keeper) is Role.KEEPER
    keeper_menu = labels(greeting)
    assert {"🏠 My station", "❓ Help", "🌐 语言 / Language"} <= set(keeper_menu)
    assert "➕ Invite a keeper" not in keeper_menu

    # START pressed again (a replayed deep link): harmless, still bound.
    (again,) = await say(fake, keeper, f"/start {token}")
    assert again.text.startswith("You are already registered as station keeper:")
    assert labels(again) == keeper_menu

    # The same QR code scanned by someone else: refused.
    stranger = fake.create_user("Zhao", language_code="en")
    (refused,) = await say(fake, stranger, f"/start {token}")
    assert refused.text.startswith("This invite has already been used.")
    assert refused.buttons == []
    assert await role_of(live, stranger) is None
    (menu,) = await say(fake, stranger, "/menu")
    assert menu.text.startswith("You are not registered yet.")


async def test_expired_invite_is_refused(live: LiveBot, clock):
    token = await cli_invite(live.app, Role.KEEPER, "DEMO-S002")
    clock.advance(hours=live.app.settings.invite_ttl_hours, seconds=1)
    late = live.fake.create_user("Late", language_code="en")
    (reply,) = await say(live.fake, late, f"/start {token}")
    assert reply.text == "This invite expired. Ask county staff for a new QR code."
    (menu,) = await say(live.fake, late, "/menu")
    assert menu.text.startswith("You are not registered yet.")


@pytest.mark.parametrize(
    ("payload", "answer"),
    [
        ("i_tooShort", "This invite link is not valid."),
        ("i_" + "A" * 32, "This invite link is not valid."),  # well formed, never issued
        ("hello", "This link is not recognised."),
    ],
)
async def test_malformed_invite_is_refused(live: LiveBot, payload, answer):
    user = live.fake.create_user("Guess", language_code="en")
    (reply,) = await say(live.fake, user, f"/start {payload}")
    assert reply.text.startswith(answer), reply.text


# --- language and menu ---------------------------------------------------------------


async def test_lang_en_switches_to_english(live: LiveBot):
    fake = live.fake
    keeper, _ = await register(live, "Chen", Role.KEEPER, FIRST_STATION, language="zh")
    (switched,) = await say(fake, keeper, "/lang en")
    assert switched.text == "Language set: English."
    assert "🏠 My station" in labels(switched)
    (menu,) = await say(fake, keeper, "/menu")
    assert menu.text == "Main menu. Choose an action:"
    commands = fake.get_commands({"type": "chat", "chat_id": keeper.id})
    assert {"command": "menu", "description": "Main menu"} in commands


async def test_keeper_opens_my_station_from_the_menu(live: LiveBot):
    fake = live.fake
    keeper, _ = await register(live, "Li", Role.KEEPER, FIRST_STATION)
    (menu,) = await say(fake, keeper, "/menu")
    press = fake.press(keeper, menu, "My station")
    answer = await fake.wait_for_callback_answer(press, timeout=5)
    assert answer.user_id == keeper.id and not answer.show_alert
    card = await fake.wait_for_message(keeper.id, timeout=5)
    assert card.text.splitlines()[0] == f"青山村电商服务站 ({FIRST_STATION})"
    assert "Village: 青山村 · Township: 青山镇 · County: 示范县" in card.text


async def test_stranger_pressing_a_keeper_button_is_told_to_register(live: LiveBot):
    fake = live.fake
    keeper, _ = await register(live, "Li", Role.KEEPER, FIRST_STATION)
    (menu,) = await say(fake, keeper, "/menu")
    # A forwarded or stale keyboard pressed by someone unregistered: ids come from the
    # update, never from the button.
    stranger = fake.create_user("Nosy", language_code="en")
    answer = await fake.wait_for_callback_answer(fake.press(stranger, menu, 0), timeout=5)
    assert answer.show_alert and answer.text.startswith("You are not registered yet.")


# --- the double itself ---------------------------------------------------------------


async def test_fake_api_faults_and_uploads(fake_api: FakeTelegram):
    bot = make_bot(DEMO_TOKEN, fake_api.base_url)
    user = fake_api.create_user("Ann", language_code="en")
    try:
        fake_api.fail_next("sendMessage", error_code=429, retry_after=7)
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(user.id, "hi")
        assert caught.value.retry_after == 7
        fake_api.fail_next("sendMessage", error_code=502)
        with pytest.raises(TelegramServerError):
            await bot.send_message(user.id, "hi")
        sent = await bot.send_message(user.id, "hi")
        assert sent.text == "hi" and sent.from_user.username == fake_api.bot_username

        png = qr_png("https://t.me/cunzhan_demo_bot?start=x")
        photo = await bot.send_photo(user.id, BufferedInputFile(png, "qr.png"), caption="c")
        file = await bot.get_file(photo.photo[-1].file_id)
        assert (await bot.download_file(file.file_path)).read() == png
        messages = await fake_api.wait_for_messages(user.id, 2, timeout=5)
        assert [m.body for m in messages] == ["hi", "c"]
        assert messages[1].photo == png
    finally:
        await bot.session.close()


async def test_get_updates_long_polls_and_confirms_by_offset(fake_api: FakeTelegram):
    bot = make_bot(DEMO_TOKEN, fake_api.base_url)
    user = fake_api.create_user("Ann")
    try:
        # A long poll returns as soon as an update arrives; here one is already waiting.
        first = fake_api.send_text(user, "one")
        updates = await bot.get_updates(timeout=5)
        assert [u.update_id for u in updates] == [first["update_id"]]
        assert updates[0].message.text == "one"
        again = await bot.get_updates(timeout=0)  # unconfirmed: delivered again
        assert [u.update_id for u in again] == [first["update_id"]]
        second = fake_api.send_text(user, "two")
        confirmed = await bot.get_updates(offset=first["update_id"] + 1, timeout=5)
        assert [u.update_id for u in confirmed] == [second["update_id"]]
        assert fake_api.confirmed_offset == first["update_id"] + 1

        # Nothing pending: the poll waits, and returns as soon as something arrives.
        asked = len(fake_api.calls)
        poll = asyncio.create_task(bot.get_updates(offset=second["update_id"] + 1, timeout=30))
        await fake_api.wait_for(lambda: len(fake_api.calls) > asked, timeout=5)
        assert not poll.done()
        third = fake_api.send_text(user, "three")
        async with asyncio.timeout(5):
            woken = await poll
        assert [u.update_id for u in woken] == [third["update_id"]]
    finally:
        await bot.session.close()


# --- demo mode -------------------------------------------------------------------------


def run_demo(tmp_path, lines: list[str]) -> str:
    """`python -m bot demo --script` with `lines`; what the terminal printed."""
    script = tmp_path / "chat.txt"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CUNZHAN_LOG_LEVEL": "WARNING"}
    env.pop("CUNZHAN_DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "demo",
            "--script",
            str(script),
            "--database-url",
            f"sqlite+aiosqlite:///{tmp_path}/demo.db",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def test_demo_script_mode(tmp_path):
    # `:1` presses whatever the keeper's menu shows first; `:press 🏠` finds "My station"
    # wherever the menu puts it.
    out = run_demo(tmp_path, ["/menu", ":1", ":press 🏠", ":as staff", "/stations", ":quit"])
    assert "[站长 keeper] > /menu" in out
    menu, pressed_1 = out.split("[站长 keeper] > /menu", 1)[1].split("[站长 keeper] > :1", 1)
    assert re.search(r"\[:1\] \S.*\[:2\] \S", menu) and "🏠" in menu  # numbered buttons
    assert pressed_1.lstrip().startswith("🤖")  # button 1 was pressed and answered
    card = out.split("> :press 🏠", 1)[1]
    assert f"（{FIRST_STATION}）" in card.split("[县商务局 staff]", 1)[0]  # the station card
    assert "[县商务局 staff] > /stations" in out
    after_stations = out.split("> /stations", 1)[1]
    assert "DEMO-S001" in after_stations and "DEMO-S008" in after_stations
    assert out.rstrip().endswith("bye")


def test_demo_numbers_are_text_and_buttons_take_a_colon(tmp_path):
    """A phone tail and an amount typed where the bot shows buttons reach the bot as text;
    only `:N` presses a button."""
    out = run_demo(
        tmp_path,
        [
            ":help",
            "/intake",
            "SF1234567890123",
            "张三",
            "1234",  # the phone step shows a Cancel button: 1234 is still the tail
            ":1",  # how the recipient was told: the first choice
            "/done",
            "/sale",
            "脆李",
            "20斤",
            "400",  # the amount, not button 400
            ":press 直播",
            ":1",  # ✅ Save
            ":9",
            ":quit",
        ],
    )
    help_text = out.split("> :help", 1)[1].split("> /intake", 1)[0]
    assert ":1" in help_text and "1234 是文字" in help_text
    tail = out.split("> 1234", 1)[1].split("> :1", 1)[0]
    assert "没有按钮" not in tail and "通知" in tail  # answered: how was the recipient told?
    assert "A-001" in out.split("> :1", 1)[1].split("> /done", 1)[0]
    amount = out.split("> 400", 1)[1].split("> :press 直播", 1)[0]
    assert "渠道" in amount and "[:1]" in amount  # the channel question, buttons [:1] …
    saved = out.split("> :press 直播", 1)[1].split("> :9", 1)[0]
    assert "400 元" in saved and "已保存" in saved
    assert "没有按钮 :9" in out.split("> :9", 1)[1]
