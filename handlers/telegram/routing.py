"""Router declarations that can be built more than once.

An aiogram Router attaches to one parent for life, but tests and demo mode start several
dispatchers in one process. `Routes` records handlers with the same decorator syntax and
builds a fresh Router for each dispatcher.

Magic filters (`F.text`, `F.photo | F.document`) are registered wrapped in `InlineMagic`:
aiogram runs a filter that is not a coroutine in a worker thread (`asyncio.to_thread`),
and `StateFilter(None), F.…` lets every stateless message reach three of them, so an
intake line made three thread round trips for microseconds of attribute lookups.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.filters import Command, Filter, StateFilter
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
        router = Router(name=self.name)
        for observer, handler, filters, kwargs in self._handlers:
            getattr(router, observer).register(handler, *filters, **kwargs)
        gate = MessageGate.of(
            [filters for observer, _, filters, _ in self._handlers if observer == "message"]
        )
        if gate is not None:
            router.message.filter(gate)
        return router


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
        for state in self.states:
            if await state(message, raw_state=raw_state):
                return True
        return False
