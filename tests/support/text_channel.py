"""A second channel in a few lines: a text-only chat over the core, with no aiogram.

`TextChat` is what a WeChat-like front end does with the core: it keeps a form session per
person, renders each step as text (`bot.services.forms.text`), reads numbered replies,
runs finished commands through `Services.run` and renders the results with the shared
presenters. `python -m tests.support.text_channel` plays a keeper's day on the in-memory
unit of work and prints the transcript as JSON, with the modules it imported, so a test
can check that nothing of Telegram was needed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import sys
from datetime import UTC, datetime

from bot.domain.commands import CreateInvite, RedeemInvite, ShowMonth
from bot.domain.errors import CunzhanError
from bot.domain.one_line import parse_line
from bot.domain.roles import Role
from bot.i18n import Translator
from bot.presenters.texts import entry_saved, month_text
from bot.services.authz import Actor
from bot.services.bus import Services
from bot.services.env import Env
from bot.services.forms import Confirmation, Finished, Question
from bot.services.forms.text import confirmed, read_reply, render_confirmation, render_question
from bot.services.invites import CLI_ACTOR

CHANNEL = "text"


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


class TextChat:
    """One person's conversation, as a text-only channel would hold it."""

    def __init__(self, services: Services, actor: Actor, language: str = "zh") -> None:
        self.services, self.actor = services, actor
        self.t = Translator(language)
        self.step: Question | Confirmation | None = None
        self.keys = itertools.count(1)

    def _key(self) -> str:
        return f"{CHANNEL}:{self.actor.external_id}:{next(self.keys)}"

    async def say(self, text: str) -> str:
        try:
            return await self._say(text)
        except CunzhanError as error:  # the conversation stays where it was
            return self.t(error.text)

    async def _say(self, text: str) -> str:
        ctx = self.services.form_context(self.actor, self.t.language)
        forms = self.services.forms
        if self.step is None:
            if text in forms.specs:
                self.step = await forms.start(text, ctx)
                return render_question(self.step, self.t)
            if text == "本月":
                view = await self.services.run(ShowMonth(), self.actor)
                return month_text(view, self.t)
            line = parse_line(text)
            if line is None:
                return "?"
            command = dataclasses.replace(line, request_key=self._key())
            return entry_saved(await self.services.run(command, self.actor), self.t)
        if isinstance(self.step, Confirmation):
            answer = confirmed(text)
            if answer is None:
                return render_confirmation(self.step, self.t)
            session, self.step = self.step.session, None
            if not answer:
                return "cancelled"
            return await self._finish(forms.finish(session))
        step = await forms.answer(self.step.session, read_reply(self.step, text), ctx)
        if isinstance(step, Finished):
            return await self._finish(step)
        self.step = step
        if isinstance(step, Confirmation):
            return render_confirmation(step, self.t)
        return render_question(step, self.t)

    async def _finish(self, done: Finished) -> str:
        key = f"{CHANNEL}:{self.actor.external_id}:{done.session.nonce}"
        command = dataclasses.replace(done.command, request_key=key)
        saved = entry_saved(await self.services.run(command, self.actor), self.t)
        self.step = None
        if done.next_session is not None:
            ctx = self.services.form_context(self.actor, self.t.language)
            self.step = await self.services.forms.question(done.next_session, ctx)
            return saved + "\n" + render_question(self.step, self.t)
        return saved


async def keeper_day() -> list[tuple[str, str]]:
    from storage.memory import MemoryUnitOfWorkFactory
    from tests.support.backends import seed_network

    uow = MemoryUnitOfWorkFactory()
    await seed_network(uow)
    clock = FixedClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
    services = Services(uow, Env(clock, b"text-channel-key"))
    invite = await services.run(CreateInvite(Role.KEEPER, "A-S1", request_key="cli:1"), CLI_ACTOR)
    stranger = Actor(channel=CHANNEL, external_id="wx-keeper")
    await services.run(RedeemInvite(invite.token, "王站长", "zh", request_key="r1"), stranger)
    chat = TextChat(services, await services.who(CHANNEL, "wx-keeper"))
    transcript = []
    for line in [
        "intake",
        "SF1234567890123",
        "张三",
        "138 1234 5678",
        "1",  # the first way of telling the recipient, by number
        "SF1234567890123",  # the same waybill again: refused at the step
        "YT9876543210123",  # 圆通: known from the number, so no carrier question
        "李四",
        "5678",
        "2",
    ]:
        transcript.append((line, await chat.say(line)))
    chat.step = None  # leave the batch, as "done" would
    for line in ["sale", "脆李", "20斤", "400", "2", "1", "售 苹果 10斤 80", "本月"]:
        transcript.append((line, await chat.say(line)))
    # A misread number corrected at the next question, without starting over.
    for line in ["intake", "SF1111111111111", "SF2222222222222", "赵六", "1111", "1"]:
        transcript.append((line, await chat.say(line)))
    return transcript


def main() -> None:
    transcript = asyncio.run(keeper_day())
    loaded = sorted({name.split(".")[0] for name in sys.modules})
    print(json.dumps({"transcript": transcript, "modules": loaded}, ensure_ascii=False))


if __name__ == "__main__":
    main()
