"""The routers' message gates (handlers/telegram/routing.py) close only where no handler of
the router could match: checked against every handler's own first filter, for messages
and dialog states of every kind the routers name. The gated routers' fast path (the gate
asked before aiogram's propagation) answers exactly as aiogram's own path does."""

from __future__ import annotations

from datetime import UTC, datetime
from inspect import isclass

import pytest
from aiogram import BaseMiddleware, Bot, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State, StatesGroup, any_state, default_state
from aiogram.types import Chat, Document, Message, PhotoSize, User

from handlers.telegram import get_routers
from handlers.telegram.routing import GatedRouter, MessageGate, Routes

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
    "/cancel",
    "/claims 已提交",
    "/stations no-check-in",
    "/unknown_command",
    "取",
    "   ",
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
    document = Document(file_id="d", file_unique_id="v", file_name="a.pdf")
    made += [
        Message(message_id=3, date=now, chat=chat, from_user=user, document=document, caption=c)
        for c in (None, "/help", "月报")
    ]
    return [*made, Message(message_id=4, date=now, chat=chat, from_user=user)]  # no content


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


def _recording(routers: list[Router]) -> list[Router]:
    """The routers with every message handler answering its own name instead of running."""
    for router in routers:
        for handler in router.message.handlers:

            async def answer(*args, _name=(router.name, handler.callback.__name__), **kwargs):
                return _name

            handler.call = answer
    return routers


@pytest.mark.parametrize("raw_state", _raw_states(), ids=str)
async def test_every_router_answers_as_aiograms_own_path_does(raw_state):
    """Router by router, the fast path and aiogram's (the base class's propagate_event)
    give the same answer, so the first router to answer, which the dispatcher takes,
    is the same too."""
    bot = Bot("42:TEST")
    routers = _recording(get_routers())
    assert sum(isinstance(r, GatedRouter) for r in routers) >= 10
    for message in _messages():
        for router in routers:
            kwargs = {"bot": bot, "raw_state": raw_state}
            fast = await router.propagate_event("message", message, **kwargs)
            own = await Router.propagate_event(router, "message", message, **kwargs)
            assert fast == own, (router.name, message.text, message.caption, raw_state)


async def test_a_router_with_an_outer_middleware_sees_every_message():
    """An outer middleware runs before the root filters, so it must see a message the gate
    closes: the router then takes aiogram's path alone."""
    routes = Routes("probe")
    routes.message(Command("probe"))(_noop)
    router = routes.build()
    assert isinstance(router, GatedRouter)
    seen: list[str | None] = []

    class Outer(BaseMiddleware):
        async def __call__(self, handler, event, data):
            seen.append(event.text)
            return await handler(event, data)

    router.message.outer_middleware(Outer())
    line = next(m for m in _messages() if m.text and m.text.startswith("入"))
    assert await router.propagate_event("message", line, bot=Bot("42:TEST")) is UNHANDLED
    assert seen == [line.text]


async def test_a_closed_gate_is_aiogram_s_own_first_root_filter():
    for router, gate in _gated():
        assert isinstance(router, GatedRouter)
        assert router.gate is gate
        assert router.message._handler.filters[0].callback is gate


async def _noop(message: Message) -> None:
    return None


class _Outer(StatesGroup):
    first = State()

    class Inner(StatesGroup):
        second = State()


_KINDS = [
    StateFilter(None),
    StateFilter("*"),
    StateFilter(any_state),
    StateFilter(default_state),
    StateFilter("Raw:name"),
    StateFilter(_Outer.first),
    StateFilter(_Outer.Inner.second),
    StateFilter(_Outer),
    StateFilter(_Outer.Inner()),
    StateFilter(_Outer.first, "Raw:other"),
]


@pytest.mark.parametrize("state_filter", _KINDS, ids=str)
async def test_the_gate_lets_through_the_states_its_state_filter_does(state_filter):
    """The gate holds its StateFilters' states as names; for every kind of state aiogram
    takes (None, a string, "*", a State, a StatesGroup class or instance, nested) it
    agrees with the StateFilter itself."""
    gate = MessageGate("", [state_filter])
    message = next(m for m in _messages() if m.text == "hello")
    raw_states = [None, "*", "Raw:name", "Raw:other", "_Outer:first", "_Outer.Inner:second"]
    for raw_state in [*raw_states, "_Outer:unknown"]:
        expected = bool(await state_filter(message, raw_state=raw_state))
        assert await gate(message, raw_state=raw_state) is expected, raw_state
