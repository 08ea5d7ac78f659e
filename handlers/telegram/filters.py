"""Small message filters as plain coroutines.

The same tests as the magic filters they replace (`F.text.func(PATTERN.fullmatch)`,
`F.photo | F.document`), written out: they sit behind `StateFilter(None)`, so every
message outside a dialog — every intake line — evaluates them, and magic_filter's
interpreter took 7 % of an intake update's time for these three (py-spy of
benchmarks/ledger_intake).
"""

from __future__ import annotations

import re

from aiogram.filters import Filter
from aiogram.types import Message


class TextMatches(Filter):
    """The whole text matches `pattern`."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern

    async def __call__(self, message: Message) -> bool:
        text = message.text
        return text is not None and self.pattern.fullmatch(text) is not None


class HasPhotoOrDocument(Filter):
    async def __call__(self, message: Message) -> bool:
        return bool(message.photo) or message.document is not None
