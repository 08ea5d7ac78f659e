"""Router declarations that can be built more than once.

An aiogram Router attaches to one parent for life, but tests and demo mode start several
dispatchers in one process. `Routes` records handlers with the same decorator syntax and
builds a fresh Router for each dispatcher.

Magic filters (`F.text`, `F.photo | F.document`) are registered wrapped in `InlineMagic`:
aiogram runs a filter that is not a coroutine in a worker thread (`asyncio.to_thread`),
and `StateFilter(None), F.…` lets every stateless message reach three of them, so an
intake line made three thread round trips for microseconds of attribute lookups.

Each router with a `MessageGate` is a `GatedRouter`: it asks the gate before aiogram's own
round (see there), so a message passes a closed router for one call.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import isclass
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message, TelegramObject
from magic_filter import MagicFilter


class Routes:
    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[tuple[str, Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []

    def message(self, *filters: Any, **kwargs: Any):
        return self._record("message", filters, kwargs)

    def callback_query(self, *filters: Any, **kwargs: Any):
        return self._record("callback_query", filters, kwargs)

    def edited_message(self, *filters: Any, **kwargs: Any):
        return self._record("edited_message", filters, kwargs)

    def _record(self, observer: str, filters: tuple[Any, ...], kwargs: dict[str, Any]):
        filters = tuple(InlineMagic(f) if isinstance(f, MagicFilter) else f for f in filters)

        def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
            self._handlers.append((observer, handler, filters, kwargs))
            return handler

        return decorator

    def build(self) -> Router:
        gate = MessageGate.of(
            [filters for observer, _, filters, _ in self._handlers if observer == "message"]
        )
        router = Router(name=self.name) if gate is None else GatedRouter(self.name, gate)
        for observer, handler, filters, kwargs in self._handlers:
            getattr(router, observer).register(handler, *filters, **kwargs)
        if gate is not None:
            # Still the router's first root filter: aiogram's own path (taken whenever the
            # fast one below stands aside) decides with it exactly as before.
            router.message.filter(gate)
        return router


class GatedRouter(Router):
    """A router whose message gate is asked before aiogram's propagation.

    aiogram's `propagate_event` wraps the router's outer middlewares around a closure
    (`functools.wraps` per call) and copies the update's ~15 keyword arguments several
    times before its root filters say no; an intake line paid that for each of the 17
    routers before `oneline`. Asked first, a closed gate ends it in one call.

    The answer is the same: with no outer middleware on the router's message observer,
    aiogram's next step is the root filters, the gate first among them (`Routes.build`),
    and a failing root filter returns UNHANDLED before any handler, inner middleware or
    sub-router. The gate gets what aiogram's filter call would pass it (the message and
    `raw_state`, None when absent) and changes nothing. An outer middleware must see the
    update even when the gate is closed, so with one registered (at any time) the router
    takes aiogram's path alone."""

    def __init__(self, name: str, gate: MessageGate) -> None:
        super().__init__(name=name)
        self.gate = gate

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        if (
            update_type == "message"
            and not self.message.outer_middleware
            and not await self.gate(event, raw_state=kwargs.get("raw_state"))  # type: ignore[arg-type]
        ):
            return UNHANDLED
        return await super().propagate_event(update_type, event, **kwargs)


class InlineMagic(Filter):
    """A magic filter evaluated on the event loop's thread, with aiogram's own semantics
    (its FilterObject calls `resolve(event)`; a dict result becomes handler data)."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> Any:
        return self.magic.resolve(event)


class MessageGate(Filter):
    """A router-level message filter that lets through exactly the messages one of the
    router's handlers could match, judged by each handler's first filter alone: a
    `Command` needs text or a caption starting with one of its prefixes (what aiogram's
    own parse checks first, after the same whitespace split), a `StateFilter` the dialog
    state it names; any other first filter lets everything through. A message no handler
    could take skips the router's handler-by-handler round of filters and middleware
    calls, which was most of aiogram's routing cost for an intake line: it passes 14
    routers before `oneline` (benchmarks/ledger_intake). Which handler answers is
    unchanged: a router the gate closes has no handler that would have matched."""

    def __init__(self, prefixes: str, states: list[StateFilter]) -> None:
        self.prefixes = prefixes
        self.states = states
        # The raw states the StateFilters let through, as one set: the gate runs for every
        # message at every router, and awaiting each StateFilter in turn was most of its
        # cost. Names are final by now: a StatesGroup names its states (nested groups
        # included) when its class is created, at import, before any router is built.
        self.any_state = False
        self.state_names: set[str | None] = set()
        for state_filter in states:
            for state in state_filter.states:
                self._allow(state)

    def _allow(self, state: Any) -> None:
        """What StateFilter.__call__ accepts for one of its states, as names."""
        if isinstance(state, State):
            state = state.state
        if state is None or isinstance(state, str):
            if state == "*":
                self.any_state = True
            self.state_names.add(state)
        elif isinstance(state, StatesGroup) or (isclass(state) and issubclass(state, StatesGroup)):
            self.state_names.update(state.__all_states_names__)

    @classmethod
    def of(cls, handler_filters: list[tuple[Any, ...]]) -> MessageGate | None:
        prefixes, states = "", []
        for filters in handler_filters:
            first = filters[0] if filters else None
            if isinstance(first, Command):
                prefixes += first.prefix
            elif isinstance(first, StateFilter):
                states.append(first)
            else:
                return None  # this handler could take anything: no gate
        return cls(prefixes, states) if handler_filters else None

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        text = message.text or message.caption
        if text and self.prefixes:
            stripped = text.lstrip()
            if stripped and stripped[0] in self.prefixes:
                return True
        return self.any_state or raw_state in self.state_names
