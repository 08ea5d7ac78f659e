"""The terminal as a Telegram chat: type as one of the demo people, read the bot's replies.

Lines come from the keyboard (a daemon thread, so Ctrl-C never waits on a blocked read) or
from a script file. Each line becomes an update in the Bot API double; the terminal waits
until the dispatcher has finished with it, then prints whatever the bot sent to anyone.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from devtools.harness import LiveBot
from devtools.telegram_double.server import CallbackAnswer, FakeTelegram, FakeUser, SentMessage

REPLY_TIMEOUT = 10.0
LINK_RE = re.compile(r"https://t\.me/[A-Za-z0-9_]+\?start=([A-Za-z0-9_-]{1,64})")
INDENT = "   "

HELP = """\
  在这里像在 Telegram 里一样和机器人聊天。 Chat with the bot here as you would in Telegram.
  文字、数字或 /命令   发给机器人（1234 是文字）      text, numbers, /commands go to the bot
  :1、:2、:3 …         按下最近一条消息的按钮 [:1]     press that button of the latest message
  :press 站点          按下带这些字的按钮              press the newest button whose label has it
  :as staff            切换为县商务局员工              switch to the county staff member
  :as keeper           切换为站长                      switch to the station keeper
  :as new              切换为一个新的未注册用户        switch to a brand-new, unregistered user
  :scan                扫描机器人最近发出的二维码      "scan" the last QR code (invite, poster)
  :location 纬度 经度   之后“发送位置”按钮发这个位置     the position the location button sends
  :wait 秒数            等待通知（默认 2 秒）            wait for notices (2 s by default)
  :help                显示本说明                      show this help
  :quit                退出（Ctrl-D 也可以）           quit (Ctrl-D works too)
  按钮用冒号按，所以电话尾号、金额随时都能直接输入。 Buttons take a colon, so a phone
  tail or an amount typed at any step is sent as text, never taken for a button.
  试试 / try:  /menu → :1 · :as staff → /invite DEMO-S002 → :as new → :scan
  公示栏 / notice board:  :as keeper → /profile … → /poster → :scan → :1 (位置 location)
                          :as new → :scan → :1 (评价 rate) / :2 (投诉 complain) / :3 (到件通知)"""


@dataclass
class Persona:
    key: str  # what `:as` takes
    label: str  # shown in the prompt
    user: FakeUser


@dataclass
class Terminal:
    live: LiveBot
    personas: dict[str, Persona]
    current: str
    qr_dir: Path
    out: TextIO = field(default_factory=lambda: sys.stdout)
    last_link: str | None = None
    _qr_numbers: itertools.count = field(default_factory=lambda: itertools.count(1))
    _new_numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def fake(self) -> FakeTelegram:
        return self.live.fake

    @property
    def me(self) -> Persona:
        return self.personas[self.current]

    def prompt(self) -> str:
        return f"[{self.me.label}] > "

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    # -- the loop ---------------------------------------------------------------------

    async def run(self, lines: AsyncGenerator[str | None, None], *, echo: bool) -> None:
        try:
            while True:
                if echo:
                    print(self.prompt(), end="", file=self.out, flush=True)
                line = await anext(lines, None)
                if line is None:  # end of input (Ctrl-D or end of the script)
                    self.say()
                    return
                if echo:
                    self.say(line)
                if not await self.handle(line.strip()):
                    return
        finally:
            await lines.aclose()

    async def handle(self, line: str) -> bool:
        """Act on one line; False to quit."""
        if not line or line.startswith("#"):
            return True
        if line.startswith(":"):
            return await self.meta(line)
        # Everything else is what the person typed, numbers included: a phone tail
        # (`1234`) or an amount (`400`) at a step with buttons is an answer, not a press.
        await self.exchange(self.fake.send_text(self.me.user, line))
        return True

    async def press_number(self, number: int) -> None:
        message = self.latest_with_buttons()
        if message is None:
            self.say(f"{INDENT}(没有可按的按钮 · no buttons to press)")
            return
        if not 1 <= number <= len(message.buttons):
            self.say(f"{INDENT}(没有按钮 :{number} · no button :{number})")
            return
        await self.exchange(self.fake.press(self.me.user, message, number - 1))

    async def meta(self, line: str) -> bool:
        command, _, rest = line[1:].partition(" ")
        command, rest = command.lower(), rest.strip().lower()
        if command in ("quit", "q", "exit"):
            return False
        if command.isdecimal():  # `:2` presses button 2 (`: 2` too)
            await self.press_number(int(command))
        elif not command and rest.isdecimal():
            await self.press_number(int(rest))
        elif command in ("help", "h", "?"):
            self.say(HELP)
        elif command == "as":
            self.switch(rest)
        elif command == "scan":
            await self.scan()
        elif command == "wait":  # notices (the outbox) arrive a moment after the update
            await asyncio.sleep(min(float(rest or 2), 30))
            self.show_unread()
        elif command == "location":
            self.move(rest)
        elif command == "press":
            await self.press_label(line[1:].partition(" ")[2].strip())
        else:
            self.say(f"{INDENT}(未知命令 unknown command :{command} — :help)")
        return True

    def move(self, where: str) -> None:
        try:
            latitude, longitude = (float(part) for part in where.replace(",", " ").split())
        except ValueError:
            self.say(f"{INDENT}(写成 · write it like  :location 27.8124 115.4013)")
            return
        self.fake.location = (latitude, longitude)
        self.say(
            f"{INDENT}(位置按钮将发送 · the location button now sends {latitude}, {longitude})"
        )

    def switch(self, who: str) -> None:
        if who == "new":
            number = next(self._new_numbers)
            user = self.fake.create_user(f"新用户{number}", language_code="zh")
            self.personas["new"] = Persona("new", f"新用户{number} new", user)
        elif who not in self.personas:
            choices = " | ".join(sorted({*self.personas, "new"}))
            self.say(f"{INDENT}(:as {choices})")
            return
        self.current = who
        self.say(f"{INDENT}(现在你是 you are now: {self.me.label} · {self.me.user.full_name})")

    async def press_label(self, label: str) -> None:
        for message in reversed(self.fake.messages_to(self.me.user.id)):
            if message.deleted:
                continue
            for index, button in enumerate(message.buttons):
                if label and label in button.text:
                    await self.exchange(self.fake.press(self.me.user, message, index))
                    return
        self.say(f"{INDENT}(没有这样的按钮 · no button labelled “{label}”)")

    async def scan(self) -> None:
        if self.last_link is None:
            self.say(
                f"{INDENT}(还没有邀请码 · no invite link yet: as staff, send /invite DEMO-S002)"
            )
            return
        match = LINK_RE.search(self.last_link)
        assert match is not None
        self.say(f"{INDENT}(扫码 scanning {self.last_link})")
        await self.exchange(self.fake.send_text(self.me.user, f"/start {match.group(1)}"))

    # -- talking to the bot -----------------------------------------------------------

    async def exchange(self, update: dict) -> None:
        try:
            await self.live.wait_handled(update, REPLY_TIMEOUT)
        except TimeoutError:
            self.say(f"{INDENT}(机器人 {REPLY_TIMEOUT:.0f} 秒内没有处理完 · no answer in time)")
        query = update.get("callback_query")
        if query is not None:
            answer = next(
                (a for a in self.fake.callback_answers if a.query_id == query["id"]), None
            )
            self.show_answer(answer)
        self.show_unread()

    def show_answer(self, answer: CallbackAnswer | None) -> None:
        if answer is not None and answer.text:
            kind = "⚠ alert" if answer.show_alert else "toast"
            self.say(f"{INDENT}({kind}) {answer.text}")

    def show_unread(self) -> None:
        # The current person first, then anyone else the bot wrote to (a notification).
        people = [self.me, *(p for p in self.personas.values() if p is not self.me)]
        for person in people:
            for message in self.fake.unread(person.user.id):
                self.show(message, None if person is self.me else person)

    def show(self, message: SentMessage, to: Persona | None) -> None:
        head = "🤖" if to is None else f"🤖 → {to.user.full_name} ({to.label})"
        body = message.body
        if message.photo is not None:
            path = self.save_photo(message.photo)
            link = LINK_RE.search(body)
            target = f" → link {link.group(0)}" if link else ""
            self.say(f"{head} [photo: QR code saved to {path}{target}]")
            head = INDENT[:-1]
        for match in LINK_RE.finditer(body):
            self.last_link = match.group(0)
        lines = body.splitlines() or [""]
        self.say(f"{head} {lines[0]}")
        for line in lines[1:]:
            self.say(f"{INDENT}{line}".rstrip())
        if message.buttons:
            self.say(render_buttons(message))

    def save_photo(self, data: bytes) -> Path:
        self.qr_dir.mkdir(parents=True, exist_ok=True)
        path = self.qr_dir / f"demo-qr-{next(self._qr_numbers)}.png"
        path.write_bytes(data)
        return path

    def latest_with_buttons(self) -> SentMessage | None:
        for message in reversed(self.fake.messages_to(self.me.user.id)):
            if message.buttons and not message.deleted:
                return message
        return None


def render_buttons(message: SentMessage) -> str:
    rows: dict[int, list[str]] = {}
    for number, button in enumerate(message.buttons, start=1):
        rows.setdefault(button.row, []).append(f"[:{number}] {button.text}")
    return "\n".join(INDENT + "  ".join(row) for row in rows.values())


# --- where lines come from -------------------------------------------------------------


async def script_lines(path: Path) -> AsyncIterator[str | None]:
    text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    for line in text.splitlines():
        yield line


async def keyboard_lines(prompt: Callable[[], str]) -> AsyncIterator[str | None]:
    """Lines typed at the terminal. The read happens in a daemon thread, so quitting (or
    Ctrl-C) never waits for a read that will not return."""
    loop = asyncio.get_running_loop()
    try:
        import readline  # noqa: F401 - line editing and history for input()
    except ImportError:  # pragma: no cover - not on every platform
        pass
    while True:
        future: asyncio.Future[str | None] = loop.create_future()

        def read(text: str, future: asyncio.Future[str | None] = future) -> None:
            try:
                line: str | None = input(text)
            except (EOFError, OSError):
                line = None
            except KeyboardInterrupt:  # pragma: no cover - the main thread gets SIGINT
                line = None
            loop.call_soon_threadsafe(_resolve, future, line)

        threading.Thread(target=read, args=(prompt(),), daemon=True).start()
        line = await future
        yield line
        if line is None:
            return


def _resolve(future: asyncio.Future, value: str | None) -> None:
    if not future.done():
        future.set_result(value)
