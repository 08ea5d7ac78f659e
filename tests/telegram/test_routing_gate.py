"""The routers' message gates (handlers/telegram/routing.py) close only where no handler of
the router could match: checked against every handler's own first filter, for messages
and dialog states of every kind the routers name."""

from __future__ import annotations

from datetime import UTC, datetime
from inspect import isclass

import pytest
from aiogram import Bot
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Chat, Message, PhotoSize, User

from handlers.telegram import get_routers
from handlers.telegram.routing import MessageGate

TEXTS = [
    "/start",
    "/start abc",
    "  /stations below",
    "\u3000/help",  # an ideographic space before the command
    "/menu",
    "入 SF000000000123 张三 1234",
    "取 A-001",
    "货架",
    "hello",
    "1234",
    "!start",
]


def _raw_states() -> list[str | None]:
    states: set[str | None] = {None, "SomeDialog:unknown"}
    for router in get_routers():
        for handler in router.message.handlers:
            for flt in handler.filters or []:
                if isinstance(flt.callback, StateFilter):
                    for state in flt.callback.states:
                        states.update(_names(state))
    return sorted(states, key=str)


def _names(state) -> set[str | None]:
    if isinstance(state, State):
        return {state.state}
    if isclass(state) and issubclass(state, StatesGroup):
        return {s.state for s in state.__all_states__}
    if isinstance(state, StatesGroup):
        return {s.state for s in type(state).__all_states__}
    return {state}


def _messages() -> list[Message]:
    user = User(id=5, is_bot=False, first_name="李")
    chat = Chat(id=5, type="private")
    now = datetime.now(UTC)
    made = [Message(message_id=1, date=now, chat=chat, from_user=user, text=t) for t in TEXTS]
    photo = [PhotoSize(file_id="f", file_unique_id="u", width=1, height=1)]
    made += [
        Message(message_id=2, date=now, chat=chat, from_user=user, photo=photo, caption=c)
        for c in (None, "/start", "门头照")
    ]
    return made


def _gated():
    routers = [
        (router, flt.callback)
        for router in get_routers()
        for flt in router.message._handler.filters or []
        if isinstance(flt.callback, MessageGate)
    ]
    assert len(routers) >= 10, "the feature routers are gated"
    return routers


@pytest.mark.parametrize("raw_state", _raw_states(), ids=str)
async def test_a_closed_gate_hides_no_handler_that_would_match(raw_state):
    bot = Bot("42:TEST")
    for router, gate in _gated():
        for message in _messages():
            if await gate(message, raw_state=raw_state):
                continue
            for handler in router.message.handlers:
                first = handler.filters[0]
                taken = await first.call(message, bot=bot, raw_state=raw_state)
                assert not taken, (router.name, handler.callback.__name__, message.text, raw_state)


async def test_an_intake_line_passes_by_most_routers_without_their_handler_round():
    line = next(m for m in _messages() if m.text and m.text.startswith("入"))
    closed = [router.name for router, gate in _gated() if not await gate(line, raw_state=None)]
    assert "oneline" not in closed
    assert len(closed) >= 10, closed
