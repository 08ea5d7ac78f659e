"""Router declarations that can be built more than once.

An aiogram Router attaches to one parent for life, but tests and demo mode start several
dispatchers in one process. `Routes` records handlers with the same decorator syntax and
builds a fresh Router for each dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router


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
        def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
            self._handlers.append((observer, handler, filters, kwargs))
            return handler

        return decorator

    def build(self) -> Router:
        router = Router(name=self.name)
        for observer, handler, filters, kwargs in self._handlers:
            getattr(router, observer).register(handler, *filters, **kwargs)
        return router
