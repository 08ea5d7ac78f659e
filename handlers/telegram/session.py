"""The HTTP session the bot talks to the Bot API through: aiogram's, with its response
types pinned.

aiogram parses every answer as `Response[method.__returning__]`, a pydantic generic
parametrised on each call. pydantic caches parametrised classes in a *weak* dictionary, and
such a class lives in a reference cycle, so every full garbage collection drops it and the
next call builds it again: about 12 ms of schema building for one `sendMessage` answer.
Under a county's load that was a fifth of the bot's time (cProfile of
`benchmarks.e2e_load`: 192 rebuilds in 1,000 updates). Holding a strong reference to each
parametrised class the first time it is built keeps pydantic's cache warm for the process.
"""

from __future__ import annotations

from typing import Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods.base import Response

# Read-only after first use per returning type; a process sees a few dozen at most.
_PINNED: dict[Any, type] = {}


def pin_response_type(returning: Any) -> type:
    pinned = _PINNED.get(returning)
    if pinned is None:
        pinned = _PINNED[returning] = Response[returning]  # type: ignore[valid-type]
    return pinned


class PinnedAiohttpSession(AiohttpSession):
    def check_response(self, bot, method, status_code, content):  # type: ignore[override]
        pin_response_type(method.__returning__)
        return super().check_response(bot, method, status_code, content)
